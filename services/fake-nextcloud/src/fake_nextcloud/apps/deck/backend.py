"""Deck state and the permission model (no HTTP): nextcloud/deck ``lib/Service/PermissionService.php``,
``BoardService.php``, ``lib/Validators/*``. Cards, labels, comments and attachments: ``cards.py``.

Permissions (``PermissionService::getPermissions``): the owner has all four; otherwise the user's ACL entry
(or the first group entry of one of their groups) grants READ plus its edit/share/manage flags. A missing,
soft-deleted or invisible entity raises ``NoPermission("Permission denied")`` so existence never leaks
(``checkPermission``; ``DoesNotExistException`` -> 403 in ``ExceptionMiddleware``). Write operations on an
archived board raise ``StatusException('Operation not allowed. This board is archived.')`` (HTTP 500).

Not implemented: circles, federation (``externalId``), board import/export, activity, sessions, the default
board created on first use (``DefaultBoardService``), ``If-Modified-Since`` filtering.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fake_nextcloud.apps.deck.models import (
    DEFAULT_LABELS,
    Acl,
    Assignment,
    Attachment,
    BadRequest,
    Board,
    Card,
    Comment,
    DeckError,
    Label,
    NoPermission,
    Stack,
    user_json,
)
from fake_nextcloud.core.events import Event
from fake_nextcloud.core.php import md5_hex, php_json_encode
from fake_nextcloud.core.state import FakeState

__all__ = ["PERMS", "DeckBackend", "InternalError", "check_color", "check_title", "parse_date"]

PERMS = ("PERMISSION_READ", "PERMISSION_EDIT", "PERMISSION_MANAGE", "PERMISSION_SHARE")
_ARCHIVED = "Operation not allowed. This board is archived."


class InternalError(DeckError):
    """Any non-``StatusException`` (e.g. ``new \\DateTime('garbage')``): ``ExceptionMiddleware`` answers a
    plain JSON 500 with the "Internal server error" text, even for OCS controllers."""


def check_title(value: Any, limit: int, field: str = "title") -> str:
    """``BaseValidator`` rules ``not_empty``, ``not_null``, ``not_false``, ``max:<limit>`` (note the trailing
    space of the max message, ``getErrorMessage``)."""
    if value is None or value is False or value == "" or value == [] or value == "0":
        raise BadRequest(f"{field} must be provided and must be not empty")
    text = str(value)
    if len(text) > limit:
        raise BadRequest(f"{field} cannot be longer than {limit} characters ")
    return text


def check_color(value: Any) -> str:
    """``LabelServiceValidator``/``BoardServiceValidator``: ``max:6`` and ``hex_color``."""
    text = check_title(value, 6, "color")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", text):
        raise BadRequest("color must be provided and must be hex color")
    return text


def parse_date(value: Any) -> int | None:
    """``new \\DateTime($value)`` for ``duedate``/``done``; empty -> null; unparsable -> ``InternalError``."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InternalError(f"DateTime::__construct(): Failed to parse time string ({value})") from None
    return int(parsed.timestamp())


class DeckBackend:
    """All Deck data of one instance; ids are global per entity type, as in the database."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.boards: dict[int, Board] = {}
        self.stacks: dict[int, Stack] = {}
        self.cards: dict[int, Card] = {}
        self.labels: dict[int, Label] = {}
        self.assignments: dict[int, Assignment] = {}
        self.comments: dict[int, Comment] = {}
        self.attachments: dict[int, Attachment] = {}
        self.blobs: dict[int, bytes] = {}
        self._ids: dict[str, int] = {}

    @classmethod
    def of(cls, state: FakeState) -> DeckBackend:
        return state.backend("deck", cls)

    def storage_used(self, uid: str) -> int:
        return 0  # ``file`` attachments live in the DAV tree and are counted there

    def next_id(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    # -- permissions ------------------------------------------------------------------------------------

    def permissions(self, board: Board, uid: str) -> dict[str, bool]:
        """``PermissionService::getPermissions`` (ACLs of deleted boards are ignored)."""
        if board.owner == uid:
            return dict.fromkeys(PERMS, True)
        acls = board.acl if board.deleted_at == 0 else []
        user = self.state.user(uid)
        groups = user.groups if user else []
        entry = next((a for a in acls if a.type == 0 and a.participant == uid), None)
        if entry is None:
            entry = next((a for a in acls if a.type == 1 and a.participant in groups), None)
        if entry is None:
            return dict.fromkeys(PERMS, False)
        return {
            "PERMISSION_READ": True,
            "PERMISSION_EDIT": entry.edit,
            "PERMISSION_MANAGE": entry.manage,
            "PERMISSION_SHARE": entry.share,
        }

    def board(self, board_id: int, uid: str, perm: str = "PERMISSION_READ", *, allow_deleted: bool = False) -> Board:
        """``PermissionService::checkPermission`` on a board id."""
        board = self.boards.get(board_id)
        if board is None or (board.deleted_at and not allow_deleted) or not self.permissions(board, uid)[perm]:
            raise NoPermission()
        return board

    def stack(self, stack_id: int, uid: str, perm: str = "PERMISSION_READ") -> tuple[Stack, Board]:
        stack = self.stacks.get(stack_id)
        if stack is None:
            raise NoPermission()
        return stack, self.board(stack.board_id, uid, perm)

    def writable(self, board: Board) -> None:
        if board.archived:
            raise DeckError(_ARCHIVED)

    def touch(self, board: Board, stack: Stack | None = None, card: Card | None = None) -> None:
        """``ChangeHelper``: a change moves ``lastModified`` (hence the ETag) of the entity and its parents."""
        now = self.state.time()
        for entity in (board, stack, card):
            if entity is not None:
                entity.last_modified = now

    def members(self, board: Board) -> list[str]:
        """``PermissionService::findUsers``: owner, user ACLs and members of group ACLs."""
        uids = [board.owner]
        for acl in board.acl:
            if acl.type == 0:
                uids.append(acl.participant)
            elif acl.type == 1:
                uids += [u.uid for u in self.state.users.values() if acl.participant in u.groups]
        return list(dict.fromkeys(uids))

    # -- boards -----------------------------------------------------------------------------------------

    def board_json(self, board: Board, uid: str, *, full: bool = True) -> dict[str, Any]:
        """``Db\\Board::jsonSerialize`` after ``BoardService::enrichBoards``: owner, ACL and permissions always;
        with ``$fullDetails`` (single boards; the list only with ``details=true``) also stacks (without cards),
        labels and users, else ``labels``/``users``/``stacks`` stay empty."""
        stacks = [s.to_json() for s in self.board_stacks(board.id)] if full else []
        return {
            "title": board.title,
            "owner": user_json(self.state, board.owner),
            "color": board.color,
            "archived": board.archived,
            "labels": [label.to_json() for label in board.labels] if full else [],
            "acl": [acl.to_json(self.state) for acl in board.acl],
            "permissions": self.permissions(board, uid),
            "users": [user_json(self.state, u) for u in self.members(board)] if full else [],
            "shared": 0 if board.owner == uid else 1,
            "stacks": stacks,
            "activeSessions": [],
            "deletedAt": board.deleted_at,
            "lastModified": board.last_modified,
            "settings": {"notify-due": "assigned", "calendar": True, "cardDetailsInModal": True},
            "id": board.id,
            "ETag": md5_hex(str(board.last_modified)),
        }

    def visible_boards(self, uid: str) -> list[Board]:
        """``BoardService::findAll`` (``BoardMapper::findAllForUser`` with ``includeArchived``): owned and shared
        boards, archived and soft-deleted ones included (``deletedAt`` > 0; clients filter them)."""
        user = self.state.user(uid)
        groups = user.groups if user else []

        def member(board: Board) -> bool:
            return board.owner == uid or any(
                (a.type == 0 and a.participant == uid) or (a.type == 1 and a.participant in groups) for a in board.acl
            )

        return [b for b in self.boards.values() if member(b)]

    def boards_etag(self, boards: list[Board]) -> str:
        """``BoardApiController::index``: ``md5(json_encode(["<id>-<etag>", …]))``."""
        return md5_hex(php_json_encode([f"{b.id}-{md5_hex(str(b.last_modified))}" for b in boards]))

    def create_board(self, uid: str, title: Any, color: Any) -> Board:
        """``BoardService::create`` (+ the four default labels)."""
        board = Board(self.next_id("board"), check_title(title, 100), uid, check_color(color), self.state.time())
        self.boards[board.id] = board
        for label_title, label_color in DEFAULT_LABELS:
            self.new_label(board, label_title, label_color)
        return board

    def new_label(self, board: Board, title: str, color: str) -> Label:
        label = Label(self.next_id("label"), board.id, title, color, self.state.time())
        self.labels[label.id] = label
        board.labels.append(label)
        return label

    def update_board(self, uid: str, board_id: int, title: Any, color: Any, archived: bool) -> Board:
        """``BoardService::update`` (MANAGE)."""
        board = self.board(board_id, uid, "PERMISSION_MANAGE")
        board.title, board.color, board.archived = check_title(title, 100), check_color(color), archived
        self.touch(board)
        return board

    def delete_board(self, uid: str, board_id: int) -> Board:
        """``BoardService::delete``: owner only (MANAGE), soft delete (``deletedAt`` = now)."""
        board = self.board(board_id, uid, "PERMISSION_MANAGE")
        board.deleted_at = self.state.time()
        self.touch(board)
        return board

    def undo_delete(self, uid: str, board_id: int) -> Board:
        board = self.board(board_id, uid, "PERMISSION_MANAGE", allow_deleted=True)
        board.deleted_at = 0
        self.touch(board)
        return board

    def add_acl(
        self, uid: str, board_id: int, kind: int, participant: Any, edit: bool, share: bool, manage: bool
    ) -> Acl:
        """``BoardService::addAcl`` (``BoardServiceValidator``: ``participant`` not empty, max 64; then SHARE)."""
        participant = check_title(participant, 64, "participant")
        board = self.board(board_id, uid, "PERMISSION_SHARE")
        if kind == 0 and self.state.user(participant) is None:
            raise BadRequest("Invalid participant")
        acl = Acl(self.next_id("acl"), board.id, participant, kind, edit, share, manage, self.state.time())
        board.acl = [a for a in board.acl if not (a.type == kind and a.participant == participant)] + [acl]
        self.touch(board)
        # NotificationHelper::sendBoardShared (apps/notifications/listeners.py)
        data = {"board_id": board.id, "board": board.title, "type": kind, "participant": participant}
        self.state.events.publish(Event("deck", "board_shared", uid, data))
        return acl

    def clone_board(self, uid: str, board_id: int, options: dict[str, bool]) -> Board:
        """``BoardService::clone``: title " (copy)", ACLs, labels and stacks always; cards per the options."""
        source = self.board(board_id, uid, "PERMISSION_READ")
        copy = Board(self.next_id("board"), source.title + " (copy)", uid, source.color, self.state.time())
        self.boards[copy.id] = copy
        for acl in source.acl:
            copy.acl.append(
                Acl(
                    self.next_id("acl"),
                    copy.id,
                    acl.participant,
                    acl.type,
                    acl.edit,
                    acl.share,
                    acl.manage,
                    self.state.time(),
                )
            )
        label_map = {old.id: self.new_label(copy, old.title, old.color).id for old in source.labels}
        stacks = sorted(
            (s for s in self.stacks.values() if s.board_id == source.id and not s.deleted_at), key=lambda s: s.order
        )
        first: Stack | None = None
        for old in stacks:
            new = Stack(self.next_id("stack"), copy.id, old.title, old.order, self.state.time())
            self.stacks[new.id] = new
            first = first or new
            if not options.get("withCards"):
                continue
            for card in [c for c in self.cards.values() if c.stack_id == old.id and not c.deleted_at]:
                if card.archived and not options.get("restoreArchivedCards"):
                    continue
                target = first if options.get("moveCardsToLeftStack") else new
                clone = Card(
                    self.next_id("card"),
                    target.id,
                    card.title,
                    uid,
                    card.order,
                    self.state.time(),
                    self.state.time(),
                    card.description,
                    card.type,
                    card.duedate if options.get("withDueDate") else None,
                )
                clone.labels = [label_map[i] for i in card.labels if options.get("withLabels") and i in label_map]
                self.cards[clone.id] = clone
                if options.get("withAssignments"):
                    for a in [a for a in self.assignments.values() if a.card_id == card.id]:
                        new_a = Assignment(self.next_id("assignment"), clone.id, a.participant, a.type)
                        self.assignments[new_a.id] = new_a
        return copy

    # -- stacks -----------------------------------------------------------------------------------------

    def board_stacks(self, board_id: int) -> list[Stack]:
        stacks = [s for s in self.stacks.values() if s.board_id == board_id and not s.deleted_at]
        return sorted(stacks, key=lambda s: (s.order, s.id))

    def create_stack(self, uid: str, board_id: int, title: Any, order: int) -> Stack:
        """``StackService::create`` (MANAGE)."""
        board = self.board(board_id, uid, "PERMISSION_MANAGE")
        self.writable(board)
        stack = Stack(self.next_id("stack"), board.id, check_title(title, 100), order, self.state.time())
        self.stacks[stack.id] = stack
        self.touch(board, stack)
        return stack

    def update_stack(self, uid: str, stack_id: int, title: Any, board_id: int, order: int) -> Stack:
        """``StackService::update``: MANAGE on the stack and on ``board_id``, which becomes the stack's board."""
        title = check_title(title, 100)
        stack, board = self.stack(stack_id, uid, "PERMISSION_MANAGE")
        target = self.board(board_id, uid, "PERMISSION_MANAGE")
        self.writable(board)
        if stack.deleted_at:
            raise NoPermission()
        stack.title, stack.order, stack.board_id = title, order, target.id
        self.touch(target, stack)
        if target.id != board.id:
            self.touch(board)
        return stack

    def reorder_stack(self, uid: str, stack_id: int, order: int) -> list[Stack]:
        """``StackService::reorder``: the stack goes to ``order``, the others are renumbered around it."""
        stack, board = self.stack(stack_id, uid, "PERMISSION_MANAGE")
        self.writable(board)
        others = [s for s in self.board_stacks(board.id) if s.id != stack.id]
        others.insert(max(0, min(order, len(others))), stack)
        for i, s in enumerate(others):
            s.order = i
        self.touch(board, stack)
        return others

    def delete_stack(self, uid: str, stack_id: int) -> Stack:
        """``StackService::delete``: soft delete (``deletedAt``)."""
        stack, board = self.stack(stack_id, uid, "PERMISSION_MANAGE")
        self.writable(board)
        stack.deleted_at = self.state.time()
        self.touch(board, stack)
        return stack
