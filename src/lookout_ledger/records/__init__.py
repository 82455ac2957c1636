"""records capability."""
