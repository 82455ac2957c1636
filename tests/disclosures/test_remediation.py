"""Remediation of the demo scenario's nine past disclosures: worklist from the audit, the four
actions, each recorded in the audit log, and a progress report."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lookout_ledger.core.auditlog import AuditEntry, verify
from lookout_ledger.core.errors import AuthError, LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.demo.load import load_demo
from lookout_ledger.history.disclosures import Disclosure
from lookout_ledger.oversight import remediation


def test_worklist_actions_and_progress_on_the_demo(sqlite_ledger: Ledger) -> None:
    ledger = sqlite_ledger
    load_demo(ledger, "admin")
    with ledger.reading() as s:
        items = remediation.worklist(ledger, s)
        before = {
            d.id: (d.confidentiality_advisement, d.requested_action) for d in s.execute(select(Disclosure)).scalars()
        }
    assert len(items) == 9  # the review's nine disclosures to Mexico, none compliant
    by_id = {i.disclosure_id: i for i in items}
    deny = [i for i in items if "DS-DENY-ENTRY-REQUEST" in i.rules]
    assert len(deny) == 1 and "rescission_letter" in deny[0].needed
    assert all("retroactive_advisement" in i.needed and i.needed[-1] == "reviewed" for i in items)
    assert remediation.progress(items)["actions_done"] == 0

    fd1 = deny[0].disclosure_id
    with ledger.transaction() as s:
        letter = remediation.send_retroactive_advisement(ledger, s, "liaison", fd1)
        rescission = remediation.rescind_deny_entry(ledger, s, "liaison", fd1)
        if "documented_record" in by_id[fd1].needed:
            remediation.document_record(
                ledger, s, "auditor", fd1, "A list of 24 names sent by e-mail", "None recorded at the time"
            )
    assert "hold it in confidence" in letter and "mantenerla en confidencialidad" in letter
    assert "14 of whom are United States persons" in rescission and "revocada" in rescission

    with pytest.raises(AuthError, match="auditor"), ledger.transaction() as s:
        remediation.mark_reviewed(ledger, s, "liaison", fd1, "Liaison cannot conclude the privacy review.")
    with pytest.raises(LedgerError, match="conclusion: required"), ledger.transaction() as s:
        remediation.mark_reviewed(ledger, s, "auditor", fd1, "ok")
    other = next(i.disclosure_id for i in items if i.disclosure_id != fd1)
    with pytest.raises(LedgerError, match="nothing to rescind"), ledger.transaction() as s:
        remediation.rescind_deny_entry(ledger, s, "liaison", other)
    with ledger.transaction() as s:
        remediation.mark_reviewed(ledger, s, "auditor", fd1, "Unauthorized deny-entry request; rescinded and advised.")

    with ledger.reading() as s:
        items = remediation.worklist(ledger, s)
        done = {i.disclosure_id: i for i in items}[fd1]
        assert done.complete and done.outstanding == []
        report = remediation.progress(items)
        assert report["complete"] == 1 and report["disclosures"] == 9
        assert report["by_action"]["rescission_letter"] == {"needed": 1, "done": 1}
        assert report["actions_done"] == len(done.needed)
        actions = [
            e.action
            for e in s.execute(select(AuditEntry).where(AuditEntry.target_id == fd1).order_by(AuditEntry.seq)).scalars()
            if e.action.startswith("disclosure.remediation.")
        ]
        assert actions[0] == "disclosure.remediation.retroactive_advisement"
        assert actions[-1] == "disclosure.remediation.reviewed"
        assert verify(s, ledger.keyring).ok
        # what happened stays what happened
        after = {
            d.id: (d.confidentiality_advisement, d.requested_action) for d in s.execute(select(Disclosure)).scalars()
        }
        assert after == before
