"""`lookout disclosures ...`: foreign requests, drafts, approvals, sending, the log and remediation.

A thin adapter over `lookout_ledger.disclosures`: every command acts as `--as USER`, runs one use
case, and a refusal is recorded in the audit log before it is shown. The package passphrase is
printed once, on standard error, apart from the package file, because it travels separately.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson
import typer
from sqlalchemy.orm import Session

from lookout_ledger import runner
from lookout_ledger.cli.common import NOW_HELP, console, err_console, open_ledger, signed_in, state
from lookout_ledger.core.auth import Role
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.files import write_private
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import parse_instant
from lookout_ledger.disclosures import drafts, requests, sending
from lookout_ledger.disclosures.common import perform
from lookout_ledger.disclosures.drafts import DraftInput
from lookout_ledger.disclosures.log import log_entries
from lookout_ledger.disclosures.requests import RequestInput
from lookout_ledger.oversight import remediation

T = TypeVar("T")


def _instant(value: str, field: str) -> datetime:
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise LedgerError(f"{field}: {exc}") from None


def _run(now: str | None, action: str, fn: Callable[[Ledger, Session], T], target: str | None = None) -> T:
    return runner.act(perform, open_ledger(now), state.actor, action, fn, mail="none", target=target)


def _json(obj: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(obj, option=orjson.OPT_INDENT_2, default=str) + b"\n")


def _read(path: Path, field: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LedgerError(f"{field}: cannot read {path}: {exc.strerror}") from None


def register(app: typer.Typer) -> None:
    dx = typer.Typer(help="Foreign disclosures: requests, drafts, approvals, sending, log (act with --as USER).")
    app.add_typer(dx, name="disclosures")
    rm = typer.Typer(help="Remediation of past non-compliant disclosures (the review's recommendation 4).")
    dx.add_typer(rm, name="remediate")
    ag = typer.Typer(help="Information-sharing agreements and their coordinating offices' approvals.")
    dx.add_typer(ag, name="agreement")

    @ag.command("register")
    def agreement_register(
        title: str = typer.Option(..., help="The agreement's title."),
        country: str = typer.Option(..., help="Two-letter country code of the partner."),
        agency_id: str | None = typer.Option(None, "--agency", help="The partner agency, if registered."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Register an agreement; it is citable once every coordinating office approved it."""
        agreement_id = _run(
            now,
            "agreement",
            lambda ledger, s: requests.register_agreement(ledger, s, state.actor, title, country, agency_id),
        )
        console.print(f"registered agreement [bold]{agreement_id}[/]")

    @ag.command("approve")
    def agreement_approve(
        agreement_id: str,
        office: str = typer.Option(..., help="The office you approve for (international affairs, privacy, ...)."),
        statement: str = typer.Option(..., help="The office's written coordination."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Approve an agreement for your office, in writing."""

        def do(ledger: Ledger, s: Session) -> dict[str, Any]:
            requests.approve_agreement(ledger, s, state.actor, agreement_id, office, statement)
            return requests.agreement_as_dict(ledger, s, agreement_id)

        d = _run(now, "agreement", do, target=agreement_id)
        missing = ", ".join(d["missing_offices"]) or "none: the agreement may be cited"
        console.print(f"{office}: approved {agreement_id}; still needed: {missing}")

    @ag.command("show")
    def agreement_show(agreement_id: str) -> None:
        """An agreement with its approvals and whether it may be cited, as JSON."""
        signed_in()
        ledger = open_ledger()
        with ledger.reading() as s:
            _json(requests.agreement_as_dict(ledger, s, agreement_id))

    @dx.command("withdraw")
    def withdraw(
        draft_id: str,
        reason: str = typer.Option(..., help="Why the draft is withdrawn."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Withdraw a draft you wrote (a refused or changed draft is withdrawn and drafted again)."""
        _run(
            now,
            "withdraw",
            lambda ledger, s: drafts.withdraw(ledger, s, state.actor, draft_id, reason),
            target=draft_id,
        )
        console.print(f"withdrew {draft_id}")

    @dx.command("agency")
    def agency(
        agency_id: str,
        country: str = typer.Option(..., help="Two-letter country code."),
        name: str = typer.Option(..., help="The agency's name."),
        address: list[str] = typer.Option([], "--address", help="An official e-mail address (repeatable)."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Register a recipient agency and its official addresses (webmail and personal domains refused)."""

        def do(ledger: Ledger, s: Session) -> None:
            requests.register_agency(ledger, s, state.actor, agency_id, country, name)
            for a in address:
                requests.register_address(ledger, s, state.actor, agency_id, a)

        _run(now, "agency", do)
        console.print(f"registered agency {agency_id} with {len(address)} official address(es)")

    @dx.command("address")
    def address_cmd(
        agency_id: str, address: str, official: str | None = typer.Option(None), now: str | None = typer.Option(None)
    ) -> None:
        """Register one more official address for an agency."""
        clean = _run(
            now,
            "address",
            lambda ledger, s: requests.register_address(ledger, s, state.actor, agency_id, address, official),
        )
        console.print(f"registered {clean} for {agency_id}")

    @dx.command("request")
    def request(
        unit: str = typer.Option(..., help="The unit answering the request."),
        agency_id: str = typer.Option(..., "--agency", help="The requesting agency (registered)."),
        sender: str = typer.Option(..., help="Who signed the request."),
        sent_on: str = typer.Option(..., help="The request's date (RFC 3339 or YYYY-MM-DD)."),
        asked: str = typer.Option(..., help="What is asked, in words."),
        document: Path | None = typer.Option(None, help="The written request (file)."),
        exigency: str | None = typer.Option(None, help="For an oral request only: the exigency."),
        agreement: str | None = typer.Option(None, help="The information-sharing agreement cited, if any."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Record a foreign request from its written form (or an exigent oral one)."""
        data = _read(document, "document") if document else None
        inp = RequestInput(
            unit_id=unit,
            agency_id=agency_id,
            sender_name=sender,
            sent_on=_instant(sent_on, "sent-on"),
            asked=asked,
            document=data,
            document_name=document.name if document else None,
            exigency=exigency,
            agreement_id=agreement,
        )
        fr = _run(now, "request", lambda ledger, s: requests.record_request(ledger, s, state.actor, inp))
        console.print(f"recorded request [bold]{fr.id}[/] ({'written' if fr.written else 'oral, exigent'})")

    @dx.command("written-form")
    def written_form(request_id: str, document: Path, now: str | None = typer.Option(None, help=NOW_HELP)) -> None:
        """Attach the written form of an exigent oral request."""
        data = _read(document, "document")
        _run(
            now,
            "request",
            lambda ledger, s: requests.record_written_form(ledger, s, state.actor, request_id, data, document.name),
        )
        console.print(f"written form of {request_id} recorded")

    @dx.command("open")
    def open_request(request_id: str, out: Path = typer.Option(..., help="Where to write the document.")) -> None:
        """Open a request's document (the view is recorded: approvers must have seen it)."""
        name, _media, data = _run(
            None, "open", lambda ledger, s: requests.open_document(ledger, s, state.actor, request_id)
        )
        write_private(out, data)
        console.print(f"wrote {name} to {out}")

    @dx.command("draft")
    def draft(
        request_id: str = typer.Option(..., "--request"),
        person: list[str] = typer.Option(..., "--person", help="A person id (repeatable)."),
        field: list[str] = typer.Option(..., "--field", help="A field to disclose (repeatable)."),
        purpose: str = typer.Option(..., help="1628a1, 1628a2, 1628a3 or 1628a4."),
        reason: str = typer.Option(..., help="The law enforcement reason."),
        action: str = typer.Option("information_request", help="What the recipient is asked to do."),
        recipient: str = typer.Option(..., help="The recipient official."),
        condition: str | None = typer.Option(None, help="Deny entry only: the policy condition relied on."),
        reference: str | None = typer.Option(None, help="Deny entry only: warrant or determination reference."),
        determined_by: str | None = typer.Option(None, help="Deny entry only: the designated official's id."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Draft a disclosure answering a request."""
        inp = DraftInput(
            request_id,
            list(person),
            list(field),
            purpose,
            reason,
            action,
            recipient,
            condition,
            reference,
            determined_by,
        )
        v = _run(now, "draft", lambda ledger, s: drafts.create_draft(ledger, s, state.actor, inp))
        needs = ", ".join(a.role for a in v.approvals) or "no approval (no U.S. person named)"
        console.print(f"drafted [bold]{v.draft.id}[/]; needs: {needs}")

    @dx.command("queue")
    def queue() -> None:
        """Drafts awaiting an approval you may give."""
        ledger = open_ledger()
        with ledger.reading() as s:
            _json(
                [
                    {"draft": v.draft.id, "role": role, "request": v.draft.request_id}
                    for v, role in drafts.approval_queue(s, state.actor)
                ]
            )

    @dx.command("approve")
    def approve(
        draft_id: str,
        role: str = typer.Option(..., help="The required role you approve as."),
        statement: str = typer.Option(..., help="Your written approval."),
        refuse: bool = typer.Option(False, "--refuse", help="Refuse instead of approving."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Approve (or --refuse) a draft in writing; open its request first."""
        _run(
            now,
            "approve",
            lambda ledger, s: drafts.decide(ledger, s, state.actor, draft_id, role, not refuse, statement),
            target=draft_id,
        )
        console.print(f"{role}: {'refused' if refuse else 'approved'} {draft_id}")

    @dx.command("show")
    def show(draft_id: str) -> None:
        """A draft with its approvals, as JSON."""
        signed_in()
        ledger = open_ledger()
        with ledger.reading() as s:
            _json(drafts.view(s, draft_id).as_dict())

    @dx.command("send")
    def send(
        draft_id: str,
        channel: str = typer.Option("official_email", help="official_email, in_person or phone."),
        address: str | None = typer.Option(None, help="The registered official address (e-mail)."),
        note: str | None = typer.Option(None, help="In person / phone: what was said and shown."),
        advisement_given: bool = typer.Option(False, "--advisement-given", help="In person / phone: advisement given."),
        out: Path | None = typer.Option(None, help="Also write the encrypted package here."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Send an approved draft: the encrypted package by e-mail, or record an oral disclosure."""
        r = _run(
            now,
            "send",
            lambda ledger, s: sending.send(ledger, s, state.actor, draft_id, channel, address, note, advisement_given),
            target=draft_id,
        )
        if out is not None:
            write_private(out, r.package)
        console.print(f"sent [bold]{r.disclosure_id}[/] by {r.channel}; content SHA-256 {r.content_digest}")
        err_console.print(f"package passphrase (give it by another channel; it is not stored): {r.passphrase}")

    @dx.command("log")
    def log(as_json: bool = typer.Option(False, "--json")) -> None:
        """The disclosure log: every disclosure, imported or made here."""
        signed_in(Role.AUDITOR, Role.LIAISON_OFFICER, Role.SUPERVISOR, Role.COUNSEL)
        ledger = open_ledger()
        with ledger.reading() as s:
            entries = log_entries(s)
        if as_json:
            _json(entries)
            return
        for e in entries:
            rcpt = (e["recipient"] or {}).get("agency") or "?"
            persons = f"{len(e['persons']):>3} persons"
            console.print(f"{e['id']:<24} {e['at'][:16]} {e['source']:<8} {e['channel']:<15} {persons}  {rcpt}")

    @rm.command("list")
    def rm_list(now: str | None = typer.Option(None, help=NOW_HELP)) -> None:
        """The worklist and progress report, as JSON."""
        signed_in(Role.AUDITOR, Role.LIAISON_OFFICER, Role.SUPERVISOR, Role.COUNSEL)
        ledger = open_ledger(now)
        with ledger.reading() as s:
            items = remediation.worklist(ledger, s)
        _json({"progress": remediation.progress(items), "items": [i.as_dict() for i in items]})

    @rm.command("advise")
    def rm_advise(disclosure_id: str, out: Path | None = typer.Option(None)) -> None:
        """Generate and record the retroactive confidentiality advisement."""
        letter = _run(
            None,
            "remediate",
            lambda ledger, s: remediation.send_retroactive_advisement(ledger, s, state.actor, disclosure_id),
        )
        (write_private(out, letter) if out else console.print(letter))

    @rm.command("rescind")
    def rm_rescind(disclosure_id: str, out: Path | None = typer.Option(None)) -> None:
        """Generate and record the letter rescinding a request to deny entry."""
        letter = _run(
            None, "remediate", lambda ledger, s: remediation.rescind_deny_entry(ledger, s, state.actor, disclosure_id)
        )
        (write_private(out, letter) if out else console.print(letter))

    @rm.command("document")
    def rm_document(
        disclosure_id: str,
        what: str = typer.Option(..., help="What was disclosed."),
        reason: str = typer.Option(..., help="The law enforcement reason (or that none existed)."),
    ) -> None:
        """Document the missing record and its reason."""
        _run(
            None,
            "remediate",
            lambda ledger, s: remediation.document_record(ledger, s, state.actor, disclosure_id, what, reason),
        )
        console.print(f"record of {disclosure_id} documented")

    @rm.command("review")
    def rm_review(disclosure_id: str, conclusion: str = typer.Option(..., help="The reviewer's conclusion.")) -> None:
        """Mark a past disclosure reviewed, with the conclusion (privacy office)."""
        _run(
            None,
            "remediate",
            lambda ledger, s: remediation.mark_reviewed(ledger, s, state.actor, disclosure_id, conclusion),
        )
        console.print(f"{disclosure_id} reviewed")
