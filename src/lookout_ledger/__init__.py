"""Lookout Ledger: a system of record for border lookouts, inspections, foreign disclosures
and the communications behind them, with the accountability controls of DHS OIG-21-62 built in."""

__version__ = "0.1.0"
