"""Comments of cards: nextcloud/deck ``lib/Service/CommentService.php`` (core comments on ``objectType``
``deckCard``). Attachments: ``attachments.py``.
"""

from __future__ import annotations

from typing import Any

from fake_nextcloud.apps.dav.models import DavBackend
from fake_nextcloud.apps.deck.backend import DeckBackend
from fake_nextcloud.apps.deck.cards import find_card
from fake_nextcloud.apps.deck.models import BadRequest, Comment, NoPermission, NotFound, iso

__all__ = ["create_comment", "delete_comment", "list_comments", "update_comment"]

_MAX_COMMENT = 1000  # OCP\Comments\IComment::MAX_MESSAGE_LENGTH


# -- comments (core comments, objectType "deckCard") --------------------------------------------------


def _comment_json(deck: DeckBackend, c: Comment, with_reply: bool = True) -> dict[str, Any]:
    """``CommentService::formatComment``."""
    user = deck.state.user(c.actor)
    data: dict[str, Any] = {
        "id": c.id,
        "objectId": c.card_id,
        "message": c.message,
        "actorId": c.actor,
        "actorType": "users",
        "actorDisplayName": user.display_name if user else c.actor,
        "creationDateTime": iso(c.created),
        "mentions": [],
    }
    parent = deck.comments.get(c.parent_id)
    if with_reply and parent is not None:
        data["replyTo"] = _comment_json(deck, parent, False)
    return data


def list_comments(deck: DeckBackend, uid: str, card_id: int, limit: int, offset: int) -> list[dict[str, Any]]:
    """``CommentService::list``: newest first, ``limit`` capped at 200."""
    find_card(deck, uid, card_id)
    comments = sorted((c for c in deck.comments.values() if c.card_id == card_id), key=lambda c: -c.id)
    return [_comment_json(deck, c) for c in comments[offset : offset + min(limit, 200)]]


def _check_message(message: str) -> None:
    if len(message) > _MAX_COMMENT:
        raise BadRequest(f"Message exceeds allowed character limit of {_MAX_COMMENT}")


def create_comment(deck: DeckBackend, uid: str, card_id: int, message: str, parent_id: int) -> dict[str, Any]:
    """``CommentService::create`` (READ suffices). Ids come from the core comments sequence (shared with
    file comments, ``apps/dav``)."""
    find_card(deck, uid, card_id)
    if parent_id and (parent_id not in deck.comments or deck.comments[parent_id].card_id != card_id):
        raise BadRequest("Invalid parent id: The parent comment was not found or belongs to a different card")
    _check_message(message)
    dav = DavBackend.of(deck.state)
    dav.comment_counter += 1
    comment = Comment(dav.comment_counter, card_id, uid, message, deck.state.time(), parent_id)
    deck.comments[comment.id] = comment
    return _comment_json(deck, comment)


def _own_comment(deck: DeckBackend, uid: str, card_id: int, comment_id: int) -> Comment:
    find_card(deck, uid, card_id)
    comment = deck.comments.get(comment_id)
    if comment is None or comment.card_id != card_id:
        raise NotFound("No comment found.")
    if comment.actor != uid:
        raise NoPermission("Only authors are allowed to edit their comment.")
    return comment


def update_comment(deck: DeckBackend, uid: str, card_id: int, comment_id: int, message: str) -> dict[str, Any]:
    comment = _own_comment(deck, uid, card_id, comment_id)
    _check_message(message)
    comment.message = message
    return _comment_json(deck, comment, False)


def delete_comment(deck: DeckBackend, uid: str, card_id: int, comment_id: int) -> None:
    del deck.comments[_own_comment(deck, uid, card_id, comment_id).id]
