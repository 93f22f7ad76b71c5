"""Talk chat: ``/ocs/v{1,2}.php/apps/spreed/api/v1/chat/{token}…``.

Routes: nextcloud/spreed ``appinfo/routes/routesChatController.php``; controller ``lib/Controller/ChatController.php``
(``receiveMessages``, ``sendMessage``, ``editMessage``, ``deleteMessage``, ``setReadMarker``,
``getMessageContext``, ``getObjectsSharedInRoom``) with ``lib/Chat/ChatManager.php``; operation ids ``chat-*`` of
``openapi/spreed.json``. Paging is by message id: ``X-Chat-Last-Given`` names the last message of the answer (the
oldest of a history page, the newest of a future page) and is the next ``lastKnownMessageId``; an empty answer is
``304 Not Modified`` (``prepareCommentsAsDataResponse``). ``X-Chat-Last-Common-Read`` is the lowest read marker.
Not modelled: threads, guests, bots, Matterbridge (the 202 answers), message expiration, mention rate limits
(guests only), ``markNotificationsAsRead``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.spreed.common import PARTICIPANT, error, spreed_controller, talk_of, uid_of
from fake_nextcloud.apps.spreed.formats import message_json, room_json
from fake_nextcloud.apps.spreed.models import MAX_CHAT_LENGTH, MODERATOR, OWNER, TYPE_ONE_TO_ONE, Message
from fake_nextcloud.core.appframework import OcsResult
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.signature import php_method

__all__ = ["CHAT_ROUTES"]

_Result = Response | OcsResult
_V1 = "/apps/spreed/api/v1"
_EDIT_MAX_AGE = 24 * 3600  # ChatController::editMessage: older than P1D → 400 'age'
_DELETE_MAX_AGE = 6 * 3600  # ChatController::deleteMessage: older than PT6H → 400 'age'
_SHARED_TYPES = {"talk-poll": "poll"}  # lib/Share/RoomShareProvider / ChatManager::searchForObjectsWithFilters


def _common_read(request: Request) -> dict[str, str]:
    talk, room, _ = talk_of(request)
    return {"X-Chat-Last-Common-Read": str(talk.last_common_read(room))}


def _messages(request: Request, uid: str, found: list[Message], *, last_common: int) -> OcsResult:
    """``prepareCommentsAsDataResponse``: hidden system messages are skipped, ``X-Chat-Last-Given`` is the id
    of the last comment loaded (hidden ones included); nothing → 304 (200 when only the common read changed)."""
    talk, room, _ = talk_of(request)
    if not found:
        common = talk.last_common_read(room)
        if last_common and last_common != common:
            return OcsResult([], 200, headers={"X-Chat-Last-Common-Read": str(common)})
        return OcsResult([], 304)
    data = [message_json(talk, room, m, uid) for m in found if not m.hidden]
    headers = {"X-Chat-Last-Given": str(found[-1].id), **_common_read(request)}
    return OcsResult(data, headers=headers)


@spreed_controller(PARTICIPANT)
@php_method(
    "ChatController::receiveMessages",
    "int $lookIntoFuture, int $limit = 100, int $lastKnownMessageId = 0, int $lastCommonReadId = 0,"
    " int $timeout = 30, int $setReadMarker = 1, int $includeLastKnown = 0, int $noStatusUpdate = 0,"
    " int $markNotificationsAsRead = 1, int $threadId = 0",
)
async def receive_messages(ctx: NcContext, request: Request) -> _Result:
    """History (``lookIntoFuture=0``, ``ChatManager::getHistory``: ids below ``lastKnownMessageId``, newest
    first) or new messages (``=1``, ``waitForNewMessages``: ids above it, oldest first, waiting up to
    ``timeout`` seconds, at most 30, for one to arrive). ``limit`` is capped at 200. With ``setReadMarker=1`` a
    future poll moves the caller's read marker to the last message given."""
    talk, room, me = talk_of(request)
    a = ctx.args
    limit, known, future = min(200, a["limit"]), a["lastKnownMessageId"], bool(a["lookIntoFuture"])
    include = bool(a["includeLastKnown"])

    def load() -> list[Message]:
        if future:
            newer = [m for m in room.messages if m.id > known or (include and m.id == known)]
            return newer[:limit]
        start = known if known > 0 else room.messages[-1].id + 1 if room.messages else 0
        older = [m for m in room.messages if m.id < start or (include and m.id == start)]
        return list(reversed(older))[:limit]

    found = load()
    if future and not found:
        deadline = asyncio.get_running_loop().time() + max(0, min(30, a["timeout"]))
        while not found and (remaining := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                await asyncio.wait_for(talk.changed.wait(), remaining)
            except TimeoutError:
                break
            found = load()
    if future and found and a["setReadMarker"] == 1:
        me.last_read = max(me.last_read, found[-1].id)
    return _messages(request, uid_of(ctx), found, last_common=a["lastCommonReadId"])


@spreed_controller(PARTICIPANT)
@php_method(
    "ChatController::sendMessage",
    "string $message, string $actorDisplayName = '', string $referenceId = '', int $replyTo = 0,"
    " bool $silent = false, string $threadTitle = '', int $threadId = 0",
)
async def send_message(ctx: NcContext, request: Request) -> _Result:
    """Blank → 400 ``message``; a reply to a missing or non-replyable message → 400 ``reply-to``; more than
    ``MAX_CHAT_LENGTH`` (32000) characters → ``MessageTooLongException`` → 413 ``message``. 201 with the message
    (and its ``parent``); the sender's read marker moves to it (``ParticipantService::updateLastReadMessage``)."""
    talk, room, me = talk_of(request)
    a = ctx.args
    text: str = a["message"]
    if text.strip() == "":
        return error(400, "message")
    if a["replyTo"]:
        parent = room.message(a["replyTo"])
        if parent is None or parent.hidden or parent.verb not in ("comment", "object_shared"):
            return error(400, "reply-to")
    if len(text) > MAX_CHAT_LENGTH:
        return error(413, "message")
    message = talk.post(
        room, me.uid, "comment", text, parent=a["replyTo"], silent=a["silent"], reference_id=a["referenceId"]
    )
    me.last_read = message.id
    return OcsResult(message_json(talk, room, message, me.uid), 201, headers=_common_read(request))


def _editable(ctx: NcContext, request: Request, max_age: int) -> Message | OcsResult:
    """The checks ``editMessage`` and ``deleteMessage`` share: 404 ``message`` when unknown; 403 ``permission``
    unless it is the caller's own or the caller moderates a group room; 405 ``message`` for system messages;
    400 ``age`` when older than the limit."""
    _, room, me = talk_of(request)
    message = room.message(ctx.args["messageId"])
    if message is None or message.hidden:
        return error(404, "message")
    moderator = me.participant_type in (OWNER, MODERATOR) and room.type != TYPE_ONE_TO_ONE
    if message.actor != me.uid and not moderator:
        return error(403, "permission")
    if message.verb not in ("comment", "object_shared"):
        return error(405, "message")
    if message.timestamp < ctx.state.time() - max_age:
        return error(400, "age")
    return message


def _with_parent(request: Request, uid: str, system: Message) -> OcsResult:
    talk, room, _ = talk_of(request)
    return OcsResult(message_json(talk, room, system, uid), headers=_common_read(request))


@spreed_controller(PARTICIPANT)
@php_method("ChatController::editMessage", "int $messageId, string $message")
async def edit_message(ctx: NcContext, request: Request) -> _Result:
    """Answers the ``message_edited`` system message with the edited message as ``parent`` (both unless the
    checks of :func:`_editable` fail, the text is blank (400 ``message``) or too long (413 ``message``))."""
    talk, room, me = talk_of(request)
    found = _editable(ctx, request, _EDIT_MAX_AGE)
    if isinstance(found, OcsResult):
        return found
    text: str = ctx.args["message"]
    if text.strip() == "":
        return error(400, "message")
    if len(text) > MAX_CHAT_LENGTH:
        return error(413, "message")
    found.message, found.edited_by, found.edited_at = text, me.uid, ctx.state.time()
    system = talk.post_system(room, me.uid, "message_edited", "{actor} edited a message", parent=found.id)
    result = _with_parent(request, me.uid, system)  # the answer shows it; reads skip it (SystemMessage: invisible)
    system.hidden = True
    return result


@spreed_controller(PARTICIPANT)
@php_method("ChatController::deleteMessage", "int $messageId")
async def delete_message(ctx: NcContext, request: Request) -> _Result:
    """``ChatManager::deleteMessage``: the comment becomes ``comment_deleted`` ("Message deleted by you", its
    reactions dropped); answers the ``message_deleted`` system message with it as ``parent``."""
    talk, room, me = talk_of(request)
    found = _editable(ctx, request, _DELETE_MAX_AGE)
    if isinstance(found, OcsResult):
        return found
    found.verb, found.message, found.parameters, found.reactions = "comment_deleted", "Message deleted by you", {}, {}
    system = talk.post_system(room, me.uid, "message_deleted", "{actor} deleted a message", parent=found.id)
    result = _with_parent(request, me.uid, system)
    system.hidden = True
    return result


@spreed_controller(PARTICIPANT)
@php_method("ChatController::setReadMarker", "?int $lastReadMessage = null")
async def set_read_marker(ctx: NcContext, request: Request) -> _Result:
    """Without ``lastReadMessage`` the marker goes to the room's last message; answers the room."""
    talk, room, me = talk_of(request)
    last = ctx.args["lastReadMessage"]
    me.last_read = last if last is not None else (room.messages[-1].id if room.messages else 0)
    return OcsResult(room_json(talk, room, me.uid), headers=_common_read(request))


@spreed_controller(PARTICIPANT)
@php_method("ChatController::getMessageContext", "int $messageId, int $limit = 50")
async def message_context(ctx: NcContext, request: Request) -> _Result:
    """Up to ``limit`` (at most 100) messages before and after ``messageId``, the message included, oldest
    first; an unknown id gives 304."""
    _, room, _ = talk_of(request)
    limit, target = min(100, ctx.args["limit"]), ctx.args["messageId"]
    if room.message(target) is None:
        return OcsResult([], 304)
    before = [m for m in room.messages if m.id < target][-limit:] if limit else []
    after = [m for m in room.messages if m.id > target][:limit]
    found = [*before, *[m for m in room.messages if m.id == target], *after]
    return _messages(request, uid_of(ctx), found, last_common=0)


@spreed_controller(PARTICIPANT)
@php_method(
    "ChatController::getObjectsSharedInRoom", "string $objectType, int $lastKnownMessageId = 0, int $limit = 100"
)
async def shared_objects(ctx: NcContext, request: Request) -> _Result:
    """Messages sharing objects of one type (here polls, ``poll``), newest first, keyed by message id, below
    ``lastKnownMessageId``; ``X-Chat-Last-Given`` is the oldest given. An empty result is PHP's ``[]``."""
    talk, room, me = talk_of(request)
    known, limit = ctx.args["lastKnownMessageId"], min(200, ctx.args["limit"])
    shared = [m for m in reversed(room.messages) if _shared_type(m) == ctx.args["objectType"]]
    page = [m for m in shared if known <= 0 or m.id < known][:limit]
    data: Any = {str(m.id): message_json(talk, room, m, me.uid, with_parent=False) for m in page} or []
    headers = {"X-Chat-Last-Given": str(page[-1].id)} if page else {}
    return OcsResult(data, headers=headers)


def _shared_type(message: Message) -> str | None:
    if message.verb != "object_shared":
        return None
    obj = message.parameters.get("object") or {}
    return _SHARED_TYPES.get(str(obj.get("type")), "other")


CHAT_ROUTES: list[BaseRoute] = [
    Route(_V1 + "/chat/{token}", receive_messages, methods=["GET"]),
    Route(_V1 + "/chat/{token}", send_message, methods=["POST"]),
    Route(_V1 + "/chat/{token}/read", set_read_marker, methods=["POST"]),
    Route(_V1 + "/chat/{token}/share", shared_objects, methods=["GET"]),
    Route(_V1 + "/chat/{token}/{messageId:int}", edit_message, methods=["PUT"]),
    Route(_V1 + "/chat/{token}/{messageId:int}", delete_message, methods=["DELETE"]),
    Route(_V1 + "/chat/{token}/{messageId:int}/context", message_context, methods=["GET"]),
]
