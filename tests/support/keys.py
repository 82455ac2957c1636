"""The suite's one ledger key (every test database, CLI run and server in the suite uses it)."""

from __future__ import annotations

import base64

from lookout_ledger.core.crypto import Keyring

TEST_KEY_BYTES = bytes(range(32))
TEST_KEY = Keyring(keys={"k1": TEST_KEY_BYTES}, active="k1")
TEST_KEY_B64 = base64.b64encode(TEST_KEY_BYTES).decode()
