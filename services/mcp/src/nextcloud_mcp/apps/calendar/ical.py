"""Events ↔ iCalendar with `icalendar` (imported only by the calendar/tasks clients, inside their calls).

Never string templates: every property goes through icalendar, so zoned values carry `TZID` and a
`VTIMEZONE` generated from zoneinfo, UTC values end in `Z`, dates are `VALUE=DATE`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import icalendar

from nextcloud_mcp import __version__
from nextcloud_mcp.apps.calendar.ical_time import TimeValue, format_value, round_trips, to_utc, zone_name
from nextcloud_mcp.core.errors import InvalidInput, ProtocolError

__all__ = [
    "EventFields",
    "apply_event_fields",
    "bump_sequence",
    "component_end",
    "copy_component",
    "event_view",
    "master",
    "new_calendar",
    "new_component",
    "parse_ics",
    "plus",
    "prop_dt",
    "rule_of",
    "serialize",
    "set_end",
    "span",
    "strip_recurrence",
    "text",
]

PRODID = f"-//nextcloud-mcp//{__version__}//EN"
_SKIP_COPY = frozenset({"RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "DTSTAMP"})


@dataclass
class EventFields:
    """Changes from the caller; None means "leave as it is" (on create: not set)."""

    summary: str | None = None
    start: TimeValue | None = None
    end: TimeValue | None = None
    location: str | None = None
    description: str | None = None
    status: str | None = None
    attendees: list[str] | None = None
    reminders: list[int] | None = None  # minutes before the start
    rrule: str | None = None  # "" removes the rule
    organizer: str | None = None  # the user's own calendar address, set when attendees are given
    extra: dict[str, Any] = field(default_factory=dict)


def parse_ics(data: str | bytes, what: str = "calendar object") -> icalendar.Calendar:
    """Parse an iCalendar document from Nextcloud; ProtocolError names the object when it is broken."""
    try:
        cal = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise ProtocolError(f"The {what} is not valid iCalendar and cannot be read ({exc}).") from exc
    if not isinstance(cal, icalendar.Calendar):
        raise ProtocolError(f"The {what} is not a VCALENDAR.")
    return cal


def new_calendar() -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    return cal


def serialize(cal: icalendar.Calendar) -> bytes:
    """iCalendar bytes with a VTIMEZONE for every TZID used (generated from zoneinfo), VTIMEZONEs first."""
    cal.add_missing_timezones()
    cal.subcomponents.sort(key=lambda c: c.name != "VTIMEZONE")
    result: bytes = cal.to_ical()
    return result


def master(cal: icalendar.Calendar, kind: str = "VEVENT") -> icalendar.cal.Component:
    """The master component (no RECURRENCE-ID), or the first one when only overrides exist."""
    comps = [c for c in cal.subcomponents if c.name == kind]
    if not comps:
        raise ProtocolError(f"The calendar object has no {kind}.")
    for comp in comps:
        if "RECURRENCE-ID" not in comp:
            return comp
    return comps[0]


def text(comp: icalendar.cal.Component, name: str) -> str | None:
    value = comp.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0]
    return str(value)


def plus(value: date | datetime, delta: timedelta) -> date | datetime:
    """`value + delta` as an exact duration: zoned times add in UTC, so an hour is an hour across DST changes."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return (value.astimezone(UTC) + delta).astimezone(value.tzinfo)
    return value + delta


def span(start: date | datetime, end: date | datetime) -> timedelta:
    """The exact length between two values of the same kind (zoned times compared as instants)."""
    if isinstance(start, datetime) and start.tzinfo is not None and isinstance(end, datetime) and end.tzinfo:
        return end.astimezone(UTC) - start.astimezone(UTC)
    result: timedelta = end - start  # type: ignore[operator]
    return result


def prop_dt(comp: icalendar.cal.Component, name: str) -> Any:
    """The `.dt` of a date/time property, or None; ProtocolError when the stored value is broken."""
    prop: Any = comp.get(name)
    if prop is None:
        return None
    if isinstance(prop, list):
        prop = prop[0]
    try:
        value = prop.dt
    except Exception as exc:  # icalendar 7 raises BrokenCalendarProperty (and others) on bad values
        raise ProtocolError(f"The {name} of this calendar item is not a valid date or time.") from exc
    if not isinstance(value, (date, timedelta)):
        raise ProtocolError(f"The {name} of this calendar item is not a valid date or time.")
    return value


def date_list(comp: icalendar.cal.Component, name: str) -> list[Any]:
    """All values of an EXDATE/RDATE property (one or many lines, each with one or many values)."""
    raw: Any = comp.get(name)
    if raw is None:
        return []
    return [d.dt for item in (raw if isinstance(raw, list) else [raw]) for d in item.dts]


def rule_of(comp: icalendar.cal.Component) -> dict[str, Any]:
    """The RRULE as a mutable dict (empty when there is none)."""
    raw: Any = comp.get("RRULE")
    return dict(raw) if raw is not None else {}


def component_end(comp: icalendar.cal.Component) -> date | datetime | None:
    """DTEND, else DTSTART+DURATION, else the RFC 5545 default (one day for dates, zero otherwise)."""
    start = prop_dt(comp, "DTSTART")
    if "DTEND" in comp:
        end: date | datetime = prop_dt(comp, "DTEND")
        return end
    if "DURATION" in comp and start is not None:
        later: date | datetime = plus(start, prop_dt(comp, "DURATION"))
        return later
    if start is None:
        return None
    result: date | datetime = start if isinstance(start, datetime) else start + timedelta(days=1)
    return result


def _minutes_before(alarm: icalendar.cal.Component) -> int | None:
    trigger: Any = alarm.get("TRIGGER")
    if trigger is None or trigger.params.get("RELATED", "START") != "START":
        return None
    value = trigger.dt
    if not isinstance(value, timedelta):
        return None
    return int(-value.total_seconds() // 60)


def event_view(comp: icalendar.cal.Component) -> dict[str, Any]:
    """The fields shown to the model for one VEVENT (or expanded instance)."""
    start = prop_dt(comp, "DTSTART")
    end = component_end(comp)
    rid = comp.get("RECURRENCE-ID")
    rrule = comp.get("RRULE")
    attendees = comp.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    reminders = [m for m in (_minutes_before(a) for a in comp.walk("VALARM")) if m is not None]
    return {
        "uid": text(comp, "UID") or "",
        "title": text(comp, "SUMMARY") or "",
        "start": format_value(start) if start is not None else "",
        "end": format_value(end) if end is not None else None,
        "all_day": start is not None and not isinstance(start, datetime),
        "tz": zone_name(start.tzinfo) if isinstance(start, datetime) else "date",
        "location": text(comp, "LOCATION"),
        "description": text(comp, "DESCRIPTION"),
        "status": text(comp, "STATUS"),
        "attendees": [str(a).removeprefix("mailto:").removeprefix("MAILTO:") for a in attendees],
        "reminders": reminders,
        "rrule": rrule.to_ical().decode() if rrule is not None else None,
        "recurrence_id": format_value(prop_dt(comp, "RECURRENCE-ID")) if rid is not None else None,
        "transparent": text(comp, "TRANSP") == "TRANSPARENT",
    }


def _set(comp: icalendar.cal.Component, name: str, value: Any) -> None:
    comp.pop(name, None)
    if value is not None and value != "":
        comp.add(name, value)


def _set_times(comp: icalendar.cal.Component, start: TimeValue | None, end: TimeValue | None) -> None:
    old_start = prop_dt(comp, "DTSTART")
    old_end = component_end(comp)
    new_start = start.value if start is not None else old_start
    if new_start is None:
        raise InvalidInput("A start time is required.")
    all_day = not isinstance(new_start, datetime)
    if end is not None:
        new_end: date | datetime = end.value
    elif (
        start is not None
        and old_start is not None
        and old_end is not None
        and (isinstance(old_start, datetime) == (not all_day))
    ):
        new_end = plus(new_start, span(old_start, old_end))
    elif old_end is not None and start is None:
        new_end = old_end
    else:
        new_end = plus(new_start, timedelta(days=1) if all_day else timedelta(hours=1))
    if isinstance(new_end, datetime) == all_day:
        raise InvalidInput("Start and end must both be dates (all-day) or both be date-times.")
    if all_day and new_end == new_start:
        new_end = new_start + timedelta(days=1)  # a one-day all-day event; DTEND is exclusive
    if (
        isinstance(new_start, datetime)
        and isinstance(new_end, datetime)
        and ((new_start.tzinfo is None) != (new_end.tzinfo is None))
    ):
        raise InvalidInput("Start and end must both be floating or both have a zone.")
    if to_utc(new_end) < to_utc(new_start):
        raise InvalidInput(f"The end {format_value(new_end)} is before the start {format_value(new_start)}.")
    _set(comp, "DTSTART", new_start)
    set_end(comp, new_start, new_end)


def set_end(comp: icalendar.cal.Component, start: date | datetime, end: date | datetime) -> None:
    """Write the end as DTEND, or as DURATION when the end is the second pass of a repeated local hour.

    A TZID local time inside the hour repeated at the end of DST means its first pass (RFC 5545 §3.3.5), so a
    meeting from 02:30 CEST to 02:30 CET could not be written as DTEND without losing an hour.
    """
    comp.pop("DTEND", None)
    comp.pop("DURATION", None)
    if isinstance(end, datetime) and not round_trips(end):
        comp.add("DURATION", span(start, end))
    else:
        comp.add("DTEND", end)


def _alarm(minutes: int) -> icalendar.Alarm:
    alarm = icalendar.Alarm()
    alarm.add("ACTION", "DISPLAY")
    alarm.add("DESCRIPTION", "Reminder")
    alarm.add("TRIGGER", timedelta(minutes=-minutes))
    return alarm


def _rrule(rule: str) -> icalendar.vRecur:
    try:
        parsed: icalendar.vRecur = icalendar.vRecur.from_ical(rule.removeprefix("RRULE:"))
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"The recurrence rule {rule!r} is not a valid RRULE (e.g. FREQ=WEEKLY;BYDAY=MO).") from exc
    if "FREQ" not in parsed:
        raise InvalidInput(f"The recurrence rule {rule!r} has no FREQ.")
    from dateutil.rrule import rrulestr  # type: ignore[import-untyped]

    try:
        rrulestr(rule.removeprefix("RRULE:"), dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"The recurrence rule {rule!r} is not valid: {exc}.") from exc
    return parsed


def apply_event_fields(comp: icalendar.cal.Component, fields: EventFields, *, times: bool = True) -> None:
    """Write the given fields into a VEVENT/VTODO, keeping every property the caller did not name."""
    if times and (fields.start is not None or fields.end is not None or "DTSTART" not in comp):
        _set_times(comp, fields.start, fields.end)
    for name, value in (
        ("SUMMARY", fields.summary),
        ("LOCATION", fields.location),
        ("DESCRIPTION", fields.description),
        ("STATUS", fields.status.upper() if fields.status else fields.status),
    ):
        if value is not None:
            _set(comp, name, value)
    if fields.rrule is not None:
        _set(comp, "RRULE", _rrule(fields.rrule) if fields.rrule else None)
    if fields.attendees is not None:
        comp.pop("ATTENDEE", None)
        for email in fields.attendees:
            attendee = icalendar.vCalAddress(f"mailto:{email}")
            attendee.params.update({"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"})
            comp.add("ATTENDEE", attendee, encode=False)
        if fields.attendees and "ORGANIZER" not in comp and fields.organizer:
            comp.add("ORGANIZER", icalendar.vCalAddress(fields.organizer), encode=False)
    if fields.reminders is not None:
        comp.subcomponents = [c for c in comp.subcomponents if c.name != "VALARM"]
        for minutes in fields.reminders:
            comp.add_component(_alarm(minutes))
    for name, value in fields.extra.items():
        _set(comp, name, value)
    stamp = datetime.now(UTC).replace(microsecond=0)
    _set(comp, "DTSTAMP", stamp)
    _set(comp, "LAST-MODIFIED", stamp)


def bump_sequence(comp: icalendar.cal.Component) -> None:
    """Increase SEQUENCE after a change to an existing event (RFC 5546 §2.1.4)."""
    _set(comp, "SEQUENCE", int(comp.get("SEQUENCE", 0)) + 1)


def new_component(kind: str = "VEVENT", uid: str | None = None) -> icalendar.cal.Component:
    comp: icalendar.cal.Component = icalendar.Event() if kind == "VEVENT" else icalendar.Todo()
    comp.add("UID", uid or str(uuid.uuid4()))
    comp.add("CREATED", datetime.now(UTC).replace(microsecond=0))
    return comp


def copy_component(comp: icalendar.cal.Component) -> icalendar.cal.Component:
    """A deep copy through serialisation (keeps parameters and unknown properties)."""
    dup = parse_ics(b"BEGIN:VCALENDAR\r\n" + comp.to_ical() + b"END:VCALENDAR\r\n")
    copied: icalendar.cal.Component = dup.subcomponents[0]
    return copied


def strip_recurrence(comp: icalendar.cal.Component) -> None:
    for name in _SKIP_COPY - {"DTSTAMP"}:
        comp.pop(name, None)
