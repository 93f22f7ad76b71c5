"""What the tasks app adds besides tools: task list names for argument completion (prompts' `tasklist`)."""

from __future__ import annotations

from collections.abc import Mapping

from nextcloud_mcp.apps.calendar.client import calendar_client
from nextcloud_mcp.apps.calendar.resources import names
from nextcloud_mcp.apps.tasks.client import TasksClient
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["tasklists"]


async def tasklists(session: NextcloudSession, prefix: str, context: Mapping[str, str]) -> list[str]:
    """Task lists (calendars holding tasks) by display name and by name."""
    return names(await TasksClient(calendar_client(session)).lists())
