# The two commands (see README):
#   make run    set up, load the demo scenario into the embedded SQLite database, serve http://127.0.0.1:8000
#   make test   set up (PostgreSQL and Chromium included) and run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test setup lint bench fuzz audit clean

$(STAMP): pyproject.toml requirements.lock
	@command -v python3 >/dev/null || { echo "python3 (3.11+) is required"; exit 1; }
	@pkg-config --exists icu-uc 2>/dev/null || scripts/ensure-debian-packages libicu-dev pkg-config
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/lookout demo
	$(VENV)/bin/lookout serve --host 127.0.0.1 --port 8000

test: setup
	scripts/test

lint: setup
	scripts/lint

bench: setup
	scripts/bench

# schemathesis against the app's OpenAPI document, every demo role signed in (see scripts/fuzz)
fuzz: setup
	scripts/fuzz

# pip-audit --strict of the pinned dependencies; says NOT AUDITED when offline (scripts/audit-deps)
audit: setup
	scripts/audit-deps

clean:
	rm -rf $(VENV) .pg lookout-ledger.db* lookout-ledger.key
