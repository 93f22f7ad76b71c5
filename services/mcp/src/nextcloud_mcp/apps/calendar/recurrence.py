"""Recurring events: expansion in a range and the three edit/delete scopes (`this`, `following`, `all`).

- `this`: an override VEVENT with RECURRENCE-ID in the same resource (RFC 5545 §3.8.4.4); delete adds EXDATE.
- `following`: the series is split as Nextcloud Calendar does (calendar-js `forkItem`/"this and all future"):
  the original gets `UNTIL` just before the instance, a new series (new UID, new resource) starts at it, and
  overrides/EXDATEs from the instance on move to the new series; delete only sets `UNTIL`.
- `all`: the master changes; when its start moves, the overrides' RECURRENCE-IDs and EXDATEs move with it
  so they keep pointing at real instances, and overrides that had the master's old value get the new one.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]

from nextcloud_mcp.apps.calendar.ical import (
    EventFields,
    apply_event_fields,
    bump_sequence,
    component_end,
    copy_component,
    date_list,
    master,
    new_calendar,
    plus,
    prop_dt,
    rule_of,
    set_end,
    span,
    text,
)
from nextcloud_mcp.apps.calendar.ical_time import UserZone, parse_time, to_utc, zone
from nextcloud_mcp.core.errors import InvalidInput

__all__ = ["delete_instance", "edit_all", "edit_following", "edit_this", "expand", "find_instance", "is_recurring"]

MAX_INSTANCES = 2000


def is_recurring(cal: icalendar.Calendar, kind: str = "VEVENT") -> bool:
    comp = master(cal, kind)
    return "RRULE" in comp or "RDATE" in comp or any("RECURRENCE-ID" in c for c in cal.walk(kind))


def expand(
    cal: icalendar.Calendar, start: datetime, end: datetime, kind: str = "VEVENT"
) -> list[icalendar.cal.Component]:
    """Instances overlapping [start, end) (UTC instants), overrides and EXDATEs applied."""
    try:
        query = recurring_ical_events.of(cal, components=[kind])
        sources = {prop_dt(c, "RECURRENCE-ID"): c for c in cal.walk(kind)}  # None: the master
        out: list[icalendar.cal.Component] = []
        for comp in query.between(start, end):
            source = sources.get(prop_dt(comp, "RECURRENCE-ID")) or sources.get(None)
            duration = source.get("DURATION") if source is not None else None
            if duration is not None and "DTEND" in comp:  # the library adds DURATION in wall-clock time
                comp.pop("DTEND")
                comp["DURATION"] = duration
            out.append(comp)
            if len(out) >= MAX_INSTANCES:
                break
        return out
    except InvalidInput:
        raise
    except Exception as exc:  # the library raises many types on malformed rules
        from nextcloud_mcp.core.errors import ProtocolError

        raise ProtocolError(f"The recurrence of this event cannot be expanded ({type(exc).__name__}: {exc}).") from exc


def _same_instant(a: date | datetime, b: date | datetime, floating: Any) -> bool:
    if isinstance(a, datetime) != isinstance(b, datetime):
        return False
    if not isinstance(a, datetime):
        return a == b
    return to_utc(a, floating) == to_utc(b, floating)


def find_instance(cal: icalendar.Calendar, recurrence_id: str, user: UserZone) -> date | datetime:
    """The original start (in the master's zone/type) of the instance named by `recurrence_id`."""
    first = master(cal)
    dtstart = prop_dt(first, "DTSTART")
    wanted = parse_time(recurrence_id, None, user, where="recurrence_id").value
    floating = zone(user.name)
    if isinstance(dtstart, datetime) and not isinstance(wanted, datetime):
        raise InvalidInput("recurrence_id must be a date-time for this event (copy it from nc_calendar_list_events).")
    lo = to_utc(wanted, floating) - timedelta(days=2)
    for inst in expand(cal, lo, lo + timedelta(days=4)):
        original = prop_dt(inst, "RECURRENCE-ID") or prop_dt(inst, "DTSTART")
        if _same_instant(original, wanted, floating):
            if isinstance(original, datetime) and isinstance(dtstart, datetime) and dtstart.tzinfo is not None:
                return original.astimezone(dtstart.tzinfo)
            result: date | datetime = original
            return result
    raise InvalidInput(
        f"The event has no instance at {recurrence_id}; use a recurrence_id from nc_calendar_list_events."
    )


def _override(cal: icalendar.Calendar, original: date | datetime) -> icalendar.cal.Component | None:
    for comp in cal.walk("VEVENT"):
        rid = prop_dt(comp, "RECURRENCE-ID")
        if rid is not None and _same_instant(rid, original, None):
            found: icalendar.cal.Component = comp
            return found
    return None


def _length(comp: icalendar.cal.Component) -> timedelta:
    end = component_end(comp)
    return span(prop_dt(comp, "DTSTART"), end) if end is not None else timedelta(0)


def edit_this(cal: icalendar.Calendar, original: date | datetime, fields: EventFields) -> None:
    """Change one instance: edit its override, or create one from the master."""
    comp = _override(cal, original)
    if comp is None:
        base = master(cal)
        comp = copy_component(base)
        for name in ("RRULE", "RDATE", "EXDATE"):
            comp.pop(name, None)
        length = _length(base)
        comp.pop("DTSTART", None)
        comp.add("DTSTART", original)
        set_end(comp, original, plus(original, length))
        comp.add("RECURRENCE-ID", original)
        cal.add_component(comp)
    fields.rrule = None  # an instance has no rule of its own
    apply_event_fields(comp, fields)
    bump_sequence(comp)


def _until(original: date | datetime) -> date | datetime:
    """UNTIL for "stop before `original`": the previous day for dates, one second earlier (UTC) otherwise."""
    if not isinstance(original, datetime):
        return original - timedelta(days=1)
    if original.tzinfo is None:
        return original - timedelta(seconds=1)
    return to_utc(original) - timedelta(seconds=1)


def _count_before(cal: icalendar.Calendar, original: date | datetime) -> int:
    """How many instances of the master's rule (EXDATEs included, as COUNT does) come before `original`."""
    from dateutil.rrule import rrulestr  # type: ignore[import-untyped]

    base = master(cal)
    start = prop_dt(base, "DTSTART")
    recur: Any = icalendar.vRecur(rule_of(base))
    rule = recur.to_ical().decode()
    if isinstance(start, datetime):
        naive = start.replace(tzinfo=None)
        stop = original.astimezone(start.tzinfo) if start.tzinfo and isinstance(original, datetime) else original
        stop = stop.replace(tzinfo=None) if isinstance(stop, datetime) else datetime(stop.year, stop.month, stop.day)
    else:
        naive = datetime(start.year, start.month, start.day)
        stop = datetime(original.year, original.month, original.day)
    count = 0
    for occurrence in rrulestr(rule, dtstart=naive):
        if occurrence >= stop:
            break
        count += 1
    return count


def _cut(cal: icalendar.Calendar, original: date | datetime) -> list[icalendar.cal.Component]:
    """End the series before `original`; return the overrides removed from the original (at/after it)."""
    base = master(cal)
    rule = rule_of(base)
    rule.pop("COUNT", None)
    rule["UNTIL"] = [_until(original)]
    base["RRULE"] = icalendar.vRecur(rule)

    def after(value: date | datetime) -> bool:
        return to_utc(value) >= to_utc(original)

    moved = [c for c in cal.walk("VEVENT") if "RECURRENCE-ID" in c and after(prop_dt(c, "RECURRENCE-ID"))]
    cal.subcomponents = [c for c in cal.subcomponents if all(c is not m for m in moved)]
    if "EXDATE" in base:
        kept = [value for value in date_list(base, "EXDATE") if not after(value)]
        base.pop("EXDATE")
        for value in kept:
            base.add("EXDATE", value)
    bump_sequence(base)
    return moved


def edit_following(
    cal: icalendar.Calendar, original: date | datetime, fields: EventFields
) -> tuple[icalendar.Calendar, str]:
    """Split the series at `original`: returns the new series (new UID) after cutting `cal` in place."""
    base = master(cal)
    if "RRULE" not in base:
        raise InvalidInput("scope 'following' needs an event with a recurrence rule.")
    rule = rule_of(base)
    if "COUNT" in rule:
        rule["COUNT"] = [max(1, int(rule["COUNT"][0]) - _count_before(cal, original))]
    new = copy_component(base)
    new_uid = str(uuid.uuid4())
    new["UID"] = icalendar.vText(new_uid)
    new["RRULE"] = icalendar.vRecur(rule)
    new.pop("EXDATE", None)
    length = _length(base)
    new.pop("DTSTART")
    new.add("DTSTART", original)
    set_end(new, original, plus(original, length))
    new["RELATED-TO"] = icalendar.vText(text(base, "UID") or "")
    new.pop("SEQUENCE", None)
    for value in date_list(base, "EXDATE"):
        if to_utc(value) >= to_utc(original):
            new.add("EXDATE", value)
    moved = _cut(cal, original)
    apply_event_fields(new, fields)
    shift = None
    if fields.start is not None and isinstance(original, datetime) == isinstance(prop_dt(new, "DTSTART"), datetime):
        shift = prop_dt(new, "DTSTART") - original
    out = new_calendar()
    out.add_component(new)
    for comp in moved:
        comp["UID"] = icalendar.vText(new_uid)
        if shift:
            rid = prop_dt(comp, "RECURRENCE-ID") + shift
            comp.pop("RECURRENCE-ID")
            comp.add("RECURRENCE-ID", rid)
        out.add_component(comp)
    return out, new_uid


def edit_all(cal: icalendar.Calendar, fields: EventFields) -> None:
    """Change the whole series; overrides follow a moved start and inherit changed fields they shared."""
    base = master(cal)
    old_start = prop_dt(base, "DTSTART")
    old = {name: text(base, name) for name in ("SUMMARY", "LOCATION", "DESCRIPTION")}
    apply_event_fields(base, fields)
    bump_sequence(base)
    new_start = prop_dt(base, "DTSTART")
    shift = new_start - old_start if isinstance(new_start, datetime) == isinstance(old_start, datetime) else None
    changed = {"SUMMARY": fields.summary, "LOCATION": fields.location, "DESCRIPTION": fields.description}
    for comp in cal.walk("VEVENT"):
        if comp is base or "RECURRENCE-ID" not in comp:
            continue
        if shift:
            rid = prop_dt(comp, "RECURRENCE-ID")
            if _same_instant(prop_dt(comp, "DTSTART"), rid, None):  # an instance that was not moved moves along
                end = component_end(comp)
                comp.pop("DTSTART")
                comp.add("DTSTART", rid + shift)
                if "DTEND" in comp and end is not None:
                    comp.pop("DTEND")
                    comp.add("DTEND", end + shift)
            comp.pop("RECURRENCE-ID")
            comp.add("RECURRENCE-ID", rid + shift)
        for name, value in changed.items():
            if value is not None and text(comp, name) == old[name]:
                comp.pop(name, None)
                comp.add(name, value)
    if shift and "EXDATE" in base:
        values = [value + shift for value in date_list(base, "EXDATE")]
        base.pop("EXDATE")
        for value in values:
            base.add("EXDATE", value)


def delete_instance(cal: icalendar.Calendar, original: date | datetime, scope: str) -> bool:
    """Remove one instance (`this`, EXDATE) or all from it on (`following`, UNTIL). True when nothing is left."""
    base = master(cal)
    first = prop_dt(base, "DTSTART")
    if scope == "following":
        if _same_instant(first, original, None):
            return True
        _cut(cal, original)
        return False
    override = _override(cal, original)
    if override is not None:
        cal.subcomponents.remove(override)
    if "RRULE" in base or "RDATE" in base:
        base.add("EXDATE", original)
        bump_sequence(base)
    for _ in recurring_ical_events.of(cal, components=["VEVENT"]).after(to_utc(first) - timedelta(days=1)):
        return False
    return True
