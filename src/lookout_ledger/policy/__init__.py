"""policy capability."""
