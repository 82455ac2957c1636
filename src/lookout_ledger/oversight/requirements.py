"""Appendix C of the review: the six requirements every foreign disclosure is held to.

Each requirement is a pure function of the disclosure's recorded facts, returning one of the
four values of the Appendix C matrix. `null is not false` (LIF spec): a fact nobody recorded
gives `unknown`, never `non_compliant`, so the matrix shows what the evidence shows.

The same definitions exist twice on purpose: as Python functions (read them, test them, use
them on one record) and as SQL CASE expressions (the audit evaluates every disclosure in one
query). The test suite checks that both agree on every branch.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_

COMPLIANT = "compliant"
NON_COMPLIANT = "non_compliant"
UNKNOWN = "unknown"
NOT_APPLICABLE = "not_applicable"

REQUIREMENT_KEYS = ("advisement", "marking", "channel", "encryption", "record", "retention")

# Citation of each requirement, as the footnotes of Appendix C give them.
REQUIREMENT_CITATIONS = {
    "advisement": "CBP Disclosure Directive, Section 5.2; San Diego Disclosure SOP, Section 1.3.2",
    "marking": "CBP Disclosure Directive, Section 5.6; San Diego Disclosure SOP, Section 3.2",
    "channel": "San Diego Disclosure SOP, Section 3.1",
    "encryption": "DHS Sensitive Systems Policy Directive 4300A, Section 5.4.6k",
    "record": "CBP Disclosure Directive, Sections 5.11, 5.12; San Diego Disclosure SOP, Section 3.2.1",
    "retention": "DHS Directive 141-01, Records and Information Management, Section V",
}

# What a non-compliant cell means, in the words a reviewer acts on.
REQUIREMENT_WORDS = {
    "advisement": "no written advisement to keep the information confidential and use it only for its purpose",
    "marking": "no sensitivity marking",
    "channel": "sent by a channel the unit's SOP does not allow",
    "encryption": "SPII sent unencrypted",
    "record": "not recorded in the disclosure log with a law enforcement reason",
    "retention": "transmission not retained as a record",
}

# Channels where nothing is transmitted electronically: no encryption, nothing to retain.
ORAL_CHANNELS = ("in_person", "phone")
WHITESPACE = " \t\r\n\f\v"


def _tri(value: bool | None) -> str:
    if value is None:
        return UNKNOWN
    return COMPLIANT if value else NON_COMPLIANT


def advisement(confidentiality_advisement: bool | None) -> str:
    """19 U.S.C. 1628(b)(1) assurances: the recipient was advised in writing."""
    return _tri(confidentiality_advisement)


def marking(sensitivity_marking: bool | None) -> str:
    return _tri(sensitivity_marking)


def channel(restrict_disclosure_channels: bool, channel_: str, recipient_address_official: bool | None) -> str:
    """Only units whose SOP restricts channels (San Diego SOP 3.1) are judged on the channel.

    Official e-mail is allowed only to an official address; when nobody recorded whether the
    address was official, the cell is unknown rather than a guess either way.
    """
    if not restrict_disclosure_channels:
        return NOT_APPLICABLE
    if channel_ in ORAL_CHANNELS:
        return COMPLIANT
    if channel_ == "official_email":
        return _tri(recipient_address_official)
    if channel_ == "unknown":
        return UNKNOWN
    return NON_COMPLIANT


def encryption(spii: bool, channel_: str, encrypted: bool | None) -> str:
    """WhatsApp counts as encrypted (end to end) whatever the `encrypted` flag says, as in Appendix C."""
    if not spii or channel_ in ORAL_CHANNELS:
        return NOT_APPLICABLE
    if channel_ == "whatsapp":
        return COMPLIANT
    return _tri(encrypted)


def record(recorded: bool, law_enforcement_reason: str | None) -> str:
    """A log entry without the supporting reason is not the record Directive 5.11 requires."""
    has_reason = law_enforcement_reason is not None and law_enforcement_reason.strip(WHITESPACE) != ""
    return COMPLIANT if recorded and has_reason else NON_COMPLIANT


def retention(channel_: str, retained: bool | None) -> str:
    if channel_ in ORAL_CHANNELS:
        return NOT_APPLICABLE
    return _tri(retained)


def evaluate(disclosure: Any, restrict_disclosure_channels: bool) -> dict[str, str]:
    """All six cells for one disclosure row (an ORM Disclosure or any object with its fields)."""
    d = disclosure
    return {
        "advisement": advisement(d.confidentiality_advisement),
        "marking": marking(d.sensitivity_marking),
        "channel": channel(restrict_disclosure_channels, d.channel, d.recipient_address_official),
        "encryption": encryption(d.spii, d.channel, d.encrypted),
        "record": record(d.recorded, d.law_enforcement_reason),
        "retention": retention(d.channel, d.retained),
    }


# --- the same definitions as SQL ----------------------------------------------------------


def sql_blank(column: Any, dialect: str) -> ColumnElement[bool]:
    """True when a text column is null or only whitespace, identically on SQLite and PostgreSQL."""
    trimmed = func.btrim(column, WHITESPACE) if dialect == "postgresql" else func.trim(column, WHITESPACE)
    return or_(column.is_(None), trimmed == "")


def _sql_tri(column: Any) -> ColumnElement[str]:
    return case((column.is_(None), UNKNOWN), (column.is_(True), COMPLIANT), else_=NON_COMPLIANT)


def sql_requirements(d: Any, restrict: Any, dialect: str) -> dict[str, ColumnElement[str]]:
    """CASE expressions over a disclosures table `d` and the unit's restrict flag, key by key."""
    oral = d.c.channel.in_(ORAL_CHANNELS)
    return {
        "advisement": _sql_tri(d.c.confidentiality_advisement),
        "marking": _sql_tri(d.c.sensitivity_marking),
        "channel": case(
            (restrict.is_not(True), NOT_APPLICABLE),
            (oral, COMPLIANT),
            (d.c.channel == "official_email", _sql_tri(d.c.recipient_address_official)),
            (d.c.channel == "unknown", UNKNOWN),
            else_=NON_COMPLIANT,
        ),
        "encryption": case(
            (or_(d.c.spii.is_not(True), oral), NOT_APPLICABLE),
            (d.c.channel == "whatsapp", COMPLIANT),
            else_=_sql_tri(d.c.encrypted),
        ),
        "record": case(
            (and_(d.c.recorded.is_(True), ~sql_blank(d.c.law_enforcement_reason, dialect)), COMPLIANT),
            else_=literal(NON_COMPLIANT),
        ),
        "retention": case((oral, NOT_APPLICABLE), else_=_sql_tri(d.c.retained)),
    }
