"""The "Contact birthdays" calendar (``contact_birthdays``): events Nextcloud generates from the user's contacts.

nextcloud/server apps/dav/lib/CalDAV/BirthdayService.php, called by Listener/BirthdayListener.php on
CardCreatedEvent / CardUpdatedEvent / CardDeletedEvent (every card write of CardDavBackend, seeding included):

- ``onCardChanged`` / ``onCardDeleted``: when the app value ``dav/generateBirthdayCalendar`` is ``yes`` (default)
  and the owner has not opted out (user value of the same name, set to ``no`` when the user deletes the calendar:
  Calendar.php::delete), ``ensureCalendarExists`` creates ``contact_birthdays`` ("Contact birthdays", ``#E9D859``,
  VEVENT only) on *any* card change, with or without dates.
- ``updateCalendar``: per field (``BDAY`` -> ``<book>-<card>.ics``, ``DEATHDATE`` -> ``<book>-<card>-death.ics``,
  ``ANNIVERSARY`` -> ``<book>-<card>-anniversary.ics``) the event is created, deleted when the card no longer yields
  one, and rewritten only when DTSTART or SUMMARY changed (``birthdayEvenChanged``: DTSTAMP and etag stay
  otherwise). An event with the same UID under another name (a card moved to another address book) is deleted
  before the new one is created.
- ``buildDateFromContact``: the card is read and converted to vCard 4.0 (so ``X-APPLE-OMIT-YEAR`` becomes a
  ``--MMDD`` date); no event without FN, with ``X-NC-EXCLUDE-FROM-BIRTHDAY-CALENDAR``, or with a value that is not
  a parseable date. An unknown year (also 1604) or one before 1970 starts the series in 1970 (1972 for 29
  February, ``RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1``); SUMMARY is ``formatTitle`` for a 4-byte database
  ("🎂 Name (1990)", "💍 Name (2001)", "Death of Name (2020)"); a ``VALARM`` fires at ``PT9H`` (the user value
  ``birthdayCalendarReminderOffset``'s default). The serialisation is sabre/vobject's, as stored rows of real
  instances show: ``VERSION``, ``CALSCALE``, ``PRODID``, then ``DTSTAMP``, ``DTSTART;VALUE=DATE``, ``DTEND``, ``UID``
  (the card's UID + postfix), ``RRULE``, ``SUMMARY``, ``TRANSP:TRANSPARENT``, ``X-NEXTCLOUD-BC-*``.
- The calendar is read-only: Calendar.php::getACL grants ``{DAV:}read`` and ``{DAV:}write-properties`` only, so
  Sabre refuses PUT/DELETE/MOVE of its objects, and DavAclPlugin turns that into 403 "Access denied" (the user owns
  the node): the engine's read-only registry does that (``routes._check_writable``). Deleting the calendar works and
  is remembered (no regeneration); MKCALENDAR of the name is refused (reserved, ``routes``).
- An address book deleted: Nextcloud (BirthdayListener, AddressBookDeletedEvent) queues a rebuild of the owner's
  birthday calendar; the fake rebuilds at once.

Not modelled: shares (sharees' birthday calendars), the reminder offset setting, ``X-NC-EXCLUDE`` on the
address book, the EnablePlugin (``POST`` to re-enable), the background job that fills the calendar for existing
cards when it is (re-)enabled.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote, unquote

import anyio

from fake_nextcloud.apps.caldav.engine import SCRIPT_NAMES, CalDavEngine, ReadOnly, mkcalendar_body
from fake_nextcloud.apps.caldav.mimedir import parse
from fake_nextcloud.apps.caldav.vcard import DATE_KINDS, VCARD40, fold
from fake_nextcloud.apps.caldav.vcardconvert import ConversionError, convert
from fake_nextcloud.apps.caldav.vcardtime import ParseError, parse_vcard_datetime
from fake_nextcloud.core.state import FakeState

__all__ = [
    "URI",
    "BirthdaySettings",
    "book_deleted",
    "build_event",
    "calendar_deleted",
    "card_changed",
    "card_deleted",
    "enabled",
    "on_write",
]

URI = "contact_birthdays"  # BirthdayService::BIRTHDAY_CALENDAR_URI
NAME, COLOR = "Contact birthdays", "#E9D859"  # ensureCalendarExists
PRODID = "-//IDN nextcloud.com//Birthday calendar//EN"
REMINDER = "PT9H"  # getReminderOffsetForUser default
EXCLUDE = "X-NC-EXCLUDE-FROM-BIRTHDAY-CALENDAR"
FIELDS = (("", "BDAY"), ("-death", "DEATHDATE"), ("-anniversary", "ANNIVERSARY"))
_SYSTEM_BOOK = "z-server-generated--system"  # its cards belong to principals/system/system, not the user


class BirthdaySettings:
    """The user values ``dav/generateBirthdayCalendar`` that are ``no`` (users who deleted the calendar)."""

    def __init__(self, state: FakeState) -> None:
        self.opted_out: set[str] = set()

    @classmethod
    def of(cls, state: FakeState) -> BirthdaySettings:
        return state.backend("caldav-birthdays", cls)

    def storage_used(self, uid: str) -> int:
        return 0


def enabled(state: FakeState, uid: str) -> bool:
    """isGloballyEnabled and isUserEnabled."""
    globally = state.config.app_value("dav", "generateBirthdayCalendar", "yes") == "yes"
    return globally and uid not in BirthdaySettings.of(state).opted_out


# -- the event ---------------------------------------------------------------------------------------------------


def _text(value: str) -> str:
    """sabre/vobject Text::getRawMimeDirValue escaping."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n").replace("\r", "")


def _title(field: str, name: str, year: int | None) -> str:
    """formatTitle with ``$supports4Byte`` (utf8mb4 databases); l10n in English."""
    suffix = f" ({year})" if year else ""
    if field == "BDAY":
        return f"🎂 {name}{suffix}"
    if field == "ANNIVERSARY":
        return f"💍 {name}{suffix}"
    return f"Death of {name}{suffix}"


def build_event(card_text: str, field: str, postfix: str, stamp: int, reminder: str | None = REMINDER) -> str | None:
    """buildDateFromContact: the VCALENDAR for one date field of a card, or ``None``."""
    try:
        card = convert(parse(card_text), VCARD40)
    except (ParseError, ConversionError):
        return None
    if card.select(EXCLUDE) or not card.select(field) or not card.select("FN"):
        return None
    prop = card.select(field)[0]
    value = str(prop.get_value() or "")
    if not value or prop.kind not in DATE_KINDS:  # "Skip if the BDAY property is not of the right type."
        return None
    try:
        parts = parse_vcard_datetime(value)
        year = parts["year"]
        if year is not None:
            omit = prop.params.get("X-APPLE-OMIT-YEAR")
            if (omit is not None and omit.value_string() == year) or int(year) == 1604:
                year = None
        original = int(year) if year is not None else None
        month, day = int(parts["month"] or 0), int(parts["date"] or 0)
        leap = month == 2 and day == 29
        first = date(1972 if leap else 1970, month, day) if original is None or original < 1970 else None
        start = first or date(original or 1970, month, day)
    except (ParseError, ValueError):
        return None
    summary = _title(field, str(card.select("FN")[0].get_value() or ""), original)
    uid_prop = card.select("UID")
    rrule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1" if leap else "FREQ=YEARLY"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"PRODID:{PRODID}",
        "BEGIN:VEVENT",
        f"DTSTAMP:{datetime.fromtimestamp(stamp, UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
        f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}",
        f"UID:{_text(str(uid_prop[0].get_value() or '') if uid_prop else '')}{_text(postfix)}",
        f"RRULE:{rrule}",
        f"SUMMARY:{_text(summary)}",
        "TRANSP:TRANSPARENT",
        f"X-NEXTCLOUD-BC-FIELD-TYPE:{field}",
        f"X-NEXTCLOUD-BC-UNKNOWN-YEAR:{'1' if year is None else '0'}",
    ]
    if original is not None:
        lines.append(f"X-NEXTCLOUD-BC-YEAR:{original}")
    if reminder:
        lines += ["BEGIN:VALARM", f"TRIGGER;VALUE=DURATION:{reminder}", "ACTION:DISPLAY"]
        lines += [f"DESCRIPTION:{_text(summary)}", "END:VALARM"]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) for line in lines)  # fold ends each line with CRLF


# -- the calendar ------------------------------------------------------------------------------------------------


def _calendar(uid: str) -> str:
    return f"/{quote(uid)}/{URI}/"


def _ensure_calendar(engine: CalDavEngine, uid: str) -> None:
    """ensureCalendarExists; the calendar is read-only for its owner (Calendar::getACL)."""
    path = _calendar(uid)
    if engine.call("calendars", "PROPFIND", path, uid, {"Depth": "0"}).status != 207:
        engine.call("calendars", "MKCALENDAR", path, uid, body=mkcalendar_body(NAME, ["VEVENT"], COLOR))
    engine.read_only[(uid, URI)] = ReadOnly(None)


def _field_value(data: bytes, name: str) -> str | None:
    match = re.search(rb"^" + name.encode() + rb"[;:][^\r\n]*", data, re.MULTILINE)
    return match.group().split(b":", 1)[1].decode("utf-8", "replace") if match else None


def _update(engine: CalDavEngine, uid: str, book: str, card: str, card_text: str) -> None:
    """updateCalendar for the three fields of one card."""
    for postfix, field in FIELDS:
        name = f"{book}-{card}{postfix}.ics"
        path = _calendar(uid) + quote(name)
        event = build_event(card_text, field, postfix, engine.state.time())
        existing = engine.objects.get(path)
        if event is None:
            if existing is not None:
                engine.call("calendars", "DELETE", path, uid)
            continue
        data = event.encode()
        if existing is None:
            event_uid = _field_value(data, "UID")
            for other, stored in engine.objects.collection(_calendar(uid)).items():
                if other != name and _field_value(stored, "UID") == event_uid:
                    engine.call("calendars", "DELETE", _calendar(uid) + quote(other), uid)
        elif all(_field_value(existing, p) == _field_value(data, p) for p in ("DTSTART", "SUMMARY")):
            continue  # birthdayEvenChanged: nothing to rewrite
        engine.call("calendars", "PUT", path, uid, {"Content-Type": "text/calendar; charset=utf-8"}, data)


def card_changed(engine: CalDavEngine, uid: str, book: str, card: str) -> None:
    """onCardChanged for the card ``card`` of ``uid``'s address book ``book`` (its stored bytes)."""
    if book == _SYSTEM_BOOK or not enabled(engine.state, uid):
        return
    stored = engine.cards.get(f"/{quote(uid)}/{quote(book)}/{quote(card)}")
    _ensure_calendar(engine, uid)
    _update(engine, uid, book, card, (stored or b"").decode("utf-8", "replace"))


def card_deleted(engine: CalDavEngine, uid: str, book: str, card: str) -> None:
    """onCardDeleted: the card's three events go (deleted for good, not into the trash bin)."""
    if book == _SYSTEM_BOOK or not enabled(engine.state, uid):
        return
    _ensure_calendar(engine, uid)
    for postfix, _ in FIELDS:
        path = _calendar(uid) + quote(f"{book}-{card}{postfix}.ics")
        if engine.objects.get(path) is not None:
            engine.call("calendars", "DELETE", path, uid)


def book_deleted(engine: CalDavEngine, uid: str, book: str) -> None:
    """After an address book is deleted: the events generated from its cards go (the rebuild Nextcloud queues)."""
    if not enabled(engine.state, uid) or (uid, URI) not in engine.read_only:
        return
    for name in list(engine.objects.collection(_calendar(uid))):
        if name.startswith(f"{book}-") and not _from_other_book(engine, uid, name):
            engine.call("calendars", "DELETE", _calendar(uid) + quote(name), uid)


def _from_other_book(engine: CalDavEngine, uid: str, event: str) -> bool:
    """Whether the event name also fits a card of a remaining address book (``a-b`` + ``c.vcf`` vs ``a`` +
    ``b-c.vcf``)."""
    books = {k.split("/")[2] for k in engine.cards.objects if k.startswith(f"/{uid}/") and k.count("/") == 3}
    for book in books:
        for card in engine.cards.collection(f"/{quote(uid)}/{quote(book)}/"):
            if any(event == f"{book}-{card}{postfix}.ics" for postfix, _ in FIELDS):
                return True
    return False


def calendar_deleted(state: FakeState, uid: str) -> None:
    """Calendar::delete of the birthday calendar: ``generateBirthdayCalendar`` = ``no`` for the user."""
    BirthdaySettings.of(state).opted_out.add(uid)


async def on_write(engine: CalDavEngine, uid: str, method: str, parts: list[str], destination: str) -> None:
    """The hook of routes.py after a successful address-book write (``parts`` below the home, starting with the
    user id; ``destination`` the MOVE target's path below the webroot)."""
    prefix = SCRIPT_NAMES["addressbooks"] + "/"
    target = [unquote(p) for p in destination[len(prefix) :].split("/") if p] if destination.startswith(prefix) else []

    def run() -> None:
        if method == "DELETE" and len(parts) == 2:
            book_deleted(engine, uid, parts[1])
        elif method == "PUT" and len(parts) == 3:
            card_changed(engine, uid, parts[1], parts[2])
        elif method == "DELETE" and len(parts) == 3:
            card_deleted(engine, uid, parts[1], parts[2])
        elif method == "MOVE" and len(parts) == 3 and len(target) == 3:
            # no IMoveTarget on address books: Sabre copies (CardCreatedEvent) then deletes (CardDeletedEvent)
            card_changed(engine, uid, target[1], target[2])
            card_deleted(engine, uid, parts[1], parts[2])

    await anyio.to_thread.run_sync(run)
