"""`lookout records ...`: import, search, request, hold, dispose, and the records officer's chores.

A thin adapter: each command parses its options, runs one use case of `lookout_ledger.records`
as `--as USER`, and prints a table or JSON. Refusals come back as errors naming the rule.
"""

from __future__ import annotations

import html
import re
import sys
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from lookout_ledger.cli.common import NOW_HELP, console, open_ledger, signed_in, state
from lookout_ledger.core.auth import SPII_ROLES, Role
from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.timefmt import format_rfc3339, parse_instant, parse_rfc3339
from lookout_ledger.notifications.mailer import deliver_pending
from lookout_ledger.records import keeping
from lookout_ledger.records.ingest.importer import ImportOptions, import_file
from lookout_ledger.records.ingest.notes import record_note
from lookout_ledger.records.requests.linking import missing_transmissions
from lookout_ledger.records.requests.request import run_request
from lookout_ledger.records.search import SearchFilters, logged_search
from lookout_ledger.records.search.aliases import add_alias, find_people


def _instant(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise LedgerError(f"{field}: {exc}") from None


def _rich_snippet(snippet: str | None) -> str:
    """The HTML snippet as Rich markup: matched words highlighted, everything else literal."""
    out = []
    for i, piece in enumerate(re.split(r"</?mark>", snippet or "")):
        text = escape(html.unescape(piece))
        out.append(f"[bold yellow]{text}[/]" if i % 2 and text else text)
    return "".join(out)


def _json(data: object) -> None:
    sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")


def register(app: typer.Typer) -> None:
    rec = typer.Typer(
        help="Communications kept as records: import, search, records requests, holds, disposition.",
        no_args_is_help=True,
    )
    app.add_typer(rec, name="records")

    @rec.command("import")
    def import_(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, help=".txt/.zip chat export, .eml or mbox."),
        channel: str = typer.Option(..., help="whatsapp, email, sms or other."),
        account: str = typer.Option(..., help="official or personal."),
        owner: str = typer.Option(..., help="Official id of the account's owner."),
        timezone: str | None = typer.Option(None, help="IANA zone of the export's times (required for chats)."),
        case: str | None = typer.Option(None, help="Case label, for holds by case."),
        position: str = typer.Option("official", help="capstone, official or support (GRS 6.1 schedule)."),
        date_order: str | None = typer.Option(None, help="dmy or mdy when no date in the chat decides it."),
        region: str | None = typer.Option(None, help="Default phone region for numbers without +code, e.g. MX."),
        workers: int | None = typer.Option(
            None, min=0, help="Processes reading a large mbox (0: this one); default by file size and cores."
        ),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Archive every message of FILE, or nothing; the same file twice stores nothing new (records officer)."""
        signed_in(Role.RECORDS_OFFICER)
        ledger = open_ledger(now)
        opts = ImportOptions(channel, account, owner, timezone, case, position, date_order, region, workers=workers)
        with file.open("rb") as fh:
            r = import_file(ledger, fh, file.name, opts, state.actor)
        if r.already_imported:
            console.print(f"{file.name} was already imported as {r.import_id} (sha256 {r.digest}); nothing stored.")
            return
        console.print(
            f"imported {r.stored} message(s) from {file.name} as {r.import_id} ({r.format}, zone {r.timezone}); "
            f"{r.duplicates} already archived; sha256 {r.digest}"
        )

    @rec.command("search")
    def search_(
        query: str = typer.Argument("", help="Words, a person's name, phone number, e-mail or chat name."),
        channel: str | None = typer.Option(None),
        account: str | None = typer.Option(None),
        date_from: str | None = typer.Option(None, "--from", help="RFC 3339 or date."),
        date_to: str | None = typer.Option(None, "--to", help="RFC 3339 or date."),
        owner: str | None = typer.Option(None, help="Official id of the owner."),
        classification: str | None = typer.Option(None, help="record, non_record or transitory."),
        limit: int = typer.Option(20, min=1, max=500),
        offset: int = typer.Option(0, min=0),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Full-text search, accent- and case-insensitive, finding people through their aliases.

        As in the API: message content only for roles whose work needs personal data."""
        principal = signed_in()
        ledger = open_ledger()
        f = SearchFilters(
            channel, account, _instant(date_from, "--from"), _instant(date_to, "--to"), owner, classification
        )
        r = logged_search(
            ledger,
            principal.username,
            query,
            f,
            may_read_content=principal.has_role(*SPII_ROLES),
            limit=limit,
            offset=offset,
        )
        if as_json:
            _json(
                {
                    "query": r.query,
                    "total": r.total,
                    "people": r.people,
                    "content_withheld": r.content_withheld,
                    "hits": [h.as_dict() for h in r.hits],
                }
            )
            return
        if r.content_withheld:
            console.print("message content withheld: your role does not read personal data")
        t = Table(title=f"{r.total} communication(s)" + (f"; people: {', '.join(r.people)}" if r.people else ""))
        for col in ("id", "sent at", "channel", "sender", "snippet"):
            t.add_column(col)
        for h in r.hits:
            t.add_row(h.id, h.sent_at, h.channel, escape(h.sender or ""), _rich_snippet(h.snippet))
        console.print(t)

    @rec.command("request")
    def request_(
        people: list[str] = typer.Argument(..., help="Person ids, or names/phones/e-mails that identify one person."),
        out: Path = typer.Option(Path("records-request"), help="Directory for the JSON index and the HTML package."),
        reference: str | None = typer.Option(None, help="The request's reference (e.g. FOIA number)."),
        pdf: bool = typer.Option(False, "--pdf", help="Also write the package as PDF."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Find every lookout, inspection, disclosure and communication naming each person; certify the search
        (records officer)."""
        actor = signed_in(Role.RECORDS_OFFICER).username
        ledger = open_ledger(now)
        ids = []
        with ledger.reading() as s:
            from lookout_ledger.people.models import Person

            for p in people:
                if s.get(Person, p) is not None:
                    ids.append(p)
                    continue
                found = find_people(s, ledger.keyring, p)
                if len(found) != 1:
                    raise LedgerError(f"{p!r} identifies {len(found)} people; give a person id")
                ids.extend(found)
        pkg = run_request(ledger, ids, actor, reference)
        files = pkg.write(out, pdf=pdf)
        t = Table(title=f"Records request {pkg.request_id}")
        for col in ("person", "lookouts", "inspections", "disclosures", "communications", "total"):
            t.add_column(col)
        for p in pkg.index["people"]:
            c = p["counts"]
            t.add_row(
                p["person_id"],
                *(str(c[k]) for k in ("lookouts", "inspections", "disclosures", "communications", "total")),
            )
        console.print(t)
        console.print("package: " + ", ".join(str(f) for f in files))

    hold = typer.Typer(help="Legal holds (freezes) that stop disposition.", no_args_is_help=True)
    rec.add_typer(hold, name="hold")

    @hold.command("place")
    def hold_place(
        reason: str = typer.Option(..., help="Why (litigation, request, investigation)."),
        person: str | None = typer.Option(None, help="Person id: every message naming them."),
        case: str | None = typer.Option(None, help="Case label given at import."),
        date_from: str | None = typer.Option(None, "--from"),
        date_to: str | None = typer.Option(None, "--to"),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Place a hold (records officer)."""
        ledger = open_ledger(now)
        h = keeping.place_hold(
            ledger, state.actor, reason, person, case, _instant(date_from, "--from"), _instant(date_to, "--to")
        )
        console.print(f"hold {h.id} placed")

    @hold.command("release")
    def hold_release(hold_id: str, now: str | None = typer.Option(None, help=NOW_HELP)) -> None:
        """Release a hold (records officer)."""
        keeping.release_hold(open_ledger(now), hold_id, state.actor)
        console.print(f"hold {hold_id} released")

    @hold.command("list")
    def hold_list() -> None:
        """Every hold, active first (records officer or auditor)."""
        signed_in(Role.RECORDS_OFFICER, Role.AUDITOR)
        from sqlalchemy import select

        from lookout_ledger.records.archive_models import LegalHold

        ledger = open_ledger()
        with ledger.reading() as s:
            rows = s.execute(
                select(LegalHold).order_by(LegalHold.released_at.is_not(None), LegalHold.placed_at)
            ).scalars()
            t = Table(title="Legal holds")
            for col in ("id", "reason", "person", "case", "from", "to", "placed", "released"):
                t.add_column(col)
            for h in rows:
                t.add_row(
                    h.id,
                    h.reason,
                    h.person_id or "",
                    h.case_label or "",
                    "" if h.date_from is None else format_rfc3339(h.date_from),
                    "" if h.date_to is None else format_rfc3339(h.date_to),
                    f"{format_rfc3339(h.placed_at)} by {h.placed_by}",
                    "" if h.released_at is None else f"{format_rfc3339(h.released_at)} by {h.released_by}",
                )
        console.print(t)

    dispose = typer.Typer(help="Disposition after the schedule ends, approved by another records officer.")
    rec.add_typer(dispose, name="dispose")

    @dispose.command("propose")
    def dispose_propose(
        ids: list[str] = typer.Argument(None, help="Communication ids; default: everything due and not held."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Propose a disposition."""
        d = keeping.propose_disposition(open_ledger(now), state.actor, list(ids) if ids else None)
        console.print(f"disposition {d.id} proposed for {len(d.communication_ids)} communication(s)")

    @dispose.command("approve")
    def dispose_approve(disposition_id: str, now: str | None = typer.Option(None, help=NOW_HELP)) -> None:
        """Approve and execute a disposition (a records officer who did not propose it)."""
        stones = keeping.approve_disposition(open_ledger(now), disposition_id, state.actor)
        console.print(f"{len(stones)} communication(s) disposed of; tombstones kept")

    @rec.command("classify")
    def classify(
        communication: str,
        classification: str = typer.Option(..., help="record, non_record or transitory."),
        reason: str = typer.Option(..., help="Why, in a sentence."),
        position: str = typer.Option("official", help="capstone, official or support."),
    ) -> None:
        """Classify a communication and set its schedule (records officer)."""
        m = keeping.classify(open_ledger(), communication, classification, reason, state.actor, position)
        console.print(f"{communication}: {m.classification}, schedule {m.schedule}")

    @rec.command("forwarded")
    def forwarded(
        communication: str, at: str = typer.Option(..., help="When it reached the official account.")
    ) -> None:
        """Record that a personal-account message was forwarded to an official account."""
        when = _instant(at, "--at")
        assert when is not None
        keeping.record_forwarded(open_ledger(), communication, when, state.actor)
        console.print(f"{communication}: forwarded at {format_rfc3339(when)}")

    @rec.command("sweep")
    def sweep(now: str | None = typer.Option(None, help=NOW_HELP)) -> None:
        """Remind owners of personal-account messages nearing the 20-day deadline (44 U.S.C. 2911)."""
        ledger = open_ledger(now)
        r = keeping.forward_sweep(ledger, state.actor)
        deliver_pending(ledger)
        console.print(f"{len(r.reminded)} reminder(s) sent; {len(r.overdue)} message(s) overdue")

    @rec.command("alias")
    def alias(
        person: str,
        kind: str = typer.Option(..., help="phone, email, chat_name or name."),
        value: str = typer.Option(...),
        region: str | None = typer.Option(None, help="Phone region when the number has no +code."),
    ) -> None:
        """Add a way a person appears in messages."""
        ledger = open_ledger()
        with ledger.transaction() as s:
            a = add_alias(s, ledger.keyring, person, kind, value, state.actor, ledger.now(), region)
            ledger.audit(s, state.actor, "records.alias", "person", person, {"kind": kind, "alias_id": a.id})
        console.print(f"alias {a.id} added to {person}")

    @rec.command("note")
    def note(
        kind: str = typer.Option(..., help="phone_note or meeting_note."),
        author: str = typer.Option(..., help="Official id of the author."),
        participant: list[str] = typer.Option(..., "--participant", help="Repeatable."),
        at: str = typer.Option(..., help="When the call or meeting took place (RFC 3339)."),
        subject: str = typer.Option(...),
        body: str = typer.Option(..., help="What was decided or committed."),
        disclosure: str | None = typer.Option(None, help="Disclosure the note documents."),
        now: str | None = typer.Option(None, help=NOW_HELP),
    ) -> None:
        """Keep a note of a call or meeting as a record. Its time is your claim; the ledger records when you
        wrote it, and a note written more than 20 days later documents the disclosure only as a late claim."""
        try:  # keep the offset the official gave: the note shows the local time of the meeting
            utc, offset = parse_rfc3339(at)
        except ValueError as exc:
            raise LedgerError(f"--at: {exc}; give the time with its offset, e.g. 2019-01-09T10:00:00-08:00") from None
        when = utc.astimezone(dt_timezone(timedelta(minutes=offset)))
        cid = record_note(
            open_ledger(now),
            state.actor,
            kind=kind,
            author_id=author,
            participants=list(participant),
            at=when,
            subject=subject,
            body=body,
            disclosure_id=disclosure,
        )
        console.print(f"note {cid} kept")

    @rec.command("missing")
    def missing(as_json: bool = typer.Option(False, "--json")) -> None:
        """Disclosures whose transmission is not in the archive (records officer or auditor)."""
        signed_in(Role.RECORDS_OFFICER, Role.AUDITOR)
        ledger = open_ledger()
        with ledger.reading() as s:
            rows = missing_transmissions(s)
        if as_json:
            _json(rows)
            return
        t = Table(title=f"{len(rows)} disclosure(s) without their transmission in the archive")
        for col in ("disclosure", "at", "channel", "discloser", "reason"):
            t.add_column(col)
        for m in rows:
            t.add_row(
                str(m["disclosure_id"]), str(m["at"]), str(m["channel"]), str(m["discloser_id"]), str(m["reason"])
            )
        console.print(t)
