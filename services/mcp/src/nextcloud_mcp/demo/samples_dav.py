"""The demo's calendar (a weekly stand-up, one-off events), task list and contacts, as iCalendar and vCard text.

Bodies of the fake Nextcloud's `/__testbed__/seed/calendars` and `/seed/addressbooks` (shapes in
`services/fake-nextcloud/src/fake_nextcloud/control/calendars.py`). Times are UTC; dates are relative to `today`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

__all__ = ["addressbooks", "calendars"]

JSON = dict[str, Any]


def _text(value: str) -> str:
    """RFC 5545 / RFC 6350 TEXT escaping."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute).strftime("%Y%m%dT%H%M%SZ")


def _ical(uid: str, component: str, stamp: str, lines: list[str]) -> JSON:
    body = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//nextcloud-mcp-server//demo//EN",
        f"BEGIN:{component}",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        *lines,
        f"END:{component}",
        "END:VCALENDAR",
    ]
    return {"name": f"{uid}.ics", "data": "\r\n".join(body) + "\r\n"}


def calendars(today: date) -> JSON:
    """`personal` (events: a weekly stand-up since four weeks ago, lunch, the dentist, a trip) and `tasks`."""
    stamp = _utc(today, 8)
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=4)

    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    events = [
        _ical(
            "demo-standup",
            "VEVENT",
            stamp,
            [
                "SUMMARY:Team stand-up",
                f"DTSTART:{_utc(first, 9, 30)}",
                f"DTEND:{_utc(first, 9, 45)}",
                "RRULE:FREQ=WEEKLY;BYDAY=MO",
                "LOCATION:Video call",
                f"DESCRIPTION:{_text('What I did, what I will do, what blocks me. Fifteen minutes, no more.')}",
            ],
        ),
        _ical(
            "demo-lunch-bob",
            "VEVENT",
            stamp,
            [
                "SUMMARY:Lunch with Bob",
                f"DTSTART:{_utc(day(2), 12, 30)}",
                f"DTEND:{_utc(day(2), 13, 30)}",
                f"LOCATION:{_text('Café Luna, Market Square 3')}",
            ],
        ),
        _ical(
            "demo-dentist",
            "VEVENT",
            stamp,
            [
                "SUMMARY:Dentist (Dr. Novak)",
                f"DTSTART:{_utc(day(6), 8, 0)}",
                f"DTEND:{_utc(day(6), 8, 45)}",
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                "DESCRIPTION:Dentist",
                "TRIGGER:-PT1H",
                "END:VALARM",
            ],
        ),
        _ical(
            "demo-lisbon",
            "VEVENT",
            stamp,
            [
                "SUMMARY:Lisbon trip",
                f"DTSTART;VALUE=DATE:{day(14):%Y%m%d}",
                f"DTEND;VALUE=DATE:{day(19):%Y%m%d}",
                "TRANSP:TRANSPARENT",
            ],
        ),
    ]
    tasks = [
        _ical(
            "demo-task-budget",
            "VTODO",
            stamp,
            [
                "SUMMARY:Send the Aurora budget to finance",
                f"DUE:{_utc(day(1), 17)}",
                "PRIORITY:1",
                "CATEGORIES:Work",
                "STATUS:NEEDS-ACTION",
            ],
        ),
        _ical(
            "demo-task-tickets",
            "VTODO",
            stamp,
            [
                "SUMMARY:Book train tickets to Lisbon",
                f"DUE;VALUE=DATE:{day(4):%Y%m%d}",
                "PRIORITY:5",
                "CATEGORIES:Personal",
                "STATUS:NEEDS-ACTION",
            ],
        ),
        _ical(
            "demo-task-passport",
            "VTODO",
            stamp,
            [
                "SUMMARY:Renew passport",
                f"DUE;VALUE=DATE:{day(10):%Y%m%d}",
                f"DESCRIPTION:{_text('Photo, old passport, the form; the town hall opens at 8.')}",
                "CATEGORIES:Personal",
                "STATUS:NEEDS-ACTION",
            ],
        ),
        _ical(
            "demo-task-plants",
            "VTODO",
            stamp,
            [
                "SUMMARY:Water the plants",
                "STATUS:COMPLETED",
                "PERCENT-COMPLETE:100",
                f"COMPLETED:{_utc(day(-1), 18)}",
            ],
        ),
    ]
    return {
        "user": "alice",
        "calendars": [
            {"uri": "personal", "objects": events},
            {"uri": "tasks", "name": "Tasks", "components": ["VTODO"], "color": "#49a078", "objects": tasks},
        ],
    }


def _vcard(uid: str, lines: list[str]) -> JSON:
    return {
        "name": f"{uid}.vcf",
        "data": "\r\n".join(["BEGIN:VCARD", "VERSION:3.0", f"UID:{uid}", *lines, "END:VCARD"]) + "\r\n",
    }


def addressbooks(today: date) -> JSON:
    """Three contacts in the default `contacts` book; Bob's birthday falls ten days from now."""
    soon = today + timedelta(days=10)
    cards = [
        _vcard(
            "demo-bob",
            [
                "FN:Bob Keller",
                "N:Keller;Bob;;;",
                "EMAIL;TYPE=WORK:bob@example.org",
                "TEL;TYPE=CELL:+49 151 2345678",
                "ORG:Example GmbH",
                f"BDAY:1988-{soon:%m-%d}",  # 1988 is a leap year: 29 February stays a valid date
                "CATEGORIES:Team",
            ],
        ),
        _vcard(
            "demo-carla",
            [
                "FN:Carla Díaz",
                "N:Díaz;Carla;;;",
                "EMAIL;TYPE=WORK:carla@auroralabs.example",
                "ORG:Aurora Labs",
                "TITLE:Head of Marketing",
                "BDAY:1979-03-14",
                "CATEGORIES:Clients",
            ],
        ),
        _vcard(
            "demo-novak",
            [
                "FN:Dr. Eva Novak",
                "N:Novak;Eva;;Dr.;",
                "TEL;TYPE=WORK:+49 30 9876543",
                f"ADR;TYPE=WORK:;;{_text('Linden Street 12')};Berlin;;10115;Germany",
                "NOTE:Dentist",
            ],
        ),
    ]
    return {"user": "alice", "addressbooks": [{"uri": "contacts", "cards": cards}]}
