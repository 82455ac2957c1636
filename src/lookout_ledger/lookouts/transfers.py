"""Transfers: a lookout changes owner only when the new owner accepts it with instructions.

The review found 31 lookouts handed to other officials at the end of a detail without
notice or instructions; one new owner learned of his only when officers called before an
interview. So a transfer is a request carrying written instructions, pending until the new
owner accepts; only then does ownership change, recorded as a LIF `transferred` event with
`notice: true` (the new owner demonstrably received the instructions: acceptance is the
notice) and a `transfer_accepted` event. Unaccepted transfers escalate to the supervisor,
and an owner cannot leave a unit while owning lookouts not reassigned or removed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger.core.auth import Role, User
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.lookouts import Lookout, LookoutEvent
from lookout_ledger.lookouts.common import (
    acting,
    add_event,
    clean_text,
    get_control,
    get_lookout,
    new_id,
    owner_or_supervisor,
    record_decision,
    refusal,
    users_of_official,
)
from lookout_ledger.lookouts.lifecycle_models import LookoutTransfer
from lookout_ledger.notifications.service import Notice, notify
from lookout_ledger.org.models import Official, Unit


def _removed_ids(session: Session, lookout_ids: list[str]) -> set[str]:
    if not lookout_ids:
        return set()
    q = select(LookoutEvent.lookout_id).where(LookoutEvent.lookout_id.in_(lookout_ids), LookoutEvent.kind == "removed")
    return set(session.execute(q).scalars())


def pending_for(session: Session, lookout_id: str) -> LookoutTransfer | None:
    q = select(LookoutTransfer).where(LookoutTransfer.lookout_id == lookout_id, LookoutTransfer.status == "pending")
    return session.execute(q).scalar_one_or_none()


def inbox(session: Session, username: str) -> list[LookoutTransfer]:
    """Transfers waiting for this user's acceptance."""
    actor = acting(session, username)
    q = select(LookoutTransfer).where(
        LookoutTransfer.to_owner_id == actor.official_id, LookoutTransfer.status == "pending"
    )
    return list(session.execute(q.order_by(LookoutTransfer.requested_at)).scalars())


def request_transfer(
    ledger: Ledger, session: Session, username: str, lookout_id: str, to_owner_id: str, instructions: str
) -> LookoutTransfer:
    """Ask `to_owner_id` to take over a lookout; the owner (or their supervisor) asks, with instructions."""
    lookout = get_lookout(session, lookout_id)
    get_control(session, lookout_id)
    owner_or_supervisor(session, username, lookout, "transfer")
    if _removed_ids(session, [lookout_id]):
        raise LedgerError(f"lookout {lookout_id} was removed; there is nothing to transfer")
    target = session.get(Official, to_owner_id)
    if target is None:
        raise NotFound(f"to_owner_id: no official {to_owner_id!r}")
    if to_owner_id == lookout.owner_id:
        raise LedgerError(f"to_owner_id: {to_owner_id} already owns lookout {lookout_id}")
    if not users_of_official(session, to_owner_id):
        raise LedgerError(f"to_owner_id: official {to_owner_id} has no user account to accept the transfer")
    if pending_for(session, lookout_id) is not None:
        raise LedgerError(f"lookout {lookout_id} already has a pending transfer; cancel it first")
    text = clean_text(instructions)
    minimum = int(ledger.policy.param("min_instruction_chars", 0))
    if len(text) < max(1, minimum):
        raise refusal(
            ledger.policy,
            "LC-TRANSFER-ACCEPTANCE",
            "A transfer needs written instructions for the new owner: why the lookout exists, what is still "
            "sought and what to do after an inspection.",
            f"write the instructions (at least {minimum} characters).",
        )
    now = ledger.now()
    owner = session.get(Official, lookout.owner_id)
    transfer = LookoutTransfer(
        id=new_id("tr"),
        lookout_id=lookout_id,
        from_owner_id=lookout.owner_id,
        to_owner_id=to_owner_id,
        from_unit_id=owner.unit_id if owner else target.unit_id,
        requested_by=username,
        requested_at=now,
        instructions=text,
        status="pending",
    )
    session.add(transfer)
    session.flush()
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action="transfer.request",
        outcome="pending_acceptance",
        rules=["LC-TRANSFER-ACCEPTANCE"],
        lookout_id=lookout_id,
        person_id=lookout.person_id,
        detail={"to_owner_id": to_owner_id},
    )
    ledger.audit(session, username, "lookout.transfer.request", "lookout", lookout_id, {"to": to_owner_id})
    notify(
        session,
        users_of_official(session, to_owner_id),
        Notice(
            "transfer_pending",
            f"Lookout {lookout_id} is being transferred to you",
            f"{username} asks you to take over lookout {lookout_id}. Instructions: {text}\n"
            "It stays with its current owner until you accept it.",
            lookout_id,
        ),
        now,
    )
    return transfer


def accept_transfer(ledger: Ledger, session: Session, username: str, transfer_id: str) -> LookoutTransfer:
    """The new owner accepts: ownership changes, recorded as `transferred` (notice true) and `transfer_accepted`."""
    transfer = session.get(LookoutTransfer, transfer_id)
    if transfer is None:
        raise NotFound(f"no transfer {transfer_id!r}")
    actor = acting(session, username)
    if actor.official_id != transfer.to_owner_id:
        raise AuthError(f"only {transfer.to_owner_id}, the new owner, may accept transfer {transfer_id}")
    if not actor.user.has_role(Role.LOOKOUT_OWNER):
        raise AuthError(f"{username} needs the role lookout_owner to accept transfer {transfer_id} and own its lookout")
    if transfer.status != "pending":
        raise LedgerError(f"transfer {transfer_id} is {transfer.status}, not pending")
    lookout = get_lookout(session, transfer.lookout_id)
    now = ledger.now()
    requester_user = session.get(User, transfer.requested_by)
    requester = requester_user.official_id if requester_user is not None else None
    add_event(
        session,
        lookout.id,
        "transferred",
        now,
        actor_id=requester or transfer.from_owner_id,
        to_owner_id=transfer.to_owner_id,
        notice=True,
        reason=f"Instructions: {transfer.instructions}",
    )
    add_event(
        session, lookout.id, "transfer_accepted", now, actor_id=actor.official_id, reason="accepted with instructions"
    )
    lookout.owner_id = transfer.to_owner_id
    transfer.status, transfer.decided_at, transfer.decided_by = "accepted", now, username
    session.flush()
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action="transfer.accept",
        outcome="accepted",
        rules=["LC-TRANSFER-ACCEPTANCE"],
        lookout_id=lookout.id,
        person_id=lookout.person_id,
        detail={"from_owner_id": transfer.from_owner_id, "to_owner_id": transfer.to_owner_id},
    )
    ledger.audit(session, username, "lookout.transfer.accept", "lookout", lookout.id, {"transfer": transfer_id})
    notify(
        session,
        users_of_official(session, transfer.from_owner_id),
        Notice(
            "transfer_accepted",
            f"Lookout {lookout.id} transfer accepted",
            f"{username} accepted lookout {lookout.id} and now owns it.",
            lookout.id,
        ),
        now,
    )
    return transfer


def cancel_transfer(ledger: Ledger, session: Session, username: str, transfer_id: str, reason: str) -> LookoutTransfer:
    """The requester, the owner, their supervisor or the proposed owner (declining) ends a pending transfer."""
    transfer = session.get(LookoutTransfer, transfer_id)
    if transfer is None:
        raise NotFound(f"no transfer {transfer_id!r}")
    actor = acting(session, username)
    allowed = username == transfer.requested_by or actor.official_id in (transfer.from_owner_id, transfer.to_owner_id)
    if not allowed and not (actor.user.has_role(Role.SUPERVISOR) and actor.official.unit_id == transfer.from_unit_id):
        raise AuthError(f"{username} may not cancel transfer {transfer_id}")
    if transfer.status != "pending":
        raise LedgerError(f"transfer {transfer_id} is {transfer.status}, not pending")
    text = clean_text(reason)
    if not text:
        raise LedgerError("reason: say why the transfer is cancelled or declined")
    now = ledger.now()
    transfer.status, transfer.decided_at, transfer.decided_by = "cancelled", now, username
    lookout = get_lookout(session, transfer.lookout_id)
    declined = actor.official_id == transfer.to_owner_id
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action="transfer.decline" if declined else "transfer.cancel",
        outcome="cancelled",
        rules=["LC-TRANSFER-ACCEPTANCE"],
        lookout_id=lookout.id,
        person_id=lookout.person_id,
        detail={"reason": text},
    )
    ledger.audit(session, username, "lookout.transfer.cancel", "lookout", lookout.id, {"transfer": transfer_id})
    notify(
        session,
        [*users_of_official(session, transfer.from_owner_id), *users_of_official(session, transfer.to_owner_id)],
        Notice(
            "transfer_cancelled",
            f"Transfer of lookout {lookout.id} {'declined' if declined else 'cancelled'}",
            f"{username} {'declined' if declined else 'cancelled'} the transfer: {text}. "
            f"The lookout stays with {lookout.owner_id}.",
            lookout.id,
        ),
        now,
    )
    return transfer


def leave_unit(ledger: Ledger, session: Session, username: str, official_id: str, new_unit_id: str) -> Official:
    """An official leaves their unit (end of a detail), moved by a supervisor of that unit or an admin,
    never by themselves: refused while they own lookouts not handed over.

    Every lookout they own must be removed or have a transfer pending or accepted; reviewing
    alone is not enough, because a lookout must never be left with an owner who has gone.
    """
    actor = acting(session, username)
    official = session.get(Official, official_id)
    if official is None:
        raise NotFound(f"official_id: no official {official_id!r}")
    if session.get(Unit, new_unit_id) is None:
        raise NotFound(f"new_unit_id: no unit {new_unit_id!r}")
    # Nobody changes their own unit (#16: a supervisor who moved himself could then approve the new
    # unit's lookouts). A supervisor of the official's present unit, or an admin, moves them.
    if actor.official_id == official_id:
        raise AuthError(
            f"{username} may not move themselves: a supervisor of unit {official.unit_id} or an admin "
            f"moves official {official_id}"
        )
    if not (
        actor.user.has_role(Role.ADMIN)
        or (actor.user.has_role(Role.SUPERVISOR) and actor.official.unit_id == official.unit_id)
    ):
        raise AuthError(
            f"{username} may not move official {official_id}: only a supervisor of unit {official.unit_id} "
            "or an admin can"
        )
    if new_unit_id == official.unit_id:
        raise LedgerError(f"new_unit_id: {official_id} is already in unit {new_unit_id}")
    owned = list(session.execute(select(Lookout.id).where(Lookout.owner_id == official_id)).scalars())
    removed = _removed_ids(session, owned)
    pending = (
        set(
            session.execute(
                select(LookoutTransfer.lookout_id).where(
                    LookoutTransfer.lookout_id.in_(owned), LookoutTransfer.status == "pending"
                )
            ).scalars()
        )
        if owned
        else set()
    )
    outstanding = sorted(set(owned) - removed - pending)
    if outstanding:
        raise refusal(
            ledger.policy,
            "LC-OWNER-DEPARTURE",
            f"{official_id} still owns {len(outstanding)} lookout(s) not removed or handed over: "
            f"{', '.join(outstanding[:20])}{' ...' if len(outstanding) > 20 else ''}.",
            "review each one: remove it if it is no longer needed, or transfer it with instructions.",
            lookouts=outstanding,
        )
    old_unit = official.unit_id
    official.unit_id = new_unit_id
    now = ledger.now()
    record_decision(
        session,
        ledger.policy,
        at=now,
        actor=username,
        action="official.leave_unit",
        outcome="moved",
        rules=["LC-OWNER-DEPARTURE"],
        detail={"official_id": official_id, "from": old_unit, "to": new_unit_id, "pending_transfers": sorted(pending)},
    )
    ledger.audit(
        session, username, "official.leave_unit", "official", official_id, {"from": old_unit, "to": new_unit_id}
    )
    return official


def escalation_due(transfer: LookoutTransfer, now: datetime, days: int) -> bool:
    return (
        transfer.status == "pending"
        and transfer.escalated_at is None
        and now >= transfer.requested_at + timedelta(days=days)
    )
