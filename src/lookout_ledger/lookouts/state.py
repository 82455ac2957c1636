"""Whether a lookout refers a person now, and why not: the one answer every capability asks.

The review's repeat inspections happened because a lookout kept referring after it had done
its job. Here a lookout refers only when every one of these holds at the time asked:
placed, approvals complete, not removed, referral not disabled, not expired, re-justified by
its owner after its last inspection, and (for a person referred more often than the limit in
the period) cleared by a supervisor since the last referral.

Each condition is one SQL predicate over the lookout row, so the same definitions serve the
set-based query screening indexes (`referring_lookouts`) and the per-lookout explanation
(`referral_state`); the two cannot disagree. An imported lookout (no live controls) is history,
not authority: it refers nobody until its owner adopts it under the current policy, which
gives it controls, approvals and an expiry like any lookout placed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Exists, Select, and_, func, literal, not_, or_, select
from sqlalchemy.orm import Session, aliased

from lookout_ledger.core.errors import NotFound
from lookout_ledger.core.policy.loader import Policy
from lookout_ledger.core.timefmt import MICROS_PER_DAY, to_micros
from lookout_ledger.history.inspections import Inspection, InspectionLookout
from lookout_ledger.history.lookouts import EventKind, Lookout, LookoutEvent
from lookout_ledger.lookouts.lifecycle_models import LookoutApproval, LookoutControl, LookoutReview

# Plain strings for SQL parameters (a driver may dump an Enum by its name, not its value).
REJUSTIFYING_EVENTS = (EventKind.REVIEWED.value, EventKind.MODIFIED.value, EventKind.REFERRAL_ENABLED.value)


@dataclass(frozen=True)
class Blocker:
    rule: str
    reason: str


@dataclass(frozen=True)
class ReferralState:
    lookout_id: str
    at: datetime
    refers: bool
    reasons: list[Blocker] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "lookout_id": self.lookout_id,
            "at": self.at.isoformat(),
            "refers": self.refers,
            "reasons": [{"rule": b.rule, "reason": b.reason} for b in self.reasons],
        }


def _exists(*where: ColumnElement[bool], outer: tuple[Any, ...] = ()) -> Exists:
    """EXISTS correlated explicitly to the lookout row (and to `outer` aliases of an enclosing
    EXISTS): nested subqueries must never fall back to a cross join with `lookouts`."""
    return select(literal(1)).where(*where).correlate(Lookout, *outer).exists()


def referral_conditions(at: datetime, policy: Policy) -> list[tuple[Blocker, ColumnElement[bool]]]:
    """(blocker, predicate on `Lookout` that is true when the blocker applies at `at`)."""
    t = to_micros(at)
    ctl = aliased(LookoutControl)
    has_control = _exists(ctl.lookout_id == Lookout.id)
    ap = aliased(LookoutApproval)
    live_unapproved = _exists(
        ap.lookout_id == Lookout.id,
        ap.status != "superseded",
        or_(ap.status != "approved", ap.decided_at > t),
    )
    ev = aliased(LookoutEvent)
    removed = _exists(ev.lookout_id == Lookout.id, ev.kind == "removed", ev.at <= t)
    dis = aliased(LookoutEvent)
    ena = aliased(LookoutEvent)
    disabled = _exists(
        dis.lookout_id == Lookout.id,
        dis.kind == "referral_disabled",
        dis.at <= t,
        ~_exists(
            ena.lookout_id == Lookout.id,
            ena.kind == "referral_enabled",
            # later, or at the same instant but written after it (live ids increase; see common.new_id)
            or_(ena.at > dis.at, and_(ena.at == dis.at, ena.id > dis.id)),
            ena.at <= t,
            outer=(dis,),
        ),
    )
    expired = _exists(ctl.lookout_id == Lookout.id, ctl.expires_at <= t)
    il = aliased(InspectionLookout)
    ins = aliased(Inspection)
    rj = aliased(LookoutEvent)
    not_rejustified = _exists(
        il.lookout_id == Lookout.id,
        ins.id == il.inspection_id,
        ins.started_at <= t,
        ~_exists(
            rj.lookout_id == Lookout.id,
            rj.kind.in_(REJUSTIFYING_EVENTS),
            rj.at > ins.started_at,
            rj.at <= t,
            outer=(ins,),
        ),
    )
    # Referral limit: the person's lookout-linked inspections in the period, against the limit.
    limit = func.coalesce(
        select(ctl.referral_limit).where(ctl.lookout_id == Lookout.id).correlate(Lookout).scalar_subquery(),
        literal(int(policy.param("referral_limit", 2))),
    )
    days = func.coalesce(
        select(ctl.referral_limit_days).where(ctl.lookout_id == Lookout.id).correlate(Lookout).scalar_subquery(),
        literal(int(policy.param("referral_limit_days", 30))),
    )
    pi = aliased(Inspection)
    pil = aliased(InspectionLookout)
    in_period = and_(
        pi.person_id == Lookout.person_id,
        pi.started_at <= t,
        pi.started_at > literal(t, BigInteger) - days * literal(MICROS_PER_DAY, BigInteger),
        _exists(pil.inspection_id == pi.id, outer=(pi,)),
    )
    count_in_period = select(func.count(pi.id)).where(in_period).correlate(Lookout).scalar_subquery()
    last_in_period = select(func.max(pi.started_at)).where(in_period).correlate(Lookout).scalar_subquery()
    rv = aliased(LookoutReview)
    rvl = aliased(Lookout)
    cleared = _exists(
        rv.lookout_id == rvl.id,
        rvl.person_id == Lookout.person_id,
        rv.kind == "referral_limit",
        rv.decision == "clear",
        rv.decided_at <= t,
        rv.decided_at > last_in_period,
    )
    over_limit = and_(count_in_period >= limit, ~cleared)
    return [
        (Blocker("LC-NOT-PLACED", "the lookout was placed after this time"), Lookout.created_at > t),
        (
            Blocker(
                "LC-ADOPTION",
                "it was imported, not placed here: an imported lookout refers nobody until its owner adopts it "
                "under the current policy (assessment, approvals, expiry)",
            ),
            ~has_control,
        ),
        (
            Blocker("LC-APPROVAL-REQUIRED", "its required approvals are not complete"),
            and_(has_control, live_unapproved),
        ),
        (Blocker("LC-REMOVED", "the lookout was removed"), removed),
        (Blocker("LC-REFERRAL-DISABLED", "its referral is disabled"), disabled),
        (Blocker("LC-EXPIRY", "the lookout has expired and was not renewed"), expired),
        (
            Blocker(
                "LC-POST-INSPECTION-REVIEW",
                "the owner has not re-justified it (keep with a new reason, or modify) since its last inspection",
            ),
            not_rejustified,
        ),
        (
            Blocker(
                "LC-REFERRAL-LIMIT",
                "the person was referred as often as the policy allows in the period; "
                "a supervisor must review before the next referral",
            ),
            over_limit,
        ),
        (
            Blocker("LC-ACTION", "its action is notify_owner: it notifies the owner and refers nobody"),
            Lookout.action != "refer_secondary",
        ),
    ]


def referring_lookouts(at: datetime, policy: Policy) -> Select[str, str]:
    """(lookout id, person id) of every lookout that refers at `at`, as one set-based query."""
    conds = [c for _, c in referral_conditions(at, policy)]
    return select(Lookout.id, Lookout.person_id).where(not_(or_(*conds))).order_by(Lookout.id)


def referring_ids(session: Session, at: datetime, policy: Policy) -> set[str]:
    return {row[0] for row in session.execute(referring_lookouts(at, policy))}


def referral_state(session: Session, lookout_id: str, at: datetime, policy: Policy) -> ReferralState:
    """Whether one lookout refers at `at`, and every reason it does not."""
    if session.get(Lookout, lookout_id) is None:
        raise NotFound(f"no lookout {lookout_id!r}")
    conds = referral_conditions(at, policy)
    row = session.execute(
        select(*[c.label(f"c{i}") for i, (_, c) in enumerate(conds)]).where(Lookout.id == lookout_id)
    ).one()
    reasons = [b for (b, _), hit in zip(conds, row, strict=True) if hit]
    return ReferralState(lookout_id, at, not reasons, reasons)


def window_end(start: datetime, days: int) -> datetime:
    return start + timedelta(days=days)


@dataclass(frozen=True)
class EventState:
    """What a lookout's events say now: removed, and whether its referral is switched off (the last
    of its `referral_disabled` / `referral_enabled` events, in the order they were written)."""

    removed: bool
    last_toggle: LookoutEvent | None

    @property
    def disabled(self) -> bool:
        return self.last_toggle is not None and self.last_toggle.kind == EventKind.REFERRAL_DISABLED


def event_state(session: Session, lookout_id: str) -> EventState:
    """The one reading of a lookout's removal and referral switch that the lifecycle's use cases and
    the sweep share (the screening index and `referral_state` read the same events in SQL)."""
    events = session.execute(
        select(LookoutEvent)
        .where(
            LookoutEvent.lookout_id == lookout_id,
            LookoutEvent.kind.in_(
                (EventKind.REMOVED.value, EventKind.REFERRAL_DISABLED.value, EventKind.REFERRAL_ENABLED.value)
            ),
        )
        .order_by(LookoutEvent.at, LookoutEvent.id)
    ).scalars()
    removed, last = False, None
    for ev in events:
        if ev.kind == EventKind.REMOVED:
            removed = True
        else:
            last = ev
    return EventState(removed, last)
