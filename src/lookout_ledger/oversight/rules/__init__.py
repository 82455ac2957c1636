"""The finding rules of the LIF audit contract: the catalog (`catalog`), what they share (`base`)
and one module per family (`lookouts`, `inspections`, `disclosures`, `records`), each rule one
set-based SQL query.

Every rule selects exactly the records that break it (one row per record: a record produces
at most one finding per rule) together with the few facts its message names; Python only
turns those result rows into sentences. Readings of the definitions that the spec leaves open
are written down in docs/audit-rules.md; the docstring of each rule names the reading it implements.
"""

from __future__ import annotations

from collections.abc import Callable

from lookout_ledger.oversight.rules.base import AuditContext, Finding
from lookout_ledger.oversight.rules.catalog import RULES, Rule, RuleId
from lookout_ledger.oversight.rules.disclosures import (
    disclosure_requirement_query,
    ds_deny_entry_request,
    ds_no_written_request,
    ds_requirement,
    ds_unauthorized,
    names_us_person,
    us_person_columns,
)
from lookout_ledger.oversight.rules.inspections import inspection_rows, inspection_rules
from lookout_ledger.oversight.rules.lookouts import (
    lk_no_basis,
    lk_non_suspect,
    lk_not_approved,
    lk_sensitive_occupation,
    lk_stale_after_inspection,
    lk_transfer_without_notice,
)
from lookout_ledger.oversight.rules.records import rc_not_retained, rc_unofficial_not_forwarded

__all__ = [
    "RULES",
    "RULE_QUERIES",
    "AuditContext",
    "Finding",
    "Rule",
    "RuleId",
    "disclosure_requirement_query",
    "ds_requirement",
    "inspection_rows",
    "names_us_person",
    "us_person_columns",
]

# Every rule evaluated from the database, mapped to the function that evaluates it; several rules
# share one function (one pass over their records), which run_audit calls once.
# DS-REQUIREMENT is derived from the requirement matrix.
RULE_QUERIES: dict[str, Callable[[AuditContext], list[Finding]]] = {
    "LK-NON-SUSPECT": lk_non_suspect,
    "LK-NO-BASIS": lk_no_basis,
    "LK-NOT-APPROVED": lk_not_approved,
    "LK-STALE-AFTER-INSPECTION": lk_stale_after_inspection,
    "LK-TRANSFER-WITHOUT-NOTICE": lk_transfer_without_notice,
    "LK-SENSITIVE-OCCUPATION": lk_sensitive_occupation,
    "IN-PURPOSE-NOT-PURSUED": inspection_rules,
    "IN-UNDOCUMENTED": inspection_rules,
    "IN-REPEAT-NO-NEW-INFO": inspection_rules,
    "IN-DEVICE-SEARCH-UNJUSTIFIED": inspection_rules,
    "IN-DURATION-ANOMALY": inspection_rules,
    "DS-UNAUTHORIZED": ds_unauthorized,
    "DS-NO-WRITTEN-REQUEST": ds_no_written_request,
    "DS-DENY-ENTRY-REQUEST": ds_deny_entry_request,
    "RC-UNOFFICIAL-NOT-FORWARDED": rc_unofficial_not_forwarded,
    "RC-NOT-RETAINED": rc_not_retained,
}
