"""`lookout audit`: evaluate everything in the database against the LIF audit contract.

`run_audit` is the one entry point the CLI, the API, the report and the web pages share. It
reads; it never writes, so it can run on a read replica. The evaluation time and the review
window are parameters (never the wall clock), so any audit can be replayed exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lookout_ledger.core.policy.loader import Policy, load_policy
from lookout_ledger.core.timefmt import format_rfc3339, to_micros
from lookout_ledger.history.disclosures import DisclosureApproval
from lookout_ledger.interchange.provenance import RecordProvenance
from lookout_ledger.oversight.metrics import disclosure_metrics, inspections_by_person, lookout_metrics
from lookout_ledger.oversight.requirements import REQUIREMENT_KEYS
from lookout_ledger.oversight.rules import (
    RULE_QUERIES,
    AuditContext,
    Finding,
    disclosure_requirement_query,
    ds_requirement,
)

__all__ = ["AuditResult", "Finding", "run_audit"]


@dataclass
class AuditResult:
    evaluated_at: datetime
    policy_name: str
    policy_version: str
    review_window_days: int
    metrics: dict[str, dict[str, int]]
    disclosures: list[dict[str, Any]]
    findings: list[Finding]
    # The Figure 1 chart data is one row per inspection: read only when someone draws the chart,
    # so an audit of millions of records does not pay for it.
    _chart_loader: Callable[[], dict[str, list[datetime]]] | None = field(default=None, repr=False)
    _chart: dict[str, list[datetime]] | None = field(default=None, repr=False)

    @property
    def inspections_by_person(self) -> dict[str, list[datetime]]:
        """Start times of each person's lookout-linked inspections, sorted (for the Figure 1 chart)."""
        if self._chart is None:
            self._chart = self._chart_loader() if self._chart_loader else {}
        return self._chart

    def to_spec(self) -> dict[str, Any]:
        """Exactly the object `lookout audit --format json` prints (LIF spec, "Audit output")."""
        return {
            "version": 1,
            "evaluated_at": format_rfc3339(self.evaluated_at),
            "policy": {"name": self.policy_name, "version": self.policy_version},
            "metrics": {
                "lookouts": dict(self.metrics["lookouts"]),
                "disclosures": dict(self.metrics["disclosures"]),
            },
            "disclosures": [
                {"id": d["id"], "requirements": dict(d["requirements"]), "approvals": d["approvals"]}
                for d in self.disclosures
            ],
            "findings": [f.to_spec() for f in self.findings],
        }

    def findings_by_rule(self) -> dict[str, list[Finding]]:
        grouped: dict[str, list[Finding]] = {}
        for f in self.findings:
            grouped.setdefault(f.rule, []).append(f)
        return grouped


def approval_sources(session: Session) -> dict[str, str]:
    """For each disclosure with approvals: `recorded` when this ledger's workflow recorded them, `claimed`
    when they are known only from an imported file (history, not authority: shown as a claim)."""
    with_approvals = select(DisclosureApproval.disclosure_id).distinct()
    imported = set(
        session.execute(
            select(RecordProvenance.record_id).where(
                RecordProvenance.record_type == "disclosure", RecordProvenance.record_id.in_(with_approvals)
            )
        ).scalars()
    )
    return {d: ("claimed" if d in imported else "recorded") for d in session.execute(with_approvals).scalars()}


def run_audit(
    session: Session,
    now: datetime,
    review_window_days: int | None = None,
    policy: Policy | None = None,
) -> AuditResult:
    """Evaluate metrics, the Appendix C matrix and every finding rule at evaluation time `now`.

    `review_window_days` defaults to the policy's value (7 in the shipped policy). Findings come
    back sorted by (rule, record_type, record_id) in code-point order, so two runs over the same
    data print the same lines whatever the database's collation.
    """
    policy = policy or load_policy()
    window = policy.review_window_days if review_window_days is None else int(review_window_days)
    if window < 0:
        raise ValueError("the review window is a whole number of days >= 0")
    dialect = session.get_bind().dialect.name
    ctx = AuditContext(
        session=session,
        dialect=dialect,
        now_micros=to_micros(now),
        window_days=window,
        max_inspection_hours=float(policy.param("max_inspection_hours", 4)),
        forward_days=int(policy.param("unofficial_forward_days", 20)),
    )
    return _evaluate(session, ctx, now, window, policy)


@contextmanager
def _whole_table_joins(session: Session, dialect: str) -> Iterator[None]:
    """On PostgreSQL, plan the lookout metrics without nested-loop joins, then restore the setting.

    The planner estimates rows of aggregated and ranked relations (an inspection's link summary,
    a person's first referral) with default selectivities, off by orders of magnitude (9 rows
    for 180,000 persons), and then picks nested loops that rescan a whole relation per row. The
    metrics read whole tables, where hash and merge joins are the right plan. Only there: the
    disclosure rules' per-disclosure subqueries need their index nested loops. The setting is
    transaction-local (allowed on a read replica) and put back at once.
    """
    if dialect != "postgresql":
        yield
        return
    previous = session.execute(text("SELECT current_setting('enable_nestloop')")).scalar_one()
    session.execute(text("SELECT set_config('enable_nestloop', 'off', true)"))
    try:
        yield
    finally:
        session.execute(text("SELECT set_config('enable_nestloop', :v, true)"), {"v": previous})


def _evaluate(session: Session, ctx: AuditContext, now: datetime, window: int, policy: Policy) -> AuditResult:
    dialect = ctx.dialect
    with _whole_table_joins(session, dialect):
        lookouts = lookout_metrics(session, dialect, ctx.window_micros)
    metrics = {"lookouts": lookouts, "disclosures": disclosure_metrics(session)}
    requirement_rows = session.execute(disclosure_requirement_query(dialect)).all()
    sources = approval_sources(session)
    disclosures = sorted(
        (
            {
                "id": r.id,
                "requirements": {k: getattr(r, k) for k in REQUIREMENT_KEYS},
                "approvals": sources.get(r.id, "none"),
            }
            for r in requirement_rows
        ),
        key=lambda d: d["id"],
    )
    by_rule: dict[str, list[Finding]] = {}
    for evaluate in dict.fromkeys(RULE_QUERIES.values()):  # a function shared by several rules runs once
        for f in evaluate(ctx):
            by_rule.setdefault(f.rule, []).append(f)
    by_rule["DS-REQUIREMENT"] = ds_requirement(requirement_rows)
    # Sorted by (rule, record_type, record_id): a rule has one record type, so sorting each rule's
    # findings by id and concatenating the rules in order is the same order without a key tuple each.
    findings: list[Finding] = []
    for rule in sorted(by_rule):
        findings.extend(sorted(by_rule[rule], key=attrgetter("record_id")))
    del by_rule
    return AuditResult(
        evaluated_at=now,
        policy_name=policy.name,
        policy_version=policy.version,
        review_window_days=window,
        metrics=metrics,
        disclosures=disclosures,
        findings=findings,
        _chart_loader=lambda: inspections_by_person(session, dialect),
    )
