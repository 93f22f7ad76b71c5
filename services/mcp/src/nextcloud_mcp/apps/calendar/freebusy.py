"""Free/busy: the RFC 6638 §5 VFREEBUSY request, parsing of VFREEBUSY answers, and the slot suggestion.

Nextcloud answers a `POST` to the scheduling outbox (what the Calendar app's free/busy view sends) with one
`cal:response` per attendee (sabre-io/dav lib/CalDAV/Schedule/Plugin.php::handleFreeBusyRequest); an attendee
is found by e-mail only (`getFreeBusyForEmail`), so user ids are resolved to their `mailto:` address first.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar

from nextcloud_mcp.apps.calendar.ical import new_calendar, parse_ics
from nextcloud_mcp.apps.calendar.ical_time import to_utc
from nextcloud_mcp.core.errors import InvalidInput

__all__ = ["Interval", "busy_periods", "freebusy_request", "merge", "parse_hours", "suggest_slot"]

Interval = tuple[datetime, datetime]
_STEP = timedelta(minutes=15)


def freebusy_request(organizer: str, attendees: list[str], start: datetime, end: datetime) -> bytes:
    """A METHOD:REQUEST VFREEBUSY for `attendees` (calendar addresses) between two UTC instants."""
    cal = new_calendar()
    cal.add("METHOD", "REQUEST")
    fb = icalendar.FreeBusy()
    fb.add("UID", str(uuid.uuid4()))
    fb.add("DTSTAMP", datetime.now(UTC).replace(microsecond=0))
    fb.add("DTSTART", start.astimezone(UTC))
    fb.add("DTEND", end.astimezone(UTC))
    fb.add("ORGANIZER", icalendar.vCalAddress(organizer), encode=False)
    for attendee in attendees:
        fb.add("ATTENDEE", icalendar.vCalAddress(attendee), encode=False)
    cal.add_component(fb)
    data: bytes = cal.to_ical()
    return data


def busy_periods(data: str | bytes) -> list[Interval]:
    """Busy intervals (UTC) of every VFREEBUSY in `data`; FBTYPE=FREE periods are skipped."""
    out: list[Interval] = []
    for fb in parse_ics(data, "free/busy answer").walk("VFREEBUSY"):
        values = fb.get("FREEBUSY", [])
        for prop in values if isinstance(values, list) else [values]:
            if str(prop.params.get("FBTYPE", "BUSY")).upper() == "FREE":
                continue
            for period in _periods(prop):
                out.append(period)
    return merge(out)


def _periods(prop: object) -> list[Interval]:
    raw = prop.to_ical().decode() if hasattr(prop, "to_ical") else str(prop)
    out = []
    for item in raw.split(","):
        try:
            start_s, _, end_s = item.partition("/")
            parse: Any = icalendar.vDDDTypes.from_ical
            start = parse(start_s)
            end = start + parse(end_s) if end_s.startswith(("P", "+P", "-P")) else parse(end_s)
            out.append((to_utc(start), to_utc(end)))
        except (ValueError, TypeError):
            continue
    return out


def merge(intervals: list[Interval]) -> list[Interval]:
    """Sorted, overlapping/adjacent intervals joined."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def parse_hours(text: str) -> tuple[time, time]:
    """`"09:00-17:00"` → (09:00, 17:00)."""
    try:
        lo, hi = (time.fromisoformat(part.strip()) for part in text.split("-", 1))
    except ValueError as exc:
        raise InvalidInput(f"working_hours {text!r} must look like 09:00-17:00.") from exc
    if hi <= lo:
        raise InvalidInput(f"working_hours {text!r} must end after it starts.")
    return lo, hi


def _ceil(value: datetime) -> datetime:
    base = value.replace(minute=0, second=0, microsecond=0)
    while base < value:
        base += _STEP
    return base


def suggest_slot(
    busy: list[Interval],
    start: datetime,
    end: datetime,
    duration: timedelta,
    tz: tzinfo,
    hours: tuple[time, time],
    weekdays_only: bool = True,
) -> Interval | None:
    """The first slot of `duration` in [start, end) inside working hours (in `tz`) that nobody is busy in."""
    merged = merge(busy)
    day: date = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        if not weekdays_only or day.weekday() < 5:
            lo = max(datetime.combine(day, hours[0], tz).astimezone(UTC), start.astimezone(UTC))
            hi = min(datetime.combine(day, hours[1], tz).astimezone(UTC), end.astimezone(UTC))
            cursor = _ceil(lo)
            for b_start, b_end in merged:
                if b_end <= cursor or b_start >= hi:
                    continue
                if b_start - cursor >= duration:
                    return cursor, cursor + duration
                cursor = max(cursor, _ceil(b_end))
            if hi - cursor >= duration:
                return cursor, cursor + duration
        day += timedelta(days=1)
    return None
