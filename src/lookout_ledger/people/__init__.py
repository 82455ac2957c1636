"""people capability."""
