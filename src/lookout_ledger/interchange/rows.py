"""A validated LIF record as table rows: the main row and its child rows.

SPII (names, date of birth, other names, document numbers) is sealed here, with the blind
indexes screening uses, so no plaintext name reaches a table. Timestamps become UTC
microseconds plus the offset column, so an export writes back the same local time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lookout_ledger.core.crypto import Keyring, normalise_document, normalise_name
from lookout_ledger.history.communications import seal_text
from lookout_ledger.history.lookouts import normalise_topic
from lookout_ledger.interchange.schema import Stamp
from lookout_ledger.people.models import part_row

Row = dict[str, Any]
# (main row, one list of rows per child table in TABLES[type].children order)
Rows = tuple[Row, tuple[list[Row], ...]]


def _at(stamp: Stamp | None) -> tuple[int | None, int | None]:
    return (None, None) if stamp is None else (stamp.micros, stamp.offset)


def _unit(r: Row, _k: Keyring) -> Rows:
    uid = r["id"]
    main = {"id": uid, "name": r["name"], "restrict_disclosure_channels": r["restrict_disclosure_channels"]}
    roles = [{"unit_id": uid, "position": i, "role": role} for i, role in enumerate(r["required_disclosure_approvals"])]
    return main, (roles,)


def _official(r: Row, _k: Keyring) -> Rows:
    # An imported title is a claim: never confirmed by the import itself (see Official.title_confirmed_by).
    return {
        "id": r["id"],
        "name": r["name"],
        "unit_id": r["unit_id"],
        "role": r["role"],
        "title_confirmed_by": None,
    }, ()


def _person(r: Row, k: Keyring) -> Rows:
    pid, given, family = r["id"], r["given_name"], r["family_name"]
    main = {
        "id": pid,
        "given_name_enc": k.encrypt(given, "person.given_name", pid),
        "family_name_enc": k.encrypt(family, "person.family_name", pid),
        "date_of_birth_enc": k.encrypt(r["date_of_birth"], "person.date_of_birth", pid),
        "name_bidx": k.blind_index(normalise_name(given, family), "name"),
        "us_person": r["us_person"],
        "occupation": r["occupation"],
    }
    others = [
        {
            "person_id": pid,
            "position": i,
            "name_enc": k.encrypt(name, "person.other_name", part_row(pid, i)),
            "name_bidx": k.blind_index(normalise_name(name), "name"),
        }
        for i, name in enumerate(r["other_names"])
    ]
    citizenship = [{"person_id": pid, "position": i, "country": c} for i, c in enumerate(r["citizenship"])]
    documents = []
    for i, doc in enumerate(r["documents"]):
        number = doc["number"]
        documents.append(
            {
                "person_id": pid,
                "position": i,
                "kind": doc["kind"],
                "number_enc": k.encrypt(number, "document.number", part_row(pid, i)),
                "number_bidx": None if number is None else k.blind_index(normalise_document(number), "document"),
                "country": doc["country"],
            }
        )
    return main, (others, citizenship, documents)


def _topics(key: str, parent: str, topics: list[str]) -> list[Row]:
    return [{key: parent, "position": i, "topic": t, "topic_norm": normalise_topic(t)} for i, t in enumerate(topics)]


def _lookout(r: Row, _k: Keyring) -> Rows:
    created, created_off = _at(r["created_at"])
    approved, approved_off = _at(r["approved_at"])
    main = {
        "id": r["id"],
        "person_id": r["person_id"],
        "owner_id": r["owner_id"],
        "created_by_id": r["created_by"],
        "created_at": created,
        "created_at_offset": created_off,
        "status_code": r["status_code"],
        "suspected_activity": r["suspected_activity"],
        "basis": r["basis"],
        "action": r["action"],
        "approved_by_id": r["approved_by"],
        "approved_at": approved,
        "approved_at_offset": approved_off,
    }
    return main, (_topics("lookout_id", r["id"], r["information_sought"]),)


def _lookout_event(r: Row, _k: Keyring) -> Rows:
    at, off = _at(r["at"])
    main = {
        "id": r["id"],
        "lookout_id": r["lookout_id"],
        "at": at,
        "at_offset": off,
        "kind": r["kind"],
        "actor_id": r["actor_id"],
        "to_owner_id": r["to_owner_id"],
        "notice": r["notice"],
        "reason": r["reason"],
    }
    return main, ()


def _listed(key: str, parent: str, column: str, values: list[str]) -> list[Row]:
    return [{key: parent, "position": i, column: v} for i, v in enumerate(values)]


def _crossing(r: Row, _k: Keyring) -> Rows:
    at, off = _at(r["at"])
    main = {
        "id": r["id"],
        "person_id": r["person_id"],
        "at": at,
        "at_offset": off,
        "port": r["port"],
        "referred_secondary": r["referred_secondary"],
    }
    return main, (_listed("crossing_id", r["id"], "lookout_id", r["lookout_ids"]),)


def _inspection(r: Row, _k: Keyring) -> Rows:
    iid = r["id"]
    started, started_off = _at(r["started_at"])
    ended, ended_off = _at(r["ended_at"])
    ds = r["device_search"] or {}
    main = {
        "id": iid,
        "person_id": r["person_id"],
        "crossing_id": r["crossing_id"],
        "started_at": started,
        "started_at_offset": started_off,
        "ended_at": ended,
        "ended_at_offset": ended_off,
        "documented": r["documented"],
        "information_obtained": r["information_obtained"],
        "new_information": r["new_information"],
        "restrained": r["restrained"],
        "ds_performed": ds.get("performed"),
        "ds_reason": ds.get("reason"),
        "ds_supervisor_approval_id": ds.get("supervisor_approval_id"),
        "ds_findings_documented": ds.get("findings_documented"),
    }
    return main, (
        _listed("inspection_id", iid, "lookout_id", r["lookout_ids"]),
        _listed("inspection_id", iid, "official_id", r["officer_ids"]),
        _topics("inspection_id", iid, r["topics_asked"]),
    )


def _disclosure(r: Row, _k: Keyring) -> Rows:
    did = r["id"]
    at, off = _at(r["at"])
    recipient = r["recipient"]
    request = r["foreign_request"]
    received, received_off = _at(request["received_at"] if request else None)
    main = {
        "id": did,
        "at": at,
        "at_offset": off,
        "unit_id": r["unit_id"],
        "discloser_id": r["discloser_id"],
        "recipient_country": recipient["country"] if recipient else None,
        "recipient_agency": recipient["agency"] if recipient else None,
        "recipient_official": recipient["official"] if recipient else None,
        "recipient_address": recipient["address"] if recipient else None,
        "recipient_present": recipient is not None,
        "channel": r["channel"],
        "recipient_address_official": r["recipient_address_official"],
        "spii": r["spii"],
        "encrypted": r["encrypted"],
        "confidentiality_advisement": r["confidentiality_advisement"],
        "sensitivity_marking": r["sensitivity_marking"],
        "request_present": request is not None,
        "request_written": request["written"] if request else None,
        "request_received_at": received,
        "request_received_at_offset": received_off,
        "law_enforcement_reason": r["law_enforcement_reason"],
        "recorded": r["recorded"],
        "retained": r["retained"],
        "requested_action": r["requested_action"],
    }
    approvals = []
    for i, a in enumerate(r["approvals"]):
        a_at, a_off = _at(a["at"])
        approvals.append(
            {
                "disclosure_id": did,
                "position": i,
                "role": a["role"],
                "official_id": a["official_id"],
                "at": a_at,
                "at_offset": a_off,
                "written": a["written"],
            }
        )
    return main, (_listed("disclosure_id", did, "person_id", r["person_ids"]), approvals)


def _communication(r: Row, k: Keyring) -> Rows:
    sent, sent_off = _at(r["sent_at"])
    fwd, fwd_off = _at(r["forwarded_to_official_at"])
    main = {
        "id": r["id"],
        "channel": r["channel"],
        "account": r["account"],
        "sent_at": sent,
        "sent_at_offset": sent_off,
        "sender": r["sender"],
        "recipients": r["recipients"],
        **seal_text(k, r["id"], r["subject"], r["body"]),
        "attachments": r["attachments"],
        "forwarded_to_official_at": fwd,
        "forwarded_to_official_at_offset": fwd_off,
        "retained": r["retained"],
        "disclosure_id": r["disclosure_id"],
    }
    return main, ()


ROW_BUILDERS: dict[str, Callable[[Row, Keyring], Rows]] = {
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
