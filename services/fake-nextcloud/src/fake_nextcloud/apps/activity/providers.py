"""Activity providers: a stored row's subject key and parameters rendered as text and a rich subject, as
``IProvider::parse`` does when the stream is read (nextcloud/activity lib/GroupHelper.php::addEvent).

Subjects (English) and parameters are those of:

* files: nextcloud/server apps/files/lib/Activity/Provider.php (``parseLongVersion``, ``getParameters``,
  ``getFile``: ``{type: file, id, name: basename, path: path without leading '/', link}``);
* files_sharing: apps/files_sharing/lib/Activity/Providers/Users.php, Groups.php, PublicLinks.php;
* dav (calendar): apps/dav/lib/CalDAV/Activity/Provider/Event.php and Todo.php (``object_add_event``/``_todo``);
* deck: nextcloud/deck lib/Activity/DeckProvider.php + ActivityManager::getActivityFormat (``card_create``).

The plain subject replaces each placeholder by the parameter's ``name``, a file by its ``path``
(lib/private/RichObjectStrings/RichTextFormatter.php::richToParsed). Rows no provider knows are skipped by the
API (``GroupHelper::addEvent``: no parsed subject, not returned). Grouping (``EventMerger``) is not reproduced.
"""

from __future__ import annotations

from typing import Any

from fake_nextcloud.apps.activity.models import Activity
from fake_nextcloud.core.state import FakeState

__all__ = ["Rendered", "render"]

Rendered = tuple[str, str, dict[str, dict[str, Any]], str]  # subject, rich subject, rich parameters, icon

_FILES = {
    "created_self": ("You created {file}", "add-color"),
    "created_by": ("{user} created {file}", "add-color"),
    "changed_self": ("You changed {file}", "change"),
    "changed_by": ("{user} changed {file}", "change"),
    "deleted_self": ("You deleted {file}", "delete-color"),
    "deleted_by": ("{user} deleted {file}", "delete-color"),
    "restored_self": ("You restored {file}", "actions/history"),
    "restored_by": ("{user} restored {file}", "actions/history"),
    "renamed_self": ("You renamed {oldfile} to {newfile}", "change"),
    "renamed_by": ("{user} renamed {oldfile} to {newfile}", "change"),
    "moved_self": ("You moved {oldfile} to {newfile}", "change"),
    "moved_by": ("{user} moved {oldfile} to {newfile}", "change"),
}
_SHARING = {
    "shared_user_self": "You shared {file} with {user}",
    "shared_with_by": "{actor} shared {file} with you",
    "shared_group_self": "You shared {file} with group {group}",
    "shared_link_self": "You shared {file} as public link",
    "unshared_user_self": "You removed {user} from {file}",
    "unshared_by": "{actor} removed you from {file}",
    "unshared_group_self": "You unshared {file} from group {group}",
    "unshared_link_self": "You removed public link for {file}",
}
_CALENDAR = {
    "object_add_event": ("You created event {event} in calendar {calendar}", "{actor} created event {event} in "
                         "calendar {calendar}"),
    "object_add_todo": ("You created to-do {todo} in list {calendar}", "{actor} created to-do {todo} in list "
                        "{calendar}"),
}  # fmt: skip
_DECK = {
    "card_create": (
        "You have created card {card} in list {stack} on board {board}",
        "{user} has created card {card} in list {stack} on board {board}",
    )
}


def _user(state: FakeState, uid: str) -> dict[str, Any]:
    user = state.user(uid)
    return {"type": "user", "id": uid, "name": user.display_name if user is not None else uid}


def _file(base: str, param: Any) -> dict[str, Any]:
    """``Provider::getFile``: ``[fileId => path]``."""
    [(file_id, path)] = dict(param).items()
    link = f"{base}/index.php/f/{file_id}"  # linkToRouteAbsolute('files.viewcontroller.showFile')
    return {"type": "file", "id": str(file_id), "name": path.rsplit("/", 1)[-1], "path": path.strip("/"), "link": link}


def _parsed(subject: str, params: dict[str, dict[str, Any]]) -> str:
    for key, value in params.items():
        subject = subject.replace("{" + key + "}", str(value["path"] if value["type"] == "file" else value["name"]))
    return subject


def _icon(base: str, app: str, name: str) -> str:
    folder = "core" if name.startswith("actions/") else app
    return f"{base}/{folder}/img/{name.removeprefix('actions/')}.svg"


def render(state: FakeState, row: Activity, base: str) -> Rendered | None:
    """The row as ``(subject, rich subject, rich parameters, icon)``; ``None`` when no provider parses it."""
    p = row.params
    if row.app == "files" and row.subject in _FILES:
        text, icon = _FILES[row.subject]
        if row.subject.startswith(("renamed", "moved")):
            params = {"newfile": _file(base, p[0]), "oldfile": _file(base, p[2] if len(p) > 2 else p[1])}
        else:
            params = {"file": _file(base, p[0])}
        if row.subject.endswith("_by"):
            params["user"] = _user(state, p[1])
        return _parsed(text, params), text, params, _icon(base, "files", icon)
    if row.app == "files_sharing" and row.subject in _SHARING:
        text = _SHARING[row.subject]
        params = {"file": _file(base, p[0])}
        if len(p) > 1 and p[1]:
            other = "group" if "group" in row.subject else "actor" if row.subject.endswith("_by") else "user"
            params[other] = _user(state, p[1]) if other != "group" else {"type": "user-group", "id": p[1], "name": p[1]}
        return _parsed(text, params), text, params, _icon(base, "core", "actions/share")
    if row.app == "dav" and row.subject in _CALENDAR:
        mine, theirs = _CALENDAR[row.subject]
        data = p[0]
        text = mine if data["actor"] == row.affected else theirs
        key = "todo" if row.subject.endswith("todo") else "event"
        params = {
            "actor": _user(state, data["actor"]),
            "calendar": {"type": "calendar", "id": str(data["calendar"]["id"]), "name": data["calendar"]["name"]},
            key: {"type": "calendar-event", "id": data["object"]["id"], "name": data["object"]["name"]},
        }
        return _parsed(text, params), text, params, _icon(base, "core", "places/calendar")
    if row.app == "deck" and row.subject in _DECK:
        mine, theirs = _DECK[row.subject]
        data = p[0]
        text = mine if data["user"] == row.affected else theirs
        params = {"user": _user(state, data["user"])}
        for key in ("card", "stack", "board"):
            params[key] = {"type": "highlight", "id": str(data[key]["id"]), "name": data[key]["title"]}
        return _parsed(text, params), text, params, _icon(base, "deck", "deck-dark")
    return None
