"""The use-case kernel: a refused use case writes nothing, and its refusal is still on the record."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lookout_ledger.core import usecase
from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.errors import Refusal
from lookout_ledger.core.ledger import Ledger


def _refusal() -> Refusal:
    return Refusal(rule="SYS-HOLD", reason="a hold is in force", remedy="release it", citation="44 U.S.C. 3106")


def _actions(ledger: Ledger) -> list[str]:
    with ledger.reading() as s:
        actions = s.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars()
        return [a for a in actions if a not in ("ledger.bootstrap", "records.write")]  # the test set-up's own


def test_a_refused_use_case_writes_nothing_and_its_refusal_is_recorded(ledger: Ledger) -> None:
    def use_case(s: object) -> None:
        ledger.audit(s, "tester", "records.dispose")  # type: ignore[arg-type]  # written, then rolled back
        raise _refusal()

    with pytest.raises(Refusal):
        usecase.run(ledger, use_case, usecase.audited_refusal(ledger, "tester", "records.dispose"))
    assert _actions(ledger) == ["records.dispose.refused"]


def test_the_kernel_as_a_with_block_returns_what_the_use_case_wrote(ledger: Ledger) -> None:
    with usecase.unit(ledger, usecase.audited_refusal(ledger, "tester", "test")) as s:
        ledger.audit(s, "tester", "test.done")
    assert usecase.run(ledger, lambda s: 42, usecase.audited_refusal(ledger, "tester", "test")) == 42
    assert _actions(ledger) == ["test.done"]
