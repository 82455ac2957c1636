"""Record ids made by the ledger itself (imported records keep the ids their file gave)."""

from __future__ import annotations

import time
import uuid

_last_ns = 0


def new_id(prefix: str) -> str:
    """Unique and increasing within a process, so rows written at the same instant sort in the
    order they were written (a timeline shows "reviewed" before the "referral_enabled" it caused)."""
    global _last_ns
    ns = max(time.time_ns(), _last_ns + 1)
    _last_ns = ns
    return f"{prefix}-{ns:016x}{uuid.uuid4().hex[:6]}"
