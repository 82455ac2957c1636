"""Chat exports in the real formats, written for the tests (invented people), with the
messages each must give: (line, local time, sender, body, kind)."""

from __future__ import annotations

from datetime import datetime

LRM, NNBSP, NBSP, THIN = "\u200e", "\u202f", "\u00a0", "\u2009"
RLM, RLE, PDF = "\u200f", "\u202b", "\u202c"

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

# Android, German: dotted dates with two-digit years and a comma, 24-hour clock; German media and
# attachment placeholders; a day above 12 decides day-first.
ANDROID_DE = (
    "09.01.19, 14:32 - Jürgen Maas: Die Liste kommt heute Abend\n"
    "09.01.19, 14:33 - Jürgen Maas: <Medien ausgeschlossen>\n"
    "15.01.19, 08:01 - Dana Whitlock: IMG-20190115-WA0003.jpg (Datei angehängt)\n"
    "15.01.19, 08:02 - Jürgen Maas: Du hast diese Nachricht gelöscht\n"
)
ANDROID_DE_EXPECTED = [
    (1, datetime(2019, 1, 9, 14, 32), "Jürgen Maas", "Die Liste kommt heute Abend", "message"),
    (2, datetime(2019, 1, 9, 14, 33), "Jürgen Maas", "<Medien ausgeschlossen>", "media_omitted"),
    (3, datetime(2019, 1, 15, 8, 1), "Dana Whitlock", "IMG-20190115-WA0003.jpg (Datei angehängt)", "attachment"),
    (4, datetime(2019, 1, 15, 8, 2), "Jürgen Maas", "Du hast diese Nachricht gelöscht", "deleted"),
]

# Android, French: "date à heure", day-first with four-digit years, 24-hour clock; the encryption
# notice, an attachment and the French placeholders.
ANDROID_FR = (
    "09/01/2019 à 14:32 - Les messages et les appels sont chiffrés de bout en bout. Aucun tiers, "
    "pas même WhatsApp, ne peut les lire ou les écouter.\n"
    "09/01/2019 à 14:35 - Amélie Durand: Bonjour, voici la liste : 14 noms\n"
    "09/01/2019 à 14:36 - Amélie Durand: <Médias omis>\n"
    "10/01/2019 à 09:00 - Amélie Durand: liste-caravane.pdf (fichier joint)\n"
    "10/01/2019 à 09:01 - Dana Whitlock: Ce message a été supprimé\n"
)
ANDROID_FR_EXPECTED = [
    (
        1,
        datetime(2019, 1, 9, 14, 32),
        None,
        "Les messages et les appels sont chiffrés de bout en bout. Aucun tiers, pas même WhatsApp, ne peut les lire "
        "ou les écouter.",
        "system",
    ),
    (2, datetime(2019, 1, 9, 14, 35), "Amélie Durand", "Bonjour, voici la liste : 14 noms", "message"),
    (3, datetime(2019, 1, 9, 14, 36), "Amélie Durand", "<Médias omis>", "media_omitted"),
    (4, datetime(2019, 1, 10, 9, 0), "Amélie Durand", "liste-caravane.pdf (fichier joint)", "attachment"),
    (5, datetime(2019, 1, 10, 9, 1), "Dana Whitlock", "Ce message a été supprimé", "deleted"),
]

# Android, Brazilian Portuguese: no comma between date and time, 24-hour clock; Portuguese
# placeholders and attachment; nothing above 12 in the days, so the 24-hour clock decides.
ANDROID_PT_BR = (
    "03/01/2019 08:15 - Maria Souza: Bom dia! Segue a relação dos nomes\n"
    "03/01/2019 08:16 - Maria Souza: <Mídia oculta>\n"
    "04/01/2019 19:40 - Maria Souza: PTT-20190104-WA0001.opus (arquivo anexado)\n"
    "04/01/2019 19:41 - Dana Whitlock: Esta mensagem foi apagada\n"
)
ANDROID_PT_BR_EXPECTED = [
    (1, datetime(2019, 1, 3, 8, 15), "Maria Souza", "Bom dia! Segue a relação dos nomes", "message"),
    (2, datetime(2019, 1, 3, 8, 16), "Maria Souza", "<Mídia oculta>", "media_omitted"),
    (3, datetime(2019, 1, 4, 19, 40), "Maria Souza", "PTT-20190104-WA0001.opus (arquivo anexado)", "attachment"),
    (4, datetime(2019, 1, 4, 19, 41), "Dana Whitlock", "Esta mensagem foi apagada", "deleted"),
]

# iOS, Russian: brackets, dotted dates with four-digit years and a comma, seconds, 24-hour
# clock; Cyrillic names; the encryption notice under the group's name; Russian placeholders.
IOS_RU = (
    f"[09.01.2019, 14:32:05] Пограничная группа: {LRM}Сообщения и звонки защищены сквозным шифрованием.\n"
    "[09.01.2019, 14:33:10] Иван Петров: Список будет вечером\n"
    "уточню по телефону\n"
    f"[10.01.2019, 07:00:00] Иван Петров: {LRM}изображение отсутствует\n"
    f"[10.01.2019, 07:01:00] Иван Петров: {LRM}Данное сообщение удалено.\n"
)
IOS_RU_EXPECTED = [
    (
        1,
        datetime(2019, 1, 9, 14, 32, 5),
        "Пограничная группа",
        "Сообщения и звонки защищены сквозным шифрованием.",
        "system",
    ),
    (2, datetime(2019, 1, 9, 14, 33, 10), "Иван Петров", "Список будет вечером\nуточню по телефону", "message"),
    (4, datetime(2019, 1, 10, 7, 0), "Иван Петров", "изображение отсутствует", "media_omitted"),
    (5, datetime(2019, 1, 10, 7, 1), "Иван Петров", "Данное сообщение удалено.", "deleted"),
]

# Android, English (India): day-first with two-digit years, 12-hour clock in lower case with a
# narrow no-break space ("2:32 pm"); the 14th decides day-first although the clock is 12-hour.
ANDROID_EN_IN = (
    f"09/01/19, 2:32{NNBSP}pm - Rahul Verma: Sharing the names now\n"
    f"09/01/19, 11:58{NNBSP}pm - Rahul Verma: <Media omitted>\n"
    f"14/01/19, 12:05{NNBSP}am - Dana Whitlock: Received, thanks\n"
    f"14/01/19, 12:45{NNBSP}pm - Rahul Verma: You deleted this message\n"
)
ANDROID_EN_IN_EXPECTED = [
    (1, datetime(2019, 1, 9, 14, 32), "Rahul Verma", "Sharing the names now", "message"),
    (2, datetime(2019, 1, 9, 23, 58), "Rahul Verma", "<Media omitted>", "media_omitted"),
    (3, datetime(2019, 1, 14, 0, 5), "Dana Whitlock", "Received, thanks", "message"),
    (4, datetime(2019, 1, 14, 12, 45), "Rahul Verma", "You deleted this message", "deleted"),
]

# Right-to-left names (Arabic and Hebrew script, Western digits): Android (English, UK: day-first,
# 24-hour) wraps the names in U+202B ... U+202C and marks them with U+200F; the marks go, the
# names and texts stay as written; an Arabic deletion marker.
ANDROID_RTL = (
    f"14/01/2019, 09:15 - {RLE}سامي حداد{PDF}: {RLM}مرحبا، القائمة جاهزة\n"
    f"14/01/2019, 09:16 - {RLM}דנה לוי{RLM}: {RLM}תודה, אעביר הלאה\n"
    f"14/01/2019, 09:17 - {RLE}سامي حداد{PDF}: {RLM}تم حذف هذه الرسالة\n"
    f"15/01/2019, 18:00 - {RLM}דנה לוי{RLM}: {RLM}ההודעה נמחקה\n"
)
ANDROID_RTL_EXPECTED = [
    (1, datetime(2019, 1, 14, 9, 15), "سامي حداد", "مرحبا، القائمة جاهزة", "message"),
    (2, datetime(2019, 1, 14, 9, 16), "דנה לוי", "תודה, אעביר הלאה", "message"),
    (3, datetime(2019, 1, 14, 9, 17), "سامي حداد", "تم حذف هذه الرسالة", "deleted"),
    (4, datetime(2019, 1, 15, 18, 0), "דנה לוי", "ההודעה נמחקה", "deleted"),
]

ALL = {
    "android_us": (ANDROID_US, ANDROID_US_EXPECTED),
    "android_es": (ANDROID_ES, ANDROID_ES_EXPECTED),
    "android_fi": (ANDROID_FI, ANDROID_FI_EXPECTED),
    "ios_us": (IOS_US, IOS_US_EXPECTED),
    "ios_de": (IOS_DE, IOS_DE_EXPECTED),
    "android_de": (ANDROID_DE, ANDROID_DE_EXPECTED),
    "android_fr": (ANDROID_FR, ANDROID_FR_EXPECTED),
    "android_pt_br": (ANDROID_PT_BR, ANDROID_PT_BR_EXPECTED),
    "ios_ru": (IOS_RU, IOS_RU_EXPECTED),
    "android_en_in": (ANDROID_EN_IN, ANDROID_EN_IN_EXPECTED),
    "android_rtl": (ANDROID_RTL, ANDROID_RTL_EXPECTED),
}
