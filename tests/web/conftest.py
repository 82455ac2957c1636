"""Fixtures of the web tests: the scenario in a ledger on each engine, and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lookout_ledger.core.ledger import Ledger
from support.live_server import chromium
from support.web_scenario import Scenario, build, client_for


@pytest.fixture
def scenario(ledger: Ledger) -> Scenario:
    return build(ledger)


@pytest.fixture
def client(ledger: Ledger, scenario: Scenario) -> TestClient:
    return client_for(ledger)


@pytest.fixture
def lite_ledger(sqlite_ledger: Ledger) -> Ledger:
    """The scenario on SQLite only, for behaviour of the web layer that no engine can change."""
    build(sqlite_ledger)
    return sqlite_ledger


@pytest.fixture
def lite_client(lite_ledger: Ledger) -> TestClient:
    return client_for(lite_ledger)


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Chromium for the browser tests (skipped where it is not installed, except on CI)."""
    with chromium() as b:
        yield b
