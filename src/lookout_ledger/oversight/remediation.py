"""Remediation of past disclosures the audit finds non-compliant (the review's recommendation 4).

The worklist comes from the audit itself (`run_audit`), so it lists exactly the disclosures the
privacy office sees as findings, and each one gets the actions the review names: a retroactive
confidentiality advisement, a letter rescinding a request to deny entry, the missing log record
with its law enforcement reason, and a review with the reviewer's conclusion. The historical
`disclosures` rows are never edited: what happened stays what happened; remediation is recorded
beside it, each action in the hash-chained audit log as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role, User
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.ids import new_id
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.disclosures.common import MIN_STATEMENT_CHARS, text_field
from lookout_ledger.disclosures.package import ADVISEMENT_EN, ADVISEMENT_ES
from lookout_ledger.disclosures.workflow_models import REMEDIATION_ACTIONS, RemediationAction
from lookout_ledger.history.disclosures import Disclosure, DisclosurePerson
from lookout_ledger.oversight.audit import run_audit
from lookout_ledger.people.models import Person

ACTION_TITLES = {
    "retroactive_advisement": "Send a retroactive confidentiality advisement",
    "rescission_letter": "Rescind the request to deny entry (letter)",
    "documented_record": "Document the missing record and its law enforcement reason",
    "reviewed": "Review and record the conclusion",
}
ACTOR_ROLES = (Role.AUDITOR, Role.LIAISON_OFFICER, Role.SUPERVISOR, Role.COUNSEL)


@dataclass
class WorkItem:
    disclosure_id: str
    at: datetime
    unit_id: str
    recipient: str
    requirements: dict[str, str]
    rules: list[str]
    needed: list[str]
    done: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def outstanding(self) -> list[str]:
        return [a for a in self.needed if a not in self.done]

    @property
    def complete(self) -> bool:
        return not self.outstanding

    def as_dict(self) -> dict[str, Any]:
        return {
            "disclosure_id": self.disclosure_id,
            "at": self.at.isoformat(),
            "unit_id": self.unit_id,
            "recipient": self.recipient,
            "requirements": self.requirements,
            "rules": self.rules,
            "needed": self.needed,
            "outstanding": self.outstanding,
            "done": self.done,
            "complete": self.complete,
        }


def _needed(requirements: dict[str, str], rules: set[str]) -> list[str]:
    needed = []
    if requirements.get("advisement") != "compliant":
        needed.append("retroactive_advisement")
    if "DS-DENY-ENTRY-REQUEST" in rules:
        needed.append("rescission_letter")
    if requirements.get("record") == "non_compliant":
        needed.append("documented_record")
    needed.append("reviewed")
    return needed


def worklist(ledger: Ledger, session: Session, now: datetime | None = None) -> list[WorkItem]:
    """Every disclosure with a disclosure finding in the audit, with its needed and done actions."""
    result = run_audit(
        session, now=now or ledger.now(), review_window_days=ledger.policy.review_window_days, policy=ledger.policy
    )
    rules: dict[str, set[str]] = {}
    for f in result.findings:
        if f.record_type == "disclosure":
            rules.setdefault(f.record_id, set()).add(f.rule)
    matrix = {d["id"]: dict(d["requirements"]) for d in result.disclosures}
    done: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for a in session.execute(select(RemediationAction).order_by(RemediationAction.at, RemediationAction.id)).scalars():
        done.setdefault(a.disclosure_id, {}).setdefault(a.action, []).append(
            {"id": a.id, "by": a.username, "at": a.at.isoformat(), "text": a.text}
        )
    items = []
    for d in session.execute(
        select(Disclosure).where(Disclosure.id.in_(list(rules))).order_by(Disclosure.at)
    ).scalars():
        req = matrix.get(d.id, {})
        items.append(
            WorkItem(
                disclosure_id=d.id,
                at=d.at,
                unit_id=d.unit_id,
                recipient=", ".join(x for x in (d.recipient_official, d.recipient_agency) if x) or "(not recorded)",
                requirements=req,
                rules=sorted(rules[d.id]),
                needed=_needed(req, rules[d.id]),
                done=done.get(d.id, {}),
            )
        )
    return items


def progress(items: list[WorkItem]) -> dict[str, Any]:
    needed = sum(len(i.needed) for i in items)
    outstanding = sum(len(i.outstanding) for i in items)
    by_action = {
        a: {
            "needed": sum(a in i.needed for i in items),
            "done": sum(a in i.needed and a in i.done for i in items),
        }
        for a in REMEDIATION_ACTIONS
    }
    return {
        "disclosures": len(items),
        "complete": sum(i.complete for i in items),
        "actions_needed": needed,
        "actions_done": needed - outstanding,
        "by_action": by_action,
    }


def _actor(session: Session, username: str, *roles: Role) -> User:
    user = session.get(User, username)
    if user is None or not user.active:
        raise AuthError(f"unknown or inactive user {username!r}")
    if not user.has_role(*roles):
        raise AuthError(f"{username} needs the role {' or '.join(str(r) for r in roles)} for this remediation action")
    return user


def _disclosure(session: Session, disclosure_id: str) -> Disclosure:
    d = session.get(Disclosure, disclosure_id)
    if d is None:
        raise NotFound(f"no disclosure {disclosure_id!r}")
    return d


def _record(
    ledger: Ledger, session: Session, username: str, d: Disclosure, action: str, text: str, document: str | None
) -> RemediationAction:
    row = RemediationAction(
        id=new_id("RM"),
        disclosure_id=d.id,
        action=action,
        username=username,
        at=ledger.now(),
        at_offset=0,
        text=text,
        document=document,
    )
    session.add(row)
    session.flush()
    ledger.audit(
        session, username, f"disclosure.remediation.{action}", "disclosure", d.id, {"id": row.id, "text": text}
    )
    return row


def _us_count(session: Session, disclosure_id: str) -> int:
    q = (
        select(func.count())
        .select_from(DisclosurePerson)
        .join(Person, Person.id == DisclosurePerson.person_id)
        .where(DisclosurePerson.disclosure_id == disclosure_id, Person.us_person.is_(True))
    )
    return int(session.execute(q).scalar_one())


def _addressee(d: Disclosure) -> str:
    return "\n".join(x for x in (d.recipient_official, d.recipient_agency, d.recipient_country) if x) or "(recipient)"


def advisement_letter(d: Disclosure, now: datetime) -> str:
    return (
        f"{now.date().isoformat()}\n\n{_addressee(d)}\n\n"
        f"Re: information provided by U.S. Customs and Border Protection on {d.at.date().isoformat()} "
        f"(reference {d.id}) / Información proporcionada el {d.at.date().isoformat()} (referencia {d.id})\n\n"
        "The information referred to above was provided without the advisement that should have accompanied it. "
        "It is provided under the following conditions, which apply from the date it was received:\n\n"
        f"{ADVISEMENT_EN}\n\n"
        "La información mencionada se proporcionó sin el aviso que debía acompañarla. Se proporciona bajo las "
        "siguientes condiciones, aplicables desde la fecha en que se recibió:\n\n"
        f"{ADVISEMENT_ES}\n"
    )


def rescission_letter_text(d: Disclosure, us_persons: int, now: datetime) -> str:
    return (
        f"{now.date().isoformat()}\n\n{_addressee(d)}\n\n"
        f"Re: rescission of the request of {d.at.date().isoformat()} (reference {d.id}) / "
        f"Revocación de la solicitud del {d.at.date().isoformat()} (referencia {d.id})\n\n"
        f"On {d.at.date().isoformat()} an official of U.S. Customs and Border Protection asked your agency to deny "
        f"entry to persons named in the communication referenced above, {us_persons} of whom are United States "
        "persons. That request was not authorized and is rescinded in full. Please take no action on it, remove any "
        "entry made because of it, and do not share the list further.\n\n"
        f"El {d.at.date().isoformat()} un funcionario de la Oficina de Aduanas y Protección Fronteriza de los "
        "Estados Unidos solicitó a su agencia negar la entrada a las personas nombradas en la comunicación "
        f"referida, {us_persons} de las cuales son personas estadounidenses. Esa solicitud no estaba autorizada y "
        "queda revocada en su totalidad. Le pedimos no tomar ninguna acción con base en ella, eliminar cualquier "
        "registro hecho a causa de ella y no compartir la lista.\n\n"
        f"{ADVISEMENT_EN}\n\n{ADVISEMENT_ES}\n"
    )


def send_retroactive_advisement(ledger: Ledger, session: Session, username: str, disclosure_id: str) -> str:
    """Generate the advisement letter (English and Spanish) and record it as sent by `username`."""
    _actor(session, username, *ACTOR_ROLES)
    d = _disclosure(session, disclosure_id)
    letter = advisement_letter(d, ledger.now())
    _record(ledger, session, username, d, "retroactive_advisement", f"advisement letter to {_addressee(d)}", letter)
    return letter


def rescind_deny_entry(ledger: Ledger, session: Session, username: str, disclosure_id: str) -> str:
    _actor(session, username, *ACTOR_ROLES)
    d = _disclosure(session, disclosure_id)
    if d.requested_action != "deny_entry":
        raise LedgerError(f"disclosure {disclosure_id} did not request a denial of entry; there is nothing to rescind")
    letter = rescission_letter_text(d, _us_count(session, disclosure_id), ledger.now())
    _record(ledger, session, username, d, "rescission_letter", "rescission letter generated", letter)
    return letter


def document_record(
    ledger: Ledger, session: Session, username: str, disclosure_id: str, what: str, reason: str
) -> RemediationAction:
    """The log record that was never made: what was disclosed, and the law enforcement reason."""
    _actor(session, username, *ACTOR_ROLES)
    d = _disclosure(session, disclosure_id)
    what_text = text_field(what, "what", MIN_STATEMENT_CHARS, "what was disclosed, as far as it can be established")
    reason_text = text_field(reason, "reason", MIN_STATEMENT_CHARS, "the law enforcement reason, or that none existed")
    return _record(ledger, session, username, d, "documented_record", f"What: {what_text}\nReason: {reason_text}", None)


def mark_reviewed(
    ledger: Ledger, session: Session, username: str, disclosure_id: str, conclusion: str
) -> RemediationAction:
    """The privacy office's conclusion on one past disclosure."""
    _actor(session, username, Role.AUDITOR)
    d = _disclosure(session, disclosure_id)
    text = text_field(conclusion, "conclusion", MIN_STATEMENT_CHARS, "the reviewer's conclusion")
    return _record(ledger, session, username, d, "reviewed", text, None)


def remediation_document(session: Session, action_id: str) -> RemediationAction:
    row = session.get(RemediationAction, action_id)
    if row is None:
        raise NotFound(f"no remediation action {action_id!r}")
    return row
