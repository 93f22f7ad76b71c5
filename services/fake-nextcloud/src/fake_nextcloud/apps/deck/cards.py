"""Cards (with their dependent cards), labels and assignments: nextcloud/deck ``lib/Service/CardService.php``,
``LabelService.php`` and ``AssignmentService.php`` (comments: ``extras.py``, attachments: ``attachments.py``).
Functions take the ``DeckBackend`` and the acting user id.
"""

from __future__ import annotations

from typing import Any

from fake_nextcloud.apps.deck.backend import DeckBackend, check_color, check_title
from fake_nextcloud.apps.deck.models import (
    Assignment,
    BadRequest,
    Board,
    Card,
    DeckError,
    Label,
    NoPermission,
    NotFound,
    Stack,
)
from fake_nextcloud.core.events import Event

__all__ = [
    "assign_dependent_card",
    "assign_label",
    "assign_user",
    "card_json",
    "cards_of",
    "create_card",
    "create_label",
    "delete_card",
    "delete_label",
    "find_card",
    "remove_dependent_card",
    "remove_label",
    "reorder_card",
    "set_archived",
    "unassign_user",
    "update_card",
    "update_label",
]

_CARD_ARCHIVED = "Operation not allowed. This card is archived."


def find_card(
    deck: DeckBackend, uid: str, card_id: int, perm: str = "PERMISSION_READ", *, allow_deleted: bool = False
) -> tuple[Card, Stack, Board]:
    """``checkPermission(cardMapper, …)``: board permission via the card's stack; deleted -> "Card is deleted"."""
    card = deck.cards.get(card_id)
    if card is None:
        raise NoPermission()
    stack, board = deck.stack(card.stack_id, uid, perm)
    if card.deleted_at and not allow_deleted:
        raise NoPermission("Card is deleted")
    return card, stack, board


def card_json(deck: DeckBackend, card: Card, *, resolve_owner: bool = True) -> dict[str, Any]:
    labels = [deck.labels[i] for i in card.labels if i in deck.labels]
    assigned = [a for a in deck.assignments.values() if a.card_id == card.id]
    attachments = sum(1 for a in deck.attachments.values() if a.card_id == card.id and not a.deleted_at)
    comments = sum(1 for c in deck.comments.values() if c.card_id == card.id)
    return card.to_json(
        deck.state,
        labels=labels,
        assigned=assigned,
        attachments=attachments,
        comments=comments,
        resolve_owner=resolve_owner,
    )


def cards_of(deck: DeckBackend, stack_id: int, *, archived: bool) -> list[Card]:
    """``CardMapper::findAll`` / ``findAllArchived`` (deleted cards never)."""
    cards = [c for c in deck.cards.values() if c.stack_id == stack_id and not c.deleted_at and c.archived == archived]
    return sorted(cards, key=lambda c: (c.order, c.id))


def create_card(
    deck: DeckBackend,
    uid: str,
    stack_id: int,
    title: Any,
    *,
    order: int = 999,
    description: str = "",
    duedate: int | None = None,
    type_: str = "plain",
    owner: str | None = None,
) -> Card:
    """``CardService::create`` (EDIT on the stack's board); ``owner`` is the acting user unless the controller
    passes another one (``CardOcsController::create``). ``CardServiceValidator``: title, type, owner."""
    title = check_title(title, 255)
    check_title(type_, 64, "type")
    owner = check_title(uid if owner is None else owner, 64, "owner")
    stack, board = deck.stack(stack_id, uid, "PERMISSION_EDIT")
    deck.writable(board)
    now = deck.state.time()
    card = Card(deck.next_id("card"), stack.id, title, owner, order, now, now, description or "", type_, duedate)
    deck.cards[card.id] = card
    deck.touch(board, stack, card)
    # ActivityManager::triggerEvent(DECK_OBJECT_CARD, $card, SUBJECT_CARD_CREATE): one activity per user of the
    # board (PermissionService::findUsers), nextcloud/deck lib/Activity/ActivityManager.php
    data = {"card_id": card.id, "card": card.title, "stack": stack.title, "board_id": board.id, "board": board.title}
    deck.state.events.publish(Event("deck", "card_created", uid, {**data, "users": deck.members(board)}))
    return card


def update_card(deck: DeckBackend, uid: str, card_id: int, fields: dict[str, Any]) -> Card:
    """``CardService::update``: every field is replaced (``done`` absent -> null); moving to a stack of another
    board re-links labels by title and creates missing ones when allowed. ``CardServiceValidator``: title, type,
    owner (the owner is checked, not stored)."""
    title = check_title(fields.get("title"), 255)
    check_title(fields.get("type"), 64, "type")
    check_title(fields.get("owner"), 64, "owner")
    card, _, old_board = find_card(deck, uid, card_id, "PERMISSION_EDIT", allow_deleted=True)
    stack, board = deck.stack(int(fields["stackId"]), uid, "PERMISSION_EDIT")
    deck.writable(old_board)
    archived = fields.get("archived")
    if archived is True and card.archived:
        raise DeckError(_CARD_ARCHIVED)
    deleted_at = fields.get("deletedAt")
    if card.deleted_at and (deleted_at is None or deleted_at > 0):
        raise NoPermission("Operation not allowed. This card was deleted.")
    card.title, card.stack_id, card.type = title, stack.id, str(fields["type"])
    card.order = int(fields.get("order") or 0)
    card.duedate = fields.get("duedate")
    card.description = str(fields.get("description") or "")
    if deleted_at is not None:
        card.deleted_at = int(deleted_at)
    if archived is not None:
        card.archived = bool(archived)
    card.done = fields.get("done")
    if board.id != old_board.id:
        _move_labels(deck, card, board, uid)
    deck.touch(board, stack, card)
    deck.touch(old_board)
    return card


def _move_labels(deck: DeckBackend, card: Card, board: Board, uid: str) -> None:
    new_ids: list[int] = []
    for label_id in card.labels:
        old = deck.labels.get(label_id)
        if old is None:
            continue
        match = next((lb for lb in board.labels if lb.title == old.title), None)
        if match is None and deck.permissions(board, uid)["PERMISSION_MANAGE"]:
            match = deck.new_label(board, old.title, old.color)
        if match is not None:
            new_ids.append(match.id)
    card.labels = new_ids


def reorder_card(deck: DeckBackend, uid: str, card_id: int, stack_id: int, order: int) -> list[Card]:
    """``CardService::reorder``: into ``stack_id`` at ``order``; a done column sets ``done``."""
    card, old_stack, _ = find_card(deck, uid, card_id, "PERMISSION_EDIT")
    stack, board = deck.stack(stack_id, uid, "PERMISSION_EDIT")
    deck.writable(board)
    if card.archived:
        raise DeckError(_CARD_ARCHIVED)
    if stack.id != old_stack.id:
        if stack.is_done_column:
            card.done = deck.state.time()
        elif old_stack.is_done_column:
            card.done = None
    card.stack_id = stack.id
    others = [c for c in cards_of(deck, stack.id, archived=False) if c.id != card.id]
    others.insert(max(0, min(order, len(others))), card)
    for i, c in enumerate(others):
        c.order = i
    deck.touch(board, stack, card)
    return others


def set_archived(deck: DeckBackend, uid: str, card_id: int, archived: bool) -> Card:
    """``CardService::archive`` / ``unarchive``: EDIT, and not on an archived board; nothing else is checked."""
    card, stack, board = find_card(deck, uid, card_id, "PERMISSION_EDIT")
    deck.writable(board)
    card.archived = archived
    deck.touch(board, stack, card)
    return card


def delete_card(deck: DeckBackend, uid: str, card_id: int) -> Card:
    """``CardService::delete``: soft delete (EDIT)."""
    card, stack, board = find_card(deck, uid, card_id, "PERMISSION_EDIT")
    deck.writable(board)
    card.deleted_at = deck.state.time()
    deck.touch(board, stack, card)
    return card


def _dependency(deck: DeckBackend, uid: str, card_id: int, dependent_id: int) -> tuple[Card, Stack, Board]:
    """The checks of ``CardService::assignDependentCard``/``removeDependentCard``: EDIT on the card, READ on the
    other one (any board; deleted -> "Card is deleted"), then archived board, then archived card (both 500)."""
    card, stack, board = find_card(deck, uid, card_id, "PERMISSION_EDIT")
    find_card(deck, uid, dependent_id)
    deck.writable(board)
    if card.archived:
        raise DeckError(_CARD_ARCHIVED)
    return card, stack, board


def assign_dependent_card(deck: DeckBackend, uid: str, card_id: int, dependent_id: int) -> Card:
    """``CardService::assignDependentCard``: ``CardMapper::addDependency`` (no-op when present; a card may depend
    on itself, nothing forbids it); only a new row moves ``lastModified`` (``ChangeHelper::cardChanged``)."""
    card, stack, board = _dependency(deck, uid, card_id, dependent_id)
    if dependent_id not in card.dependent_cards:
        card.dependent_cards.add(dependent_id)
        deck.touch(board, stack, card)
    return card


def remove_dependent_card(deck: DeckBackend, uid: str, card_id: int, dependent_id: int) -> Card:
    """``CardService::removeDependentCard`` (removing a missing row is not an error)."""
    card, stack, board = _dependency(deck, uid, card_id, dependent_id)
    if dependent_id in card.dependent_cards:
        card.dependent_cards.discard(dependent_id)
        deck.touch(board, stack, card)
    return card


def _label_on_card(deck: DeckBackend, uid: str, card_id: int, label_id: int) -> tuple[Card, Stack, Board, Label]:
    card, stack, board = find_card(deck, uid, card_id, "PERMISSION_EDIT")
    deck.writable(board)
    if card.archived:
        raise DeckError(_CARD_ARCHIVED)
    label = deck.labels.get(label_id)
    if label is None or label.board_id != board.id:
        raise DeckError("Operation not allowed. Label does not exist.")
    return card, stack, board, label


def assign_label(deck: DeckBackend, uid: str, card_id: int, label_id: int) -> None:
    """``CardService::assignLabel`` (a label of another board: "Label does not exist", HTTP 500)."""
    card, stack, board, label = _label_on_card(deck, uid, card_id, label_id)
    if label.id not in card.labels:
        card.labels.append(label.id)
    deck.touch(board, stack, card)


def remove_label(deck: DeckBackend, uid: str, card_id: int, label_id: int) -> None:
    card, stack, board, label = _label_on_card(deck, uid, card_id, label_id)
    card.labels = [i for i in card.labels if i != label.id]
    deck.touch(board, stack, card)


def assign_user(deck: DeckBackend, uid: str, card_id: int, user_id: str, type_: int = 0) -> Assignment:
    """``AssignmentService::assignUser`` (EDIT)."""
    if type_ not in (0, 1, 7):
        raise BadRequest("Invalid type provided for assignemnt")
    card, stack, board = find_card(deck, uid, card_id, "PERMISSION_EDIT")
    deck.writable(board)
    if any(a.card_id == card.id and a.participant == user_id for a in deck.assignments.values()):
        raise BadRequest("The user is already assigned to the card")
    if type_ == 0 and user_id not in deck.members(board):
        raise BadRequest("The user is not part of the board")
    assignment = Assignment(deck.next_id("assignment"), card.id, user_id, type_)
    deck.assignments[assignment.id] = assignment
    deck.touch(board, stack, card)
    # NotificationHelper::sendCardAssigned (for user assignments of others; apps/notifications/listeners.py)
    data = {"card_id": card.id, "card": card.title, "board": board.title, "user": user_id, "type": type_}
    deck.state.events.publish(Event("deck", "card_assigned", uid, data))
    return assignment


def unassign_user(deck: DeckBackend, uid: str, card_id: int, user_id: str) -> Assignment:
    """``AssignmentService::unassignUser``: missing -> 404 "No assignment for <uid>found." (sic)."""
    card, stack, board = find_card(deck, uid, card_id, "PERMISSION_EDIT")
    deck.writable(board)
    for assignment in list(deck.assignments.values()):
        if assignment.card_id == card.id and assignment.participant == user_id:
            del deck.assignments[assignment.id]
            deck.touch(board, stack, card)
            # NotificationHelper::markCardAssignedAsRead (apps/notifications/listeners.py)
            data = {"card_id": card.id, "user": user_id}
            deck.state.events.publish(Event("deck", "card_unassigned", uid, data))
            return assignment
    raise NotFound(f"No assignment for {user_id}found.")


# -- labels --------------------------------------------------------------------------------------------


def create_label(deck: DeckBackend, uid: str, board_id: int, title: Any, color: Any) -> Label:
    """``LabelService::create`` (MANAGE; duplicate title -> 400 "title must be unique")."""
    title, color = check_title(title, 100), check_color(color)
    board = deck.board(board_id, uid, "PERMISSION_MANAGE")
    if any(lb.title == title for lb in board.labels):
        raise BadRequest("title must be unique")
    deck.writable(board)
    label = deck.new_label(board, title, color)
    deck.touch(board)
    return label


def _label(deck: DeckBackend, uid: str, label_id: int, perm: str) -> tuple[Label, Board]:
    label = deck.labels.get(label_id)
    if label is None:
        raise NoPermission()
    return label, deck.board(label.board_id, uid, perm)


def get_label(deck: DeckBackend, uid: str, label_id: int) -> Label:
    return _label(deck, uid, label_id, "PERMISSION_READ")[0]


def update_label(deck: DeckBackend, uid: str, label_id: int, title: Any, color: Any) -> Label:
    title, color = check_title(title, 100), check_color(color)
    label, board = _label(deck, uid, label_id, "PERMISSION_MANAGE")
    if any(lb.title == title and lb.id != label.id for lb in board.labels):
        raise BadRequest("title must be unique")
    deck.writable(board)
    label.title, label.color, label.last_modified = title, color, deck.state.time()
    deck.touch(board)
    return label


def delete_label(deck: DeckBackend, uid: str, label_id: int) -> Label:
    """``LabelService::delete``: hard delete; cards lose it."""
    label, board = _label(deck, uid, label_id, "PERMISSION_MANAGE")
    deck.writable(board)
    del deck.labels[label.id]
    board.labels = [lb for lb in board.labels if lb.id != label.id]
    for card in deck.cards.values():
        card.labels = [i for i in card.labels if i != label.id]
    deck.touch(board)
    return label
