"""Where each LIF record type lives in the schema, and which of its columns refer to what.

One table of facts shared by the importer (inserts, child replacement, reference checks) and
the exporter, so a new reference column is added in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table

from lookout_ledger.history.communications import Communication
from lookout_ledger.history.crossings import Crossing, CrossingLookout
from lookout_ledger.history.disclosures import Disclosure, DisclosureApproval, DisclosurePerson
from lookout_ledger.history.inspections import Inspection, InspectionLookout, InspectionOfficer, InspectionTopic
from lookout_ledger.history.lookouts import Lookout, LookoutEvent, LookoutTopic
from lookout_ledger.org.models import Official, Unit, UnitRequiredApproval
from lookout_ledger.people.models import Person, PersonCitizenship, PersonDocument, PersonOtherName


@dataclass(frozen=True)
class Child:
    """A list-valued LIF field stored as rows (parent id, position, ...)."""

    table: Table
    parent: str  # the column holding the record's id


@dataclass(frozen=True)
class Reference:
    """A column that holds the id of another record.

    `table` is the record's own table or one of its child tables (then `key` is the column with
    the record's id and `field` is shown with the row's position, e.g. lookout_ids[2]).
    """

    table: Table
    key: str
    column: str
    field: str
    target: str  # the LIF type referred to
    listed: bool = False


@dataclass(frozen=True)
class TypeTables:
    main: Table
    children: tuple[Child, ...] = ()


def _t(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


TABLES: dict[str, TypeTables] = {
    "unit": TypeTables(_t(Unit), (Child(_t(UnitRequiredApproval), "unit_id"),)),
    "official": TypeTables(_t(Official)),
    "person": TypeTables(
        _t(Person),
        (
            Child(_t(PersonOtherName), "person_id"),
            Child(_t(PersonCitizenship), "person_id"),
            Child(_t(PersonDocument), "person_id"),
        ),
    ),
    "lookout": TypeTables(_t(Lookout), (Child(_t(LookoutTopic), "lookout_id"),)),
    "lookout_event": TypeTables(_t(LookoutEvent)),
    "crossing": TypeTables(_t(Crossing), (Child(_t(CrossingLookout), "crossing_id"),)),
    "inspection": TypeTables(
        _t(Inspection),
        (
            Child(_t(InspectionLookout), "inspection_id"),
            Child(_t(InspectionOfficer), "inspection_id"),
            Child(_t(InspectionTopic), "inspection_id"),
        ),
    ),
    "disclosure": TypeTables(
        _t(Disclosure),
        (Child(_t(DisclosurePerson), "disclosure_id"), Child(_t(DisclosureApproval), "disclosure_id")),
    ),
    "communication": TypeTables(_t(Communication)),
}


def _ref(model: type, column: str, field: str, target: str) -> Reference:
    return Reference(_t(model), "id", column, field, target)


def _listed(model: type, key: str, column: str, field: str, target: str) -> Reference:
    return Reference(_t(model), key, column, field, target, listed=True)


REFERENCES: dict[str, tuple[Reference, ...]] = {
    "unit": (),
    "official": (_ref(Official, "unit_id", "unit_id", "unit"),),
    "person": (),
    "lookout": (
        _ref(Lookout, "person_id", "person_id", "person"),
        _ref(Lookout, "owner_id", "owner_id", "official"),
        _ref(Lookout, "created_by_id", "created_by", "official"),
        _ref(Lookout, "approved_by_id", "approved_by", "official"),
    ),
    "lookout_event": (
        _ref(LookoutEvent, "lookout_id", "lookout_id", "lookout"),
        _ref(LookoutEvent, "actor_id", "actor_id", "official"),
        _ref(LookoutEvent, "to_owner_id", "to_owner_id", "official"),
    ),
    "crossing": (
        _ref(Crossing, "person_id", "person_id", "person"),
        _listed(CrossingLookout, "crossing_id", "lookout_id", "lookout_ids[{}]", "lookout"),
    ),
    "inspection": (
        _ref(Inspection, "person_id", "person_id", "person"),
        _ref(Inspection, "crossing_id", "crossing_id", "crossing"),
        _ref(Inspection, "ds_supervisor_approval_id", "device_search.supervisor_approval_id", "official"),
        _listed(InspectionLookout, "inspection_id", "lookout_id", "lookout_ids[{}]", "lookout"),
        _listed(InspectionOfficer, "inspection_id", "official_id", "officer_ids[{}]", "official"),
    ),
    "disclosure": (
        _ref(Disclosure, "unit_id", "unit_id", "unit"),
        _ref(Disclosure, "discloser_id", "discloser_id", "official"),
        _listed(DisclosurePerson, "disclosure_id", "person_id", "person_ids[{}]", "person"),
        _listed(DisclosureApproval, "disclosure_id", "official_id", "approvals[{}].official_id", "official"),
    ),
    "communication": (_ref(Communication, "disclosure_id", "disclosure_id", "disclosure"),),
}
