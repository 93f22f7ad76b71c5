"""Attachment routes of the Deck REST and OCS APIs (nextcloud/deck v1.18.3 = a480d8d5 ``appinfo/routes.php``,
``lib/Controller/AttachmentApiController.php``, ``AttachmentOcsController.php``; master b0f6943c for 1.19; logic
in ``attachments.py``).

REST (``AttachmentApiController``; ``attachment_api_v11`` is ``AttachmentApiV11Controller``, a subclass that
overrides nothing, so the handlers are shared): API ``1.0`` and ``1.1`` have their own routes (``'requirements'
=> ['apiVersion' => '1.0'|'1.1']``), so ``/api/v1/…/attachments`` does not exist (only the OPTIONS catch-all
matches it: 405). List and create have the same path in both versions: one route with ``{apiVersion}`` each
(``getAll`` reads it). 1.0 addresses an attachment by ``{attachmentId}`` with ``type`` a parameter defaulting to
``deck_file``; 1.1 by ``{type}/{attachmentId}`` (the URL parameter wins). ``create(int $cardId, string $type,
string $data)``: in Deck 1.18 ``data`` has no default, so a request without it fails with a ``TypeError`` (Deck's
JSON 500); 1.19 made it ``?string`` (``$data ?? ''``).

OCS (``AttachmentOcsController``): ``type`` defaults to ``file``; ``create`` has ``string $data = ''``,
``update`` a required ``data``; every method takes an optional ``boardId`` that must be readable
(``ensureLocalBoard`` -> ``BoardService::find``). Delete is ``/attachments/{attachmentId}`` (``type``
parameter) in 1.18 and ``/attachments/{type}:{attachmentId}`` from 1.19 on.

The fields of a multipart upload are request parameters (``deck_controller``), the ``file`` part is
``IRequest::getUploadedFile('file')`` (``upload_of``).
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.deck import attachments as A
from fake_nextcloud.apps.deck.backend import DeckBackend
from fake_nextcloud.apps.deck.common import deck_controller, ocs_ok, rest_ok, since_1_19, upload_of, url_int
from fake_nextcloud.core.appframework import Annotations, Endpoint, OcsResult
from fake_nextcloud.core.context import NcContext, get_context
from fake_nextcloud.core.signature import php_method

__all__ = ["OCS_ATTACHMENT_ROUTES", "REST_ATTACHMENT_ROUTES"]

_API = Annotations(cors=True, no_csrf=True)
_OCS = Annotations(ocs=True)
_REST_ID = "int $cardId, int $attachmentId, string $type = 'deck_file'"
_OCS_ID = "int $cardId, int $attachmentId, string $type = 'file', ?int $boardId = null"


def _file(request: Request) -> tuple[str, bytes] | None:
    upload = upload_of(request)
    return (upload.name, upload.content) if upload.name else None


def _display(deck: DeckBackend, uid: str, card_id: int, attachment_id: int, type_: str) -> Response:
    """``IAttachmentService::display``: a ``StreamResponse`` with ``Content-Disposition`` and the secure type."""
    name, content = A.display_attachment(deck, uid, card_id, attachment_id, type_)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Content-Type": A.secure_mime_type(name)}
    return Response(content, headers=headers)


# -- REST ---------------------------------------------------------------------------------------------


def _versioned(endpoint: Endpoint) -> Endpoint:
    """A route of both API versions (``'requirements' => ['apiVersion' => '1.0']`` and ``'1.1'``): any other
    ``{apiVersion}`` matches only ``board_api#preflighted_cors`` (OPTIONS), so 405."""

    @functools.wraps(endpoint)
    async def routed(request: Request) -> Response:
        if request.path_params["apiVersion"] not in ("1.0", "1.1"):
            raise HTTPException(405)
        return await endpoint(request)

    return routed


@deck_controller(_API)
@php_method("AttachmentApiController::getAll", "string $apiVersion")
async def _rest_index(ctx: NcContext, request: Request) -> Response:
    """``getAll(string $apiVersion)``: ``findAll($this->request->getParam('cardId'), true)``, ``deck_file``
    only for ``1.0``; no ``ETag``."""
    card_id, v10 = url_int(request, "cardId", "AttachmentService::findAll"), ctx.args["apiVersion"] == "1.0"
    return rest_ok(ctx, lambda deck, uid: A.list_attachments(deck, uid, card_id, api_1_0=v10))


@deck_controller(_API)
@php_method("AttachmentApiController::display", _REST_ID)
async def rest_display(ctx: NcContext, request: Request) -> Response:
    card_id, attachment_id, type_ = ctx.args["cardId"], ctx.args["attachmentId"], ctx.args["type"]
    return rest_ok(ctx, lambda deck, uid: _display(deck, uid, card_id, attachment_id, type_))


def _create(ctx: NcContext, request: Request) -> Response:
    card_id, type_, data, file = ctx.args["cardId"], ctx.args["type"], ctx.args["data"], _file(request)
    data = "" if data is None else data  # 1.19: $data ?? ''
    return rest_ok(ctx, lambda deck, uid: A.create_attachment(deck, uid, card_id, type_, data, file))


@deck_controller(_API)
@php_method("AttachmentApiController::create", "int $cardId, string $type, string $data")
async def _rest_create_1_18(ctx: NcContext, request: Request) -> Response:
    return _create(ctx, request)


@deck_controller(_API)
@php_method("AttachmentApiController::create", "int $cardId, string $type, ?string $data")
async def _rest_create_1_19(ctx: NcContext, request: Request) -> Response:
    return _create(ctx, request)


@functools.wraps(_rest_create_1_18)
async def _rest_create(request: Request) -> Response:
    """``POST …/attachments`` (multipart ``file``): the signature of the installed Deck version."""
    endpoint = _rest_create_1_19 if since_1_19(get_context(request)) else _rest_create_1_18
    return await endpoint(request)


rest_index, rest_create = _versioned(_rest_index), _versioned(_rest_create)


@deck_controller(_API)
@php_method(
    "AttachmentApiController::update", "int $cardId, int $attachmentId, string $data, string $type = 'deck_file'"
)
async def rest_update(ctx: NcContext, request: Request) -> Response:
    """PUT only: no file can arrive (``attachments.update_attachment``)."""
    a = ctx.args

    def act(deck: DeckBackend, uid: str) -> Any:
        A.update_attachment(deck, uid, a["cardId"], a["attachmentId"], a["data"], a["type"])

    return rest_ok(ctx, act)


@deck_controller(_API)
@php_method("AttachmentApiController::delete", _REST_ID)
async def rest_delete(ctx: NcContext, request: Request) -> Response:
    card_id, attachment_id, type_ = ctx.args["cardId"], ctx.args["attachmentId"], ctx.args["type"]
    return rest_ok(ctx, lambda deck, uid: A.delete_attachment(deck, uid, card_id, attachment_id, type_))


@deck_controller(_API)
@php_method("AttachmentApiController::restore", _REST_ID)
async def rest_restore(ctx: NcContext, request: Request) -> Response:
    """``AttachmentService::restore`` looks the row up by id alone (its ``type`` decides, not the argument)."""
    attachment_id: int = ctx.args["attachmentId"]
    return rest_ok(ctx, lambda deck, uid: A.restore_attachment(deck, uid, attachment_id))


def _rest_routes() -> list[BaseRoute]:
    card = "/boards/{boardId}/stacks/{stackId}/cards/{cardId}/attachments"
    both, v10, v11 = "/api/v{apiVersion}" + card, "/api/v1.0" + card, "/api/v1.1" + card
    return [
        Route(both, rest_index, methods=["GET"]),
        Route(v10 + "/{attachmentId}", rest_display, methods=["GET"]),
        Route(both, rest_create, methods=["POST"]),
        Route(v10 + "/{attachmentId}", rest_update, methods=["PUT"]),
        Route(v10 + "/{attachmentId}", rest_delete, methods=["DELETE"]),
        Route(v10 + "/{attachmentId}/restore", rest_restore, methods=["PUT"]),
        Route(v11 + "/{type}/{attachmentId}", rest_display, methods=["GET"]),
        Route(v11 + "/{type}/{attachmentId}", rest_update, methods=["PUT"]),
        Route(v11 + "/{type}/{attachmentId}", rest_delete, methods=["DELETE"]),
        Route(v11 + "/{type}/{attachmentId}/restore", rest_restore, methods=["PUT"]),
    ]


#: ``attachment_api#*`` (1.0) and ``attachment_api_v11#*`` (1.1), in ``appinfo/routes.php`` order.
REST_ATTACHMENT_ROUTES: list[BaseRoute] = _rest_routes()


# -- OCS ----------------------------------------------------------------------------------------------


def _local_board(deck: DeckBackend, uid: str, board_id: int | None) -> None:
    """``ensureLocalBoard(?int $boardId)``: a given board must be readable (federated ones are refused)."""
    if board_id:
        deck.board(board_id, uid)


@deck_controller(_OCS)
@php_method("AttachmentOcsController::getAll", "int $cardId, ?int $boardId = null")
async def ocs_index(ctx: NcContext, request: Request) -> Response | OcsResult:
    card_id, board_id = ctx.args["cardId"], ctx.args["boardId"]

    def act(deck: DeckBackend, uid: str) -> Any:
        _local_board(deck, uid, board_id)
        return A.list_attachments(deck, uid, card_id)

    return ocs_ok(ctx, act)


@deck_controller(_OCS)
@php_method("AttachmentOcsController::create", "int $cardId, string $type, string $data = '', ?int $boardId = null")
async def ocs_create(ctx: NcContext, request: Request) -> Response | OcsResult:
    """``POST /cards/{cardId}/attachment`` (multipart ``file`` + ``type``)."""
    a, file = ctx.args, _file(request)

    def act(deck: DeckBackend, uid: str) -> Any:
        _local_board(deck, uid, a["boardId"])
        return A.create_attachment(deck, uid, a["cardId"], a["type"], a["data"], file)

    return ocs_ok(ctx, act)


@deck_controller(_OCS)
@php_method(
    "AttachmentOcsController::update",
    "int $cardId, int $attachmentId, string $data, string $type = 'file', ?int $boardId = null",
)
async def ocs_update(ctx: NcContext, request: Request) -> Response | OcsResult:
    a = ctx.args

    def act(deck: DeckBackend, uid: str) -> Any:
        _local_board(deck, uid, a["boardId"])
        A.update_attachment(deck, uid, a["cardId"], a["attachmentId"], a["data"], a["type"])

    return ocs_ok(ctx, act)


@deck_controller(_OCS)
@php_method("AttachmentOcsController::delete", _OCS_ID)
async def _ocs_delete(ctx: NcContext, request: Request) -> Response | OcsResult:
    a = ctx.args

    def act(deck: DeckBackend, uid: str) -> Any:
        _local_board(deck, uid, a["boardId"])
        return A.delete_attachment(deck, uid, a["cardId"], a["attachmentId"], a["type"])

    return ocs_ok(ctx, act)


@functools.wraps(_ocs_delete)
async def ocs_delete(request: Request) -> Response:
    """``DELETE /cards/{cardId}/attachments/…``, routed by the installed Deck version. 1.18:
    ``/attachments/{attachmentId}`` with ``type`` a parameter (a ``file:12`` segment is cast to attachment id
    0). 1.19: ``/attachments/{type}:{attachmentId}`` (Symfony stops ``{type}`` at the first ``:``, both parts
    non-empty); a segment without it matches only ``attachment_ocs#update`` (PUT): 405."""
    if since_1_19(get_context(request)):
        type_, colon, attachment_id = request.path_params["attachmentId"].partition(":")
        if not (type_ and colon and attachment_id):
            raise HTTPException(405)
        request.scope["path_params"] = {**request.path_params, "type": type_, "attachmentId": attachment_id}
    return await _ocs_delete(request)


@deck_controller(_OCS)
@php_method("AttachmentOcsController::restore", _OCS_ID)
async def ocs_restore(ctx: NcContext, request: Request) -> Response | OcsResult:
    attachment_id, board_id = ctx.args["attachmentId"], ctx.args["boardId"]

    def act(deck: DeckBackend, uid: str) -> Any:
        _local_board(deck, uid, board_id)
        return A.restore_attachment(deck, uid, attachment_id)

    return ocs_ok(ctx, act)


def _ocs_routes() -> list[BaseRoute]:
    a = "/apps/deck/api/v{apiVersion}/cards/{cardId}"
    return [
        Route(a + "/attachments", ocs_index, methods=["GET"]),
        Route(a + "/attachment", ocs_create, methods=["POST"]),
        Route(a + "/attachments/{attachmentId}", ocs_update, methods=["PUT"]),
        Route(a + "/attachments/{attachmentId}", ocs_delete, methods=["DELETE"]),
        Route(a + "/attachments/{attachmentId}/restore", ocs_restore, methods=["PUT"]),
    ]


#: ``attachment_ocs#*`` routes.
OCS_ATTACHMENT_ROUTES: list[BaseRoute] = _ocs_routes()
