"""Shared plumbing of Talk's OCS controllers: the room/participant injection that runs before the controller
method, and ``DataResponse`` helpers.

Every Talk API controller is an ``AEnvironmentAwareOCSController`` (an ``OCSController``; ``OCS-APIRequest: true``
or a Bearer token passes the CSRF check). ``lib/Middleware/InjectionMiddleware.php::beforeController`` reads the
route's ``{token}`` and, for ``#[RequireParticipant]``, ``#[RequireModeratorParticipant]`` and
``#[RequireLoggedInModeratorParticipant]``, loads the room for the current user
(``Manager::getRoomForUserByToken``); a missing room or a non-attendee throws ``RoomNotFoundException`` /
``ParticipantNotFoundException``, a non-moderator ``NotAModeratorException``, which ``afterException`` answers
``DataResponse([], 404)`` / ``DataResponse([], 403)`` (OCS envelopes with empty data). This runs before the
dispatcher binds the arguments, so a stranger gets 404 even when an argument is missing. Routes of a disabled
app do not exist (OCS 998).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.spreed.models import MODERATOR, OWNER, Attendee, Room, SpreedBackend
from fake_nextcloud.core.appframework import Annotations, Endpoint, Handler, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError

__all__ = ["MODERATOR_ONLY", "NONE", "PARTICIPANT", "error", "spreed_controller", "talk_of", "uid_of"]

NONE, PARTICIPANT, MODERATOR_ONLY = "none", "participant", "moderator"
_OCS = Annotations(ocs=True)


def uid_of(ctx: NcContext) -> str:
    assert ctx.user is not None  # guaranteed by the security checks
    return ctx.user.uid


def talk_of(request: Request) -> tuple[SpreedBackend, Room, Attendee]:
    """The room and the caller's attendee the injection middleware loaded for this request."""
    injected: tuple[SpreedBackend, Room, Attendee] = request.state.talk
    return injected


def error(status: int, reason: str | None = None, **extra: Any) -> OcsResult:
    """``new DataResponse(['error' => $reason], $status)`` (``[]`` without a reason)."""
    return OcsResult({"error": reason, **extra} if reason is not None else [], status)


def spreed_controller(require: str) -> Callable[[Handler], Endpoint]:
    """``controller`` for a Talk OCS method with its ``#[Require…]`` attribute (``NONE`` for methods without
    one, such as ``getRooms`` and ``createRoom``)."""

    def decorate(handler: Handler) -> Endpoint:
        async def wrapped(ctx: NcContext, request: Request) -> Response | OcsResult:
            if not ctx.state.app_enabled("spreed"):
                raise OcsError(998, "")
            if require != NONE:
                talk = SpreedBackend.of(ctx.state)
                room = talk.rooms.get(str(request.path_params.get("token", "")))
                attendee = room.attendee(uid_of(ctx)) if room is not None else None
                if room is None or attendee is None:
                    return OcsResult([], 404)  # RoomNotFoundException / ParticipantNotFoundException
                if require == MODERATOR_ONLY and attendee.participant_type not in (OWNER, MODERATOR):
                    return OcsResult([], 403)  # NotAModeratorException
                request.state.talk = (talk, room, attendee)
            return await handler(ctx, request)

        return controller(_OCS)(functools.wraps(handler)(wrapped))

    return decorate
