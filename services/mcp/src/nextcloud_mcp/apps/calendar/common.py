"""What the calendar and tasks tools share: the caller's time zone for naive times and time ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mcp.server.mcpserver import Context

from nextcloud_mcp.apps.calendar.client import CalendarClient
from nextcloud_mcp.apps.calendar.ical_time import UserZone, parse_instant
from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.tool import settings

__all__ = ["default_zone", "time_range"]


async def default_zone(ctx: Context, client: CalendarClient) -> UserZone:
    """The caller's zone for naive times (calendar setting → MCP_DEFAULT_TIMEZONE → UTC)."""
    return await client.user_zone(settings(ctx).mcp_default_timezone)


async def time_range(
    ctx: Context, client: CalendarClient, start: str | None, end: str | None, days: int
) -> tuple[UserZone, datetime, datetime]:
    """[start, end) as UTC instants: dates and naive times in the caller's zone; start defaults to now, end to
    `days` after start."""
    zone = await default_zone(ctx, client)
    lo = parse_instant(start, zone, where="start") if start else datetime.now(UTC).replace(microsecond=0)
    hi = parse_instant(end, zone, where="end") if end else lo + timedelta(days=days)
    if hi <= lo:
        raise InvalidInput("end must be after start.")
    if hi - lo > timedelta(days=3700):
        raise InvalidInput("The range is longer than ten years; narrow it.")
    return zone, lo, hi
