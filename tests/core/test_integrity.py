"""An insider with the database file, and no application: every edit is named by `verify`.

The edits are the issue's own (relabel a non-suspect lookout, delete a transfer event, flip a
disclosure's `encrypted`, backdate an approval, delete an inspection), made with plain SQL on
the demo scenario, on SQLite and PostgreSQL. Truncation, an emptied log and a history re-chained
by someone holding the HMAC key are caught against a checkpoint kept outside the database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from lookout_ledger.core import auditlog, integrity, merkle, state
from lookout_ledger.core.checkpoints import VerifierKey, parse_note
from lookout_ledger.core.config import Settings
from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.errors import KeyError_
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.demo.load import load_demo

pytestmark = pytest.mark.tampers  # these tests leave a tampered database on purpose


@pytest.fixture
def demo(ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    monkeypatch.setenv("LOOKOUT_SIGNING_KEY_FILE", str(tmp_path / "signing.key"))
    load_demo(ledger, "demo-loader")
    return ledger


def _sql(ledger: Ledger, sql: str, **params: object) -> None:
    """What an insider does: SQL on the database, no application, no session."""
    with ledger.engine.begin() as c:
        c.execute(text(sql), params)


def _one(ledger: Ledger, sql: str) -> str:
    with ledger.engine.connect() as c:
        return str(c.execute(text(sql)).scalar_one())


def _named(report: integrity.IntegrityReport) -> set[tuple[str, str, str]]:
    return {(p.record_type, p.record_id, p.kind) for p in report.state}


def _checkpoint(ledger: Ledger) -> str:
    with ledger.transaction() as s:
        return integrity.checkpoint(ledger, s, "overseer").note


def test_the_demo_verifies_intact(demo: Ledger) -> None:
    report = integrity.verify_ledger(demo)
    assert report.ok, report.as_dict()
    assert report.records > 400 and report.entries > 0 and report.exit_code == 0


def test_relabelling_a_non_suspect_lookout_is_named_with_its_column(demo: Ledger) -> None:
    lid = _one(demo, "SELECT min(id) FROM lookouts WHERE status_code = 'non_suspect'")
    _sql(demo, "UPDATE lookouts SET status_code = 'suspect' WHERE id = :i", i=lid)
    report = integrity.verify_ledger(demo)
    assert not report.ok and report.exit_code == 1
    [problem] = report.state
    assert (problem.record_type, problem.record_id, problem.kind) == ("lookout", lid, "changed")
    assert problem.where == ["lookouts.status_code"]


def test_deleting_a_transfer_event_is_named(demo: Ledger) -> None:
    eid = _one(demo, "SELECT min(id) FROM lookout_events WHERE kind = 'transferred'")
    _sql(demo, "DELETE FROM lookout_events WHERE id = :i", i=eid)
    assert _named(integrity.verify_ledger(demo)) == {("lookout_event", eid, "removed")}


def test_flipping_a_disclosures_encrypted_flag_is_named(demo: Ledger) -> None:
    did = _one(demo, "SELECT min(id) FROM disclosures WHERE encrypted IS NOT NULL")
    _sql(demo, "UPDATE disclosures SET encrypted = NOT encrypted WHERE id = :i", i=did)
    [problem] = integrity.verify_ledger(demo).state
    assert (problem.record_id, problem.where) == (did, ["disclosures.encrypted"])


def test_backdating_an_approval_by_90_days_is_named_with_its_table(demo: Ledger) -> None:
    did = _one(demo, "SELECT min(disclosure_id) FROM disclosure_approvals WHERE at IS NOT NULL")
    _sql(demo, "UPDATE disclosure_approvals SET at = at - :d WHERE disclosure_id = :i", d=90 * 86400 * 10**6, i=did)
    [problem] = integrity.verify_ledger(demo).state
    assert (problem.record_type, problem.record_id, problem.where) == ("disclosure", did, ["disclosure_approvals"])


def test_deleting_an_inspection_is_named(demo: Ledger) -> None:
    iid = _one(
        demo,
        "SELECT min(id) FROM inspections WHERE id NOT IN (SELECT inspection_id FROM lookout_reviews "
        "WHERE inspection_id IS NOT NULL) AND id NOT IN (SELECT inspection_id FROM inspection_live)",
    )
    for child in ("inspection_lookouts", "inspection_officers", "inspection_topics"):
        _sql(demo, f"DELETE FROM {child} WHERE inspection_id = :i", i=iid)  # noqa: S608  (a fixed table name)
    _sql(demo, "DELETE FROM inspections WHERE id = :i", i=iid)
    assert ("inspection", iid, "removed") in _named(integrity.verify_ledger(demo))


def test_a_row_added_outside_is_named(demo: Ledger) -> None:
    _sql(demo, "INSERT INTO units (id, name, restrict_disclosure_channels) VALUES ('U-X', 'Shadow unit', false)")
    assert _named(integrity.verify_ledger(demo)) == {("unit", "U-X", "added")}


def test_relabelling_the_database_a_simulation_is_named(demo: Ledger) -> None:
    _sql(demo, "UPDATE ledger_header SET kind = 'simulation'")
    assert _named(integrity.verify_ledger(demo)) == {("ledger_header", "1", "changed")}


def test_truncation_with_a_moved_head_is_caught_against_a_checkpoint(demo: Ledger) -> None:
    kept = _checkpoint(demo)
    size = parse_note(kept).size
    _sql(demo, "DELETE FROM audit_records WHERE seq > :n", n=size - 3)
    _sql(demo, "DELETE FROM audit_log WHERE seq > :n", n=size - 3)
    last = _one(demo, f"SELECT hash FROM audit_log WHERE seq = {size - 3}")  # noqa: S608
    _sql(demo, "UPDATE audit_head SET seq = :n, hash = :h", n=size - 3, h=last)
    report = integrity.verify_ledger(demo, [("kept.checkpoint", kept)])
    assert not report.chain  # the chain alone cannot tell
    [check] = report.checkpoints
    assert not check.ok and "cut off" in check.message and report.exit_code == 1


def test_an_emptied_log_fails(demo: Ledger) -> None:
    for t in ("audit_records", "audit_log", "audit_head"):
        _sql(demo, f"DELETE FROM {t}")  # noqa: S608
    report = integrity.verify_ledger(demo)
    assert not report.ok and report.log and "deleted" in report.log[0]
    assert report.state  # every record is now unaccounted for


def _rechain(ledger: Ledger, keyring: Keyring, lookout_id: str) -> None:
    """The strongest insider: holds the HMAC key, edits a lookout, recomputes its digest, the
    entry's records root and every MAC after it, so the chain and the state both verify."""
    with ledger.engine.begin() as c:
        c.execute(text("UPDATE lookouts SET status_code = 'suspect' WHERE id = :i"), {"i": lookout_id})
        rt = state.record_type("lookout")
        assert rt is not None
        digest, parts = state.compute(c, rt, [lookout_id])[lookout_id]
        seq = c.execute(
            text("SELECT max(seq) FROM audit_records WHERE record_type = 'lookout' AND record_id = :i"),
            {"i": lookout_id},
        ).scalar_one()
        c.execute(
            text("UPDATE audit_records SET digest = :d, parts = :p WHERE seq = :s AND record_id = :i"),
            {"d": digest, "p": parts, "s": seq, "i": lookout_id},
        )
        rows = c.execute(
            text("SELECT record_type, record_id, digest FROM audit_records WHERE seq = :s ORDER BY n"), {"s": seq}
        )
        root = merkle.root([state.record_leaf(*r) for r in rows]).hex()
        c.execute(text("UPDATE audit_log SET records_root = :r WHERE seq = :s"), {"r": root, "s": seq})
        prev = c.execute(text("SELECT hash FROM audit_log WHERE seq = :s"), {"s": seq - 1}).scalar_one()
        entries = c.execute(select(auditlog.AuditEntry.__table__).where(auditlog.AuditEntry.seq >= seq).order_by("seq"))
        for e in [dict(r._mapping) for r in entries]:
            e["prev_hash"] = prev
            e["hash"] = auditlog._entry_mac(keyring, e)
            c.execute(
                text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = :s"),
                {"p": e["prev_hash"], "h": e["hash"], "s": e["seq"]},
            )
            prev = e["hash"]
        c.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})


def test_a_history_rechained_with_the_hmac_key_is_caught_only_by_the_checkpoint(demo: Ledger) -> None:
    kept = _checkpoint(demo)
    lid = _one(demo, "SELECT min(id) FROM lookouts WHERE status_code = 'non_suspect'")
    _rechain(demo, demo.keyring, lid)
    alone = integrity.verify_ledger(demo)
    assert alone.ok  # consistent: the chain and the state alone cannot tell
    report = integrity.verify_ledger(demo, [("kept.checkpoint", kept)])
    [check] = report.checkpoints
    assert not check.ok and "rewritten" in check.message and report.exit_code == 1


def test_a_later_log_extends_a_kept_checkpoint(demo: Ledger) -> None:
    kept = _checkpoint(demo)
    with demo.transaction() as s:
        demo.audit(s, "someone", "test.more")
    report = integrity.verify_ledger(demo, [("kept.checkpoint", kept)])
    assert report.ok and report.checkpoints[0].ok and report.checkpoints[0].proof is not None


def test_a_checkpoint_signed_by_an_untrusted_key_is_refused(demo: Ledger) -> None:
    kept = _checkpoint(demo)
    stranger = VerifierKey(parse_note(kept).signatures[0][0], bytes(32))
    report = integrity.verify_ledger(demo, [("kept.checkpoint", kept)], trusted=[stranger])
    assert not report.checkpoints[0].ok and "no trusted key" in report.checkpoints[0].message


def test_a_wrong_key_is_reported_as_a_wrong_key_not_tampering(demo: Ledger) -> None:
    wrong = Ledger(demo.settings, demo.engine, Keyring.generate(), demo.clock, demo.policy)
    report = integrity.verify_ledger(wrong)
    assert not report.key_ok and report.exit_code == 3
    assert "wrong key" in (report.key_message or "") and not report.chain and not report.state


def test_a_wrong_key_file_is_refused_when_the_ledger_opens(demo: Ledger, tmp_path: Path) -> None:
    key_file = tmp_path / "other.key"
    key_file.write_text(Keyring.generate().to_json())
    with pytest.raises(KeyError_, match="wrong key, not tampering"):
        Ledger.open(Settings(database_url=demo.settings.database_url, key_file=key_file))


def test_a_missing_key_file_is_never_recreated_for_a_database_with_data(demo: Ledger, tmp_path: Path) -> None:
    key_file = tmp_path / "gone.key"
    with pytest.raises(KeyError_, match="is missing"):
        Ledger.open(Settings(database_url=demo.settings.database_url, key_file=key_file))
    assert not key_file.exists()


def test_the_log_verifies_after_a_key_rotation(demo: Ledger, tmp_path: Path) -> None:
    from lookout_ledger.core.keys import rotate_key

    key_file = tmp_path / "ledger.key"
    key_file.write_text(demo.keyring.to_json())
    opened = Ledger.open(Settings(database_url=demo.settings.database_url, key_file=key_file), clock=demo.clock)
    rotate_key(opened, "admin")
    assert integrity.verify_ledger(opened).ok


def test_worker_processes_find_what_one_process_finds(demo: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large ledger is verified by worker processes, one record type each: same records, same problems."""
    lid = _one(demo, "SELECT min(id) FROM lookouts WHERE status_code = 'non_suspect'")
    _sql(demo, "UPDATE lookouts SET status_code = 'suspect' WHERE id = :i", i=lid)
    _sql(demo, "DELETE FROM lookout_events WHERE id = (SELECT min(id) FROM lookout_events)")
    serial = integrity.verify_ledger(demo)
    monkeypatch.setattr(state, "PARALLEL_FROM", 0)
    parallel = integrity.verify_ledger(demo)
    assert parallel.records == serial.records and _named(parallel) == _named(serial) and len(serial.state) == 2
