"""WhatsApp "Export chat" files (Android and iOS) read into messages.

The review could not say what officials had asked Mexico to do because the WhatsApp
messages were gone. An export is the only copy most officials can make, and its format is
not documented: it varies by platform, locale and app version. This reader works on a
*normalised working copy* of the text (the caller keeps the original bytes) and:

- removes the invisible direction marks (U+200E, U+200F and the embedding controls) and turns
  the narrow, thin and no-break spaces (U+202F, U+2009, U+00A0) into plain spaces, which is
  what lets "8:28 p. m." and "7:02 PM" parse;
- infers whether dates are day-first or month-first from the *whole* file (one component above
  12 decides); with no deciding date, a 12-hour clock means month-first (US locale) and a
  24-hour clock day-first, unless the caller says otherwise;
- joins continuation lines (lines without a header) to the message above with newlines, so a
  body may contain ": ", " - " or even start a line with a date;
- tells messages from system notices, media placeholders, attachments and deletion markers
  in several languages, without changing the text as shown.

A file with lines that cannot be read is refused as a whole with their line numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from lookout_ledger.core.errors import LedgerError

# Direction marks and embedding controls WhatsApp sprinkles around names, times and placeholders.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"))
_SPACES = {ord(c): " " for c in "\u202f\u2009\u00a0\u2007\u2002\u2003"}

_DATE = r"(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4})\.?"
_TIME = r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)"
# AM/PM as the locales write it: "PM", "pm", "p.m.", "p. m." (Spanish), "a. m.".
_MERIDIEM = r"(?P<mer>[AaPp]\.? ?[Mm]\.?)"
# Between date and time: a comma or not, Finnish "klo", French "à" ("09/01/2019 à 14:32").
_ANDROID = re.compile(rf"^{_DATE},? (?:klo |à )?{_TIME}(?: ?{_MERIDIEM})? - (?P<rest>.*)$")
_IOS = re.compile(rf"^\[{_DATE},? {_TIME}(?: ?{_MERIDIEM})?\] (?P<rest>.*)$")
# A line that starts like an iOS header but does not parse is damage, not a continuation.
_IOS_LIKE = re.compile(r"^\[\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
# Likewise an Android header: a date, a time-like token and the " - " separator early in the line
# (#15 item 5: such a line was merged into the message above, its sender and time lost). A body
# line that merely starts with a date ("1/4/19 was the day we met") stays a continuation.
_ANDROID_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4},? (?:klo |à )?\d{1,2}[:.]\S{1,12}.{0,12}? -")

_DELETED = (
    "this message was deleted",
    "you deleted this message",
    "diese nachricht wurde gelöscht",
    "du hast diese nachricht gelöscht",
    "se eliminó este mensaje",
    "eliminaste este mensaje",
    "este mensaje fue eliminado",
    "ce message a été supprimé",
    "vous avez supprimé ce message",
    "questo messaggio è stato eliminato",
    "hai eliminato questo messaggio",
    "esta mensagem foi apagada",
    "mensagem apagada",
    "você apagou esta mensagem",
    "данное сообщение удалено",
    "это сообщение удалено",
    "вы удалили данное сообщение",
    "تم حذف هذه الرسالة",
    "لقد حذفت هذه الرسالة",
    "ההודעה נמחקה",
    "מחקת את ההודעה",
    "tämä viesti poistettiin",
    "poistit tämän viestin",
    "dit bericht is verwijderd",
)
_MEDIA_OMITTED = (
    "<media omitted>",
    "<multimedia omitido>",
    "<medien ausgeschlossen>",
    "<médias omis>",
    "<media omessi>",
    "<mídia oculta>",
    "<media jätetty pois>",
    "<media weggelaten>",
    "image omitted",
    "video omitted",
    "audio omitted",
    "sticker omitted",
    "gif omitted",
    "document omitted",
    "imagen omitida",
    "bild weggelassen",
    "image absente",
    "<без медиафайлов>",
    "изображение отсутствует",
    "видео отсутствует",
)
_ENCRYPTION_NOTICES = (
    "messages and calls are end-to-end encrypted",
    "los mensajes y las llamadas están cifrados de extremo a extremo",
    "nachrichten und anrufe sind ende-zu-ende-verschlüsselt",
    "les messages et les appels sont chiffrés de bout en bout",
    "viestit ja puhelut ovat päästä päähän salattuja",
    "as mensagens e as chamadas são protegidas com a criptografia de ponta a ponta",
    "сообщения и звонки защищены сквозным шифрованием",
)
_ATTACHED_IOS = re.compile(r"<attached: (?P<name>[^>]+)>")
_ATTACHED_ANDROID = re.compile(
    r"^(?P<name>\S+\.\w{2,5}) \((?:file attached|archivo adjunto|Datei angehängt|fichier joint|arquivo anexado"
    r"|file allegato|bestand bijgevoegd|tiedosto liitetty|файл вложен)\)"
)


@dataclass
class ChatMessage:
    line: int
    at: datetime  # naive: the export has no time zone; the caller applies the one it was given
    sender: str | None  # None for a system notice ("You created group ...")
    body: str
    kind: str  # message | system | media_omitted | deleted | attachment
    in_contacts: bool = True  # False when the export marks the sender with "~ "
    attachments: list[str] = field(default_factory=list)


@dataclass
class ChatParse:
    platform: str  # android | ios
    date_order: str  # dmy | mdy | ymd
    clock: str  # 12h | 24h
    messages: list[ChatMessage]


def normalise_line(line: str) -> str:
    """The working-copy form of one line: invisible marks removed, odd spaces made plain."""
    return line.translate(_INVISIBLE).translate(_SPACES).rstrip("\r")


@dataclass
class _Header:
    line: int
    date: str
    time: str
    mer: str | None
    rest: str


def _split_date(text: str) -> tuple[int, int, int]:
    a, b, c = (int(x) for x in re.split(r"[./-]", text))
    return a, b, c


def infer_date_order(dates: list[str], twelve_hour: bool, hint: str | None = None) -> str:
    """Day-first or month-first, decided by the whole file (a component above 12 settles it)."""
    first_big = second_big = year_first = False
    for d in dates:
        a, b, _c = _split_date(d)
        if len(re.split(r"[./-]", d)[0]) == 4:
            year_first = True
        elif a > 12:
            first_big = True
        elif b > 12:
            second_big = True
    if year_first:
        return "ymd"
    if first_big and second_big:
        raise LedgerError("the dates mix day-first and month-first orders; the file is not one export")
    if first_big:
        return "dmy"
    if second_big:
        return "mdy"
    if hint:
        return hint
    return "mdy" if twelve_hour else "dmy"


def _year(y: int) -> int:
    return 2000 + y if y < 100 else y


def _to_datetime(h: _Header, order: str) -> datetime:
    a, b, c = _split_date(h.date)
    if order == "ymd":
        year, month, day = _year(a), b, c
    elif order == "dmy":
        day, month, year = a, b, _year(c)
    else:
        month, day, year = a, b, _year(c)
    parts = [int(x) for x in re.split(r"[:.]", h.time)]
    hour, minute, second = parts[0], parts[1], parts[2] if len(parts) > 2 else 0
    if h.mer is not None:
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} with {h.mer!r}")
        pm = h.mer.lower().startswith("p")
        hour = (hour % 12) + (12 if pm else 0)
    return datetime(year, month, day, hour, minute, second)


def _classify(body: str) -> tuple[str, list[str]]:
    low = body.strip().casefold()
    attached = [m.group("name").strip() for m in _ATTACHED_IOS.finditer(body)]
    if attached:
        return "attachment", attached
    m = _ATTACHED_ANDROID.match(body.strip())
    if m:
        return "attachment", [m.group("name")]
    if low.rstrip(".") in _DELETED:
        return "deleted", []
    if low in _MEDIA_OMITTED:
        return "media_omitted", []
    if any(low.startswith(n) for n in _ENCRYPTION_NOTICES):
        return "system", []
    return "message", []


def _message_of(h: _Header, at: datetime, body_lines: list[str]) -> ChatMessage:
    rest = h.rest
    sender: str | None
    if ": " in rest and '"' not in rest.split(": ", 1)[0]:
        sender, first = rest.split(": ", 1)
    elif rest.endswith(":"):
        sender, first = rest[:-1], ""
    else:
        sender, first = None, rest
    body = "\n".join([first, *body_lines])
    if sender is None:
        return ChatMessage(h.line, at, None, body, "system")
    in_contacts = True
    if sender.startswith("~ "):
        sender, in_contacts = sender[2:].strip(), False
    kind, attachments = _classify(body)
    return ChatMessage(h.line, at, sender.strip(), body, kind, in_contacts, attachments)


def parse_chat(text: str, date_order: str | None = None) -> ChatParse:
    """Messages of an export; raises LedgerError naming every line that could not be read."""
    lines = [normalise_line(x) for x in text.split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    headers: list[tuple[_Header, list[str]]] = []
    bad: list[str] = []
    platform = None
    for no, line in enumerate(lines, start=1):
        m = _IOS.match(line) or _ANDROID.match(line)
        if m is not None:
            this = "ios" if line.startswith("[") else "android"
            platform = platform or this
            if this == platform:
                headers.append((_Header(no, m["date"], m["time"], m["mer"], m["rest"]), []))
                continue
            bad.append(f"line {no}: an {this} message header inside an {platform} export: {line[:60]!r}")
        elif _IOS_LIKE.match(line) or _ANDROID_LIKE.match(line):
            bad.append(f"line {no}: looks like a message header but its date or time cannot be read: {line[:60]!r}")
        elif headers:
            headers[-1][1].append(line)
        elif line.strip():
            bad.append(f"line {no}: text before the first message header: {line[:60]!r}")
    if not headers and not bad:
        raise LedgerError("no WhatsApp message header found (expected lines like '06/03/2017, 00:45 - Name: text')")
    twelve = any(h.mer for h, _ in headers)
    try:
        order = infer_date_order([h.date for h, _ in headers], twelve, date_order)
    except LedgerError as exc:
        bad.append(str(exc))
        order = "dmy"
    messages = []
    for h, cont in headers:
        try:
            at = _to_datetime(h, order)
        except ValueError as exc:
            bad.append(f"line {h.line}: date or time {h.date} {h.time} cannot be read as {order} ({exc})")
            continue
        messages.append(_message_of(h, at, cont))
    if bad:
        raise LedgerError("the chat export cannot be read:\n" + "\n".join(bad[:50]))
    return ChatParse(platform or "android", order, "12h" if twelve else "24h", messages)
