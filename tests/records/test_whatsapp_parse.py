"""Every message of each constructed export: author, time, text and kind."""

from __future__ import annotations

import pytest

from lookout_ledger.core.errors import LedgerError
from lookout_ledger.records.ingest.whatsapp import infer_date_order, parse_chat
from support.chat_exports import ALL


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_message_is_read(name: str) -> None:
    text, expected = ALL[name]
    got = [(m.line, m.at, m.sender, m.body, m.kind) for m in parse_chat(text).messages]
    assert got == expected


def test_platform_order_and_clock() -> None:
    us = parse_chat(ALL["android_us"][0])
    assert (us.platform, us.date_order, us.clock) == ("android", "mdy", "12h")
    ios_de = parse_chat(ALL["ios_de"][0])
    assert (ios_de.platform, ios_de.date_order, ios_de.clock) == ("ios", "dmy", "24h")


def test_sender_outside_contacts_is_marked() -> None:
    msgs = parse_chat(ALL["ios_us"][0]).messages
    assert [m.in_contacts for m in msgs] == [True, True, False, True, True]
    assert msgs[1].attachments == ["00000163-PHOTO-2019-01-08-08-05-39.jpg"]


def test_date_order_from_the_whole_file() -> None:
    assert infer_date_order(["1/2/19", "3/4/19", "5/20/19"], twelve_hour=False) == "mdy"
    assert infer_date_order(["1/2/19", "13/4/19"], twelve_hour=True) == "dmy"
    assert infer_date_order(["1/2/19"], twelve_hour=True) == "mdy"
    assert infer_date_order(["1/2/19"], twelve_hour=False) == "dmy"
    assert infer_date_order(["1/2/19"], twelve_hour=False, hint="mdy") == "mdy"
    assert infer_date_order(["2019-01-31"], twelve_hour=False) == "ymd"
    with pytest.raises(LedgerError, match="mix day-first and month-first"):
        infer_date_order(["13/1/19", "1/13/19"], twelve_hour=False)


def test_first_message_decides_nothing_a_later_day_does() -> None:
    text = "1/2/19, 10:00 - A: early\n25/2/19, 10:00 - A: later\n"
    assert [m.at.month for m in parse_chat(text).messages] == [2, 2]


def test_android_attachment_and_body_with_dash() -> None:
    text = "06/03/2019, 00:45 - Sample User: IMG-20190306-WA0001.jpg (file attached)\n06/03/2019, 00:46 - A - B: x\n"
    msgs = parse_chat(text).messages
    assert msgs[0].kind == "attachment" and msgs[0].attachments == ["IMG-20190306-WA0001.jpg"]
    assert (msgs[1].sender, msgs[1].body) == ("A - B", "x")


def test_malformed_lines_are_named() -> None:
    text = "garbage first line\n06/03/2019, 00:45 - A: ok\n[31/02/19, 10:00:00] B: bad date\n"
    with pytest.raises(LedgerError) as err:
        parse_chat(text)
    assert "line 1:" in str(err.value)


def test_impossible_date_is_refused_with_its_line() -> None:
    text = "31/01/2019, 10:00 - A: ok\n31/02/2019, 10:00 - A: no such day\n"
    with pytest.raises(LedgerError, match="line 2:"):
        parse_chat(text)


def test_no_header_at_all() -> None:
    with pytest.raises(LedgerError, match="line 1"):
        parse_chat("hello\nworld\n")


@pytest.mark.parametrize(
    ("damaged", "why"),
    [
        ("1/4/19, 7:O5 PM - Dana Whitlock: the O is a letter", "looks like a message header"),
        ("1/4/19, 7:05 PM -Dana Whitlock: no space after the dash", "looks like a message header"),
        ("[1/4/19, 7:06:00 PM] Dana Whitlock: an iOS line", "an ios message header inside an android export"),
    ],
)
def test_a_damaged_header_in_an_android_export_refuses_the_file_with_its_line(damaged: str, why: str) -> None:
    """#15 item 5: such a line was merged into the message above, its sender and time lost."""
    text = "1/4/19, 7:05 PM - Dana Whitlock: first\n" + damaged + "\n1/4/19, 7:07 PM - Dana Whitlock: last\n"
    with pytest.raises(LedgerError, match=rf"line 2: {why}"):
        parse_chat(text)


def test_a_body_line_that_starts_with_a_date_is_still_a_continuation() -> None:
    text = "1/4/19, 7:05 PM - Dana Whitlock: first\n1/4/19 was the day we met\n"
    (m,) = parse_chat(text).messages
    assert m.body == "first\n1/4/19 was the day we met"
