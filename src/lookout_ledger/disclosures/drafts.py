"""Drafting a disclosure and approving it.

A draft says exactly what would leave the country: which persons, which of their fields, under
which of the four purposes of 19 U.S.C. 1628(a), for what law enforcement reason, answering
which request and asking the recipient to do what. Approvals come from the unit's own
configuration (`unit_required_approvals`): an official whose recorded role is the required role
approves in writing, after opening the request itself, and never their own draft. A request to
deny entry to a U.S. person is refused unless the policy's narrow conditions hold with counsel's
approval, because that is the request the review found made about 14 U.S. citizens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role, User
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.ids import new_id
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.disclosures.common import MIN_STATEMENT_CHARS, acting, refusal, same_role, text_field
from lookout_ledger.disclosures.requests import get_request, has_seen, require_citable_agreement
from lookout_ledger.disclosures.requests import require_request_in_force as _request_in_force
from lookout_ledger.disclosures.workflow_models import (
    DISCLOSABLE_FIELDS,
    STATUTORY_PURPOSES,
    DisclosureDraft,
    DraftApproval,
    DraftPerson,
)
from lookout_ledger.org.models import Official, Unit
from lookout_ledger.people.models import Person

DRAFT_ACTIONS = ("information_request", "be_on_lookout", "deny_entry", "none")
COUNSEL_ROLE = "counsel"  # the extra approval a deny-entry request needs when the unit requires no counsel
APPROVER_ROLES = (Role.SUPERVISOR, Role.COUNSEL)
# Who reads drafts (#16 item 6: the API gave every role what the pages kept to these): the liaison
# officers who write them, and an approver for the drafts they may approve or have decided.
DRAFT_READERS = (Role.LIAISON_OFFICER, *APPROVER_ROLES)


@dataclass(frozen=True)
class DraftInput:
    request_id: str
    person_ids: list[str]
    fields: list[str]
    purpose: str
    law_enforcement_reason: str
    requested_action: str
    recipient_official: str
    deny_entry_condition: str | None = None
    deny_entry_reference: str | None = None
    determined_by: str | None = None


@dataclass
class ApprovalStatus:
    role: str
    state: str  # pending | approved | refused
    username: str | None = None
    official_id: str | None = None
    at: datetime | None = None
    statement: str | None = None


@dataclass
class DraftView:
    draft: DisclosureDraft
    person_ids: list[str]
    us_person_ids: list[str]
    approvals: list[ApprovalStatus] = field(default_factory=list)

    @property
    def approved(self) -> bool:
        return all(a.state == "approved" for a in self.approvals)

    def as_dict(self) -> dict[str, object]:
        d = self.draft
        return {
            "id": d.id,
            "status": d.status,
            "unit_id": d.unit_id,
            "author": d.author,
            "request_id": d.request_id,
            "agency_id": d.agency_id,
            "recipient_official": d.recipient_official,
            "purpose": d.purpose,
            "purpose_text": STATUTORY_PURPOSES.get(d.purpose),
            "law_enforcement_reason": d.law_enforcement_reason,
            "requested_action": d.requested_action,
            "fields": list(d.fields),
            "person_ids": self.person_ids,
            "us_person_ids": self.us_person_ids,
            "deny_entry_condition": d.deny_entry_condition,
            "approvals": [
                {
                    "role": a.role,
                    "state": a.state,
                    "username": a.username,
                    "official_id": a.official_id,
                    "at": a.at.isoformat() if a.at else None,
                    "statement": a.statement,
                }
                for a in self.approvals
            ],
            "ready_to_send": d.status == "draft" and self.approved,
            "channel": d.channel,
            "recipient_address": d.recipient_address,
            "content_digest": d.content_digest,
            "sent_at": d.sent_at.isoformat() if d.sent_at else None,
            "disclosure_id": d.disclosure_id,
        }


def get_draft(session: Session, draft_id: str) -> DisclosureDraft:
    d = session.get(DisclosureDraft, draft_id)
    if d is None:
        raise NotFound(f"no disclosure draft {draft_id!r}")
    return d


def persons_of(session: Session, draft_id: str) -> list[Person]:
    q = (
        select(Person)
        .join(DraftPerson, DraftPerson.person_id == Person.id)
        .where(DraftPerson.draft_id == draft_id)
        .order_by(DraftPerson.position)
    )
    return list(session.execute(q).scalars())


def required_roles(session: Session, draft: DisclosureDraft, us_persons: bool) -> list[str]:
    """The unit's required roles for a draft naming a U.S. person; deny entry adds counsel's."""
    unit = session.get(Unit, draft.unit_id)
    roles = [r.role for r in unit.required_approvals] if unit is not None and us_persons else []
    if draft.requested_action == "deny_entry" and us_persons and not any("counsel" in r.casefold() for r in roles):
        roles.append(COUNSEL_ROLE)
    return roles


def view(session: Session, draft_id: str) -> DraftView:
    draft = get_draft(session, draft_id)
    persons = persons_of(session, draft_id)
    us = [p.id for p in persons if p.us_person]
    decisions = list(
        session.execute(
            select(DraftApproval)
            .where(DraftApproval.draft_id == draft_id, DraftApproval.superseded.is_(False))
            .order_by(DraftApproval.at, DraftApproval.id)
        ).scalars()
    )
    out = []
    for role in required_roles(session, draft, bool(us)):
        mine = [a for a in decisions if same_role(a.role, role)]
        if not mine:
            out.append(ApprovalStatus(role, "pending"))
            continue
        last = mine[-1]
        out.append(
            ApprovalStatus(
                role,
                "approved" if last.approve else "refused",
                last.username,
                last.official_id,
                last.at,
                last.statement,
            )
        )
    return DraftView(draft, [p.id for p in persons], us, out)


def check_deny_entry(ledger: Ledger, session: Session, draft: DisclosureDraft, us_person_ids: list[str]) -> None:
    """Deny-entry / travel-restriction requests about U.S. persons need a policy condition."""
    if draft.requested_action != "deny_entry" or not us_person_ids:
        return
    policy = ledger.policy
    conditions = list(policy.param("deny_entry_conditions", []))
    who = ", ".join(us_person_ids)
    if draft.deny_entry_condition not in conditions:
        raise refusal(
            policy,
            "DX-DENY-ENTRY",
            f"asking a foreign government to deny entry to U.S. persons ({who}) is not allowed: no condition of the "
            f"policy is stated (allowed: {', '.join(conditions)}).",
            "remove the U.S. persons or the deny-entry request; or state an outstanding warrant (with its reference) "
            "or the designated official's determination, and obtain counsel's written approval.",
            us_person_ids=us_person_ids,
        )
    reference = " ".join((draft.deny_entry_reference or "").split())
    if len(reference) < 3:
        raise refusal(
            policy,
            "DX-DENY-ENTRY",
            f"the condition {draft.deny_entry_condition} is stated without its reference (warrant number or "
            "determination).",
            "give the warrant or determination reference.",
        )
    if draft.deny_entry_condition != "outstanding_warrant":
        designated = [r.casefold() for r in policy.param("designated_determination_roles", [])]
        official = session.get(Official, draft.determined_by) if draft.determined_by else None
        if (
            official is None
            or official.title_confirmed_by is None
            or " ".join((official.role or "").split()).casefold() not in designated
        ):
            raise refusal(
                policy,
                "DX-DENY-ENTRY",
                f"a {(draft.deny_entry_condition or '').replace('_', ' ')} must be made by the designated official "
                f"({', '.join(designated)}) whose title this ledger confirmed; {draft.determined_by or 'nobody'} "
                "is not one (an imported title is a claim).",
                "name the designated official who made the determination; an administrator confirms a title with "
                "`lookout officials confirm`.",
            )


def create_draft(ledger: Ledger, session: Session, username: str, inp: DraftInput) -> DraftView:
    user, official = acting(session, username)
    if not user.has_role(Role.LIAISON_OFFICER):
        raise AuthError(f"{username} needs the role liaison_officer to draft a disclosure")
    policy = ledger.policy
    fr = get_request(session, inp.request_id)
    _request_in_force(ledger, fr, ledger.now())
    if fr.agreement_id is not None:
        require_citable_agreement(ledger, session, fr.agreement_id)
    if inp.purpose not in STATUTORY_PURPOSES:
        raise refusal(
            policy,
            "DX-PURPOSE",
            f"purpose {inp.purpose!r} is not one of the four statutory purposes.",
            f"choose one of {', '.join(STATUTORY_PURPOSES)} (19 U.S.C. 1628(a)(1)-(4)).",
        )
    reason = text_field(inp.law_enforcement_reason, "law_enforcement_reason", MIN_STATEMENT_CHARS)
    if inp.requested_action not in DRAFT_ACTIONS:
        raise LedgerError(f"requested_action: expected one of {', '.join(DRAFT_ACTIONS)}, got {inp.requested_action!r}")
    fields = list(dict.fromkeys(inp.fields))
    unknown = [f for f in fields if f not in DISCLOSABLE_FIELDS]
    if unknown or not fields:
        raise refusal(
            policy,
            "DX-PURPOSE",
            f"fields: {', '.join(unknown) if unknown else 'none chosen'} - a draft discloses named fields only.",
            f"choose, one by one, the fields the purpose needs from {', '.join(DISCLOSABLE_FIELDS)}.",
        )
    person_ids = list(dict.fromkeys(p.strip() for p in inp.person_ids if p.strip()))
    if not person_ids:
        raise LedgerError("persons: name at least one person to disclose")
    for pid in person_ids:
        if session.get(Person, pid) is None:
            raise NotFound(f"persons: no person {pid!r}")
    draft = DisclosureDraft(
        id=new_id("DD"),
        unit_id=fr.unit_id,
        author=username,
        author_official_id=official.id,
        created_at=ledger.now(),
        request_id=fr.id,
        agency_id=fr.agency_id,
        recipient_official=text_field(inp.recipient_official, "recipient_official"),
        purpose=inp.purpose,
        law_enforcement_reason=reason,
        requested_action=inp.requested_action,
        fields=fields,
        deny_entry_condition=inp.deny_entry_condition or None,
        deny_entry_reference=inp.deny_entry_reference or None,
        determined_by=inp.determined_by or None,
        status="draft",
    )
    session.add(draft)
    session.flush()
    for i, pid in enumerate(person_ids):
        session.add(DraftPerson(draft_id=draft.id, position=i, person_id=pid))
    session.flush()
    v = view(session, draft.id)
    check_deny_entry(ledger, session, draft, v.us_person_ids)
    ledger.audit(
        session,
        username,
        "disclosure.draft.create",
        "disclosure_draft",
        draft.id,
        {"request": fr.id, "persons": person_ids, "fields": fields, "purpose": inp.purpose},
    )
    return v


def can_give(session: Session, user_roles: set[str], official: Official, role: str) -> bool:
    """An official gives the approval of the title confirmed for them in this ledger (an imported title is a
    claim and grants nothing); counsel gives counsel's."""
    if role == COUNSEL_ROLE:
        return str(Role.COUNSEL) in user_roles
    return (
        official.title_confirmed_by is not None
        and same_role(official.role, role)
        and bool(user_roles & {str(r) for r in APPROVER_ROLES})
    )


def approval_queue(session: Session, username: str) -> list[tuple[DraftView, str]]:
    """Drafts awaiting an approval this user may give, with the role, oldest first."""
    user, official = acting(session, username)
    drafts = session.execute(
        select(DisclosureDraft.id).where(DisclosureDraft.status == "draft").order_by(DisclosureDraft.created_at)
    ).scalars()
    out = []
    for did in list(drafts):
        v = view(session, did)
        if v.draft.author == username or v.draft.author_official_id == official.id:
            continue
        for a in v.approvals:
            if a.state == "pending" and can_give(session, user.role_names, official, a.role):
                out.append((v, a.role))
    return out


def decide(
    ledger: Ledger, session: Session, username: str, draft_id: str, role: str, approve: bool, statement: str
) -> DraftView:
    """Approve (or refuse) a draft in writing for one required role."""
    user, official = acting(session, username)
    policy = ledger.policy
    draft = get_draft(session, draft_id)
    if draft.status != "draft":
        raise LedgerError(f"draft {draft_id} is {draft.status}; only drafts are approved")
    v = view(session, draft_id)
    wanted = next((a for a in v.approvals if same_role(a.role, role)), None)
    if wanted is None:
        roles = ", ".join(a.role for a in v.approvals) or "none (it names no U.S. person)"
        raise LedgerError(f"role: draft {draft_id} needs no {role!r} approval; it needs: {roles}")
    if draft.author == username or draft.author_official_id == official.id:
        raise refusal(
            policy,
            "DX-SEPARATION-OF-DUTIES",
            f"{username} acts as {official.id}, who drafted disclosure {draft_id}; nobody approves their own.",
            f"ask the {wanted.role} to decide.",
        )
    if not can_give(session, user.role_names, official, wanted.role):
        raise AuthError(
            f"{username} acts as {official.id} ({official.role or 'no role recorded'}), who cannot give the "
            f"{wanted.role} approval"
        )
    others = [a for a in v.approvals if a.official_id == official.id and not same_role(a.role, wanted.role)]
    if others and approve:
        raise refusal(
            policy,
            "DX-SEPARATION-OF-DUTIES",
            f"{official.id} already approved draft {draft_id} as {others[0].role}; one official gives one approval.",
            f"ask another official to give the {wanted.role} approval.",
        )
    if not has_seen(session, draft.request_id, username):
        raise refusal(
            policy,
            "DX-SEE-REQUEST",
            f"{username} has not opened request {draft.request_id}, the request this disclosure answers.",
            "open the request's document first, then decide.",
        )
    text = text_field(statement, "statement", MIN_STATEMENT_CHARS, "a written approval says what you checked")
    request = get_request(session, draft.request_id)
    latest = max(draft.created_at, request.recorded_at, request.received_at)
    if ledger.now() < latest:
        raise refuse(
            "SYS-SYSTEM-TIME",
            f"the approval would be dated {ledger.now().isoformat()}, before the request and draft it approves "
            f"existed ({latest.isoformat()}); an approval postdates what it approves",
            "decide now, at the system's time",
            draft=draft_id,
        )
    session.add(
        DraftApproval(
            id=new_id("DA"),
            draft_id=draft_id,
            role=wanted.role,
            username=username,
            official_id=official.id,
            at=ledger.now(),
            approve=approve,
            statement=text,
        )
    )
    session.flush()
    ledger.audit(
        session,
        username,
        f"disclosure.approval.{'approved' if approve else 'refused'}",
        "disclosure_draft",
        draft_id,
        {"role": wanted.role, "statement": text},
    )
    return view(session, draft_id)


def withdraw(ledger: Ledger, session: Session, username: str, draft_id: str, reason: str) -> None:
    _, official = acting(session, username)
    draft = get_draft(session, draft_id)
    if draft.author != username and draft.author_official_id != official.id:
        raise AuthError(f"only the author of draft {draft_id} withdraws it")
    if draft.status != "draft":
        raise LedgerError(f"draft {draft_id} is {draft.status}")
    draft.status = "withdrawn"
    session.flush()
    ledger.audit(
        session,
        username,
        "disclosure.draft.withdraw",
        "disclosure_draft",
        draft_id,
        {"reason": text_field(reason, "reason", MIN_STATEMENT_CHARS)},
    )


def list_drafts(session: Session, status: str | None = None) -> list[DraftView]:
    q = select(DisclosureDraft.id).order_by(DisclosureDraft.created_at.desc(), DisclosureDraft.id)
    if status:
        q = q.where(DisclosureDraft.status == status)
    return [view(session, did) for did in list(session.execute(q).scalars())]


def _may_read(session: Session, user: User, official: Official, v: DraftView) -> bool:
    if user.has_role(Role.LIAISON_OFFICER):
        return True
    if not user.has_role(*APPROVER_ROLES):
        return False
    return any(
        a.username == user.username or (a.state == "pending" and can_give(session, user.role_names, official, a.role))
        for a in v.approvals
    )


def view_for(session: Session, username: str, draft_id: str) -> DraftView:
    """One draft, for a liaison officer or one of its approvers; AuthError for anyone else."""
    user, official = acting(session, username)
    v = view(session, draft_id)
    if not _may_read(session, user, official, v):
        raise AuthError(
            f"{username} may read draft {draft_id} only as a liaison officer or as one of the officials "
            "whose approval it asks for"
        )
    return v


def list_for(session: Session, username: str, status: str | None = None) -> list[DraftView]:
    """The drafts this user may read (`view_for`), newest first."""
    user, official = acting(session, username)
    if not user.has_role(*DRAFT_READERS):
        raise AuthError(f"{username} needs the role {' or '.join(map(str, DRAFT_READERS))} to read drafts")
    return [v for v in list_drafts(session, status) if _may_read(session, user, official, v)]
