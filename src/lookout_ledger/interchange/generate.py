"""A synthetic LIF file of any size, for benchmarks and for trying the ledger out.

The data has the shape the review describes, at scale: lookouts (half on non-suspects, some
without a basis or approval, some on journalists or attorneys), transfers with and without
notice, crossings that match lookouts and lead to inspections (some repeated, some without
the topics sought, some with device searches), foreign disclosures (some by WhatsApp or a
personal mailbox, some asking to deny entry to U.S. persons) and personal-account messages.
Every person is invented: names are built from syllables. The file is written as it is
generated (bounded memory), every reference points to an earlier line, and the same seed
always gives the same bytes.
"""

from __future__ import annotations

import random
from collections import deque
from typing import IO, Any

import orjson

from lookout_ledger.core.timefmt import format_rfc3339, from_micros
from lookout_ledger.interchange.schema import FORMAT, RECORD_TYPES, VERSION

_SYLLABLES = (
    "ka", "lo", "ve", "mi", "ra", "dun", "sel", "tor", "bri", "an", "os", "qui", "zel", "mar", "fen",
    "ta", "ril", "no", "sa", "vik", "del", "ur", "pe", "jo", "lin", "ga", "mo", "ser", "thi", "cor",
)  # fmt: skip
_TOPICS = (
    "caravan organisers",
    "funding sources",
    "travel plans",
    "contacts in the shelter",
    "legal assistance to migrants",
    "media coverage",
    "border crossing assistance",
    "leaders of the group",
)
_PORTS = ("San Ysidro", "Otay Mesa", "Calexico West", "Tecate", "Andrade")
_COUNTRIES = ("US", "MX", "HN", "GT", "SV", "NI")
_SENSITIVE = ("journalist", "attorney", "advocate", "photographer", "clergy")
_ROLES = ("port director", "counsel", "supervisor", "liaison officer", "officer")
_MICROS_PER_MINUTE = 60_000_000
_DAY = 1440 * _MICROS_PER_MINUTE
_START = 1_538_352_000_000_000  # 2018-10-01T00:00:00Z
_SPAN_DAYS = 180


class _Writer:
    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.buffer: list[bytes] = []
        self.counts = dict.fromkeys(RECORD_TYPES, 0)

    def write(self, record: dict[str, Any]) -> None:
        self.buffer.append(orjson.dumps(record))
        if record["type"] != "header":
            self.counts[record["type"]] += 1
        if len(self.buffer) >= 2000:
            self.drain()

    def drain(self) -> None:
        if self.buffer:
            self.out.write(b"\n".join(self.buffer) + b"\n")
            self.buffer.clear()


class _Generator:
    def __init__(self, out: IO[bytes], seed: int) -> None:
        self.rng = random.Random(seed)
        self.w = _Writer(out)
        self.units: list[str] = []
        self.officials: list[str] = []
        self.unit_of: dict[str, str] = {}
        self.recent_persons: deque[tuple[str, bool]] = deque(maxlen=200)
        self.counter = dict.fromkeys(RECORD_TYPES, 0)

    def next_id(self, rtype: str, prefix: str) -> str:
        self.counter[rtype] += 1
        return f"{prefix}{self.counter[rtype]:07d}"

    def stamp(self, micros: int) -> str:
        # Local times on the border (PST, sometimes PDT or UTC as some systems write them).
        offset = self.rng.choice((-480, -480, -480, -420, 0))
        return format_rfc3339(from_micros(micros), offset)

    def name(self, parts: int) -> str:
        return "".join(self.rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()

    def header(self) -> None:
        self.w.write(
            {
                "type": "header",
                "format": FORMAT,
                "version": VERSION,
                "source": "lookout-ledger synthetic generator",
                "exported_at": "2019-06-01T00:00:00+00:00",
            }
        )

    def organisation(self, n_units: int, n_officials: int) -> None:
        rng = self.rng
        for _ in range(n_units):
            uid = self.next_id("unit", "U")
            self.units.append(uid)
            approvals = rng.choice(([], ["port director"], ["port director", "counsel"]))
            self.w.write(
                {
                    "type": "unit",
                    "id": uid,
                    "name": f"{self.name(2)} Field Unit",
                    "restrict_disclosure_channels": rng.random() < 0.5,
                    "required_disclosure_approvals": approvals,
                }
            )
        for _ in range(n_officials):
            oid = self.next_id("official", "O")
            unit = rng.choice(self.units)
            self.officials.append(oid)
            self.unit_of[oid] = unit
            self.w.write(
                {
                    "type": "official",
                    "id": oid,
                    "name": f"{self.name(2)} {self.name(3)}",
                    "unit_id": unit,
                    "role": rng.choice(_ROLES),
                }
            )

    def person(self) -> tuple[str, bool]:
        rng = self.rng
        pid = self.next_id("person", "P")
        citizenship = [rng.choice(_COUNTRIES)]
        if rng.random() < 0.1:
            citizenship.append(rng.choice(_COUNTRIES))
        us_person = "US" in citizenship or rng.random() < 0.05
        roll = rng.random()
        occupation = rng.choice(_SENSITIVE) if roll < 0.08 else ("other" if roll < 0.4 else None)
        documents = [
            {
                "kind": "passport",
                "number": f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.randrange(10**7, 10**8)}",
                "country": citizenship[0],
            }
        ]
        if rng.random() < 0.3:
            documents.append(
                {"kind": "border crossing card", "number": f"BC{rng.randrange(10**8, 10**9)}", "country": "MX"}
            )
        self.w.write(
            {
                "type": "person",
                "id": pid,
                "given_name": self.name(rng.choice((2, 2, 3))),
                "family_name": self.name(rng.choice((2, 3, 3))),
                "other_names": [self.name(2)] if rng.random() < 0.15 else [],
                "date_of_birth": f"{rng.randrange(1950, 2001)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                "citizenship": citizenship,
                "us_person": us_person,
                "occupation": occupation,
                "documents": documents,
            }
        )
        self.recent_persons.append((pid, us_person))
        return pid, us_person

    def lookout(self, pid: str) -> tuple[str, int, list[str]]:
        rng = self.rng
        lid = self.next_id("lookout", "L")
        owner = rng.choice(self.officials)
        creator = owner if rng.random() < 0.8 else rng.choice(self.officials)
        created = _START + rng.randrange(0, 60 * _DAY)
        non_suspect = rng.random() < 0.5
        sought = rng.sample(_TOPICS, rng.choice((0, 1, 2, 2, 3))) if rng.random() < 0.9 else []
        roll = rng.random()
        approver = rng.choice(self.officials) if roll < 0.7 else (creator if roll < 0.8 else None)
        self.w.write(
            {
                "type": "lookout",
                "id": lid,
                "person_id": pid,
                "owner_id": owner,
                "created_by": creator,
                "created_at": self.stamp(created),
                "status_code": "non_suspect" if non_suspect else "suspect",
                "suspected_activity": None if non_suspect else "alien smuggling",
                "basis": None if rng.random() < 0.1 else "associated with organisers of the migrant caravan",
                "information_sought": sought,
                "action": "refer_secondary" if rng.random() < 0.9 else "notify_owner",
                "approved_by": approver,
                "approved_at": None if approver is None else self.stamp(created + rng.randrange(1, 48) * 3_600_000_000),
            }
        )
        if rng.random() < 0.15:
            self.event(
                lid, created + rng.randrange(1, 20) * _DAY, "transferred", notice=rng.choice((True, False, None))
            )
        return lid, created, sought

    def event(self, lid: str, at: int, kind: str, notice: bool | None = None) -> None:
        rng = self.rng
        transfer = kind == "transferred"
        self.w.write(
            {
                "type": "lookout_event",
                "id": self.next_id("lookout_event", "E"),
                "lookout_id": lid,
                "at": self.stamp(at),
                "kind": kind,
                "actor_id": rng.choice(self.officials),
                "to_owner_id": rng.choice(self.officials) if transfer else None,
                "notice": notice if transfer else None,
                "reason": rng.choice(("reassignment", "no longer needed", "information obtained", None)),
            }
        )

    def travel(self, pid: str, lookouts: list[tuple[str, int, list[str]]]) -> None:
        """Crossings after the lookouts were placed, and the inspections they led to."""
        rng = self.rng
        first = min(created for _, created, _ in lookouts)
        at = first + rng.randrange(1, 30) * _DAY
        active = {lid for lid, _, _ in lookouts}
        inspected = 0
        for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
            matched = sorted(active)
            referred = bool(matched) and rng.random() < 0.9
            cid = self.next_id("crossing", "C")
            self.w.write(
                {
                    "type": "crossing",
                    "id": cid,
                    "person_id": pid,
                    "at": self.stamp(at),
                    "port": rng.choice(_PORTS),
                    "referred_secondary": referred,
                    "lookout_ids": matched,
                }
            )
            if referred:
                sought = sorted({t for lid, _, s in lookouts if lid in active for t in s})
                self.inspection(pid, cid, matched, at + rng.randrange(5, 60) * _MICROS_PER_MINUTE, sought, inspected)
                inspected += 1
                if rng.random() < 0.45:  # the owner disables the referral after the first inspection
                    lid = rng.choice(matched)
                    kind = rng.choice(("referral_disabled", "removed"))
                    self.event(lid, at + rng.randrange(1, 15) * _DAY, kind)
                    active.discard(lid)
                elif rng.random() < 0.3:
                    self.event(rng.choice(matched), at + rng.randrange(1, 10) * _DAY, "reviewed")
            at += rng.randrange(2, 40) * _DAY

    def inspection(
        self, pid: str, cid: str | None, lookout_ids: list[str], start: int, sought: list[str], n: int
    ) -> None:
        rng = self.rng
        if sought and rng.random() < 0.6:
            asked = rng.sample(sought, 1) + (["travel plans"] if rng.random() < 0.3 else [])
        else:
            asked = rng.sample(_TOPICS, rng.choice((0, 1, 2)))
        roll = rng.random()
        duration = rng.randrange(20, 200) if roll < 0.9 else rng.randrange(241, 600)
        device_search = None
        if rng.random() < 0.12:
            device_search = {
                "performed": True,
                "reason": None if rng.random() < 0.4 else "suspected evidence of smuggling",
                "supervisor_approval_id": rng.choice(self.officials) if rng.random() < 0.6 else None,
                "findings_documented": rng.choice((True, False, None)),
            }
        self.w.write(
            {
                "type": "inspection",
                "id": self.next_id("inspection", "I"),
                "person_id": pid,
                "crossing_id": cid,
                "lookout_ids": lookout_ids,
                "started_at": self.stamp(start),
                "ended_at": None if roll > 0.97 else self.stamp(start + duration * _MICROS_PER_MINUTE),
                "officer_ids": rng.sample(self.officials, min(2, len(self.officials))),
                "documented": rng.random() < 0.85,
                "topics_asked": asked,
                "information_obtained": "travel plans and contacts" if asked else None,
                "new_information": None if n == 0 else rng.choice((True, False, False, None)),
                "restrained": rng.random() < 0.05,
                "device_search": device_search,
            }
        )

    def disclosure(self) -> str:
        rng = self.rng
        discloser = rng.choice(self.officials)
        unit = self.unit_of[discloser]
        named = rng.sample(list(self.recent_persons), min(len(self.recent_persons), rng.randrange(1, 15)))
        channel = rng.choice(("official_email", "official_email", "personal_email", "whatsapp", "phone", "unknown"))
        at = _START + rng.randrange(60 * _DAY, _SPAN_DAYS * _DAY)
        did = self.next_id("disclosure", "D")
        request = None
        if rng.random() < 0.6:
            request = {"written": rng.random() < 0.5, "received_at": self.stamp(at - rng.randrange(1, 5) * _DAY)}
        approvals = []
        if rng.random() < 0.5:
            approvals.append(
                {
                    "role": "port director",
                    "official_id": rng.choice(self.officials),
                    "at": self.stamp(at + rng.randrange(-3, 2) * _DAY),
                    "written": rng.random() < 0.7,
                }
            )
        self.w.write(
            {
                "type": "disclosure",
                "id": did,
                "at": self.stamp(at),
                "unit_id": unit,
                "discloser_id": discloser,
                "recipient": {
                    "country": "MX",
                    "agency": "Instituto de Enlace Fronterizo",
                    "official": f"{self.name(2)} {self.name(3)}",
                    "address": f"{self.name(2).lower()}@{rng.choice(('enlace.example.mx', 'mail.example.com'))}",
                },
                "channel": channel,
                "recipient_address_official": rng.choice((True, False, None)),
                "person_ids": [pid for pid, _ in named],
                "spii": True,
                "encrypted": rng.choice((True, False, None)),
                "confidentiality_advisement": rng.choice((True, False, None)),
                "sensitivity_marking": rng.choice((True, False, None)),
                "foreign_request": request,
                "law_enforcement_reason": None if rng.random() < 0.4 else "investigation of alien smuggling",
                "recorded": rng.random() < 0.5,
                "retained": rng.choice((True, False, None)),
                "requested_action": rng.choice(("information_request", "be_on_lookout", "deny_entry", "none")),
                "approvals": approvals,
            }
        )
        return did

    def communication(self, disclosure_id: str | None) -> None:
        rng = self.rng
        personal = rng.random() < 0.4
        sent = _START + rng.randrange(0, _SPAN_DAYS * _DAY)
        forwarded = None
        if personal and rng.random() < 0.5:
            forwarded = self.stamp(sent + rng.randrange(1, 40) * _DAY)
        self.w.write(
            {
                "type": "communication",
                "id": self.next_id("communication", "M"),
                "channel": rng.choice(("personal_email", "whatsapp", "sms")) if personal else "official_email",
                "account": "personal" if personal else "official",
                "sent_at": self.stamp(sent),
                "sender": f"{self.name(2).lower()}@{'mail.example.com' if personal else 'agency.example.gov'}",
                "recipients": [f"{self.name(2).lower()}@enlace.example.mx"],
                "subject": "Travelers of interest",
                "body": "List of travelers attached.",
                "attachments": ["travelers.pdf"] if rng.random() < 0.5 else [],
                "forwarded_to_official_at": forwarded,
                "retained": rng.random() < 0.6,
                "disclosure_id": disclosure_id,
            }
        )


def generate_lif(out: IO[bytes], lookouts: int, seed: int = 1) -> dict[str, int]:
    """Write a synthetic LIF file with about `lookouts` lookouts; return the count per type.

    About 4.8 lines per lookout: persons (some with two lookouts), events, crossings,
    inspections, and a disclosure and communications every few dozen lookouts.
    """
    if lookouts < 1:
        raise ValueError("lookouts must be at least 1")
    gen = _Generator(out, seed)
    rng = gen.rng
    gen.header()
    gen.organisation(n_units=3 + lookouts // 20_000, n_officials=8 + lookouts // 40)
    made = 0
    while made < lookouts:
        pid, _ = gen.person()
        placed = [gen.lookout(pid) for _ in range(min(lookouts - made, 2 if rng.random() < 0.2 else 1))]
        made += len(placed)
        gen.travel(pid, placed)
        if rng.random() < 0.03:
            did = gen.disclosure()
            for _ in range(rng.randrange(0, 3)):
                gen.communication(did)
        if rng.random() < 0.03:
            gen.communication(None)
    gen.w.drain()
    return gen.w.counts
