"""Confirming an official's title: the step that lets a title carry authority.

The review's disclosures turned on who had approved them; an import could re-title an official
"commissioner" and so make a deny-entry determination look designated. A title therefore grants
an approval or a determination only once an administrator of this ledger has confirmed it, and
nobody confirms the title of the official they act as.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from lookout_ledger.core.accounts import require_admin
from lookout_ledger.core.controls import refuse
from lookout_ledger.core.errors import LedgerError, NotFound
from lookout_ledger.org.models import Official


def confirm_title(session: Session, admin: str, official_id: str, title: str) -> Official:
    user = require_admin(session, admin)
    official = session.get(Official, official_id)
    if official is None:
        raise NotFound(f"no official {official_id!r}")
    text = " ".join(title.split())
    if not text:
        raise LedgerError("--title: the official's title, as the unit's approvals and the policy name it")
    if user.official_id == official_id:
        raise refuse(
            "SYS-TWO-PERSON-GRANT",
            "nobody confirms the title of the official they act as",
            "ask another administrator to confirm it",
        )
    official.role = text
    official.title_confirmed_by = admin
    session.flush()
    return official
