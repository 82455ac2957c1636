"""What the tests share: invented worlds, scenarios, servers and helpers, imported as
`support.NAME` (no `sys.path` edits)."""
