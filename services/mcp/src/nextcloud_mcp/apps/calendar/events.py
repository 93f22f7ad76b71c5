"""Event operations over `CalendarClient`: list/expand, get, create, scoped update and delete, search.

Every update is a read-modify-write guarded by `If-Match` on the etag read (or the one the caller passes);
a 412 becomes a `Conflict` naming what changed on the server, and nothing is retried or overwritten.
Imported on first use only (it pulls in icalendar and recurring_ical_events).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import icalendar

from nextcloud_mcp.apps.calendar.client import CalendarInfo, CalObject, EventInfo
from nextcloud_mcp.apps.calendar.ical import (
    EventFields,
    apply_event_fields,
    bump_sequence,
    event_view,
    master,
    new_calendar,
    new_component,
    parse_ics,
    prop_dt,
    serialize,
)
from nextcloud_mcp.apps.calendar.ical_time import UserZone, to_utc, zone, zone_name
from nextcloud_mcp.apps.calendar.recurrence import (
    delete_instance,
    edit_all,
    edit_following,
    edit_this,
    expand,
    find_instance,
    is_recurring,
)
from nextcloud_mcp.core.errors import Conflict, InvalidInput, NextcloudError, NotFound, ProtocolError
from nextcloud_mcp.core.partial import after_write, unanswered

if TYPE_CHECKING:
    from nextcloud_mcp.apps.calendar.client import CalendarClient

__all__ = ["EventOps", "Scope", "conflict_details"]

logger = logging.getLogger(__name__)

Scope = Literal["this", "following", "all"]
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_HINT = "Nothing was written; check the values, or the calendar with nc_calendar_list_calendars."


def info(obj: CalObject, comp: icalendar.cal.Component, *, recurring: bool) -> EventInfo:
    view = event_view(comp)
    view.pop("transparent")
    return EventInfo(calendar=obj.calendar, event_id=obj.name, etag=obj.etag, recurring=recurring, **view)


def conflict_details(old: icalendar.Calendar | None, current: CalObject) -> str:
    """Which fields differ between what we read and what the server has now (for 412 messages)."""
    try:
        now = event_view(master(parse_ics(current.data)))
    except ProtocolError:
        return f"The server now has etag {current.etag}. Nothing was overwritten; read it with nc_calendar_get_event."
    changed = []
    if old is not None:
        before = event_view(master(old))
        changed = [k for k in ("title", "start", "end", "location", "description", "rrule") if before[k] != now[k]]
    what = f" Changed fields: {', '.join(changed)}." if changed else ""
    return (
        f"The server now has etag {current.etag}, title {now['title']!r}, start {now['start']}.{what} "
        "Nothing was overwritten; read it again with nc_calendar_get_event and re-apply your change with its etag."
    )


class EventOps:
    """Event-level operations for one user's calendars (`calendar` by name or display name, the event by its
    resource name or UID)."""

    def __init__(self, client: CalendarClient) -> None:
        self.client = client

    async def _read(self, calendar: str, event_id: str) -> tuple[CalObject, icalendar.Calendar]:
        obj = await self.client.find_object(calendar, event_id, "VEVENT")
        cal = parse_ics(obj.data, f"event {obj.name!r}")
        event_view(master(cal))  # a readable VEVENT must be there
        return obj, cal

    async def in_range(
        self, calendars: list[CalendarInfo], start: datetime, end: datetime, query: str | None = None
    ) -> list[EventInfo]:
        """Events and expanded instances overlapping [start, end), sorted by start."""
        out: list[tuple[datetime, EventInfo]] = []
        needle = query.casefold() if query else None
        for cal_info in calendars:
            for obj in await self.client.query(cal_info.name, "VEVENT", start, end):
                try:
                    cal = parse_ics(obj.data, f"event {obj.name!r}")
                    recurring = is_recurring(cal)
                    instances = [(comp, info(obj, comp, recurring=recurring)) for comp in expand(cal, start, end)]
                except ProtocolError:
                    logger.warning("skipping unreadable calendar object %s/%s", cal_info.name, obj.name)
                    continue  # one broken object must not hide the others
                for comp, event in instances:
                    if needle and not any(
                        needle in (v or "").casefold() for v in (event.title, event.location, event.description)
                    ):
                        continue
                    out.append((to_utc(prop_dt(comp, "DTSTART"), zone(cal_info.timezone or "UTC")), event))
        out.sort(key=lambda pair: pair[0])
        return [event for _, event in out]

    async def get(self, calendar: str, event_id: str) -> EventInfo:
        name = (await self.client.calendar(calendar, component="VEVENT")).name
        obj, cal = await self._read(name, event_id)
        return info(obj, master(cal), recurring=is_recurring(cal))

    async def create(self, calendar: str, fields: EventFields) -> EventInfo:
        name = (await self.client.calendar(calendar, writable=True, component="VEVENT")).name
        if fields.start is None:
            raise InvalidInput("A start is required to create an event.")
        comp = new_component("VEVENT")
        apply_event_fields(comp, fields)
        cal = new_calendar()
        cal.add_component(comp)
        resource = _SAFE_NAME.sub("-", str(comp["UID"])) + ".ics"
        try:
            etag = await self.client.put_object(name, resource, serialize(cal), create=True, hint=_HINT)
        except NextcloudError as exc:
            if unanswered(exc):  # it may exist: its name is known, so say how to check instead of creating twice
                exc.message += (
                    f" Check with nc_calendar_get_event (calendar={name!r}, event_id={resource!r}); create it again "
                    "only if that says it does not exist."
                )
            raise
        return info(CalObject(name, resource, etag, b""), comp, recurring="RRULE" in comp)

    async def _write(
        self, calendar: str, name: str, cal: icalendar.Calendar, old: icalendar.Calendar, etag: str | None
    ) -> str:
        try:
            return await self.client.put_object(calendar, name, serialize(cal), etag=etag, hint=_HINT)
        except Conflict as exc:
            current = await self.client.get_object(calendar, name)
            raise Conflict(
                f"The event {name!r} changed on the server since it was read. {conflict_details(old, current)}",
                method=exc.method,
                path=exc.path,
                status=412,
            ) from exc

    async def update(
        self,
        calendar: str,
        event_id: str,
        make_fields: Callable[[UserZone], EventFields],
        *,
        etag: str | None,
        scope: Scope,
        recurrence_id: str | None,
        user_zone: UserZone,
    ) -> EventInfo:
        """Apply the fields built by `make_fields`; returns the changed object: the event (series), the instance
        (`this`) or the new series (`following`).

        `make_fields` gets the zone naive input times are read in: the event's own zone when it has one
        (moving a Berlin meeting to "11:00" means 11:00 in Berlin), else `user_zone`. The write sends If-Match
        with the caller's etag, else with the etag read just now.
        """
        calendar = (await self.client.calendar(calendar, writable=True, component="VEVENT")).name
        obj, cal = await self._read(calendar, event_id)
        event_id = obj.name
        own = prop_dt(master(cal), "DTSTART")
        own_zone = zone_name(own.tzinfo) if isinstance(own, datetime) and own.tzinfo is not None else None
        fields = make_fields(UserZone(own_zone, "event") if own_zone else user_zone)
        base_etag = etag or obj.etag
        old = parse_ics(obj.data)
        if etag and obj.etag and etag.strip('"') != obj.etag:
            current = CalObject(calendar, event_id, obj.etag, obj.data)
            raise Conflict(
                f"The etag you passed ({etag}) is not the current one. {conflict_details(None, current)}", status=412
            )
        recurring = is_recurring(cal)
        if not recurring or scope == "all" or recurrence_id is None:
            if recurring and scope != "all":
                raise InvalidInput(
                    "This event repeats: give recurrence_id (from nc_calendar_list_events) with scope "
                    "'this' or 'following'."
                )
            if recurring:
                edit_all(cal, fields)
            else:
                apply_event_fields(master(cal), fields)
                bump_sequence(master(cal))
            new_etag = await self._write(calendar, event_id, cal, old, base_etag)
            return info(CalObject(calendar, event_id, new_etag, b""), master(cal), recurring=recurring)
        original = find_instance(cal, recurrence_id, user_zone)
        if scope == "this":
            edit_this(cal, original, fields)
            new_etag = await self._write(calendar, event_id, cal, old, base_etag)
            comp = next(c for c in cal.walk("VEVENT") if prop_dt(c, "RECURRENCE-ID") == original)
            return info(CalObject(calendar, event_id, new_etag, b""), comp, recurring=True)
        # "following" is two writes: a new series from this instance on, then the old one ended before it
        new_cal, new_uid = edit_following(cal, original, fields)
        new_name = _SAFE_NAME.sub("-", new_uid) + ".ics"
        try:
            created = await self.client.put_object(calendar, new_name, serialize(new_cal), create=True, hint=_HINT)
        except NextcloudError as exc:
            if not unanswered(exc):
                raise
            raise await self._undo_split(calendar, new_name, None, event_id, exc) from None
        try:
            await self._write(calendar, event_id, cal, old, base_etag)
        except NextcloudError as exc:
            raise await self._undo_split(calendar, new_name, created, event_id, exc) from None
        return info(CalObject(calendar, new_name, created, b""), master(new_cal), recurring=True)

    async def _undo_split(
        self, calendar: str, new_name: str, created: str | None, event_id: str, exc: NextcloudError
    ) -> NextcloudError:
        """A split of a series failed after the new series may have been stored: delete it again (nothing changed),
        or say that both series exist and which call removes the new one. `created` is None when the PUT of the new
        series got no answer (then it may or may not exist)."""
        step = "storing the new series" if created is None else f"ending the original series {event_id!r}"
        gone = "was deleted again"
        try:
            await self.client.delete_object(calendar, new_name, created)
        except NotFound:
            gone = "was not stored"
        except NextcloudError:
            return after_write(
                exc,
                f"Splitting the series failed while {step}:",
                f"The new series {new_name!r} (this and the following instances) may exist in {calendar!r} next to "
                "the unchanged original, and removing it failed, so those instances can appear twice. Delete it with "
                f"nc_calendar_delete_event (calendar={calendar!r}, event_id={new_name!r}), then call "
                "nc_calendar_update_event again.",
            )
        return after_write(
            exc,
            f"Splitting the series failed while {step}:",
            f"The new series made for the split {gone}, so nothing was changed; nc_calendar_update_event can be "
            "called again (read the event first if it changed).",
        )

    async def delete(
        self,
        calendar: str,
        event_id: str,
        *,
        etag: str | None,
        scope: Scope,
        recurrence_id: str | None,
        user_zone: UserZone,
    ) -> tuple[str, str]:
        """Delete the event, one instance (EXDATE) or the instance and those after it (UNTIL).

        Returns the resource name and what was done. With an etag the delete happens only if it is current."""
        calendar = (await self.client.calendar(calendar, writable=True, component="VEVENT")).name
        obj, cal = await self._read(calendar, event_id)
        event_id = obj.name
        if etag and obj.etag and etag.strip('"') != obj.etag:
            raise Conflict(
                f"The etag you passed ({etag}) is not the current one ({obj.etag}); nothing was deleted. Read the "
                "event again with nc_calendar_get_event.",
                status=412,
            )
        if scope == "all" or not is_recurring(cal):
            if scope != "all":
                raise InvalidInput("This event does not repeat; use scope 'all' to delete it.")
            await self.client.delete_object(calendar, event_id, etag or obj.etag)
            return event_id, "deleted"
        if recurrence_id is None:
            raise InvalidInput(
                f"scope {scope!r} needs the recurrence_id of an instance (from nc_calendar_list_events)."
            )
        original = find_instance(cal, recurrence_id, user_zone)
        old = parse_ics(obj.data)
        if delete_instance(cal, original, scope):
            await self.client.delete_object(calendar, event_id, etag or obj.etag)
            return event_id, "deleted (no instance was left)"
        await self._write(calendar, event_id, cal, old, etag or obj.etag)
        return event_id, "instance removed" if scope == "this" else "series ended before this instance"
