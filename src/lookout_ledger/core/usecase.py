"""The use-case kernel: one transaction per use case, and a refusal still on the record.

Every write use case runs as `run(ledger, use_case, record_refusal)`: the use case gets the
session of its own transaction (`Ledger.transaction`, where a stated clock is refused in a system
of record and the audit entry commits with the write); when a control refuses, that transaction
rolls back (nothing is written), and the refusal is recorded in a second one, because "why was
this refused" must have an answer too. Each capability says how its refusals are kept (a
lifecycle decision, an audit entry) and adapters call the capability's `perform`, built on this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.orm import Session

from lookout_ledger.core.errors import Refusal
from lookout_ledger.core.ledger import Ledger

T = TypeVar("T")


RecordRefusal = Callable[[Session, Refusal], None]


@contextmanager
def unit(ledger: Ledger, record_refusal: RecordRefusal) -> Iterator[Session]:
    """The kernel as a `with` block, for a use case written as one (the archive's)."""
    try:
        with ledger.transaction() as s:
            yield s
    except Refusal as exc:
        with ledger.transaction() as s:
            record_refusal(s, exc)
        raise


def run(ledger: Ledger, use_case: Callable[[Session], T], record_refusal: RecordRefusal) -> T:
    with unit(ledger, record_refusal) as s:
        return use_case(s)


def audited_refusal(ledger: Ledger, actor: str, action: str, target_type: str | None = None) -> RecordRefusal:
    """Keep a refusal as an audit entry `ACTION.refused` naming the rule (the default for capabilities
    that keep no decision table of their own)."""

    def record(s: Session, exc: Refusal) -> None:
        ledger.audit(s, actor, f"{action}.refused", target_type, None, {"rule": exc.rule, **exc.as_dict()})

    return record
