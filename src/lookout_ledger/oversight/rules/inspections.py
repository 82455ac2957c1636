"""The inspection rules (IN-*), evaluated in one pass over every inspection and its links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select

from lookout_ledger.oversight.metrics import (
    INSPECTION_LOOKOUTS,
    INSPECTIONS,
    LOOKOUTS,
    SEP,
    inspection_links,
    linked_inspections,
    us,
)
from lookout_ledger.oversight.requirements import (
    sql_blank,
)
from lookout_ledger.oversight.rules.base import (
    CITATIONS,
    INSPECTION_TOPICS,
    MICROS_PER_HOUR,
    OFFICIALS,
    AuditContext,
    Finding,
    id_list,
    quoted_topics,
    when,
)


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
                f"Inspection {id_} did not pursue the purpose of lookout {id_list(r[14])}: the "
                f"lookout sought {quoted_topics(topics, r[12])}, and the interview record shows the officer asked "
                f"{quoted_topics(topics, r[13])}. The owner should follow up with the officers or re-evaluate the "
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
            add(Finding(rule, "inspection", id_, person, device_message(r), cite[rule], owner, unit, at))
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


def device_message(r: Any) -> str:
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
