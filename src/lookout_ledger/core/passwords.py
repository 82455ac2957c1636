"""The password policy, of the NIST SP 800-63B kind: long, not common, no composition rules.

The tester's accounts took `12345678` and the user name as passwords (issue 16, item 5).
800-63B §5.1.1.2 asks for a minimum length, a check against values known to be commonly used,
expected or compromised, and nothing else: composition rules ("one digit, one symbol") and
forced periodic changes make passwords weaker, so there are none. What is refused, and why,
is said in the refusal, so a user can choose a better one at once.

The list is the 30,000 most common passwords of leaked sets, shipped with zxcvbn
(`data/common-passwords.txt`, with its provenance in its header). A common word with digits
or symbols stuck on (`dragonfly2024!`) is refused too: that is how such passwords appear in
later breaches.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from lookout_ledger.core.errors import LedgerError

MIN_LENGTH = 12
MAX_LENGTH = 256  # long passphrases are welcome; a megabyte "password" is an attack on Argon2
CONTEXT_WORDS = ("lookout", "ledger")
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)
_REPEAT = re.compile(r"^(.+?)\1+$")
_AFFIXES = re.compile(r"^[\d\W_]+|[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("lookout_ledger.core").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def _sequential(text: str) -> bool:
    """A run along the alphabet, the digits or a keyboard row, forwards or backwards, repeated."""
    for seq in _SEQUENCES:
        doubled = seq * 3
        if text in doubled or text in doubled[::-1]:
            return True
    return False


def problem(password: str, *, username: str = "", display_name: str = "") -> str | None:
    """Why `password` may not be used, in words, or None when it may."""
    if len(password) < MIN_LENGTH:
        return f"it has {len(password)} characters; use at least {MIN_LENGTH} (a passphrase of a few words is easiest)"
    if len(password) > MAX_LENGTH:
        return f"it has {len(password)} characters; at most {MAX_LENGTH}"
    lowered = password.lower()
    compact = re.sub(r"\s+", "", lowered)
    if len(set(compact)) < 4:
        return "it repeats a few characters; choose words or characters that do not repeat"
    if _sequential(compact):
        return "it is a sequence (letters, digits or a keyboard row)"
    repeated = _REPEAT.match(compact)
    if repeated and (len(repeated.group(1)) < 6 or repeated.group(1) in common_passwords()):
        return f"it is {repeated.group(1)!r} repeated"
    context = [w for w in (username.lower(), *display_name.lower().split(), *CONTEXT_WORDS) if len(w) >= 3]
    for word in context:
        if word in compact:
            return f"it contains {word!r}, which anyone who knows the account or the system would try first"
    common = common_passwords()
    if compact in common or lowered in common:
        return "it is one of the most common passwords in leaked password lists"
    core = _AFFIXES.sub("", compact)
    if core != compact and (core in common or _sequential(core)) and len(core) >= 4:
        return f"it is a common password ({core!r}) with digits or symbols added, a pattern guessed early"
    return None


def check(password: str, *, username: str = "", display_name: str = "", field: str = "password") -> None:
    """Refuse a password the policy does not allow, naming the field and the reason."""
    why = problem(password, username=username, display_name=display_name)
    if why is not None:
        raise LedgerError(f"{field}: this password cannot be used: {why}")
