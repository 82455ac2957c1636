"""The dashboard: metrics, Figure 1, findings filtered server-side, Appendix C, the cache."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from lookout_ledger.core.ledger import Ledger
from lookout_ledger.oversight.audit import run_audit
from support.web_scenario import S, Scenario, sign_in

HX = {"HX-Request": "true"}


def rows(html: str) -> list[tuple[str, str]]:
    """(rule, record id) of each finding row in the findings table."""
    return re.findall(
        r'<td class="message"><span class="rule-id"[^>]*>([A-Z-]+)</span>.*?<a class="rec" href="/records/\w+/([^"]+)"',
        html,
        re.S,
    )


def expected(ledger: Ledger, **where: str) -> set[tuple[str, str]]:
    with ledger.reading() as s:
        result = run_audit(s, now=ledger.now(), policy=ledger.policy)
    return {
        (f.rule, f.record_id)
        for f in result.findings
        if all(getattr(f, {"rule": "rule", "owner": "owner_id", "unit": "unit_id"}[k]) == v for k, v in where.items())
    }


def test_dashboard_shows_the_metrics_chart_findings_and_matrix(client: TestClient, ledger: Ledger) -> None:
    sign_in(client, "auditor")
    html = client.get("/dashboard").text
    assert "Evaluated 2019-03-01 00:00 UTC" in html
    assert re.search(r"<dd>2</dd></div>\s*<div><dt>on non-suspects</dt><dd>1</dd>", html.replace("\n", "")) or (
        "<dt>on non-suspects</dt><dd>1</dd>" in html
    )
    assert "<strong>1</strong> lookouts were transferred to another owner without notice" in html
    assert "<strong>2</strong> U.S. persons were named in requests that a foreign government deny them entry" in html
    assert '<img src="/dashboard/figure-1.svg"' in html
    # Appendix C: requirement names as column headers, the four symbols as chips.
    for header in ("Advisement", "Sensitivity marking", "Allowed channel", "Encryption", "Record kept", "Retention"):
        assert f">{header}</th>" in html
    matrix = html.split('class="matrix"')[1].split("</table>")[0]
    assert matrix.count("chip-bad") == 3 and matrix.count("chip-unknown") == 1 and matrix.count("chip-ok") == 2
    assert set(rows(html)) == expected(ledger)


def test_figure_one_is_an_svg(client: TestClient) -> None:
    sign_in(client, "auditor")
    r = client.get("/dashboard/figure-1.svg")
    assert r.headers["content-type"] == "image/svg+xml"
    assert r.text.lstrip().startswith("<?xml") and "<svg" in r.text


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ({"rule": "IN-PURPOSE-NOT-PURSUED"}, {"rule": "IN-PURPOSE-NOT-PURSUED"}),
        ({"owner": "O-OWNER-1"}, {"owner": "O-OWNER-1"}),
        ({"unit": "U-SDS"}, {"unit": "U-SDS"}),
        (
            {"unit": "U-EOC", "rule": "LK-STALE-AFTER-INSPECTION"},
            {"unit": "U-EOC", "rule": "LK-STALE-AFTER-INSPECTION"},
        ),
    ],
)
def test_filters_return_exactly_the_matching_findings(
    client: TestClient, ledger: Ledger, query: dict[str, str], where: dict[str, str]
) -> None:
    sign_in(client, "auditor")
    r = client.get("/dashboard", params=query, headers=HX)
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section id="findings"'), "htmx gets the findings section only"
    want = expected(ledger, **where)
    assert want, "the scenario has findings for every filter tested"
    assert set(rows(r.text)) == want
    assert r.headers["HX-Push-Url"].startswith("/dashboard?")
    # The pushed URL renders the same selection as a whole page.
    full = client.get(r.headers["HX-Push-Url"])
    assert "<h1>Oversight dashboard</h1>" in full.text
    assert set(rows(full.text)) == want


def test_date_range_filters_on_the_record_time(client: TestClient, scenario: Scenario) -> None:
    sign_in(client, "auditor")
    r = client.get("/dashboard", params={"since": "2019-01-01", "until": "2019-01-31"}, headers=HX)
    assert set(rows(r.text)) == {("IN-PURPOSE-NOT-PURSUED", S.inspection2), ("IN-REPEAT-NO-NEW-INFO", S.inspection2)}
    r = client.get("/dashboard", params={"since": "2018-12-15", "until": "2018-12-15"}, headers=HX)
    assert {rid for _, rid in rows(r.text)} == {S.disclosure, S.message}


def test_counts_per_rule_follow_the_other_filters(client: TestClient) -> None:
    sign_in(client, "auditor")
    html = client.get("/dashboard", params={"owner": "O-OWNER-2"}, headers=HX).text
    counts = dict(re.findall(r'<span class="rule-id">([A-Z-]+)</span>.*?<td class="num">(\d+)</td>', html, re.S))
    assert counts["LK-NON-SUSPECT"] == "0"
    assert counts["DS-UNAUTHORIZED"] == "0"
    assert sum(int(n) for n in counts.values()) == len(rows(html))


def test_a_bad_filter_names_the_field(client: TestClient) -> None:
    sign_in(client, "auditor")
    r = client.get("/dashboard", params={"owner": "O-NOBODY"}, headers=HX)
    assert r.status_code == 422
    assert "owner: no official with id" in r.text
    r = client.get("/dashboard", params={"since": "last tuesday"})
    assert r.status_code == 400
    assert "since: &#39;last tuesday&#39; is not a date" in r.text
    r = client.get("/dashboard", params={"rule": "LK-MADE-UP"}, headers=HX)
    assert "rule: unknown rule" in r.text


def test_findings_are_paginated(ledger: Ledger, scenario: Scenario) -> None:
    from support.factories import Factory
    from support.web_scenario import client_for

    with ledger.transaction() as s:
        fx = Factory(s, ledger.keyring)
        for i in range(30):
            fx.lookout(id=f"L-NS-{i:02d}", owner_id=S.owner, status_code="non_suspect")
        ledger.audit(s, "loader", "lookout.place", None, None, {"count": 30})
    client = client_for(ledger)
    sign_in(client, "auditor")
    first = client.get("/dashboard", params={"rule": "LK-NON-SUSPECT"}, headers=HX).text
    assert "Showing 1–25 of 31 findings" in first
    assert len(rows(first)) == 25
    assert 'rel="next"' in first
    second = client.get("/dashboard", params={"rule": "LK-NON-SUSPECT", "page": "2"}, headers=HX).text
    assert "Showing 26–31 of 31 findings" in second
    assert len(rows(second)) == 6
    assert not set(rows(first)) & set(rows(second))


def test_audit_is_cached_until_a_write(client: TestClient, ledger: Ledger) -> None:
    sign_in(client, "auditor")
    cache = client.app.state.audit_cache
    client.get("/dashboard")
    client.get("/dashboard", params={"rule": "LK-NON-SUSPECT"}, headers=HX)
    client.get(f"/records/lookout/{S.lookout}")
    assert cache.computed == 1
    client.cookies.clear()
    sign_in(client, "admin")  # a sign-in is logged but changes no record
    client.get("/dashboard")
    assert cache.computed == 1
    # A write: the lookout is reviewed. The audit must not be stale afterwards.
    from support.factories import Factory

    with ledger.transaction() as s:
        Factory(s, ledger.keyring).event(S.lookout, "removed", "2019-02-01T00:00:00Z", id="E-RM")
        ledger.audit(s, "owner", "lookout.remove", "lookout", S.lookout, {})
    html = client.get(f"/records/lookout/{S.lookout}").text
    assert cache.computed == 2
    assert "Removed" in html


def test_the_dashboard_and_api_show_the_latest_checkpoint_and_verification(client: TestClient, ledger: Ledger) -> None:
    from lookout_ledger.core import checkpoints, integrity

    sign_in(client, "auditor")
    assert "No checkpoint has been signed yet" in client.get("/dashboard").text
    assert client.get("/api/integrity/checkpoint").status_code == 404
    with ledger.transaction() as s:
        cp = integrity.checkpoint(ledger, s, "auditor")
    integrity.record_run(ledger, "auditor", integrity.verify_ledger(ledger))
    html = client.get("/dashboard").text
    assert f"<dd>{cp.size} entries</dd>" in html and "<dd>intact</dd>" in html
    download = client.get("/dashboard/checkpoint")
    assert download.text == cp.note and download.headers["content-disposition"].startswith("attachment")
    api = client.get("/api/integrity").json()
    assert api["checkpoint"]["size"] == cp.size and api["last_verification"]["ok"] is True
    assert client.get("/api/integrity/checkpoint").text == cp.note
    assert checkpoints.parse_note(cp.note).size == cp.size


def test_only_the_oversight_role_fetches_checkpoints(client: TestClient, ledger: Ledger) -> None:
    from lookout_ledger.core import integrity

    with ledger.transaction() as s:
        integrity.checkpoint(ledger, s, "auditor")
    sign_in(client, "officer")
    for path in ("/api/integrity", "/api/integrity/checkpoint", "/dashboard/checkpoint"):
        assert client.get(path).status_code == 403, path
