"""Talk conversations and participants: ``/ocs/v{1,2}.php/apps/spreed/api/v4/room…``.

Routes: nextcloud/spreed ``appinfo/routes/routesRoomController.php`` (``apiVersion`` ``v4``, token
``[a-z0-9]{4,30}``); controller ``lib/Controller/RoomController.php``; operation ids ``room-*`` of
``openapi/spreed.json``. Not modelled: guests, groups/circles/e-mail/federated/phone participants, passwords,
lobby, SIP, breakout rooms, avatars, ``participants`` of ``createRoom`` (add them with ``addParticipantToRoom``),
``modifiedSince`` and user statuses (``includeStatus``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.spreed.common import MODERATOR_ONLY, NONE, PARTICIPANT, error, spreed_controller, talk_of
from fake_nextcloud.apps.spreed.common import uid_of as _uid
from fake_nextcloud.apps.spreed.formats import participant_json, room_json
from fake_nextcloud.apps.spreed.models import (
    OWNER,
    TYPE_GROUP,
    TYPE_ONE_TO_ONE,
    TYPE_PUBLIC,
    USER,
    Room,
    SpreedBackend,
)
from fake_nextcloud.core.appframework import OcsResult
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.signature import php_method

__all__ = ["ROOM_ROUTES"]

_Result = Response | OcsResult
_V4 = "/apps/spreed/api/v4"
_CREATE = (
    "int $roomType, string $invite = '', string $roomName = '', string $source = '', string $objectType = '',"
    " string $objectId = '', string $password = '', int $readOnly = 0, int $listable = 0,"
    " int $messageExpiration = 0, int $lobbyState = 0, ?int $lobbyTimer = null, int $sipEnabled = 0,"
    " int $permissions = 0, int $recordingConsent = 0, int $mentionPermissions = 0, string $description = '',"
    " ?string $emoji = null, ?string $avatarColor = null, array $participants = []"
)


def _talk_hash(ctx: NcContext) -> str:
    """``X-Nextcloud-Talk-Hash``: ``RoomController::getTalkHashHeader``, a sha1 over config values that changes
    when the Talk configuration does (constant here)."""
    return hashlib.sha1(f"spreed-{ctx.state.apps.get('spreed', '')}".encode(), usedforsecurity=False).hexdigest()


@spreed_controller(NONE)
@php_method(
    "RoomController::getRooms",
    "int $noStatusUpdate = 0, bool $includeStatus = false, int $modifiedSince = 0, bool $includeLastMessage = true",
)
async def get_rooms(ctx: NcContext, request: Request) -> _Result:
    """The user's conversations (``Manager::getRoomsForUser``) in id order; ``lastMessage`` unless
    ``includeLastMessage`` is false."""
    talk, uid = SpreedBackend.of(ctx.state), _uid(ctx)
    rooms = [room_json(talk, r, uid) for r in talk.rooms_for(uid)]
    if not ctx.args["includeLastMessage"]:
        for room in rooms:
            room.pop("lastMessage")
    headers = {"X-Nextcloud-Talk-Hash": _talk_hash(ctx), "X-Nextcloud-Talk-Modified-Before": str(ctx.state.time())}
    return OcsResult(rooms, headers=headers)


@spreed_controller(PARTICIPANT)
@php_method("RoomController::getSingleRoom", "string $token")
async def get_single_room(ctx: NcContext, request: Request) -> _Result:
    talk, room, _ = talk_of(request)
    return OcsResult(room_json(talk, room, _uid(ctx)), headers={"X-Nextcloud-Talk-Hash": _talk_hash(ctx)})


@spreed_controller(NONE)
@php_method("RoomController::createRoom", _CREATE)
async def create_room(ctx: NcContext, request: Request) -> _Result:
    """``createRoom``: type 1 → ``createOneToOneRoom`` (an existing room of the two users answers 200, a new one
    201; an unknown user 404 ``invite``, oneself 403 ``invite``); types 2 and 3 → a named conversation (name
    trimmed, 1-255 characters, else 400 ``name``); any other type 400 ``type``."""
    talk, uid, args = SpreedBackend.of(ctx.state), _uid(ctx), ctx.args
    kind: int = args["roomType"]
    if kind == TYPE_ONE_TO_ONE:
        target = ctx.state.user(args["invite"]) if args["invite"] else None
        if target is None:
            return error(404, "invite")
        if target.uid == uid:
            return error(403, "invite")
        existing = talk.one_to_one(uid, target.uid)
        if existing is not None:
            return OcsResult(room_json(talk, existing, uid), 200)
        room = talk.create_room(TYPE_ONE_TO_ONE, "", uid, members=(target.uid,))
        return OcsResult(room_json(talk, room, uid), 201)
    if kind not in (TYPE_GROUP, TYPE_PUBLIC):
        return error(400, "type")
    name = str(args["roomName"]).strip()
    if name == "" or len(name) > 255:
        return error(400, "name")
    if len(args["description"]) > 2000:  # Room::DESCRIPTION_MAXIMUM_LENGTH
        return error(400, "description")
    room = talk.create_room(kind, name, uid)
    room.description = args["description"]
    return OcsResult(room_json(talk, room, uid), 201)


@spreed_controller(MODERATOR_ONLY)
@php_method("RoomController::renameRoom", "string $roomName")
async def rename_room(ctx: NcContext, request: Request) -> _Result:
    """``#[RequireModeratorParticipant]``; one-to-one rooms 400 ``type``; the trimmed name must have 1-255
    characters (400 ``value``); posts the ``conversation_renamed`` system message."""
    talk, room, _ = talk_of(request)
    if room.type == TYPE_ONE_TO_ONE:
        return error(400, "type")
    name = str(ctx.args["roomName"]).strip()
    if name == "" or len(name) > 255:
        return error(400, "value")
    if name != room.name:
        old, room.name = room.name, name
        text = "{actor} renamed the conversation from " + f'"{old}" to "{name}"'
        talk.post_system(room, _uid(ctx), "conversation_renamed", text)
    return OcsResult(room_json(talk, room, _uid(ctx)))


@spreed_controller(MODERATOR_ONLY)
@php_method("RoomController::deleteRoom")
async def delete_room(ctx: NcContext, request: Request) -> _Result:
    """``#[RequireModeratorParticipant]``; one-to-one rooms cannot be deleted (400, empty data)."""
    talk, room, _ = talk_of(request)
    if room.type == TYPE_ONE_TO_ONE:
        return OcsResult([], 400)
    del talk.rooms[room.token]
    return OcsResult([])


@spreed_controller(PARTICIPANT)
@php_method("RoomController::getParticipants", "bool $includeStatus = false")
async def get_participants(ctx: NcContext, request: Request) -> _Result:
    talk, room, _ = talk_of(request)
    return OcsResult([participant_json(talk, room, a) for a in room.attendees.values()])


@spreed_controller(MODERATOR_ONLY)
@php_method("RoomController::addParticipantToRoom", "string $newParticipant, string $source = 'users'")
async def add_participant(ctx: NcContext, request: Request) -> _Result:
    """``#[RequireLoggedInModeratorParticipant]``: one-to-one rooms 400 ``room-type``; only ``users`` is
    modelled (other sources 400 ``source``); an unknown user 404 ``new-participant``; an attendee already there
    is left as is. Answers ``DataResponse([])``, i.e. ``[]`` (the spec's object schema does not match it)."""
    talk, room, _ = talk_of(request)
    if room.type == TYPE_ONE_TO_ONE:
        return error(400, "room-type")
    if ctx.args["source"] != "users":
        return error(400, "source")
    user = ctx.state.user(ctx.args["newParticipant"])
    if user is None:
        return error(404, "new-participant")
    if room.attendee(user.uid) is None:
        talk.add_attendee(room, user.uid, USER)
        params = {"user": {"type": "user", "id": user.uid, "name": user.display_name}}
        talk.post_system(room, _uid(ctx), "user_added", "{actor} added {user}", parameters=params)
    return OcsResult([])


@spreed_controller(MODERATOR_ONLY)
@php_method("RoomController::removeAttendeeFromRoom", "int $attendeeId")
async def remove_attendee(ctx: NcContext, request: Request) -> _Result:
    """``#[RequireModeratorParticipant]``: unknown attendee 404 ``participant``; oneself → the
    ``removeSelfFromRoom`` logic; one-to-one rooms 400 ``room-type``; an owner only by an owner (403 ``owner``)."""
    talk, room, me = talk_of(request)
    target = next((a for a in room.attendees.values() if a.id == ctx.args["attendeeId"]), None)
    if target is None:
        return error(404, "participant")
    if target.uid == me.uid:
        return _leave(talk, room, me.uid)
    if room.type == TYPE_ONE_TO_ONE:
        return error(400, "room-type")
    if target.participant_type == OWNER and me.participant_type != OWNER:
        return error(403, "owner")
    del room.attendees[target.uid]
    user = ctx.state.user(target.uid)
    params = {"user": {"type": "user", "id": target.uid, "name": user.display_name if user else target.uid}}
    talk.post_system(room, me.uid, "user_removed", "{actor} removed {user}", parameters=params)
    return OcsResult([])


@spreed_controller(PARTICIPANT)
@php_method("RoomController::removeSelfFromRoom")
async def remove_self(ctx: NcContext, request: Request) -> _Result:
    talk, room, me = talk_of(request)
    return _leave(talk, room, me.uid)


def _leave(talk: SpreedBackend, room: Room, uid: str) -> OcsResult:
    """``removeSelfFromRoomLogic``: the last moderator of a group room with others in it cannot leave (400
    ``last-moderator``); a room left empty is deleted (``RoomService::deleteRoom``)."""
    me = room.attendees[uid]
    moderators = room.moderators()
    others = [a for a in room.attendees.values() if a.uid != uid]
    if room.type != TYPE_ONE_TO_ONE and others and me in moderators and len(moderators) == 1:
        return error(400, "last-moderator")
    del room.attendees[uid]
    if not room.attendees:
        del talk.rooms[room.token]
    return OcsResult([])


def _route(path: str, endpoint: Any, method: str) -> Route:
    return Route(_V4 + path, endpoint, methods=[method])


ROOM_ROUTES: list[BaseRoute] = [
    _route("/room", get_rooms, "GET"),
    _route("/room", create_room, "POST"),
    _route("/room/{token}", get_single_room, "GET"),
    _route("/room/{token}", rename_room, "PUT"),
    _route("/room/{token}", delete_room, "DELETE"),
    _route("/room/{token}/participants", get_participants, "GET"),
    _route("/room/{token}/participants", add_participant, "POST"),
    _route("/room/{token}/participants/self", remove_self, "DELETE"),
    _route("/room/{token}/attendees", remove_attendee, "DELETE"),
]
