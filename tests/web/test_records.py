"""Record pages: facts, history, findings and audit-log entries; SPII only after a stated purpose."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lookout_ledger.core.ledger import Ledger
from support.web_scenario import BASIS, DOB, FAMILY, GIVEN, PASSPORT, S, audit_actions, sign_in

SPII = (GIVEN, FAMILY, DOB, PASSPORT)


def test_lookout_page_shows_placement_history_inspections_crossings_findings_and_log(client: TestClient) -> None:
    sign_in(client, "auditor")
    html = client.get(f"/records/lookout/{S.lookout}").text
    timeline = html.split('<ol class="timeline">')[1].split("</ol>")[0]
    order = ["Placed", "Approved", "Crossing", "Inspection", "Transferred", "Crossing", "Inspection"]
    positions = []
    start = 0
    for label in order:
        start = timeline.index(f"<strong>{label}</strong>", start) + 1
        positions.append(start)
    assert positions == sorted(positions), "the history is in time order"
    assert "without notice" in timeline
    assert "2018-12-20 12:00 (UTC−08:00)" in timeline, "times keep the offset they were recorded with"
    assert "Organizer&#39;s phone number" in html
    assert (
        f'href="/records/inspection/{S.inspection1}"' in html and f'href="/records/inspection/{S.inspection2}"' in html
    )
    assert "C-1" in html and "C-2" in html
    findings = html.split('id="record-findings"')[1].split("</section>")[0]
    for rule in (
        "LK-NON-SUSPECT",
        "LK-SENSITIVE-OCCUPATION",
        "LK-TRANSFER-WITHOUT-NOTICE",
        "LK-STALE-AFTER-INSPECTION",
    ):
        assert rule in findings
    log = html.split('id="al-h"')[1]
    assert "lookout.place" in log and "web test scenario" in log


def test_inspection_page_shows_times_topics_asked_vs_sought_and_device_search(client: TestClient) -> None:
    sign_in(client, "auditor")
    html = client.get(f"/records/inspection/{S.inspection1}").text
    assert "1 h 00 min" in html
    assert "Travel plans" in html
    assert "Organizer&#39;s phone number" in html and "not asked" in html
    device = html.split('id="ds-h"')[1].split("</section>")[0]
    assert "none stated" in device and "none</span>" in device
    assert "IN-DEVICE-SEARCH-UNJUSTIFIED" in html and "IN-PURPOSE-NOT-PURSUED" in html


def test_disclosure_page_shows_appendix_c_persons_and_approvals(client: TestClient) -> None:
    sign_in(client, "auditor")
    html = client.get(f"/records/disclosure/{S.disclosure}").text
    req = html.split('id="req-h"')[1].split("</section>")[0]
    assert req.count("chip-bad") == 3 and req.count("chip-unknown") == 1 and req.count("chip-ok") == 2
    assert f'href="/records/person/{S.journalist}"' in html and f'href="/records/person/{S.second}"' in html
    assert "deny entry" in html and "none: disclosed proactively" in html
    assert "no approval recorded" in html and "counsel" in html
    assert f'href="/records/communication/{S.message}"' in html
    for rule in ("DS-UNAUTHORIZED", "DS-NO-WRITTEN-REQUEST", "DS-DENY-ENTRY-REQUEST", "DS-REQUIREMENT"):
        assert rule in html


def test_communication_body_is_shown_to_the_auditor_and_withheld_from_admin(client: TestClient) -> None:
    sign_in(client, "auditor")
    html = client.get(f"/records/communication/{S.message}").text
    assert "Synthetic message." in html and "Recipient Example" in html
    assert "RC-UNOFFICIAL-NOT-FORWARDED" in html
    client.cookies.clear()
    sign_in(client, "admin")
    html = client.get(f"/records/communication/{S.message}").text
    assert "Synthetic message." not in html and "Recipient Example" not in html
    assert "The body is withheld for your roles." in html


def test_admin_sees_no_free_text_about_people(client: TestClient) -> None:
    sign_in(client, "admin")
    html = client.get(f"/records/lookout/{S.lookout}").text
    assert "organizer" not in html.lower()
    assert "withheld for your roles" in html
    assert "Organizer&#39;s phone number" not in html


def test_person_page_shows_no_spii_until_a_purpose_is_stated(client: TestClient, ledger: Ledger) -> None:
    sign_in(client, "auditor")
    html = client.get(f"/records/person/{S.journalist}").text
    assert not [v for v in SPII if v in html]
    assert f'href="/records/lookout/{S.lookout}"' in html and f'href="/records/disclosure/{S.disclosure}"' in html
    csrf = html.split('name="csrf_token" value="')[1].split('"')[0]

    r = client.post(f"/records/person/{S.journalist}/reveal", data={"csrf_token": csrf, "purpose": "x"})
    assert r.status_code == 400
    assert "purpose: state why you need" in r.text
    assert not [v for v in SPII if v in r.text]
    assert not [a for a in audit_actions(ledger) if a[1] == "person.read"]

    purpose = "verifying finding LK-SENSITIVE-OCCUPATION on L-100"
    r = client.post(f"/records/person/{S.journalist}/reveal", data={"csrf_token": csrf, "purpose": purpose})
    assert r.status_code == 200
    assert all(v in r.text for v in SPII)
    assert ("auditor", "person.read", S.journalist) in audit_actions(ledger)
    # The read is in the person's audit log, with its purpose, and the next page view is sealed again.
    html = client.get(f"/records/person/{S.journalist}").text
    assert "person.read" in html and purpose in html
    assert not [v for v in SPII if v in html]


def test_admin_cannot_reveal_and_is_told_which_role_would(client: TestClient, ledger: Ledger) -> None:
    csrf = sign_in(client, "admin")
    html = client.get(f"/records/person/{S.journalist}").text
    assert "Reveal identity" not in html
    assert "shown by id only" in html
    r = client.post(
        f"/records/person/{S.journalist}/reveal", data={"csrf_token": csrf, "purpose": "just curious, really"}
    )
    assert r.status_code == 403
    assert "auditor" in r.text and "records_officer" in r.text
    assert not [v for v in SPII if v in r.text]
    assert not [a for a in audit_actions(ledger) if a[1] == "person.read"]


def test_unknown_records_are_404_with_a_message(client: TestClient) -> None:
    sign_in(client, "auditor")
    r = client.get("/records/lookout/L-NOPE")
    assert r.status_code == 404 and "no lookout with id" in r.text
    r = client.get("/records/spaceship/X")
    assert r.status_code == 404 and "unknown record type" in r.text


def test_basis_is_free_text_for_people_with_a_need(client: TestClient) -> None:
    sign_in(client, "auditor")
    assert "may know the organizer&#39;s phone number" in client.get(f"/records/lookout/{S.lookout}").text
    assert "organizer's phone number" in BASIS
