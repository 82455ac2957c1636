"""What the HTTP adapters share: who is asking and may they (`deps`), sessions, CSRF and safe
headers (`security`). The API (`api/`) and the pages (`web/`) both depend on this package and
never on each other; `lookout_ledger.server` composes them into one application."""
