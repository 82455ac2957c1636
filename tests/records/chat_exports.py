"""Chat exports in the real formats, written for the tests (invented people), with the
messages each must give: (line, local time, sender, body, kind)."""

from __future__ import annotations

from datetime import datetime

LRM, NNBSP, NBSP, THIN = "\u200e", "\u202f", "\u00a0", "\u2009"

# Android, English (US): 12-hour clock with U+202F before PM, month-first, two-digit years.
ANDROID_US = (
    f"1/4/19, 7:02{NNBSP}PM - Messages and calls are end-to-end encrypted. No one outside of this chat can read them.\n"
    f'1/4/19, 7:02{NNBSP}PM - Dana Whitlock created group "Border liaison"\n'
    f"1/4/19, 7:05{NNBSP}PM - Dana Whitlock: Sending the list tonight: 14 names - see attached\n"
    f"1/4/19, 7:06{NNBSP}PM - +52 664 555 0142: <Media omitted>\n"
    f"1/14/19, 12:15{NNBSP}AM - Dana Whitlock: First line\n"
    "second line\n"
    "1/15/19 is when they cross\n"
    f"1/14/19, 12:30{NNBSP}PM - ~{NNBSP}Tomás Ibarra: This message was deleted\n"
)
ANDROID_US_EXPECTED = [
    (
        1,
        datetime(2019, 1, 4, 19, 2),
        None,
        "Messages and calls are end-to-end encrypted. No one outside of this chat can read them.",
        "system",
    ),
    (2, datetime(2019, 1, 4, 19, 2), None, 'Dana Whitlock created group "Border liaison"', "system"),
    (3, datetime(2019, 1, 4, 19, 5), "Dana Whitlock", "Sending the list tonight: 14 names - see attached", "message"),
    (4, datetime(2019, 1, 4, 19, 6), "+52 664 555 0142", "<Media omitted>", "media_omitted"),
    (
        5,
        datetime(2019, 1, 14, 0, 15),
        "Dana Whitlock",
        "First line\nsecond line\n1/15/19 is when they cross",
        "message",
    ),
    (8, datetime(2019, 1, 14, 12, 30), "Tomás Ibarra", "This message was deleted", "deleted"),
]

# Android, Spanish (Mexico): day-first decided by a day above 12, "p. m." with a no-break space, no comma.
ANDROID_ES = (
    f"3/1/2019 8:28 p.{NBSP}m. - Lic. Ramírez: Buenas noches: ¿me confirma la lista?\n"
    f"20/1/2019 9:05 a.{NBSP}m. - Dana Whitlock: <Multimedia omitido>\n"
    f"20/1/2019 12:00 p.{NBSP}m. - Lic. Ramírez: Se eliminó este mensaje.\n"
    f"21/1/2019 12:10 a.{NBSP}m. - Lic. Ramírez: Ambos de los Alertados de la Lista\n"
)
ANDROID_ES_EXPECTED = [
    (1, datetime(2019, 1, 3, 20, 28), "Lic. Ramírez", "Buenas noches: ¿me confirma la lista?", "message"),
    (2, datetime(2019, 1, 20, 9, 5), "Dana Whitlock", "<Multimedia omitido>", "media_omitted"),
    (3, datetime(2019, 1, 20, 12, 0), "Lic. Ramírez", "Se eliminó este mensaje.", "deleted"),
    (4, datetime(2019, 1, 21, 0, 10), "Lic. Ramírez", "Ambos de los Alertados de la Lista", "message"),
]

# Android, Finnish: dotted dates, "klo", dotted times.
ANDROID_FI = (
    "31.5.2019 klo 16.58 - Aino Virtanen: Kokous huomenna\n1.6.2019 klo 9.03 - Aino Virtanen: Tämä viesti poistettiin\n"
)
ANDROID_FI_EXPECTED = [
    (1, datetime(2019, 5, 31, 16, 58), "Aino Virtanen", "Kokous huomenna", "message"),
    (2, datetime(2019, 6, 1, 9, 3), "Aino Virtanen", "Tämä viesti poistettiin", "deleted"),
]

# iOS, English (US): brackets, seconds, 12-hour clock with U+202F, U+200E before placeholders,
# a system line under the group's name, "~ " for a sender not in contacts, an empty body.
IOS_US = (
    f"[1/8/19, 8:05:34{NNBSP}AM] Border liaison: {LRM}Messages and calls are end-to-end encrypted.\n"
    f"{LRM}[1/8/19, 8:05:40{NNBSP}AM] Dana Whitlock: {LRM}<attached: 00000163-PHOTO-2019-01-08-08-05-39.jpg>\n"
    f"[1/8/19, 8:06:02{NNBSP}PM] ~{NNBSP}Nev Ortega: That's awesome. Time: 5 - 6 pm\n"
    f"[1/13/19, 11:59:59{THIN}PM] Dana Whitlock: {LRM}image omitted\n"
    f"[1/13/19, 11:59:59{NBSP}PM] Dana Whitlock:\n"
)
IOS_US_EXPECTED = [
    (1, datetime(2019, 1, 8, 8, 5, 34), "Border liaison", "Messages and calls are end-to-end encrypted.", "system"),
    (
        2,
        datetime(2019, 1, 8, 8, 5, 40),
        "Dana Whitlock",
        "<attached: 00000163-PHOTO-2019-01-08-08-05-39.jpg>",
        "attachment",
    ),
    (3, datetime(2019, 1, 8, 20, 6, 2), "Nev Ortega", "That's awesome. Time: 5 - 6 pm", "message"),
    (4, datetime(2019, 1, 13, 23, 59, 59), "Dana Whitlock", "image omitted", "media_omitted"),
    (5, datetime(2019, 1, 13, 23, 59, 59), "Dana Whitlock", "", "message"),
]

# iOS, German: 24-hour clock, dotted dates with two-digit years; nothing above 12 decides, so the
# 24-hour clock makes it day-first; multi-line body whose second line looks like a header.
IOS_DE = (
    "[01.02.19, 15:16:18] Jürgen Maas: Diese Nachricht wurde gelöscht.\n"
    "[02.03.19, 07:00:00] Jürgen Maas: Treffen verschoben\n"
    "02.03.19, 08:00 Uhr passt auch\n"
)
IOS_DE_EXPECTED = [
    (1, datetime(2019, 2, 1, 15, 16, 18), "Jürgen Maas", "Diese Nachricht wurde gelöscht.", "deleted"),
    (2, datetime(2019, 3, 2, 7, 0, 0), "Jürgen Maas", "Treffen verschoben\n02.03.19, 08:00 Uhr passt auch", "message"),
]

ALL = {
    "android_us": (ANDROID_US, ANDROID_US_EXPECTED),
    "android_es": (ANDROID_ES, ANDROID_ES_EXPECTED),
    "android_fi": (ANDROID_FI, ANDROID_FI_EXPECTED),
    "ios_us": (IOS_US, IOS_US_EXPECTED),
    "ios_de": (IOS_DE, IOS_DE_EXPECTED),
}
