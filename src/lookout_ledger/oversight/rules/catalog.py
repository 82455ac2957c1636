"""The catalog of finding rules the audit evaluates.

Each rule is data: an id the LIF audit contract fixes, a title, the one-line statement a
reviewer reads, and the citation of the directive or statute section as DHS OIG-21-62 cites
it. Keeping them here (not inside the queries) lets the CLI, the report and the web pages
explain a finding with the same words the engine used.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

TECS = "Customs Directive No. 4320-003 (TECS Directive), July 1990"
DISCLOSURE_DIRECTIVE = (
    "CBP Directive No. 4320-025A, Disclosure of Official Information to Foreign Authorities (Apr. 2014)"
)
SD_SOP = "San Diego Sector Disclosure SOP 4320-001 (Jan. 2015)"
STATUTE_1628 = "19 U.S.C. § 1628(a); 19 C.F.R. § 103.33(a)"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    statement: str
    citation: str
    record_type: str


_RULES = (
    Rule(
        "LK-NON-SUSPECT",
        "Lookout on a non-suspect",
        "A lookout may be placed only if illegal activity is suspected of the person.",
        f'{TECS} ("only if illegal activity is suspected")',
        "lookout",
    ),
    Rule(
        "LK-NO-BASIS",
        "Lookout without a stated basis or information sought",
        "A lookout states a narrative basis and what the interviewing officer should ask.",
        f'{TECS} ("legitimate law enforcement purposes")',
        "lookout",
    ),
    Rule(
        "LK-NOT-APPROVED",
        "Lookout not approved by a second official",
        "A lookout is approved by a supervisor other than the official who created it.",
        f"{TECS}; DHS OIG-21-62 (supervisory approval of lookouts)",
        "lookout",
    ),
    Rule(
        "LK-STALE-AFTER-INSPECTION",
        "Lookout not re-evaluated after an inspection",
        "After every inspection the owner reviews, modifies or disables the lookout within the review window.",
        f'{TECS} (owners modify records "whenever ... original information becomes obsolete")',
        "lookout",
    ),
    Rule(
        "LK-TRANSFER-WITHOUT-NOTICE",
        "Lookout transferred without notice",
        "A lookout is transferred only with notice and instructions to the new owner.",
        f"{TECS} (lookout owners' responsibilities)",
        "lookout",
    ),
    Rule(
        "LK-SENSITIVE-OCCUPATION",
        "Lookout on a journalist, attorney, advocate, photographer or clergy",
        "A lookout on a person in a protected occupation needs a nexus beyond the protected activity.",
        f"Privacy Act, 5 U.S.C. § 552a(e)(7); {TECS}",
        "lookout",
    ),
    Rule(
        "IN-PURPOSE-NOT-PURSUED",
        "Inspection did not pursue the lookout's purpose",
        "An inspection caused by a lookout asks at least one topic the lookout seeks.",
        f'{TECS} ("legitimate law enforcement purposes")',
        "inspection",
    ),
    Rule(
        "IN-UNDOCUMENTED",
        "Inspection without an interview record",
        "Every secondary inspection has an interview record.",
        f"{TECS} (accurate and complete records)",
        "inspection",
    ),
    Rule(
        "IN-REPEAT-NO-NEW-INFO",
        "Repeat inspection that produced no new information",
        "A repeat referral on a lookout is justified by information not already known.",
        f"{TECS} (owners re-evaluate lookouts after every inspection)",
        "inspection",
    ),
    Rule(
        "IN-DEVICE-SEARCH-UNJUSTIFIED",
        "Device search without reason, approval or documented findings",
        "A device search states its reason, has a supervisor's approval, and its findings are documented.",
        "CBP Directive No. 3340-049A, Border Search of Electronic Devices; "
        "Border Search of Electronic Devices – Field Guidance, Jan. 12, 2018",
        "inspection",
    ),
    Rule(
        "IN-DURATION-ANOMALY",
        "Inspection times missing or implausible",
        "An inspection records an end time after its start, and lasts no more than the policy limit.",
        f"{TECS} (accurate records); DHS OIG-21-62 n.29 (manually entered inspection times)",
        "inspection",
    ),
    Rule(
        "DS-UNAUTHORIZED",
        "Disclosure about a U.S. person without the required approvals",
        "Every approval the unit requires is given in writing before a U.S. person's information is disclosed.",
        f"{SD_SOP}, Section 1.6.2.1; {DISCLOSURE_DIRECTIVE}",
        "disclosure",
    ),
    Rule(
        "DS-NO-WRITTEN-REQUEST",
        "Disclosure without a written foreign request",
        "A foreign authority's request is made in writing before information is disclosed.",
        f"{DISCLOSURE_DIRECTIVE}; {STATUTE_1628}",
        "disclosure",
    ),
    Rule(
        "DS-DENY-ENTRY-REQUEST",
        "Request to a foreign government to deny entry to a U.S. person",
        "Disclosures serve a purpose authorized by statute; asking a foreign country to deny entry to a U.S. "
        "person is not one.",
        f"{STATUTE_1628}; {DISCLOSURE_DIRECTIVE}",
        "disclosure",
    ),
    Rule(
        "DS-REQUIREMENT",
        "Disclosure not compliant with Appendix C requirements",
        "A disclosure is advised, marked, sent by an allowed channel, encrypted, recorded and retained.",
        "CBP Disclosure Directive Sections 5.2, 5.6, 5.11, 5.12; San Diego Disclosure SOP Sections 1.3.2, 3.1, "
        "3.2, 3.2.1; DHS 4300A Section 5.4.6k; DHS Directive 141-01 Section V",
        "disclosure",
    ),
    Rule(
        "RC-UNOFFICIAL-NOT-FORWARDED",
        "Message on a personal account not forwarded to an official account",
        "A federal record sent from a personal account is copied or forwarded to an official account within 20 days.",
        "44 U.S.C. § 2911",
        "communication",
    ),
    Rule(
        "RC-NOT-RETAINED",
        "Communication not retained as a record",
        "Communications that document agency business are kept as federal records.",
        "DHS Directive 141-01, Records and Information Management, Section V; 44 U.S.C. § 3105",
        "communication",
    ),
)

RULES: dict[str, Rule] = {r.id: r for r in _RULES}

# The rule ids as a StrEnum, so code names a rule by a checked constant (RuleId.LK_NON_SUSPECT == "LK-NON-SUSPECT").
RuleId = StrEnum("RuleId", {r.id.replace("-", "_"): r.id for r in _RULES})  # type: ignore[misc]
