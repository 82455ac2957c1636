"""core capability."""
