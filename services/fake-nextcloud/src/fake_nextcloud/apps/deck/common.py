"""Shared plumbing of the Deck REST and OCS controllers: error rendering (nextcloud/deck
``lib/Middleware/ExceptionMiddleware.php``), typed parameters, multipart uploads, and the stack/card payloads.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.deck import cards as C
from fake_nextcloud.apps.deck.backend import DeckBackend, InternalError, parse_date
from fake_nextcloud.apps.deck.models import Conflict, DeckError
from fake_nextcloud.core.appframework import Annotations, Endpoint, Handler, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError, json_response
from fake_nextcloud.core.params import bool_param, int_param, str_param
from fake_nextcloud.core.php import PhpTypeError, php_int

__all__ = [
    "Upload",
    "card_fields",
    "deck_controller",
    "error_response",
    "path_int",
    "read_upload",
    "run_ocs",
    "run_rest",
    "since_1_19",
    "stacks_json",
    "uid_of",
]

T = TypeVar("T")

_INTERNAL = (
    "Internal server error: Please contact the server administrator if this error reappears multiple times, "
    'please include the request ID "{rid}" below in your report.'
)


def since_1_19(ctx: NcContext) -> bool:
    """Whether the installed Deck has the 1.19 routes (REST ``board_api#clone``, OCS attachment delete as
    ``{type}:{attachmentId}``); Deck 1.18.x (Nextcloud 34, tag v1.18.3) has neither."""
    parts = []
    for part in ctx.state.apps.get("deck", "0").split("-")[0].split("."):
        parts.append(int(part) if part.isdigit() else 0)
    return tuple(parts) >= (1, 19)


def uid_of(ctx: NcContext) -> str:
    assert ctx.user is not None  # guaranteed by the security checks
    return ctx.user.uid


def path_int(request: Request, name: str) -> int:
    """A route parameter cast by the dispatcher (``settype($value, 'int')``)."""
    return php_int(request.path_params[name])


def error_response(error: DeckError) -> Response:
    """``ExceptionMiddleware::afterException``: ``StatusException`` -> ``{"status", "message"}`` with its
    status; anything else -> 500 with the "Internal server error" text (debug off) and ``requestId``."""
    if isinstance(error, InternalError):
        rid = uuid.uuid4().hex[:20]
        return json_response({"status": 500, "message": _INTERNAL.format(rid=rid), "requestId": rid}, 500)
    if isinstance(error, Conflict):
        return json_response({"status": 409, "message": error.message, "data": error.data}, 409)
    return json_response({"status": error.status, "message": error.message}, error.status)


def run_rest(ctx: NcContext, action: Callable[[DeckBackend, str], T]) -> T | Response:
    """Run ``action`` for a REST (``ApiController``) method; Deck errors become their JSON error bodies, a PHP
    ``TypeError`` (a required argument missing) the 500 of any other exception."""
    try:
        return action(DeckBackend.of(ctx.state), uid_of(ctx))
    except DeckError as error:
        return error_response(error)
    except PhpTypeError:
        return error_response(InternalError("TypeError"))


def run_ocs(ctx: NcContext, action: Callable[[DeckBackend, str], T]) -> T | Response:
    """Run ``action`` for an ``OCSController`` method: a ``StatusException`` is rethrown as ``OCSException``
    (envelope with its status; 403 "Permission denied" from ``DoesNotExistException`` ends up the same way
    through ``OCSMiddleware::afterController``); ``ConflictException`` and other exceptions stay plain JSON."""
    try:
        return action(DeckBackend.of(ctx.state), uid_of(ctx))
    except (InternalError, Conflict) as error:
        return error_response(error)
    except PhpTypeError:
        return error_response(InternalError("TypeError"))
    except DeckError as error:
        raise OcsError(error.status, error.message) from error


def deck_controller(ann: Annotations) -> Callable[[Handler], Endpoint]:
    """``controller(ann)`` for Deck's controllers. nextcloud/server ``Dispatcher::dispatch`` wraps any
    ``Throwable`` of the controller call (a ``TypeError`` for a missing required argument) in an ``\\Exception``
    and hands it to the middlewares' ``afterException``; Deck's ``ExceptionMiddleware`` answers it with its JSON
    500 for every ``OCA\\Deck\\Controller\\`` class, OCS ones included. Routes of a disabled app do not
    exist (OCS 998)."""

    def decorate(handler: Handler) -> Endpoint:
        async def wrapped(ctx: NcContext, request: Request) -> Response | OcsResult:
            if ann.ocs and not ctx.state.app_enabled("deck"):
                raise OcsError(998, "")
            try:
                return await handler(ctx, request)
            except PhpTypeError:
                return error_response(InternalError("TypeError"))

        wrapped.__name__, wrapped.__doc__ = handler.__name__, handler.__doc__
        return controller(ann)(wrapped)

    return decorate


class Upload:
    """An uploaded ``file`` part (``IRequest::getUploadedFile('file')``) plus the other form fields."""

    def __init__(self, name: str, content: bytes, fields: dict[str, Any]) -> None:
        self.name, self.content, self.fields = name, content, fields


async def read_upload(request: Request) -> Upload:
    """Parse a ``multipart/form-data`` body; fields join the parameters as ``$_POST`` does."""
    if "multipart/form-data" not in request.headers.get("content-type", ""):
        return Upload("", b"", {})
    fields: dict[str, Any] = {}
    name, content = "", b""
    async with request.form() as form:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key == "file":
                    name, content = value.filename or "", await value.read()
            else:
                fields[key] = value
    return Upload(name, content, fields)


def stacks_json(deck: DeckBackend, board_id: int, *, archived: bool) -> list[dict[str, Any]]:
    """``StackService::findAll`` / ``findAllArchived``: stacks with their (archived) cards, enriched."""
    return [
        s.to_json([C.card_json(deck, c) for c in C.cards_of(deck, s.id, archived=archived)])
        for s in deck.board_stacks(board_id)
    ]


def card_fields(ctx: NcContext) -> dict[str, Any]:
    """Parameters of ``CardService::update`` from the request (missing ``done`` clears it)."""
    archived = ctx.param("archived")
    return {
        "title": ctx.param("title"),
        "type": ctx.param("type"),
        "description": str_param(ctx, "description", ""),
        "order": int_param(ctx, "order", 0),
        "duedate": parse_date(ctx.param("duedate")),
        "archived": None if archived is None else bool_param(ctx, "archived", False),
        "done": parse_date(ctx.param("done")),
    }
