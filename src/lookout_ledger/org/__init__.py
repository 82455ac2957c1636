"""org capability."""
