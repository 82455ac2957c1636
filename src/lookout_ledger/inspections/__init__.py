"""inspections capability."""
