"""The API tests share the web tests' scenario (tests/web/web_scenario.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lookout_ledger.core.ledger import Ledger
from support.web_scenario import Scenario, build, client_for


@pytest.fixture
def scenario(ledger: Ledger) -> Scenario:
    return build(ledger)


@pytest.fixture
def client(ledger: Ledger, scenario: Scenario) -> TestClient:
    return client_for(ledger)
