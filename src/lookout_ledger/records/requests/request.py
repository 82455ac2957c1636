"""Records requests: every record naming a list of people, with a certificate of the search.

Two units answered "no records" about 54 people they had sent information on. An answer here
is a package: for each person, every lookout, inspection, disclosure and communication that
names them, and a certificate of what was searched (which stores, over which date ranges,
with which aliases) and how many records each person has. A zero is therefore always a
certified zero, never a shrug. Records disposed of under a schedule are counted from their
tombstones, so a gap is explained rather than hidden.

The package names people, so it is SPII: building it reads sealed names (the audit entry says
why) and the HTML is marked accordingly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from jinja2 import Environment, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lookout_ledger.core import usecase
from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.errors import LedgerError, NotFound
from lookout_ledger.core.files import private_dir, write_private
from lookout_ledger.core.ids import new_id
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.timefmt import format_rfc3339
from lookout_ledger.history.communications import Communication, subject_of
from lookout_ledger.history.disclosures import Disclosure, DisclosurePerson
from lookout_ledger.history.inspections import Inspection
from lookout_ledger.history.lookouts import Lookout
from lookout_ledger.people.models import Person
from lookout_ledger.records.archive_models import RecordsRequest, Tombstone
from lookout_ledger.records.requests.linking import link_people
from lookout_ledger.records.search.aliases import aliases_of

STORES = (
    ("lookouts", Lookout, Lookout.created_at),
    ("inspections", Inspection, Inspection.started_at),
    ("disclosures", Disclosure, Disclosure.at),
    ("communications", Communication, Communication.sent_at),
    ("disposed communications (tombstones)", Tombstone, Tombstone.sent_at),
)


@dataclass
class RequestPackage:
    request_id: str
    index: dict[str, Any]
    html: str
    index_digest: str

    def pdf(self) -> bytes:
        """The same package as PDF (rendered from the same index as the HTML)."""
        from lookout_ledger.records.requests.pdf import render_pdf

        return render_pdf(self.index)

    def write(self, directory: Path, pdf: bool = False) -> list[Path]:
        private_dir(directory)
        j = directory / f"{self.request_id}.json"
        h = directory / f"{self.request_id}.html"
        write_private(j, orjson.dumps(self.index, option=orjson.OPT_INDENT_2))
        write_private(h, self.html)
        if not pdf:
            return [j, h]
        d = directory / f"{self.request_id}.pdf"
        write_private(d, self.pdf())
        return [j, h, d]


def _stamp(at: datetime | None, off: int | None) -> str | None:
    return None if at is None else format_rfc3339(at, off)


def _stores(session: Session) -> list[dict[str, Any]]:
    out = []
    for name, model, col in STORES:
        n, lo, hi = session.execute(select(func.count(), func.min(col), func.max(col)).select_from(model)).one()
        out.append(
            {
                "store": name,
                "records_searched": int(n),
                "from": None if lo is None else format_rfc3339(lo if isinstance(lo, datetime) else _dt(lo), 0),
                "to": None if hi is None else format_rfc3339(hi if isinstance(hi, datetime) else _dt(hi), 0),
            }
        )
    return out


def _dt(micros: int) -> datetime:
    from lookout_ledger.core.timefmt import from_micros

    return from_micros(int(micros))


def _records_of(
    session: Session, keyring: Keyring, pid: str, communications: list[str]
) -> dict[str, list[dict[str, Any]]]:
    lookouts = session.execute(select(Lookout).where(Lookout.person_id == pid).order_by(Lookout.created_at)).scalars()
    inspections = session.execute(
        select(Inspection).where(Inspection.person_id == pid).order_by(Inspection.started_at)
    ).scalars()
    disclosures = session.execute(
        select(Disclosure)
        .join(DisclosurePerson, DisclosurePerson.disclosure_id == Disclosure.id)
        .where(DisclosurePerson.person_id == pid)
        .order_by(Disclosure.at)
    ).scalars()
    comms: Iterable[Communication] = (
        session.execute(
            select(Communication).where(Communication.id.in_(communications)).order_by(Communication.sent_at)
        ).scalars()
        if communications
        else []
    )
    return {
        "lookouts": [
            {"id": x.id, "at": _stamp(x.created_at, x.created_at_offset), "status_code": x.status_code}
            for x in lookouts
        ],
        "inspections": [{"id": x.id, "at": _stamp(x.started_at, x.started_at_offset)} for x in inspections],
        "disclosures": [
            {"id": x.id, "at": _stamp(x.at, x.at_offset), "channel": x.channel, "unit_id": x.unit_id}
            for x in disclosures
        ],
        "communications": [
            {
                "id": x.id,
                "at": _stamp(x.sent_at, x.sent_at_offset),
                "channel": x.channel,
                "sender": x.sender,
                "subject": subject_of(keyring, x),
                "retained": x.retained,
                "disclosure_id": x.disclosure_id,
            }
            for x in comms
        ],
    }


def run_request(ledger: Ledger, person_ids: list[str], actor: str, reference: str | None = None) -> RequestPackage:
    """Search every store for every person and keep the certificate; one transaction, audited."""
    person_ids = list(dict.fromkeys(p.strip() for p in person_ids if p.strip()))
    if not person_ids:
        raise LedgerError("a records request needs at least one person")
    now = ledger.now()
    with usecase.unit(ledger, usecase.audited_refusal(ledger, actor, "records.request")) as session:
        missing = [p for p in person_ids if session.get(Person, p) is None]
        if missing:
            raise NotFound(f"no person {', '.join(missing)}")
        linked = link_people(session, ledger.keyring, person_ids)
        stores = _stores(session)
        people = []
        counts: dict[str, dict[str, int]] = {}
        for pid in person_ids:
            aliases = aliases_of(session, ledger.keyring, pid)
            recs = _records_of(session, ledger.keyring, pid, linked[pid])
            c = {k: len(v) for k, v in recs.items()}
            c["total"] = sum(c.values())
            counts[pid] = c
            people.append(
                {
                    "person_id": pid,
                    "aliases_searched": [{"kind": a.kind, "value": a.value} for a in aliases],
                    "counts": c,
                    "answer": "records found" if c["total"] else "no records found (certified search below)",
                    "records": recs,
                }
            )
        request_id = new_id("rr")
        index: dict[str, Any] = {
            "request_id": request_id,
            "reference": reference,
            "requested_by": actor,
            "searched_at": format_rfc3339(now, 0),
            "policy": ledger.policy.label,
            "people": people,
            "certificate": {
                "statement": (
                    f"On {format_rfc3339(now, 0)}, {actor} searched every store listed for each person "
                    "under every alias listed (names in any order, with or without accents; phone numbers "
                    "in E.164; e-mail addresses; chat display names) and by the person's recorded links."
                ),
                "stores": stores,
                "counts": counts,
                "method": "full-text index of all communications (re-synchronised before the search) "
                "and exact person links of lookouts, inspections and disclosures",
            },
        }
        raw = orjson.dumps(index, option=orjson.OPT_SORT_KEYS)
        digest = hashlib.sha256(raw).hexdigest()
        session.add(
            RecordsRequest(
                id=request_id,
                requested_by=actor,
                requested_at=now,
                reference=reference,
                person_ids=person_ids,
                counts=counts,
                index_digest=digest,
                complete=True,
            )
        )
        ledger.audit(
            session,
            actor,
            "records.request",
            "records_request",
            request_id,
            {"people": len(person_ids), "purpose": "records request: names read to search aliases"},
            change_digest=digest,
        )
    return RequestPackage(request_id, index, render_html(index), digest)


_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_TEMPLATE = _ENV.from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Records request {{ i.request_id }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#1b1b1b}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:left}
.spii{border:2px solid #a00;padding:.5rem;color:#a00;font-weight:bold}.zero{color:#555}
</style></head>
<body>
<p class="spii">SENSITIVE PERSONALLY IDENTIFIABLE INFORMATION. Handle under the Privacy Act; do not forward.</p>
<h1>Records request {{ i.request_id }}</h1>
<p>Reference: {{ i.reference or "none" }}. Searched by {{ i.requested_by }} at {{ i.searched_at }}
under policy {{ i.policy }}.</p>
<h2>Search certificate</h2>
<p>{{ i.certificate.statement }}</p>
<table><thead><tr><th>Store</th><th>Records searched</th><th>From</th><th>To</th></tr></thead><tbody>
{% for s in i.certificate.stores %}<tr><td>{{ s.store }}</td><td>{{ s.records_searched }}</td>
<td>{{ s.from or "-" }}</td><td>{{ s.to or "-" }}</td></tr>
{% endfor %}</tbody></table>
<table><thead><tr><th>Person</th><th>Aliases searched</th><th>Lookouts</th><th>Inspections</th>
<th>Disclosures</th><th>Communications</th><th>Total</th></tr></thead><tbody>
{% for p in i.people %}<tr id="count-{{ p.person_id }}"><td><a href="#{{ p.person_id }}">{{ p.person_id }}</a></td>
<td>{% for a in p.aliases_searched %}{{ a.value }} <small>({{ a.kind }})</small>
{%- if not loop.last %}; {% endif %}{% endfor %}</td>
<td>{{ p.counts.lookouts }}</td><td>{{ p.counts.inspections }}</td><td>{{ p.counts.disclosures }}</td>
<td>{{ p.counts.communications }}</td><td class="total">{{ p.counts.total }}</td></tr>
{% endfor %}</tbody></table>
{% for p in i.people %}<section id="{{ p.person_id }}">
<h2>{{ p.person_id }}: {{ p.aliases_searched[0].value if p.aliases_searched else "" }}</h2>
<p class="{{ 'zero' if not p.counts.total else '' }}">{{ p.answer }}</p>
{% for kind, rows in p.records.items() %}{% if rows %}<h3>{{ kind|capitalize }} ({{ rows|length }})</h3>
<table><tbody>
{% for r in rows %}<tr>{% for k, v in r.items() %}<td><small>{{ k }}</small><br>
{{- v if v is not none else "-" }}</td>{% endfor %}</tr>{% endfor %}
</tbody></table>{% endif %}{% endfor %}</section>
{% endfor %}
<p>The SHA-256 digest of the JSON index is recorded in the audit log with this request.</p>
</body></html>
"""
)


def render_html(index: dict[str, Any]) -> str:
    return _TEMPLATE.render(i=index)
