"""The notifications table and what apps do with it (nextcloud/notifications v34.0.2, 78f9e81c).

``Row`` is one row of ``oc_notifications`` as ``lib/Handler.php::sqlInsert`` stores it: the *unparsed* notification
(app, user, timestamp, object, subject and message keys with their parameters, link, icon, actions). Rendering it
for a reader is the notifiers' job (``notifiers.py``, ``IManager::prepare``), at read time, as in Nextcloud.

* Ids come from one auto-increment column: global, not per user (``Handler::add`` returns ``getLastInsertId``).
* ``Handler::get`` lists at most 25 rows of one user, ``ORDER BY notification_id DESC`` (``$limit = 25``).
* ``Handler::getById``/``deleteById``/``confirmIdsForUser`` match id *and* user, so another user's id is
  "not found".
* ``IManager::markProcessed`` (``Handler::delete`` with ``sqlWhere``) deletes every row that matches the fields
  set on the filter: app, user, timestamp, object type/id, subject (empty fields match everything). Apps call it
  when the thing notified about is gone (Deck ``NotificationHelper::markCardAssignedAsRead``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fake_nextcloud.core.state import FakeState

__all__ = ["LIST_LIMIT", "NotificationsBackend", "Row", "capability", "mark_processed", "notify"]

#: ``Handler::get(INotification $notification, int $limit = 25)``.
LIST_LIMIT = 25


@dataclass
class Row:
    """One stored notification (``Handler::sqlInsert``). ``prepared`` holds what a notifier the fake does not
    reproduce would render (seeded notifications of other apps: ``subject``, ``subjectRich``, … as sent)."""

    id: int
    app: str
    user: str
    timestamp: int
    object_type: str
    object_id: str
    subject: str
    subject_parameters: Any = field(default_factory=list)
    message: str = ""
    message_parameters: Any = field(default_factory=list)
    link: str = ""
    icon: str = ""
    actions: list[dict[str, Any]] = field(default_factory=list)
    prepared: dict[str, Any] | None = None


class NotificationsBackend:
    """All notifications of the instance. Use ``NotificationsBackend.of(state)``."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.rows: dict[int, Row] = {}
        self._next_id = 1

    @classmethod
    def of(cls, state: FakeState) -> NotificationsBackend:
        return state.backend("notifications", cls)

    def storage_used(self, uid: str) -> int:
        return 0

    def add(self, **fields: Any) -> Row:
        """``Handler::add`` (via ``App::notify``); ``timestamp`` defaults to now."""
        fields.setdefault("timestamp", self.state.time())
        row = Row(self._next_id, **fields)
        self.rows[row.id] = row
        self._next_id += 1
        return row

    def newest(self, uid: str, limit: int = LIST_LIMIT) -> list[Row]:
        """``Handler::get`` for one user: newest id first, at most ``limit``."""
        return sorted((r for r in self.rows.values() if r.user == uid), key=lambda r: -r.id)[:limit]

    def by_id(self, row_id: int, uid: str) -> Row | None:
        """``Handler::getById`` (id and user)."""
        row = self.rows.get(row_id)
        return row if row is not None and row.user == uid else None

    def delete(self, row_id: int) -> bool:
        return self.rows.pop(row_id, None) is not None

    def delete_by_user(self, uid: str) -> bool:
        """``Handler::deleteByUser``: whether anything was deleted."""
        ids = [r.id for r in self.rows.values() if r.user == uid]
        for row_id in ids:
            del self.rows[row_id]
        return bool(ids)

    def existing(self, uid: str, ids: list[int]) -> list[int]:
        """``Handler::confirmIdsForUser``: the ids that exist for the user (in id order, as the query returns)."""
        wanted = set(ids)
        return sorted(r.id for r in self.rows.values() if r.user == uid and r.id in wanted)

    def matching(self, **where: Any) -> list[Row]:
        """``Handler::sqlWhere``: rows equal to every non-empty field of the filter."""
        given = {k: v for k, v in where.items() if v not in ("", None, 0)}
        return [r for r in self.rows.values() if all(getattr(r, k) == v for k, v in given.items())]


def notify(state: FakeState, **fields: Any) -> Row | None:
    """``IManager::notify`` from another app: stored only while the notifications app is enabled (it is the
    app that registers the ``IApp`` that stores them, ``lib/AppInfo/Application.php``)."""
    if not state.app_enabled("notifications"):
        return None
    return NotificationsBackend.of(state).add(**fields)


def mark_processed(state: FakeState, **where: Any) -> int:
    """``IManager::markProcessed``: delete the rows matching ``where`` (``Handler::delete``); how many."""
    backend = NotificationsBackend.of(state)
    rows = backend.matching(**where)
    for row in rows:
        backend.delete(row.id)
    return len(rows)


def capability() -> dict[str, Any]:
    """``lib/Capabilities.php::getCapabilities`` (web push off: ``webpush_enabled`` is not set)."""
    endpoints = ["list", "get", "delete", "delete-all", "icons", "rich-strings", "action-web", "user-status", "exists"]
    return {
        "ocs-endpoints": [*endpoints, "test-push"],
        "push": ["devices", "object-data", "delete"],
        "admin-notifications": ["ocs", "cli"],
    }
