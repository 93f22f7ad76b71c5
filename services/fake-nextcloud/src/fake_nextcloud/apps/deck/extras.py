"""Comments and attachments of cards: nextcloud/deck ``lib/Service/CommentService.php`` (core comments on
``objectType`` ``deckCard``), ``AttachmentService.php``, ``FilesAppService.php`` and ``FileService.php``.
"""

from __future__ import annotations

from typing import Any

from fake_nextcloud.apps.dav.models import DavBackend, mime_type
from fake_nextcloud.apps.deck.backend import DeckBackend
from fake_nextcloud.apps.deck.cards import find_card
from fake_nextcloud.apps.deck.models import Attachment, BadRequest, Comment, NoPermission, NotFound, iso

__all__ = [
    "attachment_json",
    "create_attachment",
    "create_comment",
    "delete_attachment",
    "delete_comment",
    "list_attachments",
    "list_comments",
    "update_comment",
]

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


# -- attachments --------------------------------------------------------------------------------------


def attachment_json(deck: DeckBackend, uid: str, a: Attachment) -> dict[str, Any]:
    """``Db\\Attachment`` + ``FilesAppService::extendData`` / ``FileService::extendData``."""
    data: dict[str, Any] = {
        "cardId": a.card_id,
        "type": a.type,
        "data": a.data,
        "lastModified": a.created_at,
        "createdAt": a.created_at,
        "createdBy": a.created_by,
        "deletedAt": a.deleted_at,
        "extendedData": {"filesize": a.size, "mimetype": mime_type(a.data), "info": _pathinfo(a.data)},
        "id": a.id,
    }
    if a.type == "file" and a.file_id is not None:
        node = DavBackend.of(deck.state).find_by_id(a.created_by, a.file_id)
        if node is not None:
            data["extendedData"].update(
                {
                    "path": "/" + node.path,
                    "fileid": node.file_id,
                    "data": node.name,
                    "filesize": node.size,
                    "hasPreview": False,
                    "permissions": 1,
                }
            )
    return data


def _pathinfo(name: str) -> dict[str, str]:
    stem, dot, ext = name.rpartition(".")
    info = {"dirname": ".", "basename": name, "filename": stem if dot else name}
    if dot:
        info["extension"] = ext
    return info


def list_attachments(deck: DeckBackend, uid: str, card_id: int) -> list[Attachment]:
    find_card(deck, uid, card_id)
    return [a for a in deck.attachments.values() if a.card_id == card_id and not a.deleted_at]


def create_attachment(deck: DeckBackend, uid: str, card_id: int, type_: str, name: str, content: bytes) -> Attachment:
    """``AttachmentService::create`` (EDIT). ``file``: ``FilesAppService::create`` writes the upload to the
    user's ``/Deck`` folder under a non-existing name and shares it to the card; ``deck_file``: app data."""
    card, stack, board = find_card(deck, uid, card_id, "PERMISSION_EDIT")
    deck.writable(board)
    if type_ not in ("file", "deck_file"):
        raise BadRequest("No matching IAttachmentService implementation found for type " + type_)
    if not name or "/" in name:
        raise BadRequest("No file uploaded or file size exceeds maximum of 512 MB")
    attachment = Attachment(deck.next_id("attachment"), card.id, type_, name, uid, deck.state.time(), size=len(content))
    if type_ == "file":
        dav = DavBackend.of(deck.state)
        if dav.get(uid, "Deck") is None:
            dav.mkcol(uid, "Deck")
        stem, dot, ext = name.rpartition(".")
        target, n = name, 1
        while dav.get(uid, "Deck/" + target) is not None:  # Folder::getNonExistingName: "a (2).txt"
            n += 1
            target = f"{stem} ({n}){dot}{ext}" if dot else f"{name} ({n})"
        node = dav.write_bytes(uid, "Deck/" + target, content)
        attachment.data, attachment.file_id = target, node.file_id
    else:
        deck.blobs[attachment.id] = content
    deck.attachments[attachment.id] = attachment
    deck.touch(board, stack, card)
    return attachment


def delete_attachment(deck: DeckBackend, uid: str, card_id: int, attachment_id: int, type_: str) -> Attachment:
    """``AttachmentService::delete``: ``file`` removes the share (the file stays in Files); ``deck_file`` is
    soft-deleted. Only the creator or a board manager may delete (``NoPermissionException``)."""
    card, stack, board = find_card(deck, uid, card_id, "PERMISSION_EDIT")
    attachment = deck.attachments.get(attachment_id)
    if attachment is None or attachment.card_id != card.id or attachment.type != type_ or attachment.deleted_at:
        raise NotFound("Attachment not found")
    if attachment.created_by != uid and not deck.permissions(board, uid)["PERMISSION_MANAGE"]:
        raise NoPermission()
    if type_ == "file":
        del deck.attachments[attachment.id]
    else:
        attachment.deleted_at = deck.state.time()
    deck.touch(board, stack, card)
    return attachment
