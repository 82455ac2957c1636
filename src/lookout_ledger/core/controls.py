"""The ledger's own controls: who may act at all, with whose clock, on what kind of database.

The policy files hold the rules an agency may tune (how long a lookout lives, who approves a
disclosure). These are not tunable: they are what makes the policy's rules binding, so they
live in core. Each has an id, a statement and a citation, and a refusal that cites one is
shown like any policy refusal (rule, reason, remedy, citation).
"""

from __future__ import annotations

from dataclasses import dataclass

from lookout_ledger.core.errors import Refusal


@dataclass(frozen=True)
class Control:
    id: str
    statement: str
    citation: str


_CONTROLS = [
    Control(
        "SYS-AUTHENTICATED",
        "Every action is taken by a signed-in user, on the command line as in the web app.",
        "NIST SP 800-53 Rev. 5 IA-2 (identification and authentication), AU-3 (content of audit records); "
        "DHS OIG-21-62 (actions that could not be attributed)",
    ),
    Control(
        "SYS-ROLE-REQUIRED",
        "An action needs a role that covers it; administration (users, roles, keys, imports, exports, the demo) "
        "needs the admin role.",
        "NIST SP 800-53 Rev. 5 AC-6 (least privilege), AC-3 (access enforcement)",
    ),
    Control(
        "SYS-TWO-PERSON-GRANT",
        "A role is granted only when a second administrator approves it; nobody grants themselves a role.",
        "NIST SP 800-53 Rev. 5 AC-2 (account management), AC-5 (separation of duties)",
    ),
    Control(
        "SYS-BOOTSTRAP-ONCE",
        "The first administrators are created once, on a database with no users; the step is logged.",
        "NIST SP 800-53 Rev. 5 AC-2 (account management)",
    ),
    Control(
        "SYS-SYSTEM-TIME",
        "What happens is recorded at the system's time; a stated time is only for evaluation, or in a database "
        "created as a simulation.",
        "NIST SP 800-53 Rev. 5 AU-8 (time stamps); DHS OIG-21-62 (inspection times entered by hand; an approval "
        "sought two months after the disclosure)",
    ),
    Control(
        "SYS-CLAIMED-TIME",
        "A time someone states (a call, a forwarding) is a claim beside the recording time; it may not precede "
        "the record it supports, and it cannot clear a finding on its own.",
        "NIST SP 800-53 Rev. 5 AU-8 (time stamps); 44 U.S.C. 2911 (forwarding within 20 days)",
    ),
    Control(
        "SYS-DEMO-OWN-DATABASE",
        "The demo scenario loads only into a database of its own: never over records that are not demo data.",
        "NIST SP 800-53 Rev. 5 CM-4 (separation of test and operational data); 44 U.S.C. 3106 (unlawful removal "
        "of records)",
    ),
    Control(
        "SYS-HOLD",
        "Nothing removes a record under a legal hold.",
        "44 U.S.C. 3106 (unlawful removal of records); 36 C.F.R. 1230 (unlawful or accidental removal)",
    ),
    Control(
        "SYS-SCREENING-LOGGED",
        "Every screening of a traveler is logged; only a simulation database may screen without a log.",
        "NIST SP 800-53 Rev. 5 AU-2, AU-12 (event logging); Privacy Act, 5 U.S.C. 552a(c) (accounting)",
    ),
    Control(
        "SYS-EXPORT-PURPOSE",
        "An export of personal data needs a role that may read it and a stated purpose, and is logged as a read of "
        "every record it writes.",
        "Privacy Act, 5 U.S.C. 552a(b), (c) (conditions of disclosure; accounting of disclosures); "
        "NIST SP 800-53 Rev. 5 AU-2",
    ),
    Control(
        "SYS-REFERRAL-NOW",
        "A secondary inspection starts only from a referral that is valid now: a recent crossing whose lookout "
        "still refers (not removed, disabled, expired, or waiting for its post-inspection review).",
        "DHS OIG-21-62 Recommendation 2 (travelers referred again after the lookout had served its purpose)",
    ),
    Control(
        "SYS-IMPORTED-CLAIM",
        "An imported record is history, not authority: what it asserts (approvals, titles, dates) is a claim, "
        "and an imported lookout refers only once adopted under the current policy.",
        "DHS OIG-21-62 Recommendations 1 and 2 (lookouts placed and kept without the standard); "
        "NIST SP 800-53 Rev. 5 SI-10 (information input validation)",
    ),
]

CONTROLS = {c.id: c for c in _CONTROLS}


def refuse(rule_id: str, reason: str, remedy: str, **details: object) -> Refusal:
    """A Refusal citing one of the ledger's own controls."""
    control = CONTROLS[rule_id]
    return Refusal(
        rule=rule_id,
        reason=reason,
        remedy=remedy,
        citation=control.citation,
        details={"statement": control.statement, **details},
    )
