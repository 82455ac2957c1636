"""The ledger's integrity for the oversight role: the latest signed checkpoint and the last verification.

An overseer fetches the checkpoint here (or from the dashboard) and keeps it outside the
database; `lookout verify --checkpoint` or the stand-alone verifier later proves the log still
extends it. Auditor or admin, checked on each request, the same as the dashboard.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from lookout_ledger.core import integrity
from lookout_ledger.http.checkpoints import latest_checkpoint_file
from lookout_ledger.http.deps import OVERSIGHT_ROLES, Principal, ledger_of, requires

router = APIRouter(prefix="/api/integrity", tags=["integrity"])
oversight = requires(*OVERSIGHT_ROLES)


@router.get("", summary="The latest signed checkpoint and the last full verification")
def status(request: Request, principal: Principal = Depends(oversight)) -> dict[str, Any]:
    with ledger_of(request).reading() as s:
        return integrity.status(s)


@router.get("/checkpoint", summary="The latest signed checkpoint (C2SP tlog-checkpoint), to keep outside the ledger")
def latest(request: Request, principal: Principal = Depends(oversight)) -> Response:
    return latest_checkpoint_file(ledger_of(request))
