"""The lookout rules (LK-*): non-suspects, no basis, not approved, stale after an inspection, transfers
without notice, sensitive occupations; each one set-based query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, literal, or_, select

from lookout_ledger.oversight.metrics import (
    EVENTS,
    INSPECTION_LOOKOUTS,
    INSPECTIONS,
    LOOKOUTS,
    PERSONS,
    by_id,
    covers,
    disabled_spans,
    us,
)
from lookout_ledger.oversight.requirements import (
    sql_blank,
)
from lookout_ledger.oversight.rules.base import (
    CITATIONS,
    LOOKOUT_TOPICS,
    OFFICIALS,
    RE_EVALUATION,
    AuditContext,
    Finding,
    plural,
    when,
)
from lookout_ledger.people.models import SENSITIVE_OCCUPATIONS


def lookout_rows(ctx: AuditContext, *columns: Any, where: Any, source: Any = None) -> Any:
    """Lookouts matching `where`, with the context every lookout finding carries."""
    lk, o = LOOKOUTS, OFFICIALS
    src = source if source is not None else lk
    stmt = (
        select(lk.c.id, lk.c.person_id, lk.c.owner_id, o.c.unit_id, us(lk.c.created_at).label("at"), *columns)
        .select_from(src.outerjoin(o, o.c.id == lk.c.owner_id))
        .where(where)
    )
    return ctx.session.execute(stmt)


def lookout_finding(rule: str, row: Any, message: str) -> Finding:
    # By position (`_lookout_rows` puts id, person_id, owner_id, unit_id, at first): hundreds of
    # thousands of calls make keyword arguments and attribute access by name a visible cost.
    return Finding(rule, "lookout", row[0], row[1], message, CITATIONS[rule], row[2], row[3], row[4])


def lk_non_suspect(ctx: AuditContext) -> list[Finding]:
    """Lookouts with status_code non_suspect."""
    rows = lookout_rows(ctx, LOOKOUTS.c.suspected_activity, where=LOOKOUTS.c.status_code == "non_suspect")
    out = []
    for r in rows:
        msg = (
            f"Lookout {r.id} was placed on a person not suspected of illegal activity (status non_suspect). "
            "The TECS Directive allows lookouts only if illegal activity is suspected: record the suspected "
            "illegal activity of this person, or remove the lookout."
        )
        out.append(lookout_finding("LK-NON-SUSPECT", r, msg))
    return out


def lk_no_basis(ctx: AuditContext) -> list[Finding]:
    """Lookouts whose basis is null or blank, or that seek no topic (information_sought empty)."""
    lk, lt = LOOKOUTS, LOOKOUT_TOPICS
    no_basis = sql_blank(lk.c.basis, ctx.dialect)
    has_topics = select(literal(1)).where(lt.c.lookout_id == lk.c.id).exists()
    rows = lookout_rows(
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
        out.append(lookout_finding("LK-NO-BASIS", r, msg))
    return out


def lk_not_approved(ctx: AuditContext) -> list[Finding]:
    """Lookouts with no approved_by, or approved_by equal to created_by (self-approval)."""
    lk = LOOKOUTS
    rows = lookout_rows(
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
        out.append(lookout_finding("LK-NOT-APPROVED", r, msg))
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
    rows = lookout_rows(
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
        others = f" (and after {plural(int(r.n) - 1, 'later inspection')})" if r.n > 1 else ""
        msg = (
            f"Lookout {r.id} still referred its subject more than {window_days} days after inspection "
            f"{r.inspection_id} (started {when(r.started_at)}){others}, with no review, modification, disabling "
            f"or removal in between. The owner, {r.owner_id}, should re-evaluate the lookout after every inspection."
        )
        out.append(lookout_finding("LK-STALE-AFTER-INSPECTION", r, msg))
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
    rows = lookout_rows(
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
        more = f" ({plural(int(r.n), 'transfer')} without notice in all)" if r.n > 1 else ""
        msg = (
            f"Lookout {r.id} was transferred{to} on {when(r.transferred_at)} and {notice}{more}. "
            "The new owner must be told of the lookout and given instructions to keep it accurate."
        )
        out.append(lookout_finding("LK-TRANSFER-WITHOUT-NOTICE", r, msg))
    return out


def lk_sensitive_occupation(ctx: AuditContext) -> list[Finding]:
    """Lookouts on persons whose occupation is journalist, attorney, advocate, photographer or clergy."""
    lk, p = LOOKOUTS, PERSONS
    rows = lookout_rows(
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
        out.append(lookout_finding("LK-SENSITIVE-OCCUPATION", r, msg))
    return out


# --- inspections -------------------------------------------------------------------------
