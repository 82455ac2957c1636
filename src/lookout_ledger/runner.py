"""The one adapter runner: every command, API route and page that acts runs its use case here.

The capability's `perform` (built on the kernel, `core.usecase`) runs the use case in its own
transaction and keeps a refusal its way; then the notices the use case queued go out by e-mail.
A mail server that is down never undoes a decision: the notice stays in the inbox and is retried.
Adapters differ only in how they find the ledger and the actor, and in what they do with mail
that could not be sent: `log` it (the API), ignore it quietly (pages: the inbox shows the notice),
`raise` it (the command line, where a person is watching), or send `none` (use cases that queue
no mail).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from sqlalchemy.orm import Session

from lookout_ledger.core.errors import LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.notifications.mailer import deliver_pending

T = TypeVar("T")
Mail = Literal["log", "quiet", "raise", "none"]
log = logging.getLogger(__name__)


def act(
    perform: Callable[..., Any],
    ledger: Ledger,
    actor: str,
    action: str,
    use_case: Callable[[Ledger, Session], T],
    *,
    mail: Mail = "log",
    **where: str | None,
) -> T:
    result: T = perform(ledger, actor, action, lambda s: use_case(ledger, s), **where)
    if mail == "raise":
        deliver_pending(ledger)
    elif mail == "log":
        try:
            deliver_pending(ledger)
        except (OSError, LedgerError) as exc:
            log.warning("e-mail delivery failed: %s", exc)
    elif mail == "quiet":
        with contextlib.suppress(OSError, LedgerError):
            deliver_pending(ledger)
    return result
