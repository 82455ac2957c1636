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

from sqlalchemy import BigInteger, ColumnElement, Select, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from lookout_ledger.core.db import table_of
from lookout_ledger.core.timefmt import from_micros
from lookout_ledger.history.crossings import Crossing
from lookout_ledger.history.disclosures import Disclosure, DisclosurePerson
from lookout_ledger.history.inspections import Inspection, InspectionLookout, InspectionTopic
from lookout_ledger.history.lookouts import Lookout, LookoutEvent, LookoutTopic
from lookout_ledger.people.models import Person

LOOKOUTS = table_of(Lookout)
EVENTS = table_of(LookoutEvent)
INSPECTIONS = table_of(Inspection)
INSPECTION_LOOKOUTS = table_of(InspectionLookout)
CROSSINGS = table_of(Crossing)
PERSONS = table_of(Person)
LOOKOUT_TOPICS = table_of(LookoutTopic)
INSPECTION_TOPICS = table_of(InspectionTopic)
DISCLOSURES = table_of(Disclosure)
DISCLOSURE_PERSONS = table_of(DisclosurePerson)

# Events that stop a lookout from referring, and the full set that decides its referral state.
DISABLING = ("referral_disabled", "removed")
REFERRAL_STATE = ("referral_disabled", "referral_enabled", "removed")
SEP = "\x1f"  # separates aggregated strings; never appears in ids or topic text typed by a person


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


def disabled_spans(dialect: str) -> Any:
    """Each lookout's disabled periods, computed once per audit from its referral-state events.

    A `referral_disabled` or `removed` event starts a span that the lookout's next referral-state
    event (by time, ties by event id) ends; the last one never ends. The latest event at or before
    an instant t is the one whose span satisfies `from_at <= t < to_at`, so "did the lookout enable
    referral at t" becomes one range join instead of an ORDER BY ... LIMIT 1 per (lookout, instant).
    Spans never overlap, so joining them never multiplies rows.
    """
    e = EVENTS
    state = (
        select(
            e.c.lookout_id,
            e.c.kind,
            us(e.c.at).label("from_at"),
            func.lead(us(e.c.at))
            .over(partition_by=e.c.lookout_id, order_by=(e.c.at, by_id(e.c.id, dialect)))
            .label("to_at"),
        )
        .where(e.c.kind.in_(REFERRAL_STATE))
        .subquery("referral_state")
    )
    return materialized(
        select(state.c.lookout_id, state.c.from_at, state.c.to_at).where(state.c.kind.in_(DISABLING)),
        "disabled_span",
    )


def covers(span: Any, at: Any, *, inclusive: bool) -> ColumnElement[bool]:
    """The disabled span holds at `at`: its event is the latest one at or before `at` (`inclusive`,
    for the end of a review window, which includes its last instant) or strictly before it (a
    crossing only sees events before it)."""
    if inclusive:
        return and_(span.c.from_at <= at, or_(span.c.to_at.is_(None), span.c.to_at > at))
    return and_(span.c.from_at < at, or_(span.c.to_at.is_(None), span.c.to_at >= at))


def inspection_links(dialect: str, *, topics: bool = False) -> Any:
    """One row per inspection with at least one link, computed once per query that needs it.

    `own` (1/0): at least one linked lookout is on the inspected person (a *lookout-linked*
    inspection); `first_pos`: the position of the first link, whose lookout's owner is the inspection's
    responsible official; `lookouts`: the linked lookout ids, for messages.

    With `topics`, also `sought` (the topics the linked lookouts seek), `seeks` (how many) and
    `pursued` (1 when an asked topic equals a sought one by topic_norm), from the same GROUP BY:
    the topic joins repeat link rows, which changes no MIN/MAX and only repeats aggregated
    strings, which the messages de-duplicate.
    """
    i, il, lk = INSPECTIONS, INSPECTION_LOOKOUTS, LOOKOUTS
    source = il.join(i, i.c.id == il.c.inspection_id).join(lk, lk.c.id == il.c.lookout_id)
    columns: list[Any] = [
        i.c.id,
        i.c.person_id,
        us(i.c.started_at).label("started_at"),
        i.c.crossing_id,
        func.max(case((lk.c.person_id == i.c.person_id, 1), else_=0)).label("own"),
        func.min(il.c.position).label("first_pos"),
    ]
    if topics:
        lt, asked = LOOKOUT_TOPICS, INSPECTION_TOPICS.alias("asked_same")
        source = source.outerjoin(lt, lt.c.lookout_id == il.c.lookout_id).outerjoin(
            asked, and_(asked.c.inspection_id == il.c.inspection_id, asked.c.topic_norm == lt.c.topic_norm)
        )
        columns += [
            func.aggregate_strings(il.c.lookout_id, SEP).label("lookouts"),
            func.aggregate_strings(lt.c.topic, SEP).label("sought"),
            func.count(lt.c.lookout_id).label("seeks"),
            func.max(case((asked.c.inspection_id.is_not(None), 1), else_=0)).label("pursued"),
        ]
    return materialized(select(*columns).select_from(source).group_by(i.c.id), "inspection_link")


def linked_inspections(links: Any, dialect: str, *, count: bool = True) -> Select[Any]:
    """Every lookout-linked inspection with its rank among the person's (1 = first referral) and,
    with `count`, their number (a second window pass that callers needing only the rank skip)."""
    columns: list[Any] = [
        links.c.id,
        links.c.person_id,
        links.c.started_at,
        links.c.crossing_id,
        func.row_number()
        .over(partition_by=links.c.person_id, order_by=(links.c.started_at, by_id(links.c.id, dialect)))
        .label("rn"),
    ]
    if count:
        columns.append(func.count().over(partition_by=links.c.person_id).label("n"))
    return select(*columns).where(links.c.own == 1)


def _not_own_crossing(crossing: Any, own_crossing_id: Any) -> ColumnElement[bool]:
    """The crossing that produced an inspection is never the person's *next* crossing."""
    return or_(own_crossing_id.is_(None), crossing.c.id != own_crossing_id)


def first_referrals(dialect: str, window_micros: int) -> Select[Any]:
    """One row: persons inspected, removed after and reentered while active after their first
    referral, re-referred, and the largest number of referrals of one person.

    Removed after the first referral: every lookout linked to that inspection has a disable or
    removal event after the inspection started, no later than started_at + window, and strictly
    before the person's next crossing (if any). `reentered` is computed only for the others.
    Each step is a join or GROUP BY over a relation computed once, never a per-row subquery.
    """
    ranked = linked_inspections(inspection_links(dialect), dialect).subquery("ranked")
    first = materialized(
        select(ranked.c.id, ranked.c.person_id, ranked.c.started_at, ranked.c.crossing_id, ranked.c.n).where(
            ranked.c.rn == 1
        ),
        "first_referral",
    )
    c = CROSSINGS.alias("next_crossing")
    next_crossing = (
        select(first.c.person_id, func.min(us(c.c.at)).label("next_at"))
        .select_from(first.join(c, c.c.person_id == first.c.person_id))
        .where(us(c.c.at) > first.c.started_at, _not_own_crossing(c, first.c.crossing_id))
        .group_by(first.c.person_id)
        .subquery("next_crossing_at")
    )
    il, e = INSPECTION_LOOKOUTS.alias("fr_link"), EVENTS.alias("disable_event")
    # A person is removed when every link of the first referral meets a disabling event in time:
    # links are counted once each (by position) with and without such an event.
    disabled_in_time = and_(
        e.c.lookout_id == il.c.lookout_id,
        e.c.kind.in_(DISABLING),
        us(e.c.at) > first.c.started_at,
        us(e.c.at) <= first.c.started_at + window_micros,
        or_(next_crossing.c.next_at.is_(None), us(e.c.at) < next_crossing.c.next_at),
    )
    removed = materialized(
        select(first.c.person_id)
        .select_from(
            first.join(il, il.c.inspection_id == first.c.id)
            .outerjoin(next_crossing, next_crossing.c.person_id == first.c.person_id)
            .outerjoin(e, disabled_in_time)
        )
        .group_by(first.c.person_id)
        .having(
            func.count(il.c.position.distinct())
            == func.count(case((e.c.lookout_id.is_not(None), il.c.position)).distinct())
        ),
        "removed_person",
    )
    spans = disabled_spans(dialect)
    later, mine = CROSSINGS.alias("later_crossing"), LOOKOUTS.alias("their_lookout")
    span, gone = spans.alias("span_before_crossing"), removed.alias("removed_first")
    # Active persons who crossed again while some lookout on them existed and was not disabled.
    reentered = materialized(
        select(first.c.person_id)
        .distinct()
        .select_from(
            first.outerjoin(gone, gone.c.person_id == first.c.person_id)
            .join(later, later.c.person_id == first.c.person_id)
            .join(mine, mine.c.person_id == first.c.person_id)
            .outerjoin(span, and_(span.c.lookout_id == mine.c.id, covers(span, us(later.c.at), inclusive=False)))
        )
        .where(
            gone.c.person_id.is_(None),
            us(later.c.at) > first.c.started_at,
            _not_own_crossing(later, first.c.crossing_id),
            us(mine.c.created_at) <= us(later.c.at),
            span.c.lookout_id.is_(None),
        ),
        "reentered_person",
    )
    return select(
        func.count(),
        select(func.count()).select_from(removed).scalar_subquery(),
        select(func.count()).select_from(reentered).scalar_subquery(),
        func.coalesce(func.sum(case((first.c.n >= 2, 1), else_=0)), 0),
        func.coalesce(func.max(first.c.n), 0),
    ).select_from(first)


def lookout_metrics(session: Session, dialect: str, window_micros: int) -> dict[str, int]:
    lk = LOOKOUTS
    total, non_suspect, persons = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((lk.c.status_code == "non_suspect", 1), else_=0)), 0),
            func.count(lk.c.person_id.distinct()),
        )
    ).one()
    inspected, removed, reentered, re_referred, max_n = session.execute(first_referrals(dialect, window_micros)).one()
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
    li = linked_inspections(inspection_links(dialect), dialect).subquery("li")
    out: dict[str, list[datetime]] = {}
    rows = session.execute(select(li.c.person_id, li.c.started_at).order_by(li.c.person_id, li.c.rn))
    for person_id, started in rows:
        out.setdefault(person_id, []).append(from_micros(int(started)))
    return out
