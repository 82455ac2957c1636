"""Fill a ledger database with a large synthetic operation, set-based, for the audit benchmark.

Importing 10 million LIF lines to get 1,000,000 lookouts would measure the importer, not the
audit (bench_import.py does that); here the rows are made by INSERT ... SELECT over a number
series inside the database, so a million lookouts take seconds to build. Values are derived
from the row number by modular arithmetic, so the data is the same on every run and engine.
Person names are sealed with the ledger's key like real rows (one ciphertext shared per
bucket, to keep building fast); the audit never decrypts them.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import Engine, text

from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.db import Base

DAY = 86_400_000_000
BASE = 1_538_352_000_000_000  # 2018-10-01T00:00:00Z in microseconds


def _series(engine: Engine, n: int) -> str:
    """A one-column (i) row source of 1..n on SQLite and PostgreSQL."""
    if engine.dialect.name == "postgresql":
        return f"(SELECT generate_series(1, {int(n)}) AS i) AS s"
    return f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {int(n)}) SELECT i FROM s) AS s"


def build(engine: Engine, keyring: Keyring, lookouts: int, crossings: int, log=print) -> dict[str, int]:
    """Build the data; returns row counts. The database must be migrated and empty.

    Nine crossings in ten are referred to secondary and inspected; persons whose crossings
    all fall in the tenth are never inspected.
    """
    n, nc = int(lookouts), int(crossings)
    given = keyring.encrypt("Synthetic", "person.given_name")
    family = keyring.encrypt("Traveler", "person.family_name")
    officials = max(10, n // 1000)
    steps: list[tuple[str, str, dict[str, object]]] = [
        (
            "units",
            "INSERT INTO units (id, name, restrict_disclosure_channels) VALUES "
            "('U1', 'Sector A', true), ('U2', 'Targeting Center', false)",
            {},
        ),
        (
            "unit_required_approvals",
            "INSERT INTO unit_required_approvals (unit_id, position, role) VALUES "
            "('U1', 0, 'assistant_chief'), ('U1', 1, 'chief_counsel')",
            {},
        ),
        (
            "officials",
            f"INSERT INTO officials (id, name, unit_id, role) SELECT 'O' || i, 'Official ' || i, "
            f"CASE WHEN i % 2 = 0 THEN 'U1' ELSE 'U2' END, 'officer' FROM {_series(engine, officials)}",
            {},
        ),
        (
            "persons",
            f"INSERT INTO persons (id, given_name_enc, family_name_enc, name_bidx, us_person, occupation) "
            f"SELECT 'P' || i, :g, :f, 'bidx' || i, i % 3 <> 0, "
            f"CASE WHEN i % 20 = 0 THEN 'journalist' WHEN i % 33 = 0 THEN 'attorney' ELSE NULL END "
            f"FROM {_series(engine, n)}",
            {"g": given, "f": family},
        ),
        (
            "lookouts",
            f"INSERT INTO lookouts (id, person_id, owner_id, created_by_id, created_at, created_at_offset, "
            f"status_code, suspected_activity, basis, action, approved_by_id, approved_at, approved_at_offset) "
            f"SELECT 'L' || i, 'P' || i, 'O' || (1 + i % {officials}), 'O' || (1 + i % {officials}), "
            f"{BASE} + (i % 120) * {DAY}, -480, "
            f"CASE WHEN i % 2 = 0 THEN 'non_suspect' ELSE 'suspect' END, "
            f"CASE WHEN i % 2 = 0 THEN NULL ELSE 'smuggling' END, "
            f"CASE WHEN i % 7 = 0 THEN NULL ELSE 'crossed with a suspect' END, 'refer_secondary', "
            f"CASE WHEN i % 5 = 0 THEN NULL ELSE 'O' || (1 + (i + 1) % {officials}) END, "
            f"CASE WHEN i % 5 = 0 THEN NULL ELSE {BASE} + (i % 120) * {DAY} + 3600000000 END, -480 "
            f"FROM {_series(engine, n)}",
            {},
        ),
        (
            "lookout_topics",
            f"INSERT INTO lookout_topics (lookout_id, position, topic, topic_norm) "
            f"SELECT 'L' || i, 0, 'Travel purpose', 'travel purpose' FROM {_series(engine, n)} WHERE i % 11 <> 0",
            {},
        ),
        (
            "lookout_topics",
            f"INSERT INTO lookout_topics (lookout_id, position, topic, topic_norm) "
            f"SELECT 'L' || i, 1, 'Contacts ' || (i % 50), 'contacts ' || (i % 50) FROM {_series(engine, n)} WHERE i % 3 = 0",
            {},
        ),
        # Each crossing c belongs to person 1 + c % n, 1 to 40 days after the lookout was placed.
        (
            "crossings",
            f"INSERT INTO crossings (id, person_id, at, at_offset, port, referred_secondary) "
            f"SELECT 'C' || i, 'P' || (1 + i % {n}), {BASE} + ((1 + i % {n}) % 120) * {DAY} + (1 + (i / {n}) * 9 + i % 5) * {DAY}, "
            f"-480, CASE WHEN i % 2 = 0 THEN 'San Ysidro' ELSE 'Otay Mesa' END, i % 10 <> 0 "
            f"FROM {_series(engine, nc)}",
            {},
        ),
        (
            "crossing_lookouts",
            f"INSERT INTO crossing_lookouts (crossing_id, position, lookout_id) "
            f"SELECT 'C' || i, 0, 'L' || (1 + i % {n}) FROM {_series(engine, nc)}",
            {},
        ),
        (
            "inspections",
            f"INSERT INTO inspections (id, person_id, crossing_id, started_at, started_at_offset, ended_at, "
            f"ended_at_offset, documented, information_obtained, new_information, restrained, ds_performed, ds_reason, "
            f"ds_supervisor_approval_id, ds_findings_documented) "
            f"SELECT 'I' || i, c.person_id, c.id, c.at + 1800000000, -480, "
            f"CASE WHEN i % 97 = 0 THEN NULL WHEN i % 89 = 0 THEN c.at + 6 * 3600000000 ELSE c.at + 5400000000 END, -480, "
            f"i % 13 <> 0, 'interview notes', CASE WHEN i % 4 = 0 THEN false WHEN i % 4 = 1 THEN true ELSE NULL END, "
            f"i % 50 = 1, CASE WHEN i % 40 = 5 THEN true ELSE NULL END, CASE WHEN i % 80 = 5 THEN NULL WHEN i % 40 = 5 THEN 'contraband suspected' END, "
            f"CASE WHEN i % 40 = 5 AND i % 120 <> 45 THEN 'O1' END, CASE WHEN i % 40 = 5 THEN i % 160 <> 5 END "
            f"FROM {_series(engine, nc)} JOIN crossings c ON c.id = 'C' || i WHERE i % 10 <> 0",
            {},
        ),
        (
            "inspection_lookouts",
            "INSERT INTO inspection_lookouts (inspection_id, position, lookout_id) "
            "SELECT i.id, 0, cl.lookout_id FROM inspections i JOIN crossing_lookouts cl ON cl.crossing_id = i.crossing_id",
            {},
        ),
        (
            "inspection_officers",
            "INSERT INTO inspection_officers (inspection_id, position, official_id) "
            "SELECT id, 0, 'O2' FROM inspections",
            {},
        ),
        (
            "inspection_topics",
            "INSERT INTO inspection_topics (inspection_id, position, topic, topic_norm) "
            "SELECT id, 0, CASE WHEN length(id) % 2 = 0 THEN 'Travel purpose' ELSE 'Employment' END, "
            "CASE WHEN length(id) % 2 = 0 THEN 'travel purpose' ELSE 'employment' END FROM inspections",
            {},
        ),
        # Events: a third of lookouts disabled 3 days after their first crossing's inspection; some re-enabled;
        # one in eight transferred, half of those without notice; one in ten reviewed.
        (
            "lookout_events",
            f"INSERT INTO lookout_events (id, lookout_id, at, at_offset, kind, actor_id, to_owner_id, notice, reason) "
            f"SELECT 'E' || i || 'd', 'L' || i, {BASE} + (i % 120) * {DAY} + 4 * {DAY}, -480, "
            f"CASE WHEN i % 6 = 0 THEN 'removed' ELSE 'referral_disabled' END, 'O1', NULL, NULL, 'no longer needed' "
            f"FROM {_series(engine, n)} WHERE i % 3 = 0",
            {},
        ),
        (
            "lookout_events",
            f"INSERT INTO lookout_events (id, lookout_id, at, at_offset, kind, actor_id, to_owner_id, notice, reason) "
            f"SELECT 'E' || i || 'e', 'L' || i, {BASE} + (i % 120) * {DAY} + 15 * {DAY}, -480, 'referral_enabled', 'O1', NULL, NULL, "
            f"'new information' FROM {_series(engine, n)} WHERE i % 9 = 3",
            {},
        ),
        (
            "lookout_events",
            f"INSERT INTO lookout_events (id, lookout_id, at, at_offset, kind, actor_id, to_owner_id, notice, reason) "
            f"SELECT 'E' || i || 't', 'L' || i, {BASE} + (i % 120) * {DAY} + 20 * {DAY}, -480, 'transferred', 'O1', "
            f"'O' || (1 + (i + 2) % {officials}), CASE WHEN i % 16 = 0 THEN true WHEN i % 32 = 8 THEN NULL ELSE false END, 'detail ended' "
            f"FROM {_series(engine, n)} WHERE i % 8 = 0",
            {},
        ),
        (
            "lookout_events",
            f"INSERT INTO lookout_events (id, lookout_id, at, at_offset, kind, actor_id, to_owner_id, notice, reason) "
            f"SELECT 'E' || i || 'r', 'L' || i, {BASE} + (i % 120) * {DAY} + 12 * {DAY}, -480, 'reviewed', 'O1', NULL, NULL, "
            f"'still needed' FROM {_series(engine, n)} WHERE i % 10 = 1",
            {},
        ),
        (
            "disclosures",
            f"INSERT INTO disclosures (id, at, at_offset, unit_id, discloser_id, recipient_country, recipient_agency, "
            f"recipient_official, recipient_address, recipient_present, channel, recipient_address_official, spii, encrypted, "
            f"confidentiality_advisement, sensitivity_marking, request_present, request_written, request_received_at, "
            f"request_received_at_offset, law_enforcement_reason, recorded, retained, requested_action) "
            f"SELECT 'D' || i, {BASE} + (i % 150) * {DAY}, -480, CASE WHEN i % 2 = 0 THEN 'U1' ELSE 'U2' END, 'O3', 'MX', "
            f"'Immigration', 'Liaison', 'liaison@example.gob.mx', true, "
            f"CASE i % 5 WHEN 0 THEN 'official_email' WHEN 1 THEN 'whatsapp' WHEN 2 THEN 'in_person' WHEN 3 THEN 'personal_email' ELSE 'unknown' END, "
            f"CASE WHEN i % 3 = 0 THEN NULL ELSE i % 3 = 1 END, i % 4 <> 0, CASE WHEN i % 3 = 0 THEN NULL ELSE i % 3 = 1 END, "
            f"CASE WHEN i % 5 = 0 THEN NULL ELSE i % 5 < 3 END, CASE WHEN i % 7 = 0 THEN NULL ELSE i % 7 < 4 END, i % 2 = 0, "
            f"CASE WHEN i % 2 = 0 THEN i % 4 = 0 END, NULL, NULL, CASE WHEN i % 3 = 0 THEN 'smuggling case' END, i % 6 = 0, "
            f"CASE WHEN i % 4 = 0 THEN NULL ELSE i % 4 = 1 END, CASE WHEN i % 9 = 0 THEN 'deny_entry' ELSE 'information_request' END "
            f"FROM {_series(engine, max(1, n // 100))}",
            {},
        ),
        (
            "disclosure_persons",
            f"INSERT INTO disclosure_persons (disclosure_id, position, person_id) "
            f"SELECT 'D' || (1 + i % {max(1, n // 100)}), i / {max(1, n // 100)}, 'P' || i FROM {_series(engine, min(n, 5 * max(1, n // 100)))}",
            {},
        ),
        (
            "disclosure_approvals",
            f"INSERT INTO disclosure_approvals (disclosure_id, position, role, official_id, at, at_offset, written) "
            f"SELECT 'D' || i, 0, 'assistant_chief', 'O4', {BASE} + (i % 150) * {DAY} - {DAY}, -480, i % 3 <> 0 "
            f"FROM {_series(engine, max(1, n // 100))} WHERE i % 2 = 0",
            {},
        ),
        (
            "communications",
            f"INSERT INTO communications (id, channel, account, sent_at, sent_at_offset, sender, recipients, "
            f"subject, body, attachments, forwarded_to_official_at, forwarded_to_official_at_offset, retained, disclosure_id) "
            f"SELECT 'M' || i, CASE WHEN i % 2 = 0 THEN 'whatsapp' ELSE 'official_email' END, "
            f"CASE WHEN i % 2 = 0 THEN 'personal' ELSE 'official' END, {BASE} + (i % 150) * {DAY}, -480, 'Official ' || (i % 50), "
            f"'[]', 'subject', 'body', '[]', CASE WHEN i % 6 = 0 THEN {BASE} + (i % 150) * {DAY} + 3 * {DAY} "
            f"WHEN i % 6 = 2 THEN {BASE} + (i % 150) * {DAY} + 30 * {DAY} END, -480, i % 5 <> 0, NULL "
            f"FROM {_series(engine, max(1, n // 10))}",
            {},
        ),
    ]
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for table, sql, params in steps:
            t0 = time.perf_counter()
            result = conn.execute(text(sql), params)
            counts[table] = counts.get(table, 0) + (result.rowcount or 0)
            log(f"  {table:<24} {result.rowcount:>10,} rows  {time.perf_counter() - t0:6.1f} s")
        # Each person's name sealed for their own row (the AEAD binds the person id): one shared
        # ciphertext, as SQL writes it above, would open for no one but the first.
        t0 = time.perf_counter()
        seal = text("UPDATE persons SET given_name_enc = :g, family_name_enc = :f WHERE id = :id")
        for start in range(1, n + 1, 50_000):
            batch = [
                {
                    "id": f"P{i}",
                    "g": keyring.encrypt("Synthetic", "person.given_name", f"P{i}"),
                    "f": keyring.encrypt("Traveler", "person.family_name", f"P{i}"),
                }
                for i in range(start, min(n, start + 49_999) + 1)
            ]
            conn.execute(seal, batch)
        log(f"  {'persons (sealed)':<24} {n:>10,} rows  {time.perf_counter() - t0:6.1f} s")
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return counts


def empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not conn.execute(text("SELECT 1 FROM lookouts LIMIT 1")).first()


if __name__ == "__main__":
    from lookout_ledger.core.config import Settings
    from lookout_ledger.core.ledger import Ledger

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--lookouts", type=int, default=1_000_000)
    ap.add_argument("--crossings", type=int, default=2_000_000)
    a = ap.parse_args()
    ledger = Ledger.open(Settings.from_env(a.database_url))
    assert Base.metadata.tables  # schema imported
    build(ledger.engine, ledger.keyring, a.lookouts, a.crossings)
