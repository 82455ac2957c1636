"""Validation of LIF lines against the record types of docs/interchange.md.

Hand-written, table-driven validators rather than pydantic models: one pass over each JSON
object, no intermediate model instances, and the error for every bad field is collected
(field path, what was expected, what was found) instead of stopping at the first, because the
importer must name every bad line and every bad field. `null` is never coerced to `false`
and an unknown key is an error, so a typo cannot silently turn a fact into "unknown".

A validated record is a dict in the spec's canonical key order with the defaults filled in;
timestamps are `Stamp(micros, offset)` so they are parsed once and stored as instants.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from lookout_ledger.core.timefmt import (
    MAX_INSTANT,
    MIN_INSTANT,
    format_rfc3339,
    from_micros,
    parse_date,
    parse_rfc3339,
    to_micros,
)
from lookout_ledger.history.communications import ACCOUNTS, COMM_CHANNELS
from lookout_ledger.history.disclosures import CHANNELS, REQUESTED_ACTIONS
from lookout_ledger.history.lookouts import ACTIONS, EVENT_KINDS, STATUS_CODES
from lookout_ledger.people.models import OCCUPATIONS

# Dependency order: every type refers only to types before it (communication -> disclosure is
# the last edge). Export writes in this order; the importer inserts its batches in it.
RECORD_TYPES = (
    "unit",
    "official",
    "person",
    "lookout",
    "lookout_event",
    "crossing",
    "inspection",
    "disclosure",
    "communication",
)
FORMAT = "lif"
VERSION = 1
MAX_ID_LENGTH = 200  # the id columns are VARCHAR(200)

_COUNTRY = re.compile(r"[A-Z]{2}")
# YYYY-MM-DDTHH:MM:SS[.ffffff](Z|+hh:mm) with hours < 24 in the offset.
MIN_MICROS, MAX_MICROS = to_micros(MIN_INSTANT), to_micros(MAX_INSTANT)  # outside: the core parser explains
_COMMON_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)")


class Stamp(NamedTuple):
    """A timestamp as the ledger stores it: UTC microseconds plus the source's offset in minutes."""

    micros: int
    offset: int

    def to_lif(self) -> str:
        return format_rfc3339(from_micros(self.micros), self.offset)


@dataclass(frozen=True, slots=True)
class LineError:
    """One problem with one line: where, what the spec expects, and what the file had."""

    line: int
    field: str
    expected: str
    found: str


# An error before its line number is known: (field path, expected, found).
FieldError = tuple[str, str, str]
Checker = Callable[[Any, str, list[FieldError]], Any]


class _Bad:
    """Marker for a value that failed its check (the error is already recorded)."""


BAD = _Bad()


def describe(value: Any) -> str:
    """How a wrong value is shown in an error: its JSON text, shortened."""
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        return repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- scalar checkers ---------------------------------------------------------------------------


def _text(value: Any, path: str, errs: list[FieldError]) -> Any:
    if type(value) is str and "\x00" not in value:
        return value
    errs.append((path, "a string", describe(value)))
    return BAD


def _nonblank(value: Any, path: str, errs: list[FieldError]) -> Any:
    if type(value) is str and value.strip() and "\x00" not in value:
        return value
    errs.append((path, "a non-empty string", describe(value)))
    return BAD


def _ident(value: Any, path: str, errs: list[FieldError]) -> Any:
    if type(value) is str and value.strip() and len(value) <= MAX_ID_LENGTH and "\x00" not in value:
        return value
    errs.append((path, f"an id: a non-empty string of at most {MAX_ID_LENGTH} characters", describe(value)))
    return BAD


def _short_text(value: Any, path: str, errs: list[FieldError]) -> Any:
    if type(value) is str and len(value) <= MAX_ID_LENGTH and "\x00" not in value:
        return value
    errs.append((path, f"a string of at most {MAX_ID_LENGTH} characters", describe(value)))
    return BAD


def _integer(value: Any, path: str, errs: list[FieldError]) -> Any:
    if type(value) is int:
        return value
    errs.append((path, "an integer", describe(value)))
    return BAD


def _bool(value: Any, path: str, errs: list[FieldError]) -> Any:
    if value is True or value is False:
        return value
    errs.append((path, "true or false", describe(value)))
    return BAD


def _timestamp(value: Any, path: str, errs: list[FieldError]) -> Any:
    if type(value) is str:
        # Fast path for the common shape (C parser); anything else goes through the core parser,
        # which has the authoritative rules and the readable error.
        if _COMMON_STAMP.fullmatch(value):
            try:
                local = datetime.fromisoformat(value)
            except ValueError:
                local = None  # not a real date: the core parser explains
            offset = None if local is None else local.utcoffset()
            if local is not None and offset is not None:
                micros = to_micros(local)
                if MIN_MICROS <= micros < MAX_MICROS:
                    return Stamp(micros, offset.days * 1440 + offset.seconds // 60)
        try:
            instant, minutes = parse_rfc3339(value)
        except ValueError as exc:
            errs.append((path, str(exc), describe(value)))
            return BAD
        return Stamp(to_micros(instant), minutes)
    errs.append((path, "an RFC 3339 timestamp with an offset, like 2018-12-10T14:03:00-08:00", describe(value)))
    return BAD


def _date(value: Any, path: str, errs: list[FieldError]) -> Any:
    if type(value) is str:
        try:
            parse_date(value)
        except ValueError as exc:
            errs.append((path, str(exc), describe(value)))
            return BAD
        return value
    errs.append((path, "a date as YYYY-MM-DD", describe(value)))
    return BAD


def _country(value: Any, path: str, errs: list[FieldError]) -> Any:
    if type(value) is str and _COUNTRY.fullmatch(value):
        return value
    errs.append((path, "an ISO 3166 alpha-2 country code (two uppercase letters, like US or MX)", describe(value)))
    return BAD


def _enum(values: tuple[str, ...]) -> Checker:
    allowed = frozenset(values)
    expected = "one of " + ", ".join(values)

    def check(value: Any, path: str, errs: list[FieldError]) -> Any:
        if type(value) is str and value in allowed:
            return value
        errs.append((path, expected, describe(value)))
        return BAD

    return check


def _list(item: Checker, what: str) -> Checker:
    def check(value: Any, path: str, errs: list[FieldError]) -> Any:
        if type(value) is not list:
            errs.append((path, f"a list of {what}", describe(value)))
            return BAD
        # Checkers are pure, so a list is checked once without element paths (the common, valid
        # case) and only a list with a bad element is checked again to name it: lists are most
        # of a record's values, and building "path[i]" for each was a tenth of the import.
        quiet: list[FieldError] = []
        out = [item(v, "", quiet) for v in value]
        if not quiet and BAD not in out:
            return out
        out = [item(v, f"{path}[{i}]", errs) for i, v in enumerate(value)]
        return BAD if any(v is BAD for v in out) else out

    return check


# --- objects -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    check: Checker
    required: bool = False
    nullable: bool = True
    default: Any = None  # a list default is copied per record

    @property
    def expected(self) -> str:
        errs: list[FieldError] = []
        self.check(object(), "", errs)  # the checker's own description of a valid value
        return errs[0][1] if errs else "a value"


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", frozenset(f.name for f in self.fields))


def _validate_object(
    spec: ObjectSpec, obj: dict[str, Any], prefix: str, errs: list[FieldError], extra: str = ""
) -> Any:
    out: dict[str, Any] = {}
    bad = False
    for f in spec.fields:
        path = prefix + f.name
        if f.name in obj:
            value = obj[f.name]
        elif f.required:
            errs.append((path, f"{f.expected} (required)", "nothing: the field is missing"))
            bad = True
            continue
        else:
            out[f.name] = list(f.default) if type(f.default) is list else f.default
            continue
        if value is None:
            if f.nullable:
                out[f.name] = None
                continue
            default_hint = "" if f.required else f" (or leave the field out for {describe(f.default)})"
            errs.append((path, f"{f.expected}{default_hint}; null is not allowed here", "null"))
            bad = True
            continue
        result = f.check(value, path, errs)
        if result is BAD:
            bad = True
        out[f.name] = result
    names: frozenset[str] = spec.names  # type: ignore[attr-defined]
    if len(obj) > len(names) or not names.issuperset(obj):
        for key in obj:
            if key not in names and key != extra:
                close = difflib.get_close_matches(key, sorted(names), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                errs.append(
                    (
                        prefix + key,
                        f"only the fields of {spec.name}: {', '.join(f.name for f in spec.fields)}",
                        f"unknown field {key!r}{hint}",
                    )
                )
                bad = True
    return BAD if bad else out


def _object(spec: ObjectSpec) -> Checker:
    def check(value: Any, path: str, errs: list[FieldError]) -> Any:
        if type(value) is not dict:
            errs.append((path, f"an object with {', '.join(f.name for f in spec.fields)}", describe(value)))
            return BAD
        return _validate_object(spec, value, path + ".", errs)

    return check


def _req(name: str, check: Checker) -> Field:
    return Field(name, check, required=True, nullable=False)


def _opt(name: str, check: Checker) -> Field:
    return Field(name, check)


def _list_field(name: str, item: Checker, what: str) -> Field:
    return Field(name, _list(item, what), nullable=False, default=[])


_topics = (_nonblank, "topic strings")
_ids = (_ident, "ids")

DOCUMENT = ObjectSpec("a document", (_opt("kind", _text), _opt("number", _nonblank), _opt("country", _country)))
DEVICE_SEARCH = ObjectSpec(
    "device_search",
    (
        _req("performed", _bool),
        _opt("reason", _text),
        _opt("supervisor_approval_id", _ident),
        _opt("findings_documented", _bool),
    ),
)
RECIPIENT = ObjectSpec(
    "recipient", (_opt("country", _country), _opt("agency", _text), _opt("official", _text), _opt("address", _text))
)
FOREIGN_REQUEST = ObjectSpec("foreign_request", (_req("written", _bool), _opt("received_at", _timestamp)))
APPROVAL = ObjectSpec(
    "an approval",
    (_opt("role", _short_text), _opt("official_id", _ident), _opt("at", _timestamp), _opt("written", _bool)),
)

SPECS: dict[str, ObjectSpec] = {
    "unit": ObjectSpec(
        "unit",
        (
            _req("id", _ident),
            _req("name", _nonblank),
            Field("restrict_disclosure_channels", _bool, nullable=False, default=False),
            _list_field("required_disclosure_approvals", _short_text, "role names"),
        ),
    ),
    "official": ObjectSpec(
        "official", (_req("id", _ident), _req("name", _nonblank), _req("unit_id", _ident), _opt("role", _text))
    ),
    "person": ObjectSpec(
        "person",
        (
            _req("id", _ident),
            _req("given_name", _nonblank),
            _req("family_name", _nonblank),
            _list_field("other_names", _nonblank, "names"),
            _opt("date_of_birth", _date),
            _list_field("citizenship", _country, "ISO 3166 alpha-2 country codes"),
            _req("us_person", _bool),
            _opt("occupation", _enum(OCCUPATIONS)),
            _list_field("documents", _object(DOCUMENT), "objects with kind, number, country"),
        ),
    ),
    "lookout": ObjectSpec(
        "lookout",
        (
            _req("id", _ident),
            _req("person_id", _ident),
            _req("owner_id", _ident),
            _opt("created_by", _ident),  # null or missing: the owner (filled in by validate_record)
            _req("created_at", _timestamp),
            _req("status_code", _enum(STATUS_CODES)),
            _opt("suspected_activity", _text),
            _opt("basis", _text),
            _list_field("information_sought", *_topics),
            _req("action", _enum(ACTIONS)),
            _opt("approved_by", _ident),
            _opt("approved_at", _timestamp),
        ),
    ),
    "lookout_event": ObjectSpec(
        "lookout_event",
        (
            _req("id", _ident),
            _req("lookout_id", _ident),
            _req("at", _timestamp),
            _req("kind", _enum(EVENT_KINDS)),
            _opt("actor_id", _ident),
            _opt("to_owner_id", _ident),
            _opt("notice", _bool),
            _opt("reason", _text),
        ),
    ),
    "crossing": ObjectSpec(
        "crossing",
        (
            _req("id", _ident),
            _req("person_id", _ident),
            _req("at", _timestamp),
            _req("port", _nonblank),
            _req("referred_secondary", _bool),
            _list_field("lookout_ids", *_ids),
        ),
    ),
    "inspection": ObjectSpec(
        "inspection",
        (
            _req("id", _ident),
            _req("person_id", _ident),
            _opt("crossing_id", _ident),
            _list_field("lookout_ids", *_ids),
            _req("started_at", _timestamp),
            _opt("ended_at", _timestamp),
            _list_field("officer_ids", *_ids),
            _req("documented", _bool),
            _list_field("topics_asked", *_topics),
            _opt("information_obtained", _text),
            _opt("new_information", _bool),
            _opt("restrained", _bool),
            _opt("device_search", _object(DEVICE_SEARCH)),
        ),
    ),
    "disclosure": ObjectSpec(
        "disclosure",
        (
            _req("id", _ident),
            _req("at", _timestamp),
            _req("unit_id", _ident),
            _req("discloser_id", _ident),
            _opt("recipient", _object(RECIPIENT)),
            _req("channel", _enum(CHANNELS)),
            _opt("recipient_address_official", _bool),
            Field("person_ids", _list(_ident, "ids"), required=True, nullable=False),
            _req("spii", _bool),
            _opt("encrypted", _bool),
            _opt("confidentiality_advisement", _bool),
            _opt("sensitivity_marking", _bool),
            _opt("foreign_request", _object(FOREIGN_REQUEST)),
            _opt("law_enforcement_reason", _text),
            _req("recorded", _bool),
            _opt("retained", _bool),
            _opt("requested_action", _enum(REQUESTED_ACTIONS)),
            _list_field("approvals", _object(APPROVAL), "objects with role, official_id, at, written"),
        ),
    ),
    "communication": ObjectSpec(
        "communication",
        (
            _req("id", _ident),
            _req("channel", _enum(COMM_CHANNELS)),
            _req("account", _enum(ACCOUNTS)),
            _req("sent_at", _timestamp),
            _req("sender", _nonblank),
            _list_field("recipients", _text, "strings"),
            _opt("subject", _text),
            _opt("body", _text),
            _list_field("attachments", _text, "file names"),
            _opt("forwarded_to_official_at", _timestamp),
            _req("retained", _bool),
            _opt("disclosure_id", _ident),
        ),
    ),
}

HEADER = ObjectSpec(
    "the header",
    (
        Field("format", _enum((FORMAT,)), required=True, nullable=False),
        Field("version", _integer, required=True, nullable=False),
        _opt("source", _text),
        _opt("exported_at", _timestamp),
    ),
)

_TYPE_EXPECTED = "one of " + ", ".join(RECORD_TYPES)


def validate_record(obj: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None, list[FieldError]]:
    """Validate one parsed line (not the header): (type, normalised record or None, errors)."""
    rtype = obj.get("type")
    spec = SPECS.get(rtype) if type(rtype) is str else None
    if spec is None:
        found = "nothing: the field is missing" if "type" not in obj else describe(rtype)
        return None, None, [("type", _TYPE_EXPECTED, found)]
    errs: list[FieldError] = []
    record = _validate_object(spec, obj, "", errs, extra="type")
    if record is BAD:
        return rtype, None, errs
    if rtype == "lookout" and record["created_by"] is None:
        record["created_by"] = record["owner_id"]
    return rtype, record, errs


def validate_header(obj: dict[str, Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    result = _validate_object(HEADER, obj, "", errs, extra="type")
    if result is not BAD and result["version"] != VERSION:
        errs.append(
            (
                "version",
                f"version {VERSION}: this ledger reads LIF version {VERSION} only",
                describe(result["version"]),
            )
        )
    return errs


def to_lif(rtype: str, record: dict[str, Any]) -> dict[str, Any]:
    """The record as it appears in a LIF file (timestamps formatted), with "type" first."""
    return {"type": rtype, **{k: _plain(v) for k, v in record.items()}}


def _plain(value: Any) -> Any:
    if type(value) is Stamp:
        return value.to_lif()
    if type(value) is dict:
        return {k: _plain(v) for k, v in value.items()}
    if type(value) is list:
        return [_plain(v) for v in value]
    return value
