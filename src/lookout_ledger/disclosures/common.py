"""What the disclosure use cases share: who is acting, refusals citing the policy, ids, text checks.

Users act as officials, as in the lookout lifecycle: the LIF disclosure names a discloser and
approving officials, and the review's disclosures could not be attributed after the fact, so
an action that cannot be attributed to an official is refused rather than recorded anonymously.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from lookout_ledger.core import usecase
from lookout_ledger.core.auth import User
from lookout_ledger.core.errors import AuthError, LedgerError, NotFound, Refusal
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.core.policy.loader import Policy
from lookout_ledger.org.models import Official

T = TypeVar("T")
MIN_STATEMENT_CHARS = 10


def acting(session: Session, username: str) -> tuple[User, Official]:
    user = session.get(User, username)
    if user is None or not user.active:
        raise AuthError(f"unknown or inactive user {username!r}")
    if not user.official_id:
        raise AuthError(f"{username} is not linked to an official; disclosures are made and approved by officials")
    official = session.get(Official, user.official_id)
    if official is None:
        raise NotFound(f"official {user.official_id} of user {username} does not exist")
    return user, official


def refusal(policy: Policy, rule_id: str, reason: str, remedy: str, **details: object) -> Refusal:
    """A Refusal citing the policy's own rule, so the words shown are the ones the policy states."""
    rule = policy.rule(rule_id)
    return Refusal(
        rule=rule_id,
        reason=reason,
        remedy=remedy,
        citation=rule.citation,
        details={"policy": policy.label, "statement": rule.statement, **details},
    )


def text_field(value: str | None, field: str, min_chars: int = 1, what: str = "") -> str:
    """Collapsed text, or an error naming the field (a blank reason is no reason)."""
    text = " ".join((value or "").split())
    if len(text) < min_chars:
        need = f"at least {min_chars} characters" if min_chars > 1 else "a value"
        raise LedgerError(f"{field}: required ({need}{'; ' + what if what else ''})")
    return text


def same_role(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def perform(ledger: Ledger, actor: str, action: str, use_case: Callable[[Session], T], target: str | None = None) -> T:
    """Run one disclosure use case on the kernel (`core.usecase.run`); a refusal is kept in the audit log:
    "who tried to send what, and why was it refused" must have an answer."""

    def refused(s: Session, exc: Refusal) -> None:
        ledger.audit(
            s, actor, f"disclosure.{action}.refused", "disclosure_draft", target, {"rule": exc.rule, **exc.as_dict()}
        )

    return usecase.run(ledger, use_case, refused)
