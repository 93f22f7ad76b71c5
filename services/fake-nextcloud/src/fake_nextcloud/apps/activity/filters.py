"""Stream filters (``IFilter``): which rows of the user each one lets through, and how ``listFilters`` shows it.

Sources: nextcloud/activity v34.0.2 lib/Filter/AllFilter.php, SelfFilter.php, ByFilter.php and lib/Data.php::get
(``self``: ``user = me``; ``by``: ``user <> me``; ``filter``: the one object ``object_type``/``object_id``, not a
listed filter; any other filter: its ``filterTypes`` and ``allowedApps``); nextcloud/server
apps/files/lib/Activity/Filter/FileChanges.php (``files``) and Favorites.php (``files_favorites``: rows about a
favorite file or something inside a favorite folder), apps/files_sharing/lib/Activity/Filter.php,
apps/dav/lib/CalDAV/Activity/Filter/Calendar.php and Todo.php, nextcloud/deck lib/Activity/Filter.php.
"""

from __future__ import annotations

from dataclasses import dataclass

from fake_nextcloud.apps.activity.models import Activity
from fake_nextcloud.apps.dav.models import DavBackend
from fake_nextcloud.core.state import FakeState

__all__ = ["FILTERS", "Filter", "filters_for", "matches"]

_FILE_TYPES = ("file_created", "file_changed", "file_deleted", "file_restored")
_SHARE_TYPES = ("shared", "remote_share", "public_links")
_CALENDAR_TYPES = ("calendar", "calendar_event")


@dataclass(frozen=True)
class Filter:
    id: str
    name: str
    priority: int
    icon: str  # path below the web root (made absolute when served)
    apps: tuple[str, ...] = ()  # allowedApps (empty: any)
    types: tuple[str, ...] | None = None  # filterTypes (None: every type)
    app: str = "activity"  # the app that registers it (listed only while that app is enabled)


FILTERS = (
    Filter("all", "All activities", 0, "/apps/activity/img/activity-dark.svg"),
    Filter("self", "By you", 1, "/core/img/actions/user.svg"),
    Filter("by", "By others", 2, "/core/img/places/contacts.svg"),
    Filter("files_favorites", "Favorites", 10, "/core/img/actions/star-dark.svg", ("files",), _FILE_TYPES, "files"),
    Filter("files", "File changes", 30, "/core/img/places/files.svg", ("files",), _FILE_TYPES, "files"),
    Filter(
        "files_sharing",
        "File shares",
        31,
        "/core/img/actions/share.svg",
        ("files_sharing",),
        ("shared", "remote_share", "public_links"),
        "files_sharing",
    ),
    Filter(
        "calendar", "Calendar", 40, "/core/img/places/calendar.svg", ("dav",), ("calendar", "calendar_event"), "dav"
    ),
    Filter("calendar_todo", "Tasks", 40, "/core/img/actions/checkmark.svg", ("dav",), ("calendar_todo",), "dav"),
    Filter("deck", "Deck", 90, "/apps/deck/img/deck-dark.svg", ("deck",), ("deck", "deck_comment"), "deck"),
)


def filters_for(state: FakeState) -> list[Filter]:
    """``IManager::getFilters`` (filters of enabled apps), sorted as ``listFilters`` sorts them: priority, id."""
    return sorted((f for f in FILTERS if state.app_enabled(f.app)), key=lambda f: (f.priority, f.id))


def _favorite(state: FakeState, uid: str, row: Activity) -> bool:
    if row.object_type != "files":
        return False
    favorites = [n for n in DavBackend.of(state).tree(uid).values() if n.favorite]
    ids = {n.file_id for n in favorites}
    folders = [f"/{n.path}/" for n in favorites if n.is_dir]
    return row.object_id in ids or any(row.object_name.startswith(folder) for folder in folders)


def matches(state: FakeState, uid: str, name: str, row: Activity, object_type: str, object_id: int) -> bool:
    """Whether ``row`` (of ``uid``) passes filter ``name`` (already validated)."""
    if name == "self":
        return row.author == uid
    if name == "by":
        return row.author != uid
    if name == "filter":
        return row.object_type == object_type and row.object_id == object_id
    found = next((f for f in FILTERS if f.id == name), None)
    if found is None or name == "all":
        return True
    if found.types is not None and row.type not in found.types:
        return False
    if found.apps and row.app not in found.apps:
        return False
    return name != "files_favorites" or _favorite(state, uid, row)
