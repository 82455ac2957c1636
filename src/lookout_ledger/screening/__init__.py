"""screening capability."""
