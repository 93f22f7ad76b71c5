"""Card attachments: nextcloud/deck v1.18.3 ``lib/Service/AttachmentService.php`` with its two services,
``FileService.php`` (type ``deck_file``: app-data blobs, API 1.0) and ``FilesAppService.php`` (type ``file``: a
file in the uploader's ``/Deck`` folder shared to the card, API 1.1).

What decides the behaviour (all in ``AttachmentService`` unless named):

* ``findAll($cardId, true)`` (every API): READ on the card; active ``deck_file`` rows, then the soft-deleted
  ones (``AttachmentMapper::findToDelete($cardId, false)``: deleted attachments *are* listed, ``deletedAt`` > 0),
  then the ``file`` shares; each extended (``extendData``) and given ``extendedData.attachmentCreator``
  (``addCreator``). ``AttachmentApiController::getAll`` keeps only ``deck_file`` for API version ``1.0``.
* ``create``: validator (``type`` not empty), EDIT on the card (an archived board does not stop it); an unknown
  type is stored nowhere (``InvalidAttachmentType`` is swallowed: the unsaved attachment comes back, ``id``
  null); no uploaded ``file`` -> ``StatusException`` (500) "No file uploaded or file size exceeds maximum of
  512 MB"; ``deck_file`` with a name already in ``file-card-<id>`` -> 409 ``ConflictException`` "File already
  exists." with that attachment (``findByData``, deleted ones too) as ``data``.
* ``display``/``update``/``delete``/``restore`` of a ``deck_file``: ``AttachmentMapper::find($attachmentId)``
  (any card; missing -> 403 "Permission denied"), then the permission on *that attachment's* card (the path's
  ``cardId`` is not compared). ``update`` needs an uploaded file, which PHP only parses for POST: over the PUT
  routes it always ends in the 500 "No file uploaded…" (``FileService::update``). ``delete`` soft-deletes
  (``allowUndo``), ``restore`` sets ``deletedAt`` 0; both answer the bare row (``extendedData`` ``[]``).
* ``file`` attachments (``ICustomAttachmentService``): the path's ``cardId`` is checked (READ/EDIT), the share
  must exist and belong to that card (``getShareForAttachment``: else 403 "No permission to access the
  attachment from the card"); ``delete`` removes the share, the file stays; ``update`` turns any failure into
  ``NotFoundException`` (404, empty message); ``restore`` looks in ``deck_attachment`` only -> 403.
* Unknown ``type`` on display/update/delete -> ``NotFoundException`` (404, empty message).
"""

from __future__ import annotations

from typing import Any

from fake_nextcloud.apps.dav.models import DavBackend, mime_type
from fake_nextcloud.apps.deck.backend import DeckBackend
from fake_nextcloud.apps.deck.cards import find_card
from fake_nextcloud.apps.deck.models import Attachment, BadRequest, Conflict, DeckError, NoPermission, NotFound

__all__ = [
    "NO_UPLOAD",
    "attachment_json",
    "create_attachment",
    "delete_attachment",
    "display_attachment",
    "list_attachments",
    "restore_attachment",
    "update_attachment",
]

#: ``getUploadedFile``: ``'No file uploaded or file size exceeds maximum of %s'`` with ``humanFileSize(uploadLimit())``.
NO_UPLOAD = "No file uploaded or file size exceeds maximum of 512 MB"
_NO_SHARE = "No permission to access the attachment from the card"
_TYPES = ("deck_file", "file")
#: ``IMimeTypeDetector::getSecureMimeType`` (nextcloud/server ``lib/private/Files/Type/Detection.php``, the
#: second entries of ``resources/config/mimetypemapping.dist.json``): types that could run script -> text/plain.
_INSECURE = {"text/html", "image/svg+xml", "application/javascript", "text/javascript", "application/xhtml+xml"}


def _pathinfo(name: str) -> dict[str, str]:
    stem, dot, ext = name.rpartition(".")
    info = {"dirname": ".", "basename": name, "filename": stem if dot else name}
    if dot:
        info["extension"] = ext
    return info


def _creator(deck: DeckBackend, uid: str | None) -> dict[str, Any]:
    """``AttachmentService::addCreator``."""
    user = deck.state.user(uid or "")
    if user is None:
        return {"displayName": uid or "", "id": uid or "", "email": None}
    return {"displayName": user.display_name, "id": user.uid, "email": user.email}


def _extended(deck: DeckBackend, a: Attachment) -> dict[str, Any]:
    """``FileService::extendData`` / ``FilesAppService::extendData``."""
    if a.type != "file":
        return {"filesize": a.size, "mimetype": mime_type(a.data), "info": _pathinfo(a.data)}
    node = DavBackend.of(deck.state).find_by_id(a.created_by, a.file_id) if a.file_id is not None else None
    if node is None:
        return {}
    return {
        "path": "/" + node.path,
        "fileid": node.file_id,
        "data": node.name,
        "filesize": node.size,
        "mimetype": mime_type(node.name),
        "info": _pathinfo(node.name),
        "hasPreview": False,
        "permissions": 1,
    }


def attachment_json(deck: DeckBackend, a: Attachment, *, extend: bool = True) -> dict[str, Any]:
    """``Db\\Attachment::jsonSerialize`` (``extend``: after ``extendData`` + ``addCreator``)."""
    extended: Any = {**_extended(deck, a), "attachmentCreator": _creator(deck, a.created_by)} if extend else []
    return {
        "cardId": a.card_id,
        "type": a.type,
        "data": a.data,
        "lastModified": a.created_at,
        "createdAt": a.created_at,
        "createdBy": a.created_by,
        "deletedAt": a.deleted_at,
        "extendedData": extended,
        "id": a.id,
    }


def list_attachments(deck: DeckBackend, uid: str, card_id: int, *, api_1_0: bool = False) -> list[dict[str, Any]]:
    """``findAll($cardId, true)`` (+ the API 1.0 ``deck_file`` filter)."""
    find_card(deck, uid, card_id)
    mine = sorted((a for a in deck.attachments.values() if a.card_id == card_id), key=lambda a: a.id)
    rows = [a for a in mine if a.type == "deck_file" and not a.deleted_at]
    rows += [a for a in mine if a.type == "deck_file" and a.deleted_at]
    if not api_1_0:
        rows += [a for a in mine if a.type == "file"]
    out = [attachment_json(deck, a) for a in rows]
    for data in out:  # FilesAppService::listAttachments: the node's current name and mtime
        if data["type"] == "file" and "fileid" in data["extendedData"]:
            node = DavBackend.of(deck.state).find_by_id(str(data["createdBy"]), data["extendedData"]["fileid"])
            if node is not None:
                data["data"], data["lastModified"] = node.name, node.mtime
    return out


def _check_type(type_: Any) -> str:
    if type_ is None or type_ is False or type_ == "" or type_ == "0":
        raise BadRequest("type must be provided and must be not empty")
    return str(type_)


def _basename(name: str) -> str:
    """PHP's multipart parser keeps only the last path component of an upload's file name."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def create_attachment(
    deck: DeckBackend, uid: str, card_id: int, type_: Any, data: str, upload: tuple[str, bytes] | None
) -> dict[str, Any]:
    """``AttachmentService::create``; ``upload`` is the ``file`` part (name, content) or ``None``."""
    type_ = _check_type(type_)
    card, stack, board = find_card(deck, uid, card_id, "PERMISSION_EDIT")
    now = deck.state.time()
    attachment = Attachment(0, card.id, type_, data, uid, now)
    if type_ not in _TYPES:  # InvalidAttachmentType: "just store the data" (nothing is stored)
        deck.touch(board, stack, card)
        return {**attachment_json(deck, attachment, extend=False), "id": None}
    name = _basename(upload[0]) if upload is not None else ""
    if upload is None or not name:
        raise DeckError(NO_UPLOAD)
    content = upload[1]
    if type_ == "deck_file":
        existing = next(
            (a for a in deck.attachments.values() if a.type == type_ and a.card_id == card.id and a.data == name), None
        )
        if existing is not None:
            raise Conflict("File already exists.", attachment_json(deck, existing, extend=False))
        attachment.data, attachment.size = name, len(content)
        attachment.id = deck.next_id("attachment")
        deck.blobs[attachment.id] = content
    else:  # FilesAppService::create: the user's Deck folder, a free name (Folder::getNonExistingName)
        dav = DavBackend.of(deck.state)
        if dav.get(uid, "Deck") is None:
            dav.mkcol(uid, "Deck")
        stem, dot, ext = name.rpartition(".")
        target, n = name, 1
        while dav.get(uid, "Deck/" + target) is not None:
            n += 1
            target = f"{stem} ({n}){dot}{ext}" if dot else f"{name} ({n})"
        node = dav.write_bytes(uid, "Deck/" + target, content)
        attachment.data, attachment.file_id, attachment.size = target, node.file_id, len(content)
        attachment.id = deck.next_id("attachment")
    deck.attachments[attachment.id] = attachment
    deck.touch(board, stack, card)
    return attachment_json(deck, attachment)


def _row(deck: DeckBackend, uid: str, attachment_id: int, perm: str) -> Attachment:
    """``AttachmentMapper::find`` + ``checkPermission`` on the row's own card."""
    row = deck.attachments.get(attachment_id)
    if row is None or row.type != "deck_file":
        raise NoPermission()
    find_card(deck, uid, row.card_id, perm)
    return row


def _share(deck: DeckBackend, card_id: int, attachment_id: int) -> Attachment:
    """``FilesAppService::getShareForAttachment``."""
    share = deck.attachments.get(attachment_id)
    if share is None or share.type != "file" or share.card_id != card_id:
        raise NoPermission(_NO_SHARE)
    return share


def display_attachment(deck: DeckBackend, uid: str, card_id: int, attachment_id: int, type_: str) -> tuple[str, bytes]:
    """``AttachmentService::display``: the file name and content (``StreamResponse``)."""
    if type_ not in _TYPES:
        raise NotFound()
    if type_ == "deck_file":
        row = _row(deck, uid, attachment_id, "PERMISSION_READ")
        return row.data, deck.blobs.get(row.id, b"")
    find_card(deck, uid, card_id)
    share = _share(deck, card_id, attachment_id)
    dav = DavBackend.of(deck.state)
    node = dav.find_by_id(share.created_by, share.file_id) if share.file_id is not None else None
    if node is None or node.is_dir or node.blob is None:
        raise NotFound("File not found")
    return node.name, node.blob.read_bytes()


def secure_mime_type(name: str) -> str:
    """``getSecureMimeType(getMimeType())`` of a displayed attachment."""
    detected = mime_type(name)
    return "text/plain" if detected in _INSECURE else detected


def _check_data(data: Any) -> str:
    """``AttachmentServiceValidator``: ``data`` ``not_empty``, ``not_null``, ``not_false``, ``max:255``."""
    if data is None or data is False or data == "" or data == "0":
        raise BadRequest("data must be provided and must be not empty")
    if len(str(data)) > 255:
        raise BadRequest("data cannot be longer than 255 characters ")
    return str(data)


def update_attachment(deck: DeckBackend, uid: str, card_id: int, attachment_id: int, data: Any, type_: str) -> None:
    """``AttachmentService::update`` over a PUT route: no uploaded file can arrive, so it always fails once the
    checks before the upload pass (``FileService::update`` / ``FilesAppService::update`` ->
    ``getUploadedFile``)."""
    _check_type(type_)
    _check_data(data)
    if type_ not in _TYPES:
        raise NotFound()
    if type_ == "file":
        find_card(deck, uid, card_id, "PERMISSION_EDIT")
        raise NotFound()  # the catch (\Exception) around FilesAppService::update
    _row(deck, uid, attachment_id, "PERMISSION_EDIT")
    raise DeckError(NO_UPLOAD)


def delete_attachment(deck: DeckBackend, uid: str, card_id: int, attachment_id: int, type_: str) -> dict[str, Any]:
    """``AttachmentService::delete``."""
    if type_ not in _TYPES:
        raise NotFound()
    if type_ == "deck_file":
        row = _row(deck, uid, attachment_id, "PERMISSION_EDIT")
        card, stack, board = find_card(deck, uid, row.card_id, "PERMISSION_EDIT")
        row.deleted_at = deck.state.time()  # FileService::markAsDeleted
        deck.touch(board, stack, card)
        return attachment_json(deck, row, extend=False)
    share = _share(deck, card_id, attachment_id)
    data = attachment_json(deck, share)
    card, stack, board = find_card(deck, uid, card_id, "PERMISSION_EDIT")
    del deck.attachments[share.id]  # IManager::deleteShare; the file stays in the uploader's Files
    deck.touch(board, stack, card)
    # the response is the Attachment built from the id (extendData + FilesAppService::delete's setData only)
    data.update({"lastModified": 0, "createdAt": 0, "createdBy": None})
    data["extendedData"].pop("attachmentCreator", None)
    return data


def restore_attachment(deck: DeckBackend, uid: str, attachment_id: int) -> dict[str, Any]:
    """``AttachmentService::restore`` (``deck_attachment`` rows only; ``file`` ids -> 403)."""
    row = _row(deck, uid, attachment_id, "PERMISSION_EDIT")
    card, stack, board = find_card(deck, uid, row.card_id, "PERMISSION_EDIT")
    row.deleted_at = 0
    deck.touch(board, stack, card)
    return attachment_json(deck, row, extend=False)
