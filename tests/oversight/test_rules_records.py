"""RC-* finding rules: the 20-day forwarding deadline judged at the evaluation time, and retention."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lookout_ledger.core.ledger import Ledger
from support.factories import Factory, audit, findings_of

SENT = "2019-01-01T12:00:00Z"
DEADLINE = "2019-01-21T12:00:00Z"  # sent + 20 days
RULE = "RC-UNOFFICIAL-NOT-FORWARDED"


@pytest.fixture
def fx(ledger: Ledger) -> Iterator[Factory]:
    with ledger.transaction() as s:
        yield Factory(s, ledger.keyring)


def test_never_forwarded_is_a_finding_only_after_20_days(fx: Factory) -> None:
    fx.communication(SENT, id="M-1")
    assert not findings_of(audit(fx, now="2019-01-10T00:00:00Z"), RULE)  # still has time
    assert not findings_of(audit(fx, now=DEADLINE), RULE)  # the 20th day is still within
    found = findings_of(audit(fx, now="2019-01-21T12:00:01Z"), RULE)
    assert set(found) == {"M-1"}
    assert "has not been forwarded" in found["M-1"].message and found["M-1"].person_id is None
    assert found["M-1"].citation == "44 U.S.C. § 2911"


def test_forwarded_within_or_after_the_deadline(fx: Factory) -> None:
    fx.communication(SENT, id="M-ON-TIME", forwarded_to_official_at=DEADLINE)
    fx.communication(SENT, id="M-LATE", forwarded_to_official_at="2019-01-21T12:00:01Z")
    found = findings_of(audit(fx, now="2019-06-01T00:00:00Z"), RULE)
    assert set(found) == {"M-LATE"}
    assert "only on 2019-01-21 12:00 UTC" in found["M-LATE"].message


def test_forwarded_after_the_evaluation_time_is_not_yet_forwarded(fx: Factory) -> None:
    fx.communication(SENT, id="M-1", forwarded_to_official_at="2019-03-01T00:00:00Z")
    found = findings_of(audit(fx, now="2019-02-01T00:00:00Z"), RULE)
    assert "has not been forwarded" in found["M-1"].message


def test_official_account_is_never_a_forwarding_finding(fx: Factory) -> None:
    fx.communication(SENT, id="M-1", channel="official_email", account="official")
    assert not findings_of(audit(fx), RULE)


def test_deadline_uses_policy_days(fx: Factory) -> None:
    import dataclasses

    from lookout_ledger.core.policy.loader import load_policy

    fx.communication(SENT, id="M-1")
    base = load_policy()
    thirty = dataclasses.replace(base, parameters={**base.parameters, "unofficial_forward_days": 30})
    assert findings_of(audit(fx, now="2019-01-25T00:00:00Z"), RULE)
    assert not findings_of(audit(fx, now="2019-01-25T00:00:00Z", policy=thirty), RULE)


def test_not_retained(fx: Factory) -> None:
    fx.communication(SENT, id="M-GONE", retained=False, account="official", channel="official_email")
    fx.communication(SENT, id="M-KEPT", retained=True, forwarded_to_official_at=SENT)
    found = findings_of(audit(fx), "RC-NOT-RETAINED")
    assert set(found) == {"M-GONE"}
    assert (found["M-GONE"].owner_id, found["M-GONE"].unit_id, found["M-GONE"].person_id) == (None, None, None)
