"""Figure 1 of the review in numbers: who had lookouts, who was referred, and what happened next.

Every metric is one set-based SQL statement (joins, window functions, correlated EXISTS on
indexed columns) so the audit scales to millions of records on SQLite and PostgreSQL alike:
instants are BIGINT microseconds, so the review window is integer arithmetic.

Shared building blocks used by the finding rules live here too, because they encode the
same model of a referral: a *lookout-linked inspection* of a person is an inspection of that
person linked to at least one lookout on that same person, and their *first referral* is the
earliest of these (ties broken by inspection id, in binary order on both engines).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from lookout_ledger.core.timefmt import from_micros
from lookout_ledger.disclosures.models import Disclosure, DisclosurePerson
from lookout_ledger.inspections.models import Inspection, InspectionLookout
from lookout_ledger.lookouts.models import Lookout, LookoutEvent
from lookout_ledger.people.models import Person
from lookout_ledger.screening.models import Crossing

LOOKOUTS = Lookout.__table__
EVENTS = LookoutEvent.__table__
INSPECTIONS = Inspection.__table__
INSPECTION_LOOKOUTS = InspectionLookout.__table__
CROSSINGS = Crossing.__table__
PERSONS = Person.__table__
DISCLOSURES = Disclosure.__table__
DISCLOSURE_PERSONS = DisclosurePerson.__table__

# Events that stop a lookout from referring, and the full set that decides its referral state.
DISABLING = ("referral_disabled", "removed")
REFERRAL_STATE = ("referral_disabled", "referral_enabled", "removed")


def materialized(stmt: Select[Any], name: str) -> Any:
    """A CTE computed once. Without this, SQLite flattens the subquery into its users and
    re-evaluates a correlated column (the next crossing, the removal test) at every reference."""
    return stmt.cte(name).prefix_with("MATERIALIZED")


def us(column: Any) -> ColumnElement[int]:
    """An Instant column as its raw integer microseconds, for window arithmetic."""
    return type_coerce(column, BigInteger)


def by_id(column: Any, dialect: str) -> ColumnElement[Any]:
    """Order string ids by code point on every engine, so tie-breaks never depend on a locale."""
    return column.collate("C") if dialect == "postgresql" else column


def enabled_referral(lookout_id: Any, at: Any, dialect: str, *, inclusive: bool) -> ColumnElement[bool]:
    """True when the lookout's latest referral-state event before `at` is not a disable or removal.

    A lookout with no such event enables referral from its creation; `referral_enabled` after a
    disable re-enables it. `inclusive` also counts an event at exactly `at` (used for the end of a
    review window, which includes its last instant); a crossing only sees events strictly before it.
    Ties at one instant are broken by the latest event id.
    """
    e = EVENTS.alias("state_event")
    when = us(e.c.at) <= at if inclusive else us(e.c.at) < at
    latest = (
        select(e.c.kind)
        .where(e.c.lookout_id == lookout_id, e.c.kind.in_(REFERRAL_STATE), when)
        .order_by(e.c.at.desc(), by_id(e.c.id, dialect).desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(latest, "none").not_in(DISABLING)


def linked_inspections(dialect: str) -> Select[Any]:
    """Every lookout-linked inspection with its rank among the person's (1 = first referral) and their count."""
    i, il, lk = INSPECTIONS, INSPECTION_LOOKOUTS, LOOKOUTS
    own_lookout = (
        select(literal(1))
        .select_from(il.join(lk, lk.c.id == il.c.lookout_id))
        .where(il.c.inspection_id == i.c.id, lk.c.person_id == i.c.person_id)
        .exists()
    )
    return select(
        i.c.id,
        i.c.person_id,
        us(i.c.started_at).label("started_at"),
        i.c.crossing_id,
        func.row_number()
        .over(partition_by=i.c.person_id, order_by=(i.c.started_at, by_id(i.c.id, dialect)))
        .label("rn"),
        func.count().over(partition_by=i.c.person_id).label("n"),
    ).where(own_lookout)


def _not_own_crossing(crossing: Any, own_crossing_id: Any) -> ColumnElement[bool]:
    """The crossing that produced an inspection is never the person's *next* crossing."""
    return or_(own_crossing_id.is_(None), crossing.c.id != own_crossing_id)


def first_referrals(dialect: str, window_micros: int) -> Select[Any]:
    """One row per inspected person: first referral, number of referrals, and `removed` (1/0).

    Removed after the first referral: every lookout linked to that inspection has a disable or
    removal event after the inspection started, no later than started_at + window, and strictly
    before the person's next crossing (if any). `reentered` (1/0) is computed only for the others.
    """
    li = linked_inspections(dialect).subquery("li")
    c = CROSSINGS.alias("next_crossing")
    next_at = (
        select(func.min(us(c.c.at)))
        .where(c.c.person_id == li.c.person_id, us(c.c.at) > li.c.started_at, _not_own_crossing(c, li.c.crossing_id))
        .scalar_subquery()
    )
    fr = materialized(
        select(li.c.id, li.c.person_id, li.c.started_at, li.c.crossing_id, li.c.n, next_at.label("next_at")).where(
            li.c.rn == 1
        ),
        "fr",
    )

    il = INSPECTION_LOOKOUTS.alias("fr_link")
    e = EVENTS.alias("disable_event")
    disabled_in_time = (
        select(literal(1))
        .where(
            e.c.lookout_id == il.c.lookout_id,
            e.c.kind.in_(DISABLING),
            us(e.c.at) > fr.c.started_at,
            us(e.c.at) <= fr.c.started_at + window_micros,
            or_(fr.c.next_at.is_(None), us(e.c.at) < fr.c.next_at),
        )
        .correlate(fr, il)
        .exists()
    )
    some_link_not_disabled = select(literal(1)).where(il.c.inspection_id == fr.c.id, ~disabled_in_time).exists()

    removed = case((some_link_not_disabled, 0), else_=1)
    classified = materialized(
        select(fr.c.person_id, fr.c.started_at, fr.c.crossing_id, fr.c.n, removed.label("removed")), "classified"
    )
    reentered = _reentered_while_active(classified, dialect)
    return select(
        classified.c.person_id,
        classified.c.n,
        classified.c.removed,
        case((classified.c.removed == 1, 0), (reentered, 1), else_=0).label("reentered"),
    )


def _reentered_while_active(fr: Any, dialect: str) -> ColumnElement[bool]:
    """A crossing after the first referral (never its own crossing) at which any lookout on the
    person existed and still enabled referral."""
    later = CROSSINGS.alias("later_crossing")
    mine = LOOKOUTS.alias("their_lookout")
    return (
        select(literal(1))
        .select_from(later.join(mine, mine.c.person_id == later.c.person_id))
        .where(
            later.c.person_id == fr.c.person_id,
            us(later.c.at) > fr.c.started_at,
            _not_own_crossing(later, fr.c.crossing_id),
            us(mine.c.created_at) <= us(later.c.at),
            enabled_referral(mine.c.id, us(later.c.at), dialect, inclusive=False),
        )
        .exists()
    )


def lookout_metrics(session: Session, dialect: str, window_micros: int) -> dict[str, int]:
    lk = LOOKOUTS
    total, non_suspect, persons = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((lk.c.status_code == "non_suspect", 1), else_=0)), 0),
            func.count(lk.c.person_id.distinct()),
        )
    ).one()
    fr = first_referrals(dialect, window_micros).subquery("persons")
    inspected, removed, reentered, re_referred, max_n = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(fr.c.removed), 0),
            func.coalesce(func.sum(fr.c.reentered), 0),
            func.coalesce(func.sum(case((fr.c.n >= 2, 1), else_=0)), 0),
            func.coalesce(func.max(fr.c.n), 0),
        )
    ).one()
    transferred = session.execute(
        select(func.count(EVENTS.c.lookout_id.distinct())).where(
            EVENTS.c.kind == "transferred", EVENTS.c.notice.is_not(True)
        )
    ).scalar_one()
    return {
        "total": int(total),
        "non_suspect": int(non_suspect),
        "persons_with_lookouts": int(persons),
        "persons_inspected": int(inspected),
        "persons_never_inspected": int(persons) - int(inspected),
        "persons_removed_after_first_referral": int(removed),
        "persons_active_after_first_referral": int(inspected) - int(removed),
        "persons_reentered_while_active": int(reentered),
        "persons_re_referred": int(re_referred),
        "max_referrals_one_person": int(max_n),
        "transferred_without_notice": int(transferred),
    }


def disclosure_metrics(session: Session) -> dict[str, int]:
    d, dp, p = DISCLOSURES, DISCLOSURE_PERSONS, PERSONS
    total = session.execute(select(func.count()).select_from(d)).scalar_one()
    us_named = dp.join(p, and_(p.c.id == dp.c.person_id, p.c.us_person.is_(True)))
    disclosed = session.execute(select(func.count(dp.c.person_id.distinct())).select_from(us_named)).scalar_one()
    deny = session.execute(
        select(func.count(dp.c.person_id.distinct()))
        .select_from(us_named.join(d, d.c.id == dp.c.disclosure_id))
        .where(d.c.requested_action == "deny_entry")
    ).scalar_one()
    return {"total": int(total), "us_persons_disclosed": int(disclosed), "us_persons_in_deny_entry_requests": int(deny)}


def inspections_by_person(session: Session, dialect: str) -> dict[str, list[datetime]]:
    """Start times of each inspected person's lookout-linked inspections, in order (Figure 1 chart)."""
    li = linked_inspections(dialect).subquery("li")
    out: dict[str, list[datetime]] = {}
    rows = session.execute(select(li.c.person_id, li.c.started_at).order_by(li.c.person_id, li.c.rn))
    for person_id, started in rows:
        out.setdefault(person_id, []).append(from_micros(int(started)))
    return out
