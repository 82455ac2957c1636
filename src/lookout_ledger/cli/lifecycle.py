"""`lookout lookouts ...`, `lookout sweep`, `lookout replay`, `lookout inbox`: the lifecycle's CLI.

A thin adapter over the services: every command acts as `--as USER` (who must be linked to
an official), runs one use case, records a refusal as a decision, and sends queued e-mail.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import orjson
import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from lookout_ledger import runner
from lookout_ledger.cli.common import NOW_HELP, console, open_ledger, signed_in, state
from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.policy.loader import load_policy
from lookout_ledger.core.timefmt import format_rfc3339, parse_instant
from lookout_ledger.jobs import checkpoint_once, run_sweep
from lookout_ledger.lookouts import approvals, reviews, transfers
from lookout_ledger.lookouts.common import perform
from lookout_ledger.lookouts.lifecycle_models import LookoutDecision
from lookout_ledger.lookouts.listing import my_lookouts
from lookout_ledger.lookouts.placement import LookoutDraft, adopt_lookout, place_lookout, preview
from lookout_ledger.lookouts.replay import replay as run_replay
from lookout_ledger.lookouts.state import referral_state
from lookout_ledger.lookouts.timeline import timeline as lookout_timeline
from lookout_ledger.notifications import service as inbox_service
from lookout_ledger.notifications.mailer import deliver_pending

T = TypeVar("T")


def _instant(value: str, field: str) -> datetime:
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise LedgerError(f"{field}: {exc}") from None


def _run(now: str | None, action: str, fn: Callable[[Ledger, Session], T], **where: str | None) -> T:
    return runner.act(perform, open_ledger(now), state.actor, action, fn, mail="raise", **where)


def register(app: typer.Typer) -> None:
    lk = typer.Typer(
        help="Place, approve, review, transfer and remove lookouts (act with --as USER).", no_args_is_help=True
    )
    app.add_typer(lk, name="lookouts")

    @lk.command("place")
    def place(
        person: str = typer.Option(..., help="Person id."),
        status: str = typer.Option(..., help="suspect or non_suspect."),
        activity: str = typer.Option(..., help="The suspected illegal activity."),
        basis: str = typer.Option(..., help="The narrative basis: the facts the lookout rests on."),
        seek: list[str] = typer.Option(..., "--seek", help="A topic the officer should ask (repeatable)."),
        expires: str = typer.Option(..., help="Expiry (date or RFC 3339), within the policy's maximum."),
        action: str = typer.Option("refer_secondary", help="refer_secondary or notify_owner."),
        nexus: str | None = typer.Option(
            None, help="The nexus to illegal activity (needed for protected activity or sensitive occupations)."
        ),
        check: bool = typer.Option(False, "--check", help="Only show the policy's feedback; place nothing."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Place a lookout owned by you. It refers nobody until its approvals are complete."""
        draft = LookoutDraft(person, status, activity, basis, list(seek), action, _instant(expires, "expires"), nexus)
        if check:
            ledger = open_ledger(now)
            with ledger.reading() as s:
                sys.stdout.buffer.write(
                    orjson.dumps(preview(ledger, s, draft).as_dict(), option=orjson.OPT_INDENT_2) + b"\n"
                )
            return
        lookout = _run(now, "place", lambda ledger, s: place_lookout(ledger, s, state.actor, draft), person_id=person)
        console.print(f"placed [bold]{lookout.id}[/]; it refers nobody until its approvals are complete")

    @lk.command("adopt")
    def adopt(
        lookout_id: str,
        expires: str = typer.Option(..., help="Expiry (date or RFC 3339), within the policy's maximum from today."),
        nexus: str | None = typer.Option(None, help="The nexus, when the policy needs one for this lookout."),
        seek: list[str] = typer.Option([], "--seek", help="Replace the imported topics sought (repeatable)."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Adopt an imported lookout you own: assessed as a new placement; it refers nobody until approved."""
        _run(
            now,
            "adopt",
            lambda ledger, s: adopt_lookout(
                ledger,
                s,
                state.actor,
                lookout_id,
                expires_at=_instant(expires, "expires"),
                nexus=nexus,
                information_sought=list(seek) or None,
            ),
            lookout_id=lookout_id,
        )
        console.print(f"adopted [bold]{lookout_id}[/]; it refers nobody until its approvals are complete")

    @lk.command("approve")
    def approve(
        lookout_id: str,
        role: str = typer.Option("supervisor", help="supervisor or counsel."),
        statement: str = typer.Option(..., help="Your written approval: what you checked."),
        reject: bool = typer.Option(False, "--reject", help="Refuse instead of approving."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Approve (or --reject) a lookout, in writing. Nobody approves their own request."""
        ap = _run(
            now,
            f"approval.{role}",
            lambda ledger, s: approvals.decide(ledger, s, state.actor, lookout_id, role, not reject, statement),
            lookout_id=lookout_id,
        )
        console.print(f"{role} {ap.status} lookout {lookout_id}")

    @lk.command("queue")
    def queue() -> None:
        """Approvals waiting for you."""
        ledger = open_ledger()
        with ledger.reading() as s:
            items = approvals.queue(s, state.actor)
        table = Table("lookout", "approval", "requested", "owner", "status code")
        for q in items:
            table.add_row(q.lookout_id, q.role, format_rfc3339(q.requested_at), q.owner_id, q.status_code)
        console.print(table)

    @lk.command("mine")
    def mine(now: str | None = typer.Option(None, help=NOW_HELP)) -> None:
        """Your lookouts, whether each refers now, and the reviews you owe."""
        ledger = open_ledger(now)
        with ledger.reading() as s:
            rows = my_lookouts(ledger, s, state.actor)
        table = Table("lookout", "person", "refers", "why not", "review due", "expires")
        for r in rows:
            table.add_row(
                r.lookout_id,
                r.person_id,
                "yes" if r.refers else "no",
                "; ".join(r.blockers),
                format_rfc3339(r.review_due) if r.review_due else "",
                format_rfc3339(r.expires_at) if r.expires_at else "",
            )
        console.print(table)

    @lk.command("keep")
    def keep(
        lookout_id: str,
        reason: str = typer.Option(..., help="The new reason to keep it after the inspection."),
        seek: list[str] = typer.Option(..., "--seek", help="What is still sought (repeatable)."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Keep a lookout after an inspection: a new reason and what is still sought."""
        _run(
            now,
            "review.keep",
            lambda ledger, s: reviews.keep(ledger, s, state.actor, lookout_id, reason, list(seek)),
            lookout_id=lookout_id,
        )
        console.print(f"kept {lookout_id}")

    @lk.command("modify")
    def modify(
        lookout_id: str,
        reason: str = typer.Option(..., help="Why it changes."),
        basis: str | None = typer.Option(None),
        activity: str | None = typer.Option(None),
        seek: list[str] | None = typer.Option(None, "--seek"),
        status: str | None = typer.Option(None),
        nexus: str | None = typer.Option(None),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Change what a lookout says; it must meet the standard and is approved again."""
        _run(
            now,
            "modify",
            lambda ledger, s: reviews.modify(
                ledger,
                s,
                state.actor,
                lookout_id,
                reason,
                basis=basis,
                suspected_activity=activity,
                information_sought=list(seek) if seek else None,
                status_code=status,
                nexus=nexus,
            ),
            lookout_id=lookout_id,
        )
        console.print(f"modified {lookout_id}; it refers nobody until approved again")

    @lk.command("remove")
    def remove(
        lookout_id: str, reason: str = typer.Option(...), now: str | None = typer.Option(None, help=NOW_HELP)
    ) -> None:
        """Remove a lookout."""
        _run(
            now,
            "remove",
            lambda ledger, s: reviews.remove(ledger, s, state.actor, lookout_id, reason),
            lookout_id=lookout_id,
        )
        console.print(f"removed {lookout_id}")

    @lk.command("disable")
    def disable(
        lookout_id: str, reason: str = typer.Option(...), now: str | None = typer.Option(None, help=NOW_HELP)
    ) -> None:
        """Disable a lookout's referral without removing it."""
        _run(
            now,
            "disable",
            lambda ledger, s: reviews.disable_referral(ledger, s, state.actor, lookout_id, reason),
            lookout_id=lookout_id,
        )
        console.print(f"referral of {lookout_id} disabled")

    @lk.command("enable")
    def enable(
        lookout_id: str, reason: str = typer.Option(...), now: str | None = typer.Option(None, help=NOW_HELP)
    ) -> None:
        """Re-enable a disabled lookout (not while a post-inspection review is open)."""
        _run(
            now,
            "enable",
            lambda ledger, s: reviews.enable_referral(ledger, s, state.actor, lookout_id, reason),
            lookout_id=lookout_id,
        )
        console.print(f"referral of {lookout_id} enabled")

    @lk.command("renew")
    def renew(
        lookout_id: str,
        reassessment: str = typer.Option(..., help="The recorded reassessment."),
        expires: str = typer.Option(..., help="The new expiry, within the policy's maximum."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Your periodic review, and a renewal request: the reassessment is recorded now; the new expiry takes
        effect when a supervisor of your unit approves it (`lookout lookouts renewal`)."""
        _run(
            now,
            "renew",
            lambda ledger, s: reviews.renew(
                ledger, s, state.actor, lookout_id, reassessment, _instant(expires, "expires")
            ),
            lookout_id=lookout_id,
        )
        console.print(f"reassessed {lookout_id}; renewal until {expires} waits for a supervisor's decision")

    @lk.command("renewal")
    def renewal(
        lookout_id: str,
        statement: str = typer.Option(..., help="Your written decision: what you checked."),
        refuse: bool = typer.Option(False, "--refuse", help="Refuse the renewal instead of approving it."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Approve (or --refuse) the owner's renewal, as a supervisor of the owner's unit."""
        rv = _run(
            now,
            "renewal.decide",
            lambda ledger, s: reviews.decide_renewal(ledger, s, state.actor, lookout_id, not refuse, statement),
            lookout_id=lookout_id,
        )
        console.print(f"renewal of {lookout_id}: {rv.decision}")

    @lk.command("clear-limit")
    def clear_limit(
        lookout_id: str, reason: str = typer.Option(...), now: str | None = typer.Option(None, help=NOW_HELP)
    ) -> None:
        """Supervisor: review a person's repeated referrals and allow the next one."""
        _run(
            now,
            "referral_limit.clear",
            lambda ledger, s: reviews.clear_referral_limit(ledger, s, state.actor, lookout_id, reason),
            lookout_id=lookout_id,
        )
        console.print(f"referral limit cleared for {lookout_id}")

    @lk.command("transfer")
    def transfer(
        lookout_id: str,
        to: str = typer.Option(..., help="Official id of the new owner."),
        instructions: str = typer.Option(..., help="Instructions for the new owner."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Ask another official to take over a lookout; pending until they accept."""
        tr = _run(
            now,
            "transfer.request",
            lambda ledger, s: transfers.request_transfer(ledger, s, state.actor, lookout_id, to, instructions),
            lookout_id=lookout_id,
        )
        console.print(f"transfer {tr.id} pending until {to} accepts")

    @lk.command("transfers")
    def transfer_inbox() -> None:
        """Transfers waiting for your acceptance."""
        ledger = open_ledger()
        with ledger.reading() as s:
            rows = transfers.inbox(s, state.actor)
        table = Table("transfer", "lookout", "from", "requested", "instructions")
        for t in rows:
            table.add_row(t.id, t.lookout_id, t.from_owner_id, format_rfc3339(t.requested_at), t.instructions)
        console.print(table)

    @lk.command("accept")
    def accept(transfer_id: str, now: str | None = typer.Option(None, help=NOW_HELP)) -> None:
        """Accept a transfer (you become the owner, with its instructions)."""
        tr = _run(
            now, "transfer.accept", lambda ledger, s: transfers.accept_transfer(ledger, s, state.actor, transfer_id)
        )
        console.print(f"you now own {tr.lookout_id}")

    @lk.command("cancel-transfer")
    def cancel(
        transfer_id: str, reason: str = typer.Option(...), now: str | None = typer.Option(None, help=NOW_HELP)
    ) -> None:
        """Cancel (or, as the proposed owner, decline) a pending transfer."""
        _run(
            now,
            "transfer.cancel",
            lambda ledger, s: transfers.cancel_transfer(ledger, s, state.actor, transfer_id, reason),
        )
        console.print(f"transfer {transfer_id} cancelled")

    @lk.command("leave-unit")
    def leave_unit(
        official: str = typer.Option(..., help="The official leaving."),
        to_unit: str = typer.Option(..., help="Their new unit."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """End of a detail: move an official (never yourself) to another unit once their lookouts are handed over."""
        _run(
            now,
            "official.leave_unit",
            lambda ledger, s: transfers.leave_unit(ledger, s, state.actor, official, to_unit),
        )
        console.print(f"{official} moved to {to_unit}")

    @lk.command("state")
    def show_state(lookout_id: str, now: str | None = typer.Option(None, help=NOW_HELP)) -> None:
        """Whether a lookout refers now, and every reason it does not."""
        signed_in()
        ledger = open_ledger(now)
        with ledger.reading() as s:
            st = referral_state(s, lookout_id, ledger.now(), ledger.policy)
        console.print(f"{lookout_id}: {'refers' if st.refers else 'refers nobody'}")
        for b in st.reasons:
            console.print(f"  [{b.rule}] {b.reason}")

    @lk.command("timeline")
    def show_timeline(lookout_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
        """The lookout's history: placed, approvals, modifications, referral on/off, inspections, reviews, transfers."""
        signed_in()
        ledger = open_ledger()
        with ledger.reading() as s:
            entries = lookout_timeline(s, lookout_id)
            decisions = (
                s.execute(
                    select(LookoutDecision).where(LookoutDecision.lookout_id == lookout_id).order_by(LookoutDecision.at)
                )
                .scalars()
                .all()
            )
        if as_json:
            data: dict[str, Any] = {
                "lookout_id": lookout_id,
                "timeline": [e.as_dict() for e in entries],
                "decisions": [_decision(d) for d in decisions],
            }
            sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
            return
        table = Table("at", "what", "who", "detail")
        for e in entries:
            table.add_row(format_rfc3339(e.at), e.kind, e.actor or "", e.text)
        console.print(table)
        table = Table("at", "decision", "outcome", "policy", "rules")
        for d in decisions:
            table.add_row(
                format_rfc3339(d.at),
                d.action,
                d.outcome,
                f"{d.policy_name} {d.policy_version}",
                ", ".join(orjson.loads(d.rules)),
            )
        console.print(table)

    @app.command("sweep")
    def sweep(
        now: str | None = typer.Option(None, help=NOW_HELP), as_json: bool = typer.Option(False, "--json")
    ) -> None:
        """Run the time-based controls: post-inspection deadlines, expiry, periodic reviews, unaccepted transfers.
        Running it twice at the same time changes nothing the second time (admin or supervisor; a cron job
        uses a service token)."""
        signed_in(Role.ADMIN, Role.SUPERVISOR)
        ledger = open_ledger(now)
        with ledger.transaction() as s:
            report = run_sweep(ledger, s)
        signed = checkpoint_once(ledger)
        mail = deliver_pending(ledger)
        if as_json:
            sys.stdout.buffer.write(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2) + b"\n")
            return
        console.print(f"sweep at {format_rfc3339(report.at)} under {ledger.policy.label}: {report.changes} change(s)")
        if signed is not None:
            console.print(f"  checkpoint: the log's {signed} entries signed (keep a copy: `lookout checkpoint`)")
        for key, ids in report.as_dict().items():
            if isinstance(ids, list) and ids:
                console.print(
                    f"  {key.replace('_', ' ')}: {len(ids)} ({', '.join(ids[:10])}{' ...' if len(ids) > 10 else ''})"
                )
        if mail.sent or mail.failed or mail.skipped_no_server:
            console.print(
                f"  e-mail: {mail.sent} sent, {mail.failed} failed, {mail.skipped_no_server} waiting (no SMTP server)"
            )

    @app.command("replay")
    def replay(
        policy: str = typer.Option(..., "--policy", help="A shipped policy (strict, permissive) or a policy file."),
        now: str | None = typer.Option(None, help=NOW_HELP),
        as_json: bool = typer.Option(False, "--json", help="Every number with the record ids behind it, as JSON."),
    ) -> None:
        """Run the history in the database through the live controls of a policy; report what would have changed
        (auditor or admin)."""
        signed_in(Role.AUDITOR, Role.ADMIN)
        p = load_policy(policy)
        ledger = open_ledger(now)
        with ledger.reading() as s:
            report = run_replay(s, p, ledger.now())
        data = report.as_dict()
        if as_json:
            sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
            return
        lk_, ins, persons = data["lookouts"], data["inspections"], data["persons"]
        console.print(
            f"Replay of {report.lookouts} lookouts and {report.inspections} lookout-linked inspections under "
            f"[bold]{report.policy}[/] (at {format_rfc3339(report.evaluated_at)})"
        )
        table = Table("what would have changed", "count", "records")

        def row(label: str, ids: list[str]) -> None:
            table.add_row(label, str(len(ids)), ", ".join(ids[:8]) + (" ..." if len(ids) > 8 else ""))

        row("lookouts refused at placement", report.refused_lookouts)
        for rule, ids in lk_["refused_by_rule"].items():  # type: ignore[index, union-attr]
            row(f"  refused by {rule}", ids)
        row("lookouts needing counsel's written approval", lk_["needing_counsel"])  # type: ignore[index]
        row("lookouts not approved by a second official (would refer nobody)", lk_["not_approved_by_second_official"])  # type: ignore[index]
        row("inspections that would not have happened", report.avoided)
        for control, ids in ins["avoided_by_control"].items():  # type: ignore[index, union-attr]
            row(f"  blocked by {control}", ids)
        row(
            "repeat referrals avoided by the post-inspection rule",
            ins["repeat_referrals_avoided_by_post_inspection_rule"],  # type: ignore[index]
        )
        for control, ids in ins["if_placed_and_approved_properly"].items():  # type: ignore[index, union-attr]
            row(f"if placed and approved properly: blocked by {control}", ids)
        row("persons re-referred in the history", persons["re_referred_in_history"])  # type: ignore[index]
        row("persons re-referred under the policy", persons["re_referred_under_policy"])  # type: ignore[index]
        row("transfers not completed (no acceptance with instructions)", report.transfers_not_completed)
        console.print(table)

    inbox = typer.Typer(help="Your notices (act with --as USER).", invoke_without_command=True)
    app.add_typer(inbox, name="inbox")

    @inbox.callback()
    def show_inbox(ctx: typer.Context, unread: bool = typer.Option(False, "--unread")) -> None:
        """List your notices, newest first."""
        if ctx.invoked_subcommand is not None:
            return
        ledger = open_ledger()
        with ledger.reading() as s:
            rows = inbox_service.inbox(s, state.actor, unread_only=unread)
        table = Table("id", "at", "kind", "subject", "read", "e-mail")
        for n in rows:
            table.add_row(n.id, format_rfc3339(n.at), n.kind, n.subject, "yes" if n.read_at else "", n.email_state)
        console.print(table)

    @inbox.command("read")
    def read_all(now: str | None = typer.Option(None, help=NOW_HELP)) -> None:
        """Mark all your notices read."""
        ledger = open_ledger(now)
        with ledger.transaction() as s:
            count = inbox_service.mark_all_read(s, state.actor, ledger.now())
        console.print(f"{count} notice(s) marked read")

    @inbox.command("address")
    def address(email: str) -> None:
        """Set the e-mail address your notices are also sent to."""
        ledger = open_ledger()
        with ledger.transaction() as s:
            inbox_service.set_email_address(s, state.actor, email)
            ledger.audit(s, state.actor, "user.email", "user", state.actor, {})
        console.print(f"notices for {state.actor} will also go to {email}")


def _decision(d: LookoutDecision) -> dict[str, Any]:
    return {
        "at": format_rfc3339(d.at),
        "actor": d.actor,
        "action": d.action,
        "outcome": d.outcome,
        "policy": {"name": d.policy_name, "version": d.policy_version},
        "rules": orjson.loads(d.rules),
        "detail": orjson.loads(d.detail),
    }
