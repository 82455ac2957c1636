"""The fast reading of plain e-mail must equal the standard library's on every message.

`split_simple` builds the legacy parser's message without the feed parser for simple messages,
and `_read_plain` caches header decoding; both are only allowed because they give the same
result. These tests compare them with the feed parser (and the whole reading with the fast
split turned off) on hand-made messages, on every malformation we could think of, and on
thousands of random mutations of the headers.
"""

from __future__ import annotations

import email.parser
import random
from email import policy
from email.message import EmailMessage

import pytest

from lookout_ledger.records.ingest import email_reader

_feed = email.parser.BytesParser(policy=policy.compat32)


def _base_messages() -> list[bytes]:
    out = []
    for i, (to, body, extra) in enumerate(
        [
            ("Ramírez <enlace@webmail.example>, ops@agency.example", "Línea uno\nlínea dos\n", {}),
            ('"Whitlock, Dana" <d@x.example>', "From the field: all quiet\n", {"Cc": "a@b.example"}),
            ("=?utf-8?q?N=C3=BA=C3=B1ez?= <n@x.example>", "x" * 200 + "\n", {"Bcc": "z@y.example"}),
            ("Jürgen Maas <juergen.maas@agency.example>", "tel +52 664 555 0142\n\n\nfin\n", {}),
        ]
    ):
        msg = EmailMessage()
        msg["From"] = "Dana Whitlock <dana@agency.example>"
        msg["To"] = to
        msg["Subject"] = f"Organizadores — caravana {i} " + "palabra " * (i * 8)  # long ones get folded
        msg["Date"] = "Tue, 08 Jan 2019 09:30:00 -0800"
        msg["Message-ID"] = f"<m{i}@b.example>"
        for k, v in extra.items():
            msg[k] = v
        msg.set_content(body, cte=("8bit", "quoted-printable", "base64", "7bit")[i] if i else "8bit")
        out.append(bytes(msg))
    plain = (
        b"From: Nev Quill <nev@agency.example>\nTo: a@b.example\nTo: second@b.example\nSubject: hola\n"
        b"Date: Tue, 08 Jan 2019 09:30:00 -0800\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + "Reunión mañana\n".encode()
    )
    out.append(plain)
    out.append(plain.replace(b"\n", b"\r\n"))
    multipart = EmailMessage()
    multipart["From"] = "a@b.example"
    multipart["Date"] = "Tue, 08 Jan 2019 09:30:00 -0800"
    multipart.set_content("cuerpo")
    multipart.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="deck.pdf")
    out.append(bytes(multipart))
    return out


MALFORMED = [
    b"",
    b"\n",
    b"\nFrom: a@b.example\n\nbody\n",
    b"From: a@b.example\nDate: Tue, 08 Jan 2019 09:30:00 -0800\nno blank line, body begins\n",
    b"From: a@b.example\nDate: Tue, 08 Jan 2019 09:30:00 -0800",
    b" continued: first\nFrom: a@b.example\n\nx\n",
    b":empty name\nFrom: a@b.example\n\nx\n",
    b"From a@b.example Tue Jan  8 09:30:00 2019\nFrom: a@b.example\n\nx\n",
    b"From: a@b.example\nFrom x\nDate: Tue, 08 Jan 2019 09:30:00 -0800\n\nx\n",
    b"From: a@b.example\rDate: Tue, 08 Jan 2019 09:30:00 -0800\r\rx\r",
    b"From: a@b.example\r\nDate: Tue, 08 Jan 2019 09:30:00 -0800\n\r\nx\n",
    b"From: Ram\xc3\xadrez <a@b.example>\nSubject: \xe9t\xe9\nDate: Tue, 08 Jan 2019 09:30:00 -0800\n\nx\n",
    b"From: a@b.example\nContent-Type: message/rfc822\n\nFrom: c@d.example\n\ninner\n",
    b"From: a@b.example\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\n\npart\n--zz--\n",
    b'From: a@b.example\nContent-Type: text/plain; charset="iso-8859-1"\n\n\xe9\n',
    b"From: a@b.example\nContent-Type: text/plain; charset=nonesuch\n\nx\n",
    b"From: a@b.example\nContent-Type: TEXT/PLAIN\nContent-Disposition: attachment\n\nx\n",
    b"From: a@b.example\nDate: Tue, 08 Jan 2019 09:30:00 -0800\n \t\n\nbody\n",
    b"From: a@b.example\nDate:Tue, 08 Jan 2019 09:30:00 -0800\nX-\x7f: odd\n\nbody\n",
    b"FROM: a@b.example\nfrom: second@b.example\nDATE: Tue, 08 Jan 2019 09:30:00 -0800\n\nbody\n",
]


def _mutants(n: int) -> list[bytes]:
    rnd = random.Random(6)
    pieces = [b"\r", b"\n", b"\r\n", b" ", b"\t", b":", b"From ", b"\xc3\xa9", b"\xff", b"=?", b"\n\n", b"--"]
    bases = _base_messages()
    out = []
    for _ in range(n):
        data = bytearray(rnd.choice(bases))
        head_end = data.find(b"\n\n") + 2 if b"\n\n" in data else len(data)
        for _ in range(rnd.randint(1, 3)):
            at = rnd.randint(0, max(0, head_end - 1))
            if rnd.random() < 0.7:
                data[at:at] = rnd.choice(pieces)
            else:
                del data[at : at + rnd.randint(1, 3)]
        out.append(bytes(data))
    return out


CORPUS = _base_messages() + MALFORMED + _mutants(3000)


def test_split_simple_builds_the_feed_parsers_message() -> None:
    simple = 0
    for data in CORPUS:
        fast = email_reader.split_simple(data)
        if fast is None:
            continue
        simple += 1
        slow = _feed.parsebytes(data)
        assert fast._headers == slow._headers, data
        assert fast.get_payload() == slow.get_payload(), data
        assert not slow.is_multipart() and slow.get_unixfrom() is None
    assert simple > 1000  # the fast path is taken for most messages, not only the trivial ones


def test_split_simple_declines_what_only_the_feed_parser_reads() -> None:
    declined = [email_reader.split_simple(m) is None for m in MALFORMED]
    assert declined == [
        True,  # empty
        False,  # a blank line: no headers, empty body (same as the feed parser)
        False,
        True,  # no blank line
        True,  # no newline at the end of the headers
        True,  # first header line a continuation
        True,  # empty header name
        True,  # envelope line
        True,  # envelope line inside the headers
        True,  # lone CR line ends
        False,  # CRLF and LF mixed (no lone CR)
        False,  # raw 8-bit header bytes (surrogate escapes, as the feed parser keeps them)
        True,  # message/rfc822
        True,  # multipart
        False,
        False,
        False,
        False,
        True,  # DEL in a header name: the feed parser starts the body there
        False,
    ]


@pytest.mark.parametrize("i", range(0, len(CORPUS), 97))
def test_reading_is_the_same_with_and_without_the_fast_split(i: int, monkeypatch: pytest.MonkeyPatch) -> None:
    datas = CORPUS[i : i + 97]
    fast = [email_reader.read_message(d, 3) for d in datas]
    email_reader._decoded_text.cache_clear()
    email_reader._shown_addresses.cache_clear()
    monkeypatch.setattr(email_reader, "split_simple", lambda d: None)
    monkeypatch.setattr(email_reader, "_decoded_text", email_reader._decoded_text.__wrapped__)
    monkeypatch.setattr(email_reader, "_shown_addresses", email_reader._shown_addresses.__wrapped__)
    slow = [email_reader.read_message(d, 3) for d in datas]
    assert fast == slow


@pytest.mark.parametrize("multipart", [False, True])
@pytest.mark.parametrize("date", ["Fri, 31 Dec 9999 23:59:59 -2359", "Mon, 01 Jan 1800 00:00:00 +0000"])
def test_a_date_the_ledger_cannot_store_is_the_messages_problem(date: str, multipart: bool) -> None:
    """#15 item 1, for mail: a Date outside 1900-2200 UTC is refused with its line, by both readers."""
    msg = EmailMessage()
    msg["From"] = "Dana Example <dana@example.org>"
    msg["To"] = "liaison@example.org"
    msg["Date"] = date
    msg["Subject"] = "far"
    msg.set_content("text")
    if multipart:
        msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="a.pdf")
    got = email_reader.read_message(msg.as_bytes(), 7)
    assert isinstance(got, email_reader.MailProblem) and got.line == 7
    assert "1900-01-01T00:00:00Z" in got.reason
