"""Tasks (`tasks` app over CalDAV): to-dos (VTODO) in task lists, with subtasks; builds on the calendar app."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, always
from nextcloud_mcp.core.resource import Resources

__all__ = ["APP"]

RESOURCES = Resources("nextcloud_mcp.apps.tasks.resources", values={"tasklist": "tasklists"})
APP = App(
    "tasks",
    "tasks",
    always,
    ("nextcloud_mcp.apps.tasks.tools",),
    resources=RESOURCES,
    summary="To-do lists and tasks (CalDAV): create, update, complete, subtasks.",
    index="nextcloud_mcp.apps.tasks.index",
)
