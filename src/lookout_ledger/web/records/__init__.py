"""Pages of the records archive: search for everyone, the records officer's desk."""
