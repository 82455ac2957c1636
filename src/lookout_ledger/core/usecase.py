"""The use-case kernel: one transaction per use case, and a refusal still on the record.

Every write use case runs as `run(ledger, use_case, record_refusal)`: the use case gets the
session of its own transaction (`Ledger.transaction`, where a stated clock is refused in a system
of record and the audit entry commits with the write); when a control refuses, that transaction
rolls back (nothing is written), and the refusal is recorded in a second one, because "why was
this refused" must have an answer too. Each capability says how its refusals are kept (a
lifecycle decision, an audit entry) and adapters call the capability's `perform`, built on this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from lookout_ledger.core.errors import Refusal
from lookout_ledger.core.ledger import Ledger

T = TypeVar("T")


def run(ledger: Ledger, use_case: Callable[[Session], T], record_refusal: Callable[[Session, Refusal], None]) -> T:
    try:
        with ledger.transaction() as s:
            return use_case(s)
    except Refusal as exc:
        with ledger.transaction() as s:
            record_refusal(s, exc)
        raise
