"""The disclosure rules (DS-*) and the Appendix C requirement matrix of every disclosure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select

from lookout_ledger.core.db import table_of
from lookout_ledger.org.models import Unit
from lookout_ledger.oversight.metrics import (
    DISCLOSURE_PERSONS,
    DISCLOSURES,
    PERSONS,
    us,
)
from lookout_ledger.oversight.requirements import (
    NON_COMPLIANT,
    REQUIREMENT_CITATIONS,
    REQUIREMENT_KEYS,
    REQUIREMENT_WORDS,
    sql_requirements,
)
from lookout_ledger.oversight.rules.base import (
    APPROVALS,
    REQUIRED_APPROVALS,
    AuditContext,
    Finding,
    plural,
)
from lookout_ledger.oversight.rules.catalog import RULES


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


def disclosure_rows(
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
    rows = disclosure_rows(
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
            f"Disclosure {row.id} named {plural(int(row.n_us), 'U.S. person')} without a written approval, given "
            f"in advance, from: {', '.join(roles)}. Unit {row.unit_id} requires these approvals before any "
            "disclosure about a U.S. person."
        )
        out.append(disclosure_finding("DS-UNAUTHORIZED", row, msg))
    return out


def ds_no_written_request(ctx: AuditContext) -> list[Finding]:
    """Disclosures with no foreign request (proactive) or a request whose `written` is not true."""
    d = DISCLOSURES
    rows = disclosure_rows(
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
    rows = disclosure_rows(ctx, where=and_(d.c.requested_action == "deny_entry", names_us_person(d)))
    return [
        disclosure_finding(
            "DS-DENY-ENTRY-REQUEST",
            r,
            f"Disclosure {r.id} asked a foreign government to deny entry to {plural(int(r.n_us), 'U.S. person')}. "
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
