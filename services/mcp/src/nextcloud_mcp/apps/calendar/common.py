"""What the calendar and tasks tools share: the caller's time zone for naive times."""

from __future__ import annotations

from mcp.server.mcpserver import Context

from nextcloud_mcp.apps.calendar.client import CalendarClient
from nextcloud_mcp.apps.calendar.ical_time import UserZone
from nextcloud_mcp.core.tool import settings

__all__ = ["default_zone"]


async def default_zone(ctx: Context, client: CalendarClient) -> UserZone:
    """The caller's zone for naive times (calendar setting → MCP_DEFAULT_TIMEZONE → UTC)."""
    return await client.user_zone(settings(ctx).mcp_default_timezone)
