"""Every table, imported in one place so Alembic and tests see the whole schema."""

from lookout_ledger.core.accounts import RoleGrant
from lookout_ledger.core.auditlog import AuditEntry, AuditHead
from lookout_ledger.core.auth import User, UserRole
from lookout_ledger.core.checkpoints import Checkpoint  # noqa: F401  (signed checkpoints kept)
from lookout_ledger.core.db import Base
from lookout_ledger.core.header import LedgerHeader
from lookout_ledger.core.integrity import IntegrityRun  # noqa: F401  (verification runs)
from lookout_ledger.core.state import AuditRecord  # noqa: F401  (record digests per entry)
from lookout_ledger.disclosures.workflow_models import DisclosureDraft  # noqa: F401  (registers the workflow's tables)
from lookout_ledger.history.communications import Communication
from lookout_ledger.history.crossings import Crossing, CrossingLookout
from lookout_ledger.history.disclosures import Disclosure, DisclosureApproval, DisclosurePerson
from lookout_ledger.history.inspections import (
    Inspection,
    InspectionLookout,
    InspectionOfficer,
    InspectionTopic,
)
from lookout_ledger.history.lookouts import Lookout, LookoutEvent, LookoutTopic
from lookout_ledger.http.idempotency import IdempotencyRecord  # noqa: F401  (API retries answered once)
from lookout_ledger.inspections.live_models import DeviceSearch, InspectionLive  # noqa: F401
from lookout_ledger.interchange.provenance import RecordProvenance  # noqa: F401  (imported records' sources)
from lookout_ledger.lookouts.lifecycle_models import (
    LookoutApproval,
    LookoutControl,
    LookoutDecision,
    LookoutReview,
    LookoutTransfer,
    PolicyAcknowledgment,
)
from lookout_ledger.notifications.models import EmailAddress, Notification
from lookout_ledger.org.models import Official, Unit, UnitRequiredApproval
from lookout_ledger.people.models import Person, PersonCitizenship, PersonDocument, PersonOtherName
from lookout_ledger.records.archive_models import RECORD_TABLES  # noqa: F401  (registers the archive's tables)
from lookout_ledger.screening.changes import ScreeningChange  # noqa: F401
from lookout_ledger.screening.log_models import RedressComplaint, Screening  # noqa: F401

__all__ = [
    "AuditEntry",
    "AuditHead",
    "Base",
    "Communication",
    "Crossing",
    "CrossingLookout",
    "Disclosure",
    "DisclosureApproval",
    "DisclosurePerson",
    "EmailAddress",
    "Inspection",
    "InspectionLookout",
    "InspectionOfficer",
    "InspectionTopic",
    "LedgerHeader",
    "Lookout",
    "LookoutApproval",
    "LookoutControl",
    "LookoutDecision",
    "LookoutEvent",
    "LookoutReview",
    "LookoutTopic",
    "LookoutTransfer",
    "Notification",
    "Official",
    "Person",
    "PersonCitizenship",
    "PersonDocument",
    "PersonOtherName",
    "PolicyAcknowledgment",
    "RoleGrant",
    "Unit",
    "UnitRequiredApproval",
    "User",
    "UserRole",
]
