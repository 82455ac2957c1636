"""interchange capability."""
