"""The API tests share the web tests' scenario (tests/web/web_scenario.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "web"))

from web_scenario import Scenario, build, client_for

from lookout_ledger.core.ledger import Ledger


@pytest.fixture
def scenario(ledger: Ledger) -> Scenario:
    return build(ledger)


@pytest.fixture
def client(ledger: Ledger, scenario: Scenario) -> TestClient:
    return client_for(ledger)
