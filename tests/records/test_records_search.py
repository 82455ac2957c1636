"""Search: accents, case, word order, aliases (phone, e-mail, chat name), filters, snippets, roles."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from lookout_ledger.core.auditlog import AuditEntry
from lookout_ledger.core.auth import Role, add_user
from lookout_ledger.core.crypto import is_ciphertext
from lookout_ledger.core.errors import KeyError_, LedgerError
from lookout_ledger.core.ledger import Ledger
from lookout_ledger.history.communications import Communication, body_of
from lookout_ledger.records.search import SearchFilters, logged_search, search, snippet
from lookout_ledger.records.search.aliases import add_alias, find_people
from support.chat_exports import ANDROID_ES, ANDROID_US
from support.factories import Factory
from support.records_world import OTHER, run_import, world


def _setup(ledger: Ledger) -> str:
    world(ledger)
    run_import(ledger, ANDROID_US.encode(), "us.txt")
    run_import(ledger, ANDROID_ES.encode(), "es.txt")
    with ledger.transaction() as s:
        pid = Factory(s, ledger.keyring).person("P-RAMIREZ", given_name="Lucía", family_name="Ramírez Ochoa")
        add_alias(s, ledger.keyring, pid, "phone", "+52 664 555 0142", "recorder", ledger.now())
        add_alias(s, ledger.keyring, pid, "chat_name", "Lic. Ramírez", "recorder", ledger.now())
        add_alias(s, ledger.keyring, pid, "email", "Lucia.Ramirez@Example.org", "recorder", ledger.now())
    return pid


def test_words_any_case_and_accent(ledger: Ledger) -> None:
    _setup(ledger)
    with ledger.reading() as s:
        plain = search(s, ledger.keyring, "ELIMINO este")
        accented = search(s, ledger.keyring, "eliminó")
        order = search(s, ledger.keyring, "lista alertados")
    assert [h.sender for h in plain.hits] == ["Lic. Ramírez"] and plain.total == 1
    assert [h.id for h in accented.hits] == [h.id for h in plain.hits]
    assert order.total == 1 and order.hits[0].snippet is not None
    assert "<mark>Alertados</mark>" in order.hits[0].snippet and "<mark>Lista</mark>" in order.hits[0].snippet


def test_people_are_found_through_aliases(ledger: Ledger) -> None:
    pid = _setup(ledger)
    with ledger.reading() as s:
        assert find_people(s, ledger.keyring, "ochoa ramirez LUCIA") == [pid]
        assert find_people(s, ledger.keyring, "+52 (664) 555-0142") == [pid]
        assert find_people(s, ledger.keyring, "lucia.ramirez@example.org") == [pid]
        assert find_people(s, ledger.keyring, "lic ramirez") == [pid]
        by_name = search(s, ledger.keyring, "Ramirez Ochoa Lucía")
    # Her chat name wrote three messages, her phone number one (media omitted).
    assert by_name.people == [pid]
    assert by_name.total == 4
    assert {h.sender for h in by_name.hits} == {"Lic. Ramírez", "+52 664 555 0142"}
    assert "+526645550142" in by_name.aliases_used


def test_filters_and_paging(ledger: Ledger) -> None:
    _setup(ledger)
    with ledger.reading() as s:
        everything = search(s, ledger.keyring, "")
        jan_20 = search(
            s,
            ledger.keyring,
            "",
            SearchFilters(date_from=datetime(2019, 1, 20, 8, tzinfo=UTC), date_to=datetime(2019, 1, 21, 8, tzinfo=UTC)),
        )
        system = search(s, ledger.keyring, "", SearchFilters(classification="non_record"))
        page = search(s, ledger.keyring, "", limit=3, offset=3)
        email = search(s, ledger.keyring, "", SearchFilters(channel="official_email"))
    assert everything.total == 10
    assert [h.sent_at for h in jan_20.hits] == ["2019-01-20T12:00:00-08:00", "2019-01-20T09:05:00-08:00"]
    assert system.total == 2
    assert [h.id for h in page.hits] == [h.id for h in everything.hits[3:6]]
    assert email.total == 0
    sent = [h.sent_at for h in everything.hits]
    assert sent == sorted(sent, reverse=True)


def test_content_withheld_without_a_personal_data_role(ledger: Ledger) -> None:
    _setup(ledger)
    with ledger.reading() as s:
        r = search(s, ledger.keyring, "lista", may_read_content=False)
    assert r.total >= 1 and r.content_withheld and r.people == []
    assert all(h.sender is None and h.snippet is None and h.subject is None for h in r.hits)


def test_snippet_escapes_and_marks() -> None:
    html = snippet("<b>Árbol</b> y arbol", {"arbol"})
    assert html == "&lt;b&gt;<mark>Árbol</mark>&lt;/b&gt; y <mark>arbol</mark>"


def test_bad_alias_is_refused(ledger: Ledger) -> None:
    _setup(ledger)
    with ledger.transaction() as s, pytest.raises(LedgerError, match="not a phone number"):
        add_alias(s, ledger.keyring, "P-RAMIREZ", "phone", "call me", "recorder", ledger.now())


def test_index_with_dropped_shadow_tables_is_rebuilt(sqlite_ledger: Ledger) -> None:
    """A migration generated without knowing FTS5 may drop its shadow tables; search recovers."""
    from sqlalchemy import text

    _setup(sqlite_ledger)
    with sqlite_ledger.transaction() as s:
        s.execute(text("DROP TABLE record_search_idx"))
        s.execute(text("DROP TABLE record_search_content"))
    with sqlite_ledger.transaction() as s:
        assert search(s, sqlite_ledger.keyring, "alertados").total == 1


def test_many_messages_in_one_minute_page_newest_first(ledger: Ledger) -> None:
    world(ledger)
    chat = "".join(f"06/03/2019, 00:{45 + i // 20} - A: ping {i}\n" for i in range(30))
    run_import(ledger, chat.encode(), "busy.txt")
    with ledger.reading() as s:
        pages = [search(s, ledger.keyring, "ping", limit=7, offset=o) for o in range(0, 35, 7)]
        dated = search(
            s, ledger.keyring, "ping", SearchFilters(date_from=datetime(2019, 3, 6, 8, 46, tzinfo=UTC)), limit=50
        )
        by_channel = search(s, ledger.keyring, "ping", SearchFilters(channel="whatsapp"), limit=50)
    ids = [h.id for p in pages for h in p.hits]
    assert pages[0].total == 30 and len(ids) == 30 and len(set(ids)) == 30
    assert [h.sent_at for p in pages for h in p.hits][:10] == ["2019-03-06T00:46:00-08:00"] * 10
    assert dated.total == 10 and {h.sent_at for h in dated.hits} == {"2019-03-06T00:46:00-08:00"}
    assert by_channel.total == 30 and set(ids) == {h.id for h in by_channel.hits}


def test_the_log_keeps_a_keyed_digest_of_a_search_not_the_name_searched(ledger: Ledger) -> None:
    """#16 item 4: archive queries (a person's name) were kept in clear in the audit log for good."""
    _setup(ledger)
    logged_search(ledger, "recorder", "Lucía Ramírez", SearchFilters(), may_read_content=True)
    with ledger.reading() as s:
        entry = (
            s.execute(select(AuditEntry).where(AuditEntry.action == "records.search").order_by(AuditEntry.seq.desc()))
            .scalars()
            .first()
        )
    assert entry is not None and "Ram" not in entry.detail and "lucia" not in entry.detail.lower()
    detail = json.loads(entry.detail)
    assert detail["query_digest"] == ledger.keyring.blind_index("lucia ramirez", "audit.search_query")


def test_paging_is_bounded(ledger: Ledger) -> None:
    """make fuzz found an HTTP 500 on `offset=76702129395908797792256`: the bound is the capability's."""
    _setup(ledger)
    with ledger.reading() as s:
        for limit, offset, field in ((0, 0, "limit"), (201, 0, "limit"), (50, -1, "offset"), (50, 10**23, "offset")):
            with pytest.raises(LedgerError, match=f"^{field}: between"):
                search(s, ledger.keyring, "lista", limit=limit, offset=offset)


def test_need_to_know_a_unit_sees_its_messages_the_records_office_and_auditor_see_all(ledger: Ledger) -> None:
    """#16 item 6: every role that reads personal data read every archived message."""
    _setup(ledger)
    with ledger.transaction() as s:
        fx = Factory(s, ledger.keyring)
        fx.unit("U-OTHER", name="Another Sector")
        fx.official("OFF-ELSEWHERE", unit_id="U-OTHER", name="Kim Elsewhere")
        for username, role, official in (
            ("maas", Role.LIAISON_OFFICER, OTHER),  # a teammate of the records' owner
            ("kim", Role.LIAISON_OFFICER, "OFF-ELSEWHERE"),  # the same role, another unit
            ("avery", Role.AUDITOR, None),
        ):
            add_user(
                s, username=username, password="pw-teammate-1234", roles=[role], at=ledger.now(), official_id=official
            )
    found = {
        user: logged_search(ledger, user, "eliminó", SearchFilters(), may_read_content=True).total
        for user in ("whitlock", "maas", "kim", "recorder", "avery")
    }
    assert found == {"whitlock": 1, "maas": 1, "kim": 0, "recorder": 1, "avery": 1}
    with ledger.reading() as s:
        details = [
            json.loads(e.detail)
            for e in s.execute(select(AuditEntry).where(AuditEntry.action == "records.search")).scalars()
        ]
    assert [d.get("unit", d.get("scope")) for d in details[-5:]] == ["U-FOB", "U-FOB", "U-OTHER", "archive", "archive"]


def test_message_text_and_the_index_are_sealed_at_rest_and_search_still_works(ledger: Ledger) -> None:
    """#16 item 4: names, dates of birth and passport numbers sat in clear in message bodies and the index."""
    _setup(ledger)
    with ledger.reading() as s:
        raw = s.execute(text("SELECT id, subject_enc, body_enc FROM communications")).all()
        docs = " ".join(s.execute(text("SELECT doc FROM record_search")).scalars())
        found = search(s, ledger.keyring, "eliminó").total
    assert raw and all(b is None or is_ciphertext(b) for _, _, b in raw)
    assert all(sub is None or is_ciphertext(sub) for _, sub, _ in raw)
    words = docs.split()
    assert words and all(w.startswith("k") and len(w) == 21 for w in words)  # keyed tokens only
    assert "elimino" not in docs and "ramirez" not in docs.lower()
    assert found == 1


@pytest.mark.tampers
def test_a_sealed_body_moved_to_another_message_does_not_open(ledger: Ledger) -> None:
    """The associated data names the table, the column and the row: swapped ciphertexts fail closed
    (and `lookout verify` names the record changed outside the application)."""
    _setup(ledger)
    with ledger.reading() as s:
        (a, body_a), (b, _) = s.execute(text("SELECT id, body_enc FROM communications ORDER BY id LIMIT 2")).all()
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE communications SET body_enc = :v WHERE id = :id"), {"v": body_a, "id": b})
    with ledger.reading() as s:
        moved = s.get(Communication, b)
        assert body_of(ledger.keyring, s.get(Communication, a)) is not None
        with pytest.raises(KeyError_, match="does not open this data"):
            body_of(ledger.keyring, moved)
