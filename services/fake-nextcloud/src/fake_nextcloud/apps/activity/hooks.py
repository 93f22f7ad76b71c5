"""Events of the other apps (``core.events``) turned into activities, for whom Nextcloud would record them.

* Files (``files``: created, changed, deleted, restored, moved/renamed, published by ``apps/dav/models.py``;
  notes are files, so the Notes app's writes land here too): nextcloud/activity lib/FilesHooks.php
  ``addNotificationsForFileAction`` (one activity per user with access: the owner at their path and every
  recipient of a user or group share of the node or of a folder above it, at the path under the share's target,
  ``getUserPathsFromPath``; ``*_self`` for the actor, ``*_by`` with the actor for the others), ``fileMove``
  (same folder: ``renamed_*``; else ``moved_*`` for users who see both places, ``deleted_*`` for those who lose
  it, ``created_*`` for those who gain it: ``generateDeleteActivities``/``generateAddActivities``/
  ``generateMoveActivities``). Types ``file_created``, ``file_changed``, ``file_deleted``, ``file_restored``;
  a move is ``file_changed`` (its adds too), its deletes ``file_deleted``.
* Shares (``files_sharing``): ``FilesHooks::share`` (``shareWithUser``, ``shareWithGroup``, ``shareByLink``) and
  ``unShare`` (``unshareFromUser``, ``unshareFromGroup``, ``unshareLink``), type ``shared``. A recipient leaving
  a share (``unShareSelf``) and reshares (``shareNotificationForOriginalOwners``) are not reproduced.
* Calendar objects created (``dav``): apps/dav/lib/CalDAV/Activity/Backend.php::triggerCalendarObjectActivity
  (the owner only here: calendar sharing is not modelled), type ``calendar_event``/``calendar_todo``.
* Deck cards created (``deck``): nextcloud/deck lib/Activity/ActivityManager.php::triggerEvent (every user of
  the board), type ``deck``, object ``deck_card``.

Nothing is recorded while the activity app is disabled (no ``IConsumer`` registered).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fake_nextcloud.apps.activity.models import ActivityBackend
from fake_nextcloud.apps.files_sharing.models import SharingBackend
from fake_nextcloud.core.events import Event
from fake_nextcloud.core.state import FakeState

__all__ = ["listener"]

Chain = list[tuple[int, str]]


def listener(state: FakeState) -> Callable[[Event], None]:
    """The listener ``app.py`` subscribes on ``state.events``."""

    def on_event(event: Event) -> None:
        if not state.app_enabled("activity"):
            return
        handler = _HANDLERS.get((event.app, event.name))
        if handler is not None:
            handler(state, event)

    return on_event


def _dir_link(path: str, is_dir: bool) -> str:
    """``linkToRouteAbsolute('files.view.index', ['dir' => $isFile ? dirname($path) : $path])`` (made absolute
    when served)."""
    folder = path if is_dir else (path.rsplit("/", 1)[0] or "/")
    return "/index.php/apps/files/?" + urlencode({"dir": folder})


def _access(state: FakeState, owner: str, path: str, chain: Chain) -> dict[str, str]:
    """``getUserPathsFromPath``: user -> the path under which they see the node."""
    users = {owner: path}
    ids = dict(chain)
    for share in SharingBackend.of(state).shares.values():
        if share.owner != owner or share.file_id not in ids or share.share_type not in (0, 1):
            continue
        spath = ids[share.file_id]
        target = "/" + spath.rsplit("/", 1)[-1] + path[len(spath) :]
        if share.share_type == 0 and share.share_with:
            users.setdefault(share.share_with, target)
        elif share.share_type == 1:
            for user in state.users.values():
                if share.share_with in user.groups:
                    users.setdefault(user.uid, target)
    return users


def _file_rows(state: FakeState, event: Event, users: dict[str, str], type_: str, verb: str,
               old: dict[str, str] | None = None) -> None:  # fmt: skip
    """One row per user: ``<verb>_self`` for the actor, ``<verb>_by`` (with the actor) for the others."""
    backend, d, actor = ActivityBackend.of(state), event.data, event.actor or ""
    fid = int(d["file_id"])
    for uid, path in users.items():
        params: list[Any] = [{fid: path}]
        if uid != actor:
            params.append(actor)
        if old is not None:
            params.append({fid: old.get(uid, path)})
        subject = f"{verb}_self" if uid == actor else f"{verb}_by"
        backend.send(uid, actor, "files", type_, subject, params, "files", fid, path, _dir_link(path, d["is_dir"]))


def _simple(type_: str, verb: str) -> Callable[[FakeState, Event], None]:
    def handle(state: FakeState, event: Event) -> None:
        d = event.data
        _file_rows(state, event, _access(state, d["owner"], d["path"], d["chain"]), type_, verb)

    return handle


def _moved(state: FakeState, event: Event) -> None:
    d = event.data
    before = _access(state, d["owner"], d["old_path"], d["old_chain"])
    after = _access(state, d["owner"], d["path"], d["chain"])
    if d["old_path"].rsplit("/", 1)[0] == d["path"].rsplit("/", 1)[0]:  # FilesHooks::fileRenaming
        _file_rows(state, event, after, "file_changed", "renamed", old=before)
        return
    both = {u: p for u, p in after.items() if u in before}
    _file_rows(state, event, {u: p for u, p in before.items() if u not in after}, "file_deleted", "deleted")
    _file_rows(state, event, {u: p for u, p in after.items() if u not in before}, "file_changed", "created")
    _file_rows(state, event, both, "file_changed", "moved", old=before)


def _share(state: FakeState, event: Event) -> None:
    d, actor = event.data, event.actor or ""
    if d["path"] is None or actor != d["owner"]:
        return
    backend, fid, path, kind = ActivityBackend.of(state), int(d["file_id"]), d["path"], d["share_type"]
    target = "/" + path.rsplit("/", 1)[-1]
    created = event.name == "share_created"
    prefix = "shared" if created else "unshared"
    link, target_link = _dir_link(path, d["is_dir"]), _dir_link(target, d["is_dir"])

    def send(uid: str, subject: str, params: list[Any], name: str, url: str) -> None:
        backend.send(uid, actor, "files_sharing", "shared", subject, params, "files", fid, name, url)

    if kind == 3:
        send(actor, f"{prefix}_link_self", [{fid: path}], path, link)
        return
    if kind not in (0, 1):
        return
    group = kind == 1
    send(actor, f"{prefix}_{'group' if group else 'user'}_self", [{fid: path}, d["share_with"]], path, link)
    members = [u.uid for u in state.users.values() if d["share_with"] in u.groups] if group else [d["share_with"]]
    for uid in members:
        if uid != actor:
            send(uid, "shared_with_by" if created else "unshared_by", [{fid: target}, actor], target, target_link)


def _calendar(state: FakeState, event: Event) -> None:
    d, actor = event.data, event.actor or ""
    todo = d["component"] == "VTODO"
    params = {
        "actor": actor,
        "calendar": {"id": d["calendar_id"], "uri": d["calendar"], "name": d["calendar"]},
        "object": {"id": d["object"].removesuffix(".ics"), "name": d["summary"], "classified": False},
    }
    subject, type_ = ("object_add_todo", "calendar_todo") if todo else ("object_add_event", "calendar_event")
    ActivityBackend.of(state).send(d["owner"], actor, "dav", type_, subject, [params], "calendar", d["calendar_id"], "")


def _card(state: FakeState, event: Event) -> None:
    d, actor = event.data, event.actor or ""
    params = {
        "user": actor,
        "card": {"id": d["card_id"], "title": d["card"]},
        "stack": {"id": 0, "title": d["stack"]},
        "board": {"id": d["board_id"], "title": d["board"]},
    }
    link = f"/index.php/apps/deck/card/{d['card_id']}"
    for uid in d["users"]:
        ActivityBackend.of(state).send(uid, actor, "deck", "deck", "card_create", [params], "deck_card",
                                       d["card_id"], d["card"], link)  # fmt: skip


_HANDLERS: dict[tuple[str, str], Callable[[FakeState, Event], None]] = {
    ("files", "file_created"): _simple("file_created", "created"),
    ("files", "file_changed"): _simple("file_changed", "changed"),
    ("files", "file_deleted"): _simple("file_deleted", "deleted"),
    ("files", "file_restored"): _simple("file_restored", "restored"),
    ("files", "file_moved"): _moved,
    ("files_sharing", "share_created"): _share,
    ("files_sharing", "share_deleted"): _share,
    ("dav", "calendar_object_created"): _calendar,
    ("deck", "card_created"): _card,
}
