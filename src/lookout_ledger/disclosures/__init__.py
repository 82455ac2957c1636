"""disclosures capability."""
