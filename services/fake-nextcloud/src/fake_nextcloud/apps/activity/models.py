"""The activity app's table (``oc_activity``) and its query, without HTTP.

Source: nextcloud/activity v34.0.2 (a4d79fb1): ``lib/Data.php`` (``send``, ``get``, ``setOffsetFromSince``,
``getFirstKnownActivityHeader``), ``lib/GroupHelper.php`` (``eventToArray``, ``getObjectsFromChildren``).
Rows are stored with their subject key and parameters and rendered when read (``providers.py``), as the real
app parses them per request. Activity ids are global (an autoincrement column).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fake_nextcloud.core.state import FakeState

__all__ = ["Activity", "ActivityBackend", "InvalidSince", "Page"]

MAX_LIMIT = 200  # Data::get: $limit = min(200, $limit)


class InvalidSince(Exception):
    """``Data::setOffsetFromSince``: the ``since`` activity belongs to another user (``OutOfBoundsException``)."""


@dataclass
class Activity:
    """One row of ``oc_activity``."""

    id: int
    timestamp: int
    app: str
    type: str
    affected: str  # affecteduser
    author: str  # user ('' for guests)
    subject: str
    params: list[Any]
    object_type: str
    object_id: int
    object_name: str  # column `file`
    link: str = ""


@dataclass
class Page:
    rows: list[Activity]
    has_more: bool
    headers: dict[str, str] = field(default_factory=dict)


class ActivityBackend:
    """``oc_activity`` of the instance. Use ``ActivityBackend.of(state)``."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.rows: list[Activity] = []
        self._next_id = 1

    @classmethod
    def of(cls, state: FakeState) -> ActivityBackend:
        return state.backend("activity", cls)

    def storage_used(self, uid: str) -> int:
        return 0

    def send(self, affected: str, author: str | None, app: str, type_: str, subject: str, params: list[Any],
             object_type: str, object_id: int, object_name: str, link: str = "") -> Activity:  # fmt: skip
        """``Data::send`` (``IManager::publish`` -> the activity ``Consumer``): one row for one affected user."""
        row = Activity(self._next_id, self.state.time(), app, type_, affected, author or "", subject, params,
                       object_type, object_id, object_name, link)  # fmt: skip
        self._next_id += 1
        self.rows.append(row)
        return row

    def get(self, user: str, rows: list[Activity], since: int, limit: int, sort: str) -> Page:
        """``Data::get`` after the filter's conditions (``rows`` = the user's rows that pass them): ``since``
        offsets by an activity id (unknown: from the start, with ``X-Activity-First-Known``; another user's:
        ``InvalidSince``), order ``timestamp, activity_id``, ``limit + 1`` rows to learn ``has_more``."""
        limit = min(MAX_LIMIT, limit)
        desc = sort != "asc"
        headers: dict[str, str] = {}
        anchor = next((r for r in self.rows if r.id == since), None) if since else None
        if anchor is None:
            headers = self._first_known(user, desc)
        elif anchor.affected != user:
            raise InvalidSince()
        elif desc:
            rows = [r for r in rows if r.timestamp <= anchor.timestamp and r.id < since]
        else:
            rows = [r for r in rows if r.timestamp >= anchor.timestamp and r.id > since]
        rows = sorted(rows, key=lambda r: (r.timestamp, r.id), reverse=desc)[: max(limit + 1, 0)]
        has_more = len(rows) > limit
        rows = rows[: max(limit, 0)]
        if rows:
            headers["X-Activity-Last-Given"] = str(rows[-1].id)
        return Page(rows, has_more, headers)

    def _first_known(self, user: str, desc: bool) -> dict[str, str]:
        """``getFirstKnownActivityHeader``: the user's first activity in the requested order (by timestamp)."""
        mine = sorted((r for r in self.rows if r.affected == user), key=lambda r: (r.timestamp, r.id), reverse=desc)
        return {"X-Activity-First-Known": str(mine[0].id)} if mine else {}
