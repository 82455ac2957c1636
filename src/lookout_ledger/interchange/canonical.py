"""Records read back from the database in their canonical LIF form.

The one function both directions use: the exporter writes these dicts, and the importer
compares an incoming line with the stored record through them (equal means "unchanged",
different means a conflict), so there is no second definition of "the same record" and no
stored digest that could drift from the data.

Canonical form: "type" first, then the spec table's key order, every default written out,
timestamps in the offset they were recorded with, SPII decrypted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.timefmt import format_rfc3339
from lookout_ledger.history.communications import BODY, SUBJECT
from lookout_ledger.interchange.tables import TABLES
from lookout_ledger.people.models import part_row

Row = Any  # a RowMapping
Lif = dict[str, Any]
CHUNK = 1000  # ids per IN (...) list: well under every engine's bind-parameter limit


def _ts(at: datetime | None, offset: int | None) -> str | None:
    return None if at is None else format_rfc3339(at, offset)


def _unit(r: Row, kids: Sequence[list[Row]], _k: Keyring) -> Lif:
    return {
        "type": "unit",
        "id": r["id"],
        "name": r["name"],
        "restrict_disclosure_channels": bool(r["restrict_disclosure_channels"]),
        "required_disclosure_approvals": [c["role"] for c in kids[0]],
    }


def _official(r: Row, _kids: Sequence[list[Row]], _k: Keyring) -> Lif:
    return {"type": "official", "id": r["id"], "name": r["name"], "unit_id": r["unit_id"], "role": r["role"]}


def _person(r: Row, kids: Sequence[list[Row]], k: Keyring) -> Lif:
    others, citizenship, documents = kids
    return {
        "type": "person",
        "id": r["id"],
        "given_name": k.decrypt(r["given_name_enc"], "person.given_name", r["id"]),
        "family_name": k.decrypt(r["family_name_enc"], "person.family_name", r["id"]),
        "other_names": [
            k.decrypt(c["name_enc"], "person.other_name", part_row(r["id"], c["position"])) for c in others
        ],
        "date_of_birth": k.decrypt(r["date_of_birth_enc"], "person.date_of_birth", r["id"]),
        "citizenship": [c["country"] for c in citizenship],
        "us_person": r["us_person"],
        "occupation": r["occupation"],
        "documents": [
            {
                "kind": d["kind"],
                "number": k.decrypt(d["number_enc"], "document.number", part_row(r["id"], d["position"])),
                "country": d["country"],
            }
            for d in documents
        ],
    }


def _lookout(r: Row, kids: Sequence[list[Row]], _k: Keyring) -> Lif:
    return {
        "type": "lookout",
        "id": r["id"],
        "person_id": r["person_id"],
        "owner_id": r["owner_id"],
        "created_by": r["created_by_id"],
        "created_at": _ts(r["created_at"], r["created_at_offset"]),
        "status_code": r["status_code"],
        "suspected_activity": r["suspected_activity"],
        "basis": r["basis"],
        "information_sought": [c["topic"] for c in kids[0]],
        "action": r["action"],
        "approved_by": r["approved_by_id"],
        "approved_at": _ts(r["approved_at"], r["approved_at_offset"]),
    }


def _lookout_event(r: Row, _kids: Sequence[list[Row]], _k: Keyring) -> Lif:
    return {
        "type": "lookout_event",
        "id": r["id"],
        "lookout_id": r["lookout_id"],
        "at": _ts(r["at"], r["at_offset"]),
        "kind": r["kind"],
        "actor_id": r["actor_id"],
        "to_owner_id": r["to_owner_id"],
        "notice": r["notice"],
        "reason": r["reason"],
    }


def _crossing(r: Row, kids: Sequence[list[Row]], _k: Keyring) -> Lif:
    return {
        "type": "crossing",
        "id": r["id"],
        "person_id": r["person_id"],
        "at": _ts(r["at"], r["at_offset"]),
        "port": r["port"],
        "referred_secondary": r["referred_secondary"],
        "lookout_ids": [c["lookout_id"] for c in kids[0]],
    }


def _inspection(r: Row, kids: Sequence[list[Row]], _k: Keyring) -> Lif:
    lookouts, officers, topics = kids
    device_search = None
    if r["ds_performed"] is not None:
        device_search = {
            "performed": r["ds_performed"],
            "reason": r["ds_reason"],
            "supervisor_approval_id": r["ds_supervisor_approval_id"],
            "findings_documented": r["ds_findings_documented"],
        }
    return {
        "type": "inspection",
        "id": r["id"],
        "person_id": r["person_id"],
        "crossing_id": r["crossing_id"],
        "lookout_ids": [c["lookout_id"] for c in lookouts],
        "started_at": _ts(r["started_at"], r["started_at_offset"]),
        "ended_at": _ts(r["ended_at"], r["ended_at_offset"]),
        "officer_ids": [c["official_id"] for c in officers],
        "documented": r["documented"],
        "topics_asked": [c["topic"] for c in topics],
        "information_obtained": r["information_obtained"],
        "new_information": r["new_information"],
        "restrained": r["restrained"],
        "device_search": device_search,
    }


def _disclosure(r: Row, kids: Sequence[list[Row]], _k: Keyring) -> Lif:
    persons, approvals = kids
    recipient = None
    if r["recipient_present"]:
        recipient = {
            "country": r["recipient_country"],
            "agency": r["recipient_agency"],
            "official": r["recipient_official"],
            "address": r["recipient_address"],
        }
    request = None
    if r["request_present"]:
        request = {
            "written": r["request_written"],
            "received_at": _ts(r["request_received_at"], r["request_received_at_offset"]),
        }
    return {
        "type": "disclosure",
        "id": r["id"],
        "at": _ts(r["at"], r["at_offset"]),
        "unit_id": r["unit_id"],
        "discloser_id": r["discloser_id"],
        "recipient": recipient,
        "channel": r["channel"],
        "recipient_address_official": r["recipient_address_official"],
        "person_ids": [c["person_id"] for c in persons],
        "spii": r["spii"],
        "encrypted": r["encrypted"],
        "confidentiality_advisement": r["confidentiality_advisement"],
        "sensitivity_marking": r["sensitivity_marking"],
        "foreign_request": request,
        "law_enforcement_reason": r["law_enforcement_reason"],
        "recorded": r["recorded"],
        "retained": r["retained"],
        "requested_action": r["requested_action"],
        "approvals": [
            {
                "role": a["role"],
                "official_id": a["official_id"],
                "at": _ts(a["at"], a["at_offset"]),
                "written": a["written"],
            }
            for a in approvals
        ],
    }


def _communication(r: Row, _kids: Sequence[list[Row]], k: Keyring) -> Lif:
    return {
        "type": "communication",
        "id": r["id"],
        "channel": r["channel"],
        "account": r["account"],
        "sent_at": _ts(r["sent_at"], r["sent_at_offset"]),
        "sender": r["sender"],
        "recipients": list(r["recipients"] or []),
        "subject": k.decrypt(r["subject_enc"], SUBJECT.format(id=r["id"])),
        "body": k.decrypt(r["body_enc"], BODY.format(id=r["id"])),
        "attachments": list(r["attachments"] or []),
        "forwarded_to_official_at": _ts(r["forwarded_to_official_at"], r["forwarded_to_official_at_offset"]),
        "retained": r["retained"],
        "disclosure_id": r["disclosure_id"],
    }


BUILDERS: dict[str, Callable[[Row, Sequence[list[Row]], Keyring], Lif]] = {
    "unit": _unit,
    "official": _official,
    "person": _person,
    "lookout": _lookout,
    "lookout_event": _lookout_event,
    "crossing": _crossing,
    "inspection": _inspection,
    "disclosure": _disclosure,
    "communication": _communication,
}


def _connection(session: Session | Connection) -> Connection:
    return session.connection() if isinstance(session, Session) else session


def canonical_records(
    session: Session | Connection, keyring: Keyring, rtype: str, ids: Iterable[str]
) -> dict[str, Lif]:
    """The stored records of one type with these ids, as canonical LIF dicts keyed by id.

    Ids not in the database are simply absent from the result.
    """
    conn = _connection(session)
    tables = TABLES[rtype]
    build = BUILDERS[rtype]
    wanted = list(ids)
    out: dict[str, Lif] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        main = tables.main
        rows = conn.execute(select(main).where(main.c.id.in_(chunk))).mappings().all()
        if not rows:
            continue
        kids: list[dict[str, list[Row]]] = []
        for child in tables.children:
            by_parent: dict[str, list[Row]] = defaultdict(list)
            parent = child.table.c[child.parent]
            query = select(child.table).where(parent.in_(chunk)).order_by(parent, child.table.c.position)
            for c in conn.execute(query).mappings():
                by_parent[c[child.parent]].append(c)
            kids.append(by_parent)
        for r in rows:
            rid = r["id"]
            out[rid] = build(r, [k.get(rid, []) for k in kids], keyring)
    return out
