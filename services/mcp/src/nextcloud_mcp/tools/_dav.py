"""Helpers shared by the DAV tool modules (calendar, tasks, contacts): compact outputs and the user's zone."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel

from nextcloud_mcp.nextcloud.calendar import CalendarClient
from nextcloud_mcp.nextcloud.ical_time import UserZone
from nextcloud_mcp.state import AppState

__all__ = ["Item", "compact", "default_zone"]

Item = dict[str, Any]  # keys in docs/calendar.md; kept loose so tools/list stays small


def compact(model: BaseModel) -> Item:
    """A model as a dict without empty values (the model sees only what is set)."""
    return {k: v for k, v in model.model_dump().items() if v not in (None, "", [], False)}


async def default_zone(ctx: Context, client: CalendarClient) -> UserZone:
    """The caller's zone for naive times (calendar setting → MCP_DEFAULT_TIMEZONE → UTC)."""
    state = ctx.request_context.lifespan_context
    fallback = state.settings.mcp_default_timezone if isinstance(state, AppState) else None
    return await client.user_zone(fallback)
