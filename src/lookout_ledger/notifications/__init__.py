"""notifications capability: an in-app inbox per user and e-mail through SMTP."""
