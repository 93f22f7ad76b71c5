"""Tasks (`tasks` app over CalDAV): to-dos (VTODO) in task lists, with subtasks; builds on the calendar app."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, always

__all__ = ["APP"]

APP = App("tasks", "tasks", always, ("nextcloud_mcp.apps.tasks.tools",))
