"""Test data as ORM rows inserted straight through a session.

Oversight tests build exactly the records a rule talks about, without going through the
importer or the workflows (which other tests cover), so a failing audit test points at the
audit. Every person here is invented. Timestamps are given as RFC 3339 strings (or aware
datetimes); ids are generated when not given, so a test names only what it asserts on.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lookout_ledger.core.crypto import Keyring, normalise_name
from lookout_ledger.core.timefmt import parse_rfc3339
from lookout_ledger.history.communications import Communication, seal_text
from lookout_ledger.history.crossings import Crossing, CrossingLookout
from lookout_ledger.history.disclosures import Disclosure, DisclosureApproval, DisclosurePerson
from lookout_ledger.history.inspections import Inspection, InspectionLookout, InspectionOfficer, InspectionTopic
from lookout_ledger.history.lookouts import Lookout, LookoutEvent, LookoutTopic, normalise_topic
from lookout_ledger.org.models import Official, Unit, UnitRequiredApproval
from lookout_ledger.people.models import Person

Instantish = str | datetime
AUTO = "<auto>"  # "make one for me": a fresh approving official, distinct from the creator


def at(value: Instantish | None) -> tuple[datetime | None, int | None]:
    """(UTC instant, offset minutes) from an RFC 3339 string or an aware datetime."""
    if value is None:
        return None, None
    if isinstance(value, datetime):
        offset = value.utcoffset()
        return value, int(offset.total_seconds() // 60) if offset is not None else 0
    return parse_rfc3339(value)


class Factory:
    """Inserts rows with sensible defaults; `flush()` happens on every call so later rows can
    reference earlier ones, and the caller's transaction decides when they are committed."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        self.s = session
        self.keyring = keyring
        self._seq = itertools.count(1)
        self._default_official: str | None = None

    def _id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._seq):04d}"

    def _add(self, *rows: Any) -> None:
        self.s.add_all(rows)
        self.s.flush()

    # --- organisation -------------------------------------------------------------------
    def unit(
        self,
        id: str | None = None,
        name: str = "Test Unit",
        restrict_disclosure_channels: bool = False,
        required_disclosure_approvals: Iterable[str] = (),
    ) -> str:
        uid = id or self._id("U")
        self._add(Unit(id=uid, name=name, restrict_disclosure_channels=restrict_disclosure_channels))
        self._add(
            *(
                UnitRequiredApproval(unit_id=uid, position=i, role=role)
                for i, role in enumerate(required_disclosure_approvals)
            )
        )
        return uid

    def official(self, id: str | None = None, unit_id: str | None = None, name: str = "Officer Example") -> str:
        oid = id or self._id("O")
        self._add(
            Official(id=oid, name=name, unit_id=unit_id or self.unit(), role="officer", title_confirmed_by="test-setup")
        )
        return oid

    def default_official(self) -> str:
        if self._default_official is None:
            self._default_official = self.official()
        return self._default_official

    # --- people -------------------------------------------------------------------------
    def person(
        self,
        id: str | None = None,
        given_name: str = "Alex",
        family_name: str = "Placeholder",
        us_person: bool = True,
        occupation: str | None = None,
    ) -> str:
        pid = id or self._id("P")
        k = self.keyring
        self._add(
            Person(
                id=pid,
                given_name_enc=k.encrypt(given_name, "person.given_name", pid),
                family_name_enc=k.encrypt(family_name, "person.family_name", pid),
                name_bidx=k.blind_index(normalise_name(given_name, family_name), "name"),
                us_person=us_person,
                occupation=occupation,
            )
        )
        return pid

    # --- lookouts -----------------------------------------------------------------------
    def lookout(
        self,
        person_id: str | None = None,
        id: str | None = None,
        owner_id: str | None = None,
        created_by: str | None = None,
        created_at: Instantish = "2018-12-01T00:00:00Z",
        status_code: str = "suspect",
        suspected_activity: str | None = "smuggling",
        basis: str | None = "Observed assisting an illegal crossing.",
        information_sought: Iterable[str] = ("whereabouts on 2019-01-01",),
        action: str = "refer_secondary",
        approved_by: str | None = AUTO,
        approved_at: Instantish | None = None,
    ) -> str:
        lid = id or self._id("L")
        owner = owner_id or self.default_official()
        if approved_by == AUTO:
            approved_by = self.official()
        created, created_off = at(created_at)
        approved, approved_off = at(approved_at)
        self._add(
            Lookout(
                id=lid,
                person_id=person_id or self.person(),
                owner_id=owner,
                created_by_id=created_by or owner,
                created_at=created,
                created_at_offset=created_off,
                status_code=status_code,
                suspected_activity=suspected_activity,
                basis=basis,
                action=action,
                approved_by_id=approved_by,
                approved_at=approved,
                approved_at_offset=approved_off,
            )
        )
        self._add(
            *(
                LookoutTopic(lookout_id=lid, position=i, topic=t, topic_norm=normalise_topic(t))
                for i, t in enumerate(information_sought)
            )
        )
        return lid

    def event(
        self,
        lookout_id: str,
        kind: str,
        at_: Instantish,
        id: str | None = None,
        notice: bool | None = None,
        to_owner_id: str | None = None,
        actor_id: str | None = None,
        reason: str | None = None,
    ) -> str:
        eid = id or self._id("E")
        when, off = at(at_)
        self._add(
            LookoutEvent(
                id=eid,
                lookout_id=lookout_id,
                at=when,
                at_offset=off,
                kind=kind,
                actor_id=actor_id,
                to_owner_id=to_owner_id,
                notice=notice,
                reason=reason,
            )
        )
        return eid

    # --- screening and inspections ------------------------------------------------------
    def crossing(
        self,
        person_id: str,
        at_: Instantish,
        id: str | None = None,
        port: str = "San Ysidro",
        referred_secondary: bool = True,
        lookout_ids: Iterable[str] = (),
    ) -> str:
        cid = id or self._id("C")
        when, off = at(at_)
        self._add(
            Crossing(
                id=cid, person_id=person_id, at=when, at_offset=off, port=port, referred_secondary=referred_secondary
            )
        )
        self._add(*(CrossingLookout(crossing_id=cid, position=i, lookout_id=x) for i, x in enumerate(lookout_ids)))
        return cid

    def inspection(
        self,
        person_id: str,
        started_at: Instantish,
        lookout_ids: Iterable[str] = (),
        id: str | None = None,
        crossing_id: str | None = None,
        ended_at: Instantish | bool | None = True,
        documented: bool = True,
        topics_asked: Iterable[str] = ("whereabouts on 2019-01-01",),
        new_information: bool | None = True,
        device_search: dict[str, Any] | None = None,
        officer_ids: Iterable[str] = (),
        information_obtained: str | None = "Answered questions.",
    ) -> str:
        """`ended_at=True` (the default) means one hour after the start."""
        iid = id or self._id("I")
        started, started_off = at(started_at)
        assert started is not None
        if ended_at is True:
            ended, ended_off = started + timedelta(hours=1), started_off
        else:
            ended, ended_off = at(ended_at or None)  # type: ignore[arg-type]
        ds = device_search or {}
        self._add(
            Inspection(
                id=iid,
                person_id=person_id,
                crossing_id=crossing_id,
                started_at=started,
                started_at_offset=started_off,
                ended_at=ended,
                ended_at_offset=ended_off,
                documented=documented,
                information_obtained=information_obtained,
                new_information=new_information,
                restrained=False,
                ds_performed=ds.get("performed"),
                ds_reason=ds.get("reason"),
                ds_supervisor_approval_id=ds.get("supervisor_approval_id"),
                ds_findings_documented=ds.get("findings_documented"),
            )
        )
        self._add(*(InspectionLookout(inspection_id=iid, position=i, lookout_id=x) for i, x in enumerate(lookout_ids)))
        self._add(*(InspectionOfficer(inspection_id=iid, position=i, official_id=x) for i, x in enumerate(officer_ids)))
        self._add(
            *(
                InspectionTopic(inspection_id=iid, position=i, topic=t, topic_norm=normalise_topic(t))
                for i, t in enumerate(topics_asked)
            )
        )
        return iid

    # --- disclosures and records --------------------------------------------------------
    def disclosure(
        self,
        person_ids: Iterable[str],
        at_: Instantish = "2018-12-10T14:03:00-08:00",
        id: str | None = None,
        unit_id: str | None = None,
        discloser_id: str | None = None,
        channel: str = "official_email",
        recipient_address_official: bool | None = True,
        spii: bool = True,
        encrypted: bool | None = True,
        confidentiality_advisement: bool | None = True,
        sensitivity_marking: bool | None = True,
        foreign_request: dict[str, Any] | None = None,
        law_enforcement_reason: str | None = "Suspected smuggling investigation.",
        recorded: bool = True,
        retained: bool | None = True,
        requested_action: str | None = "information_request",
        approvals: Iterable[dict[str, Any]] = (),
    ) -> str:
        """`foreign_request=None` means a written request received before the disclosure; pass
        `{"none": True}` for a proactive disclosure (LIF null)."""
        did = id or self._id("D")
        unit = unit_id or self.unit()
        when, off = at(at_)
        if foreign_request is None:
            foreign_request = {"written": True, "received_at": "2018-12-01T00:00:00Z"}
        present = not foreign_request.get("none", False)
        received, received_off = at(foreign_request.get("received_at")) if present else (None, None)
        self._add(
            Disclosure(
                id=did,
                at=when,
                at_offset=off,
                unit_id=unit,
                discloser_id=discloser_id or self.official(unit_id=unit),
                recipient_country="MX",
                recipient_agency="Instituto Ejemplo",
                recipient_official="Official Example",
                recipient_address="contact@example.org",
                recipient_present=True,
                channel=channel,
                recipient_address_official=recipient_address_official,
                spii=spii,
                encrypted=encrypted,
                confidentiality_advisement=confidentiality_advisement,
                sensitivity_marking=sensitivity_marking,
                request_present=present,
                request_written=foreign_request.get("written") if present else None,
                request_received_at=received,
                request_received_at_offset=received_off,
                law_enforcement_reason=law_enforcement_reason,
                recorded=recorded,
                retained=retained,
                requested_action=requested_action,
            )
        )
        self._add(*(DisclosurePerson(disclosure_id=did, position=i, person_id=p) for i, p in enumerate(person_ids)))
        rows = []
        for i, a in enumerate(approvals):
            when_a, off_a = at(a.get("at"))
            rows.append(
                DisclosureApproval(
                    disclosure_id=did,
                    position=i,
                    role=a.get("role"),
                    official_id=a.get("official_id"),
                    at=when_a,
                    at_offset=off_a,
                    written=a.get("written"),
                )
            )
        self._add(*rows)
        return did

    def communication(
        self,
        sent_at: Instantish = "2018-12-10T14:03:00-08:00",
        id: str | None = None,
        channel: str = "whatsapp",
        account: str = "personal",
        forwarded_to_official_at: Instantish | None = None,
        retained: bool = True,
        disclosure_id: str | None = None,
    ) -> str:
        cid = id or self._id("M")
        sent, sent_off = at(sent_at)
        fwd, fwd_off = at(forwarded_to_official_at)
        self._add(
            Communication(
                id=cid,
                channel=channel,
                account=account,
                sent_at=sent,
                sent_at_offset=sent_off,
                sender="Officer Example",
                recipients=["Recipient Example"],
                **seal_text(self.keyring, cid, None, "Synthetic message."),
                attachments=[],
                forwarded_to_official_at=fwd,
                forwarded_to_official_at_offset=fwd_off,
                retained=retained,
                disclosure_id=disclosure_id,
            )
        )
        return cid


def audit(fx: Factory, now: Instantish = "2019-06-01T00:00:00Z", window: int | None = 7, policy: Any = None) -> Any:
    """Run the audit over what the factory inserted (same session, so nothing needs committing)."""
    from lookout_ledger.oversight.audit import run_audit

    when, _ = at(now)
    assert when is not None
    return run_audit(fx.s, now=when, review_window_days=window, policy=policy)


def findings_of(result: Any, rule: str) -> dict[str, Any]:
    """The findings of one rule, keyed by record id."""
    return {f.record_id: f for f in result.findings if f.rule == rule}
