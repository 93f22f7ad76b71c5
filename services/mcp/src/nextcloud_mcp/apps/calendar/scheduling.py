"""Free/busy for a set of users: the scheduling outbox (RFC 6638), with a free-busy-query fallback.

User ids are turned into calendar addresses through their principal's `calendar-user-address-set`
(Sabre resolves free/busy attendees by e-mail only), display names through the system address book
(`accounts.py`). When the outbox is unavailable, the caller's own
busy time comes from `free-busy-query` REPORTs on their calendars (RFC 4791 §7.10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from nextcloud_mcp.apps.calendar.accounts import email_by_name
from nextcloud_mcp.apps.calendar.client import CalendarClient
from nextcloud_mcp.apps.calendar.freebusy import (
    Interval,
    busy_periods,
    freebusy_request,
    merge,
    parse_hours,
    suggest_slot,
)
from nextcloud_mcp.apps.calendar.ical_time import format_value, zone
from nextcloud_mcp.core.caldav import CAL
from nextcloud_mcp.core.dav import D
from nextcloud_mcp.core.errors import NextcloudError

__all__ = ["FreeBusyResult", "free_busy"]


@dataclass
class FreeBusyResult:
    """Per attendee: status text and busy intervals (UTC)."""

    rows: list[tuple[str, str, list[Interval]]] = field(default_factory=list)

    def suggest(self, duration: timedelta, hours: str, tz: str, start: datetime, end: datetime) -> dict[str, object]:
        """The tool output: busy times in `tz` and the first common free slot (None if there is none)."""
        zone_info = zone(tz)
        known = [busy for _, status, busy in self.rows if status == "ok"]
        slot = (
            suggest_slot(merge([i for b in known for i in b]), start, end, duration, zone_info, parse_hours(hours))
            if known
            else None
        )

        def fmt(value: datetime) -> str:
            return format_value(value.astimezone(zone_info))

        return {
            "attendees": [
                {"attendee": who, "status": status, "busy": [[fmt(a), fmt(b)] for a, b in busy]}
                for who, status, busy in self.rows
            ],
            "suggested": [fmt(slot[0]), fmt(slot[1])] if slot else None,
            "tz": tz,
        }


async def _address(client: CalendarClient, who: str) -> str | None:
    if "@" in who:
        return f"mailto:{who}"
    homes = await client.dav.homes()
    base = homes.principal.rstrip("/").rsplit("/", 1)[0] + "/"
    try:
        entries = await client.dav.propfind(quote(base + who) + "/", "<c:calendar-user-address-set/>", depth=0)
    except NextcloudError:
        return await email_by_name(client, who)  # not a user id: maybe a display name (accounts.py)
    el = entries[0].props.get(f"{{{CAL}}}calendar-user-address-set") if entries else None
    mails = [(h.text or "").strip() for h in (el.findall(f"{{{D}}}href") if el is not None else [])]
    return next((m for m in mails if m.lower().startswith("mailto:")), None)


async def _own_busy(client: CalendarClient, start: datetime, end: datetime) -> list[Interval]:
    busy: list[Interval] = []
    for info in await client.calendars("VEVENT"):
        busy += busy_periods(await client.freebusy_query(info.name, start, end))
    return merge(busy)


async def free_busy(
    client: CalendarClient, attendees: list[str], start: datetime, end: datetime, tz: str
) -> FreeBusyResult:
    """Ask the outbox for every attendee; fall back to the caller's own calendars when it cannot answer."""
    homes = await client.dav.homes()
    own_uid = homes.principal.rstrip("/").rsplit("/", 1)[-1]
    own = {a.lower() for a in homes.addresses} | {own_uid.lower(), f"mailto:{own_uid}".lower()}
    organizer = next((a for a in homes.addresses if a.lower().startswith("mailto:")), None)
    result = FreeBusyResult()
    addresses = {who: await _address(client, who) for who in attendees}
    answers: dict[str, tuple[str, str | None]] = {}
    outbox_error = "the scheduling outbox is not available"
    asked = [a for a in addresses.values() if a]
    if organizer and asked:
        try:
            for recipient, status, data in await client.schedule_freebusy(
                freebusy_request(organizer, asked, start, end)
            ):
                answers[recipient.lower()] = (status, data)
        except NextcloudError as exc:
            outbox_error = f"the scheduling outbox failed ({exc.message})"
    elif not organizer:
        outbox_error = "your account has no e-mail address, which the scheduling outbox needs"
    for who in attendees:
        address = addresses[who]
        answer = answers.get(address.lower()) if address else None
        if answer is not None and answer[0].startswith("2.") and answer[1]:
            result.rows.append((who, "ok", busy_periods(answer[1])))
        elif who.lower() in own or (address and address.lower() in own):
            result.rows.append((who, "ok", await _own_busy(client, start, end)))
        elif address is None:
            result.rows.append((who, "unknown user or no e-mail address", []))
        elif answer is not None:
            result.rows.append((who, f"no free/busy: {answer[0]}", []))
        else:
            result.rows.append((who, f"no free/busy: {outbox_error}", []))
    return result
