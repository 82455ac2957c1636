"""A small world for the records tests: one unit, two officials with user accounts, helpers to import."""

from __future__ import annotations

import io

from lookout_ledger.core.auth import Role, add_user
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.records.ingest.importer import ImportOptions, ImportReport, import_file
from support.factories import Factory

OWNER = "OFF-WHITLOCK"
OTHER = "OFF-MAAS"


def world(ledger: Ledger) -> None:
    with ledger.transaction() as s:
        fx = Factory(s, ledger.keyring)
        unit = fx.unit("U-FOB", name="Field Operations Bureau")
        fx.official(OWNER, unit_id=unit, name="Dana Whitlock")
        fx.official(OTHER, unit_id=unit, name="Jürgen Maas")
        add_user(
            s,
            username="whitlock",
            password="pw-whitlock-123",
            roles=[Role.LIAISON_OFFICER],
            at=ledger.now(),
            display_name="Dana Whitlock",
            official_id=OWNER,
        )
        add_user(
            s,
            username="recorder",
            password="pw-recorder-123",
            roles=[Role.RECORDS_OFFICER],
            at=ledger.now(),
            display_name="Rae Corder",
            official_id=None,
        )
        add_user(
            s,
            username="recorder2",
            password="pw-recorder2-123",
            roles=[Role.RECORDS_OFFICER],
            at=ledger.now(),
            display_name="Second Corder",
            official_id=None,
        )


def run_import(
    ledger: Ledger,
    data: bytes,
    name: str,
    channel: str = "whatsapp",
    account: str = "personal",
    timezone: str | None = "America/Tijuana",
    **kw: object,
) -> ImportReport:
    opts = ImportOptions(channel=channel, account=account, owner_id=OWNER, timezone=timezone, **kw)  # type: ignore[arg-type]
    return import_file(ledger, io.BytesIO(data), name, opts, actor="recorder")
