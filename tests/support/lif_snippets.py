"""Small hand-written LIF records about invented people, and helpers to write them as files."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import func, select

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.interchange.tables import TABLES

HEADER: dict[str, Any] = {
    "type": "header",
    "format": "lif",
    "version": 1,
    "source": "hand-written test file",
    "exported_at": "2019-02-01T00:00:00Z",
}

_RECORDS: list[dict[str, Any]] = [
    {
        "type": "unit",
        "id": "U1",
        "name": "Harbour Field Unit",
        "restrict_disclosure_channels": True,
        "required_disclosure_approvals": ["port director", "counsel"],
    },
    {"type": "official", "id": "O1", "name": "Tamsin Varro", "unit_id": "U1", "role": "supervisor"},
    {"type": "official", "id": "O2", "name": "Bex Quillon", "unit_id": "U1"},
    {
        "type": "person",
        "id": "P1",
        "given_name": "Orsolya",
        "family_name": "Venkadirel",
        "other_names": ["Orsi Venka"],
        "date_of_birth": "1984-03-02",
        "citizenship": ["US", "MX"],
        "us_person": True,
        "occupation": "journalist",
        "documents": [{"kind": "passport", "number": "X1234567", "country": "US"}],
    },
    {
        "type": "lookout",
        "id": "L1",
        "person_id": "P1",
        "owner_id": "O1",
        "created_at": "2018-12-10T14:03:00-08:00",
        "status_code": "non_suspect",
        "suspected_activity": None,
        "basis": "association with caravan organisers",
        "information_sought": ["Caravan organisers ", "funding"],
        "action": "refer_secondary",
        "approved_by": "O2",
        "approved_at": "2018-12-11T09:00:00.25-08:00",
    },
    {
        "type": "lookout_event",
        "id": "E1",
        "lookout_id": "L1",
        "at": "2018-12-20T09:00:00-08:00",
        "kind": "transferred",
        "actor_id": "O1",
        "to_owner_id": "O2",
        "notice": None,
    },
    {
        "type": "crossing",
        "id": "C1",
        "person_id": "P1",
        "at": "2018-12-28T10:00:00-08:00",
        "port": "San Ysidro",
        "referred_secondary": True,
        "lookout_ids": ["L1"],
    },
    {
        "type": "inspection",
        "id": "I1",
        "person_id": "P1",
        "crossing_id": "C1",
        "lookout_ids": ["L1"],
        "started_at": "2018-12-28T10:05:00-08:00",
        "ended_at": None,
        "officer_ids": ["O2", "O1"],
        "documented": True,
        "topics_asked": ["caravan organisers"],
        "new_information": False,
        "restrained": False,
        "device_search": {
            "performed": True,
            "reason": None,
            "supervisor_approval_id": "O1",
            "findings_documented": None,
        },
    },
    {
        "type": "disclosure",
        "id": "D1",
        "at": "2019-01-05T12:00:00-08:00",
        "unit_id": "U1",
        "discloser_id": "O2",
        "recipient": {"country": "MX", "agency": "Enlace", "official": None, "address": "liaison@example.org"},
        "channel": "whatsapp",
        "recipient_address_official": None,
        "person_ids": ["P1"],
        "spii": True,
        "encrypted": False,
        "confidentiality_advisement": None,
        "foreign_request": {"written": False, "received_at": "2019-01-04T08:00:00Z"},
        "recorded": False,
        "requested_action": "deny_entry",
        "approvals": [{"role": "port director", "official_id": "O1", "at": "2019-01-06T00:00:00Z", "written": True}],
    },
    {
        "type": "communication",
        "id": "M1",
        "channel": "personal_email",
        "account": "personal",
        "sent_at": "2019-01-05T12:01:00-08:00",
        "sender": "bq@mail.example.com",
        "recipients": ["liaison@example.org"],
        "subject": "travelers",
        "attachments": ["list.pdf"],
        "retained": False,
        "disclosure_id": "D1",
    },
]


def records() -> list[dict[str, Any]]:
    """A fresh copy of one valid record of every type, in dependency order."""
    return copy.deepcopy(_RECORDS)


def record(rtype: str) -> dict[str, Any]:
    return next(r for r in records() if r["type"] == rtype)


def lif_bytes(recs: list[dict[str, Any]], header: dict[str, Any] | None = HEADER) -> bytes:
    lines = ([header] if header is not None else []) + recs
    return b"".join(orjson.dumps(r) + b"\n" for r in lines)


def write_lif(path: Path, recs: list[dict[str, Any]], header: dict[str, Any] | None = HEADER) -> Path:
    path.write_bytes(lif_bytes(recs, header))
    return path


def table_counts(ledger: Ledger) -> dict[str, int]:
    """Rows in every LIF table (main and child), to prove a failed import wrote nothing."""
    out: dict[str, int] = {}
    with ledger.reading() as s:
        for tables in TABLES.values():
            for table in (tables.main, *(c.table for c in tables.children)):
                out[table.name] = s.execute(select(func.count()).select_from(table)).scalar_one()
    return out
