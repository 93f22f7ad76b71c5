"""Deck entities and their JSON (nextcloud/deck ``lib/Db/*.php``), plus the error classes of its services.

JSON shapes follow ``RelationalEntity::jsonSerialize`` (every property, ``DateTime`` as ISO-8601 ``c``,
resolved users as ``{"primaryKey", "uid", "displayname"}``, ``ETag`` = ``md5(lastModified)``) and
``docs/API.md``. Errors mirror ``lib/StatusException.php`` and its subclasses; ``lib/Middleware/
ExceptionMiddleware.php`` renders them as ``{"status": …, "message": …}`` (REST) or as an OCS envelope
(OCS controllers), and turns ``DoesNotExistException`` into 403 "Permission denied".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fake_nextcloud.core.php import md5_hex
from fake_nextcloud.core.state import FakeState

__all__ = [
    "DEFAULT_LABELS",
    "Acl",
    "Assignment",
    "Attachment",
    "BadRequest",
    "Board",
    "Card",
    "Comment",
    "Conflict",
    "DeckError",
    "Label",
    "NoPermission",
    "NotFound",
    "Stack",
    "iso",
    "user_json",
]

#: ``BoardService::create`` adds these labels to every new board (``lib/Service/BoardService.php``).
DEFAULT_LABELS = (("Finished", "31CC7C"), ("To review", "317CCC"), ("Action needed", "FF7A66"), ("Later", "F1DB50"))


class DeckError(Exception):
    """``OCA\\Deck\\StatusException``: status 500 unless a subclass says otherwise."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(DeckError):
    """``BadRequestException`` -> 400."""

    status = 400


class NoPermission(DeckError):
    """``NoPermissionException`` -> 403 (also used for missing entities, ``DoesNotExistException``)."""

    status = 403

    def __init__(self, message: str = "Permission denied") -> None:
        super().__init__(message)


class NotFound(DeckError):
    """``NotFoundException`` -> 404 (default message ``''``, ``lib/NotFoundException.php``)."""

    status = 404

    def __init__(self, message: str = "") -> None:
        super().__init__(message)


class Conflict(DeckError):
    """``Exceptions/ConflictException`` -> 409; ``ExceptionMiddleware`` answers ``{"status", "message", "data"}``
    as plain JSON for REST and OCS controllers alike (it is checked before the OCS branch)."""

    status = 409

    def __init__(self, message: str, data: Any) -> None:
        super().__init__(message)
        self.data = data


def iso(timestamp: int | None) -> str | None:
    """``DateTime::format('c')`` in UTC (``2019-12-24T19:29:30+00:00``)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat()


def user_json(state: FakeState, uid: str) -> dict[str, Any]:
    """``Db\\User::jsonSerialize`` (``RelationalObject``: ``primaryKey`` + ``getObjectSerialization``)."""
    user = state.user(uid)
    return {"primaryKey": uid, "uid": uid, "displayname": user.display_name if user else uid, "type": 0}


@dataclass
class Label:
    id: int
    board_id: int
    title: str
    color: str
    last_modified: int

    def to_json(self) -> dict[str, Any]:
        """``Db\\Label`` (``cardId`` is only set on labels fetched for a card)."""
        return {
            "title": self.title,
            "color": self.color,
            "boardId": self.board_id,
            "cardId": None,
            "lastModified": self.last_modified,
            "id": self.id,
            "ETag": md5_hex(str(self.last_modified)),
        }


@dataclass
class Acl:
    """A board share. ``type`` 0 user, 1 group, 7 circle (``Db\\Acl::PERMISSION_TYPE_*``)."""

    id: int
    board_id: int
    participant: str
    type: int
    edit: bool
    share: bool
    manage: bool
    created_at: int

    def to_json(self, state: FakeState) -> dict[str, Any]:
        participant = user_json(state, self.participant) if self.type == 0 else {"id": self.participant}
        return {
            "participant": participant,
            "type": self.type,
            "boardId": self.board_id,
            "permissionEdit": self.edit,
            "permissionShare": self.share,
            "permissionManage": self.manage,
            "owner": False,
            "createdAt": self.created_at,
            "lastModifiedAt": self.created_at,
            "id": self.id,
        }


@dataclass
class Board:
    id: int
    title: str
    owner: str
    color: str
    last_modified: int
    archived: bool = False
    deleted_at: int = 0
    acl: list[Acl] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)


@dataclass
class Stack:
    id: int
    board_id: int
    title: str
    order: int
    last_modified: int
    deleted_at: int = 0
    is_done_column: bool = False

    def to_json(self, cards: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """``Db\\Stack::jsonSerialize`` (``cards`` dropped when not loaded)."""
        data: dict[str, Any] = {
            "title": self.title,
            "boardId": self.board_id,
            "deletedAt": self.deleted_at,
            "lastModified": self.last_modified,
            "order": self.order,
            "isDoneColumn": self.is_done_column,
            "id": self.id,
        }
        if cards is not None:
            data["cards"] = cards
        data["ETag"] = md5_hex(str(self.last_modified))
        return data


@dataclass
class Assignment:
    id: int
    card_id: int
    participant: str
    type: int = 0

    def to_json(self, state: FakeState) -> dict[str, Any]:
        return {
            "participant": user_json(state, self.participant),
            "cardId": self.card_id,
            "type": self.type,
            "id": self.id,
        }


@dataclass
class Comment:
    """A core comment on ``objectType`` ``deckCard`` (``Application::COMMENT_ENTITY_TYPE``)."""

    id: int
    card_id: int
    actor: str
    message: str
    created: int
    parent_id: int = 0


@dataclass
class Attachment:
    """``type`` ``file``: a Files node shared to the card (``FilesAppService``); ``deck_file``: legacy
    app-data blob (``FileService``). ``file_id`` links the DAV node of a ``file`` attachment."""

    id: int
    card_id: int
    type: str
    data: str
    created_by: str
    created_at: int
    file_id: int | None = None
    size: int = 0
    deleted_at: int = 0


@dataclass
class Card:
    id: int
    stack_id: int
    title: str
    owner: str
    order: int
    created_at: int
    last_modified: int
    description: str = ""
    type: str = "plain"
    duedate: int | None = None
    done: int | None = None
    archived: bool = False
    deleted_at: int = 0
    labels: list[int] = field(default_factory=list)
    #: ``deck_dependent_cards`` rows with this card as ``card_id`` (``CardMapper::addDependency``).
    dependent_cards: set[int] = field(default_factory=set)

    def to_json(
        self,
        state: FakeState,
        *,
        labels: list[Label],
        assigned: list[Assignment],
        attachments: int,
        comments: int,
        resolve_owner: bool = True,
    ) -> dict[str, Any]:
        """``Db\\Card::jsonSerialize`` after ``CardService::enrichCards`` (``owner`` resolved to a user
        object; ``CardService::create`` returns it unresolved, as ``docs/API.md`` shows, and without enrichment
        ``dependentCards`` stays ``null``; enriched it lists the ids ordered by id,
        ``CardMapper::findDependenciesForCards``)."""
        return {
            "title": self.title,
            "description": self.description,
            "descriptionPrev": None,
            "stackId": self.stack_id,
            "type": self.type,
            "lastModified": self.last_modified,
            "lastEditor": None,
            "createdAt": self.created_at,
            "labels": [{**label.to_json(), "cardId": self.id} for label in labels],
            "assignedUsers": [a.to_json(state) for a in assigned],
            "attachments": None,
            "attachmentCount": attachments,
            "owner": user_json(state, self.owner) if resolve_owner else self.owner,
            "order": self.order,
            "archived": self.archived,
            "done": iso(self.done),
            "duedate": iso(self.duedate),
            "startdate": None,
            "notified": False,
            "deletedAt": self.deleted_at,
            "commentsUnread": 0,
            "commentsCount": comments,
            "dependentCards": sorted(self.dependent_cards) if resolve_owner else None,
            "color": None,
            "relatedStack": None,
            "relatedBoard": None,
            "id": self.id,
            "ETag": md5_hex(str(self.last_modified)),
        }
