"""Errors that carry enough to explain themselves to a person.

A refused action names the rule, the reason in plain words, what would make it allowed and
the citation, because the review found officials who did not know the standard they broke.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class LedgerError(Exception):
    """Base for errors a user should see as a message, not a traceback."""


class ConfigError(LedgerError):
    """The configuration (database URL, key file, policy) is missing or wrong."""


class KeyError_(LedgerError):
    """The SPII key is missing, malformed or does not match the data."""


class NotFound(LedgerError):
    """A record that was asked for does not exist."""


class AuthError(LedgerError):
    """Bad credentials or a missing role."""


@dataclass
class Refusal(LedgerError):
    """A control refused an action. Every field is shown to the user."""

    rule: str
    reason: str
    remedy: str
    citation: str
    details: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.reason)

    def __str__(self) -> str:
        return f"[{self.rule}] {self.reason} To proceed: {self.remedy} ({self.citation})"

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "reason": self.reason,
            "remedy": self.remedy,
            "citation": self.citation,
            **({"details": self.details} if self.details else {}),
        }
