"""The policy files every control reads: versioned TOML, each rule with an id and a citation.

Core, not a capability: the ledger context carries the active policy, and every capability's
controls look their rules up in it.
"""
