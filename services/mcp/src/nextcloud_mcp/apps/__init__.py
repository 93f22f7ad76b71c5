"""The apps this server offers, one folder each under `apps/`, in catalogue order (the order of `tools/list`).

Each folder's `__init__.py` declares its `App` (toolset, availability, tool modules) and imports nothing else,
so listing the apps costs no client or tool import. Adding an app: a folder with `__init__.py`, `client.py`
and `tools.py`, one line here (docs/architecture.md has the checklist).
"""

from __future__ import annotations

from nextcloud_mcp.apps import (
    activity,
    bookmarks,
    calendar,
    collectives,
    contacts,
    cookbook,
    deck,
    files,
    files_sharing,
    mail,
    news,
    notes,
    notifications,
    provisioning_api,
    search,
    spreed,
    tables,
    tasks,
)
from nextcloud_mcp.core.app import App

__all__ = ["APPS", "App", "by_toolset"]

APPS: tuple[App, ...] = (
    notes.APP,
    files.APP,
    files_sharing.APP,
    search.APP,
    provisioning_api.APP,
    tables.APP,
    cookbook.APP,
    deck.APP,
    calendar.APP,
    tasks.APP,
    contacts.APP,
    spreed.APP,
    notifications.APP,
    activity.APP,
    mail.APP,
    collectives.APP,
    bookmarks.APP,
    news.APP,
)


def by_toolset() -> dict[str, App]:
    """Toolset name → app."""
    return {app.toolset: app for app in APPS}
