"""Shared plumbing of the Deck REST and OCS controllers: error rendering (nextcloud/deck
``lib/Middleware/ExceptionMiddleware.php``), URL parameters read with ``getParam``, multipart uploads, and the
stack payloads. Controller arguments themselves are bound from the PHP signatures (``core.signature``).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.deck import cards as C
from fake_nextcloud.apps.deck.backend import DeckBackend, InternalError
from fake_nextcloud.apps.deck.coerce import php_call
from fake_nextcloud.apps.deck.models import Conflict, DeckError
from fake_nextcloud.core.appframework import Annotations, Endpoint, Handler, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError, json_response
from fake_nextcloud.core.php import PhpTypeError

__all__ = [
    "Upload",
    "deck_controller",
    "error_response",
    "ocs_ok",
    "rest_ok",
    "run_ocs",
    "run_rest",
    "since_1_19",
    "stacks_json",
    "uid_of",
    "upload_of",
    "url_int",
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


def url_int(request: Request, name: str, callee: str) -> int:
    """``$this->request->getParam('<name>')`` of a URL parameter (a string; ``Request::setUrlParameters``) handed
    on to the ``int`` parameter of ``callee``: PHP's coercive mode, so a non-numeric value is a ``TypeError``
    (not the ``0`` of a dispatcher ``settype``)."""
    value: int = php_call(callee, f"int ${name}", **{name: request.path_params[name]})[name]
    return value


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


def rest_ok(ctx: NcContext, action: Callable[[DeckBackend, str], Any], *, etag: bool = False) -> Response:
    """Run ``action(deck, uid)`` for a REST method and answer its JSON; with ``etag`` the action returns
    ``(data, etag)`` and the ``ETag`` header is set (``DataResponse::setETag``)."""
    result = run_rest(ctx, action)
    if isinstance(result, Response):
        return result
    data, tag = result if etag else (result, None)
    return json_response(data, etag=tag)


def ocs_ok(ctx: NcContext, action: Callable[[DeckBackend, str], Any]) -> Response | OcsResult:
    """Run ``action(deck, uid)`` for an OCS method and answer its ``DataResponse``."""
    result = run_ocs(ctx, action)
    return result if isinstance(result, Response) else OcsResult(result)


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
    exist (OCS 998).

    The fields of a ``multipart/form-data`` POST are request parameters (PHP puts them in ``$_POST``, which
    ``Request`` merges over the query string), so they are added before the arguments are bound; the ``file``
    part is kept for :func:`upload_of` (``IRequest::getUploadedFile``)."""

    def decorate(handler: Handler) -> Endpoint:
        async def wrapped(ctx: NcContext, request: Request) -> Response | OcsResult:
            if ann.ocs and not ctx.state.app_enabled("deck"):
                raise OcsError(998, "")
            if request.method == "POST" and "multipart/form-data" in request.headers.get("content-type", ""):
                upload = await _read_upload(request)
                ctx.params.update(upload.fields)
                request.state.deck_upload = upload
            try:
                return await handler(ctx, request)
            except PhpTypeError:
                return error_response(InternalError("TypeError"))

        return controller(ann)(functools.wraps(handler)(wrapped))

    return decorate


class Upload:
    """An uploaded ``file`` part (``IRequest::getUploadedFile('file')``) plus the other form fields."""

    def __init__(self, name: str, content: bytes, fields: dict[str, Any]) -> None:
        self.name, self.content, self.fields = name, content, fields


async def _read_upload(request: Request) -> Upload:
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


def upload_of(request: Request) -> Upload:
    """The multipart upload :func:`deck_controller` read (an empty one for other requests)."""
    upload = getattr(request.state, "deck_upload", None)
    return upload if isinstance(upload, Upload) else Upload("", b"", {})


def stacks_json(deck: DeckBackend, board_id: int, *, archived: bool) -> list[dict[str, Any]]:
    """``StackService::findAll`` / ``findAllArchived``: stacks with their (archived) cards, enriched."""
    return [
        s.to_json([C.card_json(deck, c) for c in C.cards_of(deck, s.id, archived=archived)])
        for s in deck.board_stacks(board_id)
    ]
