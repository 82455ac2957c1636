"""lookouts capability."""
