"""The tables of the Ledger Interchange Format's record types: the history every capability reads.

Lookouts and their events, crossings, inspections, disclosures and communications are facts that
several capabilities share: lookouts decide referral from inspections, screening records
crossings, inspections follow crossings, records link communications to disclosures, the
oversight audit reads them all, and the interchange imports and exports them. They live here,
below every capability, so those capabilities depend on the history and not on each other.
Each capability keeps its own workflow tables (lookout controls, disclosure drafts, the
archive's metadata, the screening log) beside its rules. Units and officials (`org`) and
persons (`people`) are the two lowest capabilities and keep their tables.
"""
