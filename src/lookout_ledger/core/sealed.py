"""The registry of sealed columns: every column that holds SPII encrypted at rest.

Each capability registers its own sealed columns next to its tables; key rotation re-seals
exactly what is registered. Core owns the registry, so rotation needs no capability's names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SealedColumn:
    """(table, primary-key columns, column, encryption context). A context may name key columns in
    braces when each row binds its own (record blobs bind digest and chunk)."""

    table: str
    keys: tuple[str, ...]
    column: str
    context: str


_REGISTRY: dict[tuple[str, str], SealedColumn] = {}


def register(table: str, keys: tuple[str, ...], column: str, context: str) -> None:
    _REGISTRY[(table, column)] = SealedColumn(table, keys, column, context)


def sealed_columns() -> list[SealedColumn]:
    """Every registered sealed column. Each capability registers its own when its tables are
    imported; the schema (`lookout_ledger.models`, which migrations and every adapter load) imports
    them all, so a caller that opened a ledger sees the whole list."""
    return list(_REGISTRY.values())
