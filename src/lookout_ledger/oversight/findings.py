"""The finding rules of the LIF audit contract, each one set-based SQL query.

Every rule selects exactly the records that break it (one row per record: a record produces
at most one finding per rule) together with the few facts its message names; Python only
turns those result rows into sentences. Nothing here loops over all records to decide a rule,
which is what lets the audit run over a million lookouts.

Readings of the definitions that the spec leaves open are written down in docs/audit-rules.md;
the docstring of each rule names the reading it implements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session

from lookout_ledger.core.db import table_of
from lookout_ledger.core.timefmt import MICROS_PER_DAY, from_micros
from lookout_ledger.history.communications import Communication
from lookout_ledger.history.disclosures import DisclosureApproval
from lookout_ledger.history.inspections import InspectionTopic
from lookout_ledger.history.lookouts import LookoutTopic
from lookout_ledger.org.models import Official, Unit, UnitRequiredApproval
from lookout_ledger.oversight.metrics import (
    DISCLOSURE_PERSONS,
    DISCLOSURES,
    EVENTS,
    INSPECTION_LOOKOUTS,
    INSPECTIONS,
    LOOKOUTS,
    PERSONS,
    SEP,
    by_id,
    covers,
    disabled_spans,
    inspection_links,
    linked_inspections,
    us,
)
from lookout_ledger.oversight.requirements import (
    NON_COMPLIANT,
    REQUIREMENT_CITATIONS,
    REQUIREMENT_KEYS,
    REQUIREMENT_WORDS,
    sql_blank,
    sql_requirements,
)
from lookout_ledger.oversight.rules import RULES
from lookout_ledger.people.models import SENSITIVE_OCCUPATIONS

OFFICIALS = table_of(Official)
LOOKOUT_TOPICS = table_of(LookoutTopic)
INSPECTION_TOPICS = table_of(InspectionTopic)
APPROVALS = table_of(DisclosureApproval)
REQUIRED_APPROVALS = table_of(UnitRequiredApproval)
COMMUNICATIONS = table_of(Communication)

# Events that count as the owner re-evaluating a lookout after an inspection.
RE_EVALUATION = ("reviewed", "modified", "referral_disabled", "removed")
MICROS_PER_HOUR = 3_600_000_000
# Each rule's citation, looked up once rather than through RULES for every finding.
CITATIONS = {rule_id: rule.citation for rule_id, rule in RULES.items()}


@dataclass(slots=True)
class Finding:
    """One rule broken by one record. `owner_id`, `unit_id` and `at` are context for filters and
    drill-down (the responsible official, their unit, the record's main timestamp); they are not
    part of the LIF audit output.

    An audit of a million lookouts holds millions of findings, so the class is slotted and not
    frozen (a frozen dataclass pays a setattr call per field), and the timestamp is kept as the
    integer the database returned and turned into a datetime only when someone reads `at`.
    """

    rule: str
    record_type: str
    record_id: str
    person_id: str | None
    message: str
    citation: str
    owner_id: str | None = None
    unit_id: str | None = None
    at_micros: int | None = None

    @property
    def at(self) -> datetime | None:
        return None if self.at_micros is None else from_micros(self.at_micros)

    def to_spec(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "person_id": self.person_id,
            "message": self.message,
            "citation": self.citation,
        }

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.rule, self.record_type, self.record_id)


@dataclass(frozen=True)
class AuditContext:
    session: Session
    dialect: str
    now_micros: int
    window_days: int
    max_inspection_hours: float
    forward_days: int

    @property
    def window_micros(self) -> int:
        return self.window_days * MICROS_PER_DAY


def when(micros: int | None) -> str:
    """A timestamp in a message: minute precision, UTC, unambiguous for any reader."""
    if micros is None:
        return "an unrecorded time"
    t = from_micros(int(micros))
    if t.year >= 1000:  # four-digit years: the same text as strftime, several times faster
        return f"{t.year}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d} UTC"
    return t.strftime("%Y-%m-%d %H:%M UTC")


def _split(text: str | None) -> list[str]:
    return sorted({t for t in (text or "").split(SEP) if t})


def _quote(items: Iterable[str]) -> str:
    items = list(items)
    return ", ".join(f'"{t}"' for t in items) if items else "nothing"


def _quoted_topics(cache: dict[str | None, str], text: str | None) -> str:
    """`_quote(_split(text))`, remembered per distinct text: the same few topic lists recur on
    hundreds of thousands of inspections."""
    quoted = cache.get(text)
    if quoted is None:
        quoted = cache[text] = _quote(_split(text))
    return quoted


def _ids(text: str | None) -> str:
    """`", ".join(_split(text))`, without the set and the sort when the text holds a single id."""
    if text and SEP not in text:
        return text
    return ", ".join(_split(text))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- lookouts ----------------------------------------------------------------------------


def _lookout_rows(ctx: AuditContext, *columns: Any, where: Any, source: Any = None) -> Any:
    """Lookouts matching `where`, with the context every lookout finding carries."""
    lk, o = LOOKOUTS, OFFICIALS
    src = source if source is not None else lk
    stmt = (
        select(lk.c.id, lk.c.person_id, lk.c.owner_id, o.c.unit_id, us(lk.c.created_at).label("at"), *columns)
        .select_from(src.outerjoin(o, o.c.id == lk.c.owner_id))
        .where(where)
    )
    return ctx.session.execute(stmt)


def _lookout_finding(rule: str, row: Any, message: str) -> Finding:
    # By position (`_lookout_rows` puts id, person_id, owner_id, unit_id, at first): hundreds of
    # thousands of calls make keyword arguments and attribute access by name a visible cost.
    return Finding(rule, "lookout", row[0], row[1], message, CITATIONS[rule], row[2], row[3], row[4])


def lk_non_suspect(ctx: AuditContext) -> list[Finding]:
    """Lookouts with status_code non_suspect."""
    rows = _lookout_rows(ctx, LOOKOUTS.c.suspected_activity, where=LOOKOUTS.c.status_code == "non_suspect")
    out = []
    for r in rows:
        msg = (
            f"Lookout {r.id} was placed on a person not suspected of illegal activity (status non_suspect). "
            "The TECS Directive allows lookouts only if illegal activity is suspected: record the suspected "
            "illegal activity of this person, or remove the lookout."
        )
        out.append(_lookout_finding("LK-NON-SUSPECT", r, msg))
    return out


def lk_no_basis(ctx: AuditContext) -> list[Finding]:
    """Lookouts whose basis is null or blank, or that seek no topic (information_sought empty)."""
    lk, lt = LOOKOUTS, LOOKOUT_TOPICS
    no_basis = sql_blank(lk.c.basis, ctx.dialect)
    has_topics = select(literal(1)).where(lt.c.lookout_id == lk.c.id).exists()
    rows = _lookout_rows(
        ctx, no_basis.label("no_basis"), has_topics.label("has_topics"), where=or_(no_basis, ~has_topics)
    )
    out = []
    for r in rows:
        missing = []
        if r.no_basis:
            missing.append("no narrative basis")
        if not r.has_topics:
            missing.append("no information sought for the interviewing officer")
        msg = (
            f"Lookout {r.id} states {' and '.join(missing)}. A lookout must record why it was placed and what "
            "the officer should ask, so that its legitimate law enforcement purpose can be checked."
        )
        out.append(_lookout_finding("LK-NO-BASIS", r, msg))
    return out


def lk_not_approved(ctx: AuditContext) -> list[Finding]:
    """Lookouts with no approved_by, or approved_by equal to created_by (self-approval)."""
    lk = LOOKOUTS
    rows = _lookout_rows(
        ctx,
        lk.c.approved_by_id,
        lk.c.created_by_id,
        where=or_(lk.c.approved_by_id.is_(None), lk.c.approved_by_id == lk.c.created_by_id),
    )
    out = []
    for r in rows:
        if r.approved_by_id is None:
            what = "was never approved by a supervisor"
        else:
            what = f"was approved by its own creator, {r.created_by_id}"
        msg = f"Lookout {r.id} {what}. A lookout needs the approval of an official other than the one who placed it."
        out.append(_lookout_finding("LK-NOT-APPROVED", r, msg))
    return out


def lk_stale_after_inspection(ctx: AuditContext) -> list[Finding]:
    """Lookouts still enabling referral at the end of the review window after a linked inspection.

    For each (lookout, linked inspection): the window ends at started_at + window; the finding
    needs the evaluation time past that end, the lookout existing and enabling referral at the
    end (its latest disable/enable/remove event at or before the end is not a disable or
    removal: no disabled span covers the end), and no reviewed, modified, referral_disabled or
    removed event after the inspection started and at or before the end. The message names the
    earliest such inspection.
    """
    lk, il, i, e = LOOKOUTS, INSPECTION_LOOKOUTS, INSPECTIONS, EVENTS.alias("re_evaluation")
    span = disabled_spans(ctx.dialect)
    end = us(i.c.started_at) + ctx.window_micros
    re_evaluated = (
        select(literal(1))
        .where(
            e.c.lookout_id == il.c.lookout_id,
            e.c.kind.in_(RE_EVALUATION),
            us(e.c.at) > us(i.c.started_at),
            us(e.c.at) <= end,
        )
        .exists()
    )
    pairs = (
        select(
            il.c.lookout_id,
            i.c.id.label("inspection_id"),
            us(i.c.started_at).label("started_at"),
            func.row_number()
            .over(partition_by=il.c.lookout_id, order_by=(i.c.started_at, by_id(i.c.id, ctx.dialect)))
            .label("rn"),
            func.count().over(partition_by=il.c.lookout_id).label("n"),
        )
        .select_from(
            il.join(i, i.c.id == il.c.inspection_id)
            .join(lk, lk.c.id == il.c.lookout_id)
            .outerjoin(span, and_(span.c.lookout_id == il.c.lookout_id, covers(span, end, inclusive=True)))
        )
        .where(end < ctx.now_micros, us(lk.c.created_at) <= end, span.c.lookout_id.is_(None), ~re_evaluated)
        .subquery("stale")
    )
    rows = _lookout_rows(
        ctx,
        pairs.c.inspection_id,
        pairs.c.started_at,
        pairs.c.n,
        where=pairs.c.rn == 1,
        source=LOOKOUTS.join(pairs, pairs.c.lookout_id == LOOKOUTS.c.id),
    )
    out = []
    window_days = ctx.window_days
    for r in rows:
        others = f" (and after {_plural(int(r.n) - 1, 'later inspection')})" if r.n > 1 else ""
        msg = (
            f"Lookout {r.id} still referred its subject more than {window_days} days after inspection "
            f"{r.inspection_id} (started {when(r.started_at)}){others}, with no review, modification, disabling "
            f"or removal in between. The owner, {r.owner_id}, should re-evaluate the lookout after every inspection."
        )
        out.append(_lookout_finding("LK-STALE-AFTER-INSPECTION", r, msg))
    return out


def lk_transfer_without_notice(ctx: AuditContext) -> list[Finding]:
    """Lookouts with a transferred event whose notice is null or false; the message names the first."""
    e = EVENTS
    transfers = (
        select(
            e.c.lookout_id,
            e.c.to_owner_id,
            e.c.notice,
            us(e.c.at).label("transferred_at"),
            func.row_number()
            .over(partition_by=e.c.lookout_id, order_by=(e.c.at, by_id(e.c.id, ctx.dialect)))
            .label("rn"),
            func.count().over(partition_by=e.c.lookout_id).label("n"),
        )
        .where(e.c.kind == "transferred", e.c.notice.is_not(True))
        .subquery("transfers")
    )
    rows = _lookout_rows(
        ctx,
        transfers.c.to_owner_id,
        transfers.c.notice,
        transfers.c.transferred_at,
        transfers.c.n,
        where=transfers.c.rn == 1,
        source=LOOKOUTS.join(transfers, transfers.c.lookout_id == LOOKOUTS.c.id),
    )
    out = []
    for r in rows:
        to = f" to {r.to_owner_id}" if r.to_owner_id else ""
        notice = "no notice was given" if r.notice is False else "no notice was recorded"
        more = f" ({_plural(int(r.n), 'transfer')} without notice in all)" if r.n > 1 else ""
        msg = (
            f"Lookout {r.id} was transferred{to} on {when(r.transferred_at)} and {notice}{more}. "
            "The new owner must be told of the lookout and given instructions to keep it accurate."
        )
        out.append(_lookout_finding("LK-TRANSFER-WITHOUT-NOTICE", r, msg))
    return out


def lk_sensitive_occupation(ctx: AuditContext) -> list[Finding]:
    """Lookouts on persons whose occupation is journalist, attorney, advocate, photographer or clergy."""
    lk, p = LOOKOUTS, PERSONS
    rows = _lookout_rows(
        ctx,
        p.c.occupation,
        where=p.c.occupation.in_(SENSITIVE_OCCUPATIONS),
        source=lk.join(p, p.c.id == lk.c.person_id),
    )
    out = []
    for r in rows:
        msg = (
            f"Lookout {r.id} is on a person whose occupation is {r.occupation}. A record of how a person exercises "
            "First Amendment rights needs a law enforcement nexus beyond the protected activity and counsel's "
            "written review."
        )
        out.append(_lookout_finding("LK-SENSITIVE-OCCUPATION", r, msg))
    return out


# --- inspections -------------------------------------------------------------------------


def inspection_rows(ctx: AuditContext) -> Any:
    """Every inspection that breaks at least one inspection rule, with all the facts any of those
    rules and their messages need, in one statement.

    The shared relations are computed once here and joined, never re-evaluated per row: the link
    summary (lookout-linked or not, the first link, the linked lookout ids), the rank of each
    lookout-linked inspection among the person's, the topics the linked lookouts seek (and whether
    any was asked), and the topics asked. The first link's lookout gives the responsible official
    and their unit.
    """
    i, il, it, lk, o = INSPECTIONS, INSPECTION_LOOKOUTS, INSPECTION_TOPICS, LOOKOUTS, OFFICIALS
    links = inspection_links(ctx.dialect, topics=True)
    ranked = linked_inspections(links, ctx.dialect, count=False).subquery("ranked")
    asked = (
        select(it.c.inspection_id, func.aggregate_strings(it.c.topic, SEP).label("asked"))
        .group_by(it.c.inspection_id)
        .subquery("asked")
    )
    first, owner = il.alias("first_link"), lk.alias("first_lookout")
    started, ended = us(i.c.started_at), us(i.c.ended_at)
    no_reason = sql_blank(i.c.ds_reason, ctx.dialect)
    limit = round(ctx.max_inspection_hours * MICROS_PER_HOUR)
    purpose = and_(i.c.documented.is_(True), links.c.seeks > 0, links.c.pursued == 0)
    repeat = and_(ranked.c.rn > 1, i.c.new_information.is_(False))
    device = and_(
        i.c.ds_performed.is_(True),
        or_(no_reason, i.c.ds_supervisor_approval_id.is_(None), i.c.ds_findings_documented.is_not(True)),
    )
    duration = or_(i.c.ended_at.is_(None), ended < started, ended - started > limit)
    # inspection_rules reads the first fifteen columns by position.
    stmt = (
        select(
            i.c.id,
            i.c.person_id,
            owner.c.owner_id,
            o.c.unit_id,
            started.label("at"),
            ended.label("ended_at"),
            i.c.documented,
            purpose.label("purpose"),
            repeat.label("repeat"),
            device.label("device"),
            duration.label("duration"),
            ranked.c.rn,
            links.c.sought,
            asked.c.asked,
            links.c.lookouts,
            no_reason.label("no_reason"),
            i.c.ds_supervisor_approval_id,
            i.c.ds_findings_documented,
        )
        .select_from(
            i.outerjoin(links, links.c.id == i.c.id)
            .outerjoin(first, and_(first.c.inspection_id == links.c.id, first.c.position == links.c.first_pos))
            .outerjoin(owner, owner.c.id == first.c.lookout_id)
            .outerjoin(o, o.c.id == owner.c.owner_id)
            .outerjoin(ranked, ranked.c.id == i.c.id)
            .outerjoin(asked, asked.c.inspection_id == i.c.id)
        )
        .where(or_(i.c.documented.is_(False), purpose, repeat, device, duration))
    )
    return ctx.session.execute(stmt, execution_options={"stream_results": True, "max_row_buffer": 5000})


def inspection_rules(ctx: AuditContext) -> list[Finding]:
    """IN-PURPOSE-NOT-PURSUED, IN-UNDOCUMENTED, IN-REPEAT-NO-NEW-INFO, IN-DEVICE-SEARCH-UNJUSTIFIED and
    IN-DURATION-ANOMALY from one pass over `inspection_rows`; each row yields a finding for every
    rule it breaks.

    - Purpose: a documented inspection where some linked lookout seeks topics and none of the asked
      topics (case-folded, trimmed) equals a topic sought by any linked lookout.
    - Undocumented: documented false (documented is a required boolean).
    - Repeat: a lookout-linked inspection that is not the person's first, with new_information
      false (null is not false: an unrecorded answer is no finding).
    - Device search: performed with a null or blank reason, no supervisor_approval_id, or
      findings_documented not true (false or null).
    - Duration: ended_at null, ended_at before started_at, or lasting more than the policy's
      max_inspection_hours (default 4); exactly the limit is not an anomaly.
    """
    out: list[Finding] = []
    add = out.append
    hours = ctx.max_inspection_hours
    cite = CITATIONS
    topics: dict[str | None, str] = {}
    for r in inspection_rows(ctx):
        # Unpacked once per row: millions of rows make attribute access by name a visible cost.
        id_, person, owner, unit, at, ended, documented, purpose, repeat, device, duration = r[:11]
        if purpose:
            msg = (
                f"Inspection {id_} did not pursue the purpose of lookout {_ids(r[14])}: the "
                f"lookout sought {_quoted_topics(topics, r[12])}, and the interview record shows the officer asked "
                f"{_quoted_topics(topics, r[13])}. The owner should follow up with the officers or re-evaluate the "
                "lookout."
            )
            rule = "IN-PURPOSE-NOT-PURSUED"
            add(Finding(rule, "inspection", id_, person, msg, cite[rule], owner, unit, at))
        if documented is False:
            msg = (
                f"Inspection {id_} (started {when(at)}) has no interview record. Without one nobody can tell "
                "whether the inspection served the purpose of the lookout or what it found."
            )
            rule = "IN-UNDOCUMENTED"
            add(Finding(rule, "inspection", id_, person, msg, cite[rule], owner, unit, at))
        if repeat:
            msg = (
                f"Inspection {id_} was referral number {r.rn} of this person on a lookout and produced no "
                "information not already known from earlier interviews. A repeat referral needs a new reason; the "
                "owner should re-evaluate the lookout."
            )
            rule = "IN-REPEAT-NO-NEW-INFO"
            add(Finding(rule, "inspection", id_, person, msg, cite[rule], owner, unit, at))
        if device:
            rule = "IN-DEVICE-SEARCH-UNJUSTIFIED"
            add(Finding(rule, "inspection", id_, person, _device_message(r), cite[rule], owner, unit, at))
        if duration:
            if ended is None:
                what = "has no end time recorded"
            elif ended < at:
                what = f"ended ({when(ended)}) before it started ({when(at)})"
            else:
                what = f"lasted {(ended - at) / MICROS_PER_HOUR:.1f} hours, more than {hours:g}"
            msg = (
                f"Inspection {id_} {what}. Inspection times must be accurate; a long or unrecorded detention "
                "should be explained in the record."
            )
            rule = "IN-DURATION-ANOMALY"
            add(Finding(rule, "inspection", id_, person, msg, cite[rule], owner, unit, at))
    return out


def _device_message(r: Any) -> str:
    gaps = []
    if r.no_reason:
        gaps.append("no reason was stated")
    if r.ds_supervisor_approval_id is None:
        gaps.append("no supervisor approved it")
    if r.ds_findings_documented is False:
        gaps.append("its findings were not documented")
    elif r.ds_findings_documented is None:
        gaps.append("nobody recorded whether its findings were documented")
    return (
        f"Inspection {r.id} included a search of electronic devices where {'; '.join(gaps)}. A device search "
        "needs a clear and detailed reason approved by a supervisor, and its findings documented."
    )


# --- disclosures -------------------------------------------------------------------------


def us_person_columns(d: Any) -> tuple[ColumnElement[Any], ColumnElement[int]]:
    """The first U.S. person a disclosure names (by list position) and how many it names."""
    dp, p = DISCLOSURE_PERSONS, PERSONS
    named = dp.join(p, and_(p.c.id == dp.c.person_id, p.c.us_person.is_(True)))
    first = (
        select(dp.c.person_id)
        .select_from(named)
        .where(dp.c.disclosure_id == d.c.id)
        .order_by(dp.c.position)
        .limit(1)
        .scalar_subquery()
    )
    count = (
        select(func.count(dp.c.person_id.distinct()))
        .select_from(named)
        .where(dp.c.disclosure_id == d.c.id)
        .scalar_subquery()
    )
    return first, count


def names_us_person(d: Any) -> ColumnElement[bool]:
    dp, p = DISCLOSURE_PERSONS, PERSONS
    return (
        select(literal(1))
        .select_from(dp.join(p, p.c.id == dp.c.person_id))
        .where(dp.c.disclosure_id == d.c.id, p.c.us_person.is_(True))
        .exists()
    )


def _disclosure_rows(
    ctx: AuditContext, *columns: Any, where: Any, source: Any = None, order_by: tuple[Any, ...] = ()
) -> Any:
    d = DISCLOSURES
    first_us, n_us = us_person_columns(d)
    stmt = select(
        d.c.id,
        first_us.label("person_id"),
        n_us.label("n_us"),
        d.c.discloser_id,
        d.c.unit_id,
        us(d.c.at).label("at"),
        *columns,
    ).where(where)
    if source is not None:
        stmt = stmt.select_from(source)
    return ctx.session.execute(stmt.order_by(*order_by))


def disclosure_finding(rule: str, row: Any, message: str, citation: str | None = None) -> Finding:
    return Finding(
        rule=rule,
        record_type="disclosure",
        record_id=row.id,
        person_id=row.person_id,
        message=message,
        citation=citation or RULES[rule].citation,
        owner_id=row.discloser_id,
        unit_id=row.unit_id,
        at_micros=row.at,
    )


def ds_unauthorized(ctx: AuditContext) -> list[Finding]:
    """Disclosures naming a U.S. person where a role the unit requires has no approval with that
    exact role that is written true and dated (not null) at or before the disclosure."""
    d, r, a = DISCLOSURES, REQUIRED_APPROVALS, APPROVALS
    approved = (
        select(literal(1))
        .where(
            a.c.disclosure_id == d.c.id,
            a.c.role == r.c.role,
            a.c.written.is_(True),
            a.c.at.is_not(None),
            us(a.c.at) <= us(d.c.at),
        )
        .exists()
    )
    rows = _disclosure_rows(
        ctx,
        r.c.role,
        where=and_(names_us_person(d), ~approved),
        source=d.join(r, r.c.unit_id == d.c.unit_id),
        order_by=(d.c.id, r.c.position),
    )
    missing: dict[str, tuple[Any, list[str]]] = {}
    for row in rows:
        roles = missing.setdefault(row.id, (row, []))[1]
        if row.role not in roles:
            roles.append(row.role)
    out = []
    for row, roles in missing.values():
        msg = (
            f"Disclosure {row.id} named {_plural(int(row.n_us), 'U.S. person')} without a written approval, given "
            f"in advance, from: {', '.join(roles)}. Unit {row.unit_id} requires these approvals before any "
            "disclosure about a U.S. person."
        )
        out.append(disclosure_finding("DS-UNAUTHORIZED", row, msg))
    return out


def ds_no_written_request(ctx: AuditContext) -> list[Finding]:
    """Disclosures with no foreign request (proactive) or a request whose `written` is not true."""
    d = DISCLOSURES
    rows = _disclosure_rows(
        ctx,
        d.c.request_present,
        where=or_(d.c.request_present.is_not(True), d.c.request_written.is_not(True)),
    )
    out = []
    for r in rows:
        what = (
            "was made proactively, without any foreign request"
            if not r.request_present
            else ("answered a foreign request that was not made in writing")
        )
        msg = (
            f"Disclosure {r.id} {what}. Except in exigent circumstances a foreign authority's request must be in "
            "writing and reach an official delegated to disclose."
        )
        out.append(disclosure_finding("DS-NO-WRITTEN-REQUEST", r, msg))
    return out


def ds_deny_entry_request(ctx: AuditContext) -> list[Finding]:
    """Disclosures naming a U.S. person with requested_action deny_entry."""
    d = DISCLOSURES
    rows = _disclosure_rows(ctx, where=and_(d.c.requested_action == "deny_entry", names_us_person(d)))
    return [
        disclosure_finding(
            "DS-DENY-ENTRY-REQUEST",
            r,
            f"Disclosure {r.id} asked a foreign government to deny entry to {_plural(int(r.n_us), 'U.S. person')}. "
            "Disclosure is allowed only for purposes the statute names; the request should be rescinded unless "
            "a documented lawful basis exists.",
        )
        for r in rows
    ]


def ds_requirement(rows: Iterable[Any]) -> list[Finding]:
    """One finding per disclosure with any non_compliant requirement, from the requirements query's rows."""
    out = []
    for r in rows:
        failing = [k for k in REQUIREMENT_KEYS if getattr(r, k) == NON_COMPLIANT]
        if not failing:
            continue
        listed = "; ".join(f"{k} ({REQUIREMENT_WORDS[k]})" for k in failing)
        msg = f"Disclosure {r.id} does not comply with: {listed}."
        citation = "; ".join(REQUIREMENT_CITATIONS[k] for k in failing)
        out.append(disclosure_finding("DS-REQUIREMENT", r, msg, citation))
    return out


# --- communications ----------------------------------------------------------------------


def _communication_finding(rule: str, row: Any, message: str) -> Finding:
    return Finding(
        rule=rule,
        record_type="communication",
        record_id=row.id,
        person_id=None,
        message=message,
        citation=RULES[rule].citation,
        at_micros=row.at,
    )


def rc_unofficial_not_forwarded(ctx: AuditContext) -> list[Finding]:
    """Personal-account communications whose forwarding deadline (sent_at + 20 days) has passed at the
    evaluation time and that were not forwarded by the deadline (never, or later)."""
    c = COMMUNICATIONS
    deadline = us(c.c.sent_at) + ctx.forward_days * MICROS_PER_DAY
    forwarded = us(c.c.forwarded_to_official_at)
    rows = ctx.session.execute(
        select(c.c.id, c.c.channel, us(c.c.sent_at).label("at"), forwarded.label("forwarded")).where(
            c.c.account == "personal",
            deadline < ctx.now_micros,
            or_(c.c.forwarded_to_official_at.is_(None), forwarded > deadline),
        )
    )
    out = []
    for r in rows:
        if r.forwarded is None or r.forwarded > ctx.now_micros:
            fate = "has not been forwarded to an official account"
        else:
            fate = f"was forwarded to an official account only on {when(r.forwarded)}"
        msg = (
            f"Communication {r.id} ({r.channel}) sent from a personal account on {when(r.at)} {fate}. A federal "
            f"record sent from a personal account must be copied or forwarded to an official account within "
            f"{ctx.forward_days} days."
        )
        out.append(_communication_finding("RC-UNOFFICIAL-NOT-FORWARDED", r, msg))
    return out


def rc_not_retained(ctx: AuditContext) -> list[Finding]:
    """Communications with retained false."""
    c = COMMUNICATIONS
    rows = ctx.session.execute(select(c.c.id, c.c.channel, us(c.c.sent_at).label("at")).where(c.c.retained.is_(False)))
    return [
        _communication_finding(
            "RC-NOT-RETAINED",
            r,
            f"Communication {r.id} ({r.channel}, sent {when(r.at)}) was not retained. Messages that document "
            "agency business are federal records and must be kept under the records schedule.",
        )
        for r in rows
    ]


# Every rule evaluated from the database, mapped to the function that evaluates it; several rules
# share one function (one pass over their records), which run_audit calls once.
# DS-REQUIREMENT is derived from the requirement matrix.
RULE_QUERIES: dict[str, Callable[[AuditContext], list[Finding]]] = {
    "LK-NON-SUSPECT": lk_non_suspect,
    "LK-NO-BASIS": lk_no_basis,
    "LK-NOT-APPROVED": lk_not_approved,
    "LK-STALE-AFTER-INSPECTION": lk_stale_after_inspection,
    "LK-TRANSFER-WITHOUT-NOTICE": lk_transfer_without_notice,
    "LK-SENSITIVE-OCCUPATION": lk_sensitive_occupation,
    "IN-PURPOSE-NOT-PURSUED": inspection_rules,
    "IN-UNDOCUMENTED": inspection_rules,
    "IN-REPEAT-NO-NEW-INFO": inspection_rules,
    "IN-DEVICE-SEARCH-UNJUSTIFIED": inspection_rules,
    "IN-DURATION-ANOMALY": inspection_rules,
    "DS-UNAUTHORIZED": ds_unauthorized,
    "DS-NO-WRITTEN-REQUEST": ds_no_written_request,
    "DS-DENY-ENTRY-REQUEST": ds_deny_entry_request,
    "RC-UNOFFICIAL-NOT-FORWARDED": rc_unofficial_not_forwarded,
    "RC-NOT-RETAINED": rc_not_retained,
}


def disclosure_requirement_query(dialect: str) -> Select[Any]:
    """Every disclosure with its six Appendix C cells and finding context, in one statement."""
    d, u = DISCLOSURES, table_of(Unit)
    first_us, n_us = us_person_columns(d)
    cells = sql_requirements(d, u.c.restrict_disclosure_channels, dialect)
    return select(
        d.c.id,
        first_us.label("person_id"),
        n_us.label("n_us"),
        d.c.discloser_id,
        d.c.unit_id,
        us(d.c.at).label("at"),
        *(expr.label(key) for key, expr in cells.items()),
    ).select_from(d.outerjoin(u, u.c.id == d.c.unit_id))
