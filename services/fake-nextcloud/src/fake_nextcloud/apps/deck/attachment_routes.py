"""Attachment routes of the Deck REST and OCS APIs (nextcloud/deck v1.18.3 ``appinfo/routes.php``; logic in
``attachments.py``).

REST (``AttachmentApiController``; ``attachment_api_v11`` is the same class): API ``1.0`` and ``1.1`` have their
own routes (``'requirements' => ['apiVersion' => '1.0'|'1.1']``), so ``/api/v1/…/attachments`` does not exist.
1.0 addresses an attachment by ``{attachmentId}`` with ``type`` a parameter defaulting to ``deck_file``; 1.1 by
``{type}/{attachmentId}``. ``create(int $cardId, string $type, string $data)``: in Deck 1.18 ``data`` has no
default, so a request without it fails with a ``TypeError`` (Deck's JSON 500); 1.19 made it ``?string``.

OCS (``AttachmentOcsController``): ``type`` defaults to ``file``; ``create`` has ``string $data = ''``,
``update`` a required ``data``; every method takes an optional ``boardId`` that must be readable
(``ensureLocalBoard`` -> ``BoardService::find``). Delete is ``/attachments/{attachmentId}`` (``type``
parameter) in 1.18 and ``/attachments/{type}:{attachmentId}`` from 1.19 on.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.deck import attachments as A
from fake_nextcloud.apps.deck.backend import DeckBackend
from fake_nextcloud.apps.deck.common import deck_controller, path_int, read_upload, run_ocs, run_rest, since_1_19
from fake_nextcloud.core.appframework import Annotations, OcsResult
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import json_response
from fake_nextcloud.core.params import int_param, str_param
from fake_nextcloud.core.php import PhpTypeError, php_str

__all__ = ["OCS_ATTACHMENT_ROUTES", "REST_ATTACHMENT_ROUTES"]

_API = Annotations(cors=True, no_csrf=True)
_OCS = Annotations(ocs=True)


def _required_str(params: dict[str, Any], name: str) -> str:
    """A ``string`` argument without default: absent -> ``TypeError``."""
    value = params.get(name)
    if value is None:
        raise PhpTypeError(f"Argument ${name} must be of type string, null given")
    return php_str(value)


def _rest(ctx: NcContext, action: Any) -> Response:
    result = run_rest(ctx, action)
    return result if isinstance(result, Response) else json_response(result)


def _ocs(ctx: NcContext, action: Any) -> Response | OcsResult:
    result = run_ocs(ctx, action)
    return result if isinstance(result, Response) else OcsResult(result)


def _rest_type(ctx: NcContext, request: Request) -> str:
    """1.1: ``{type}`` of the path; 1.0: the ``type`` parameter (``'deck_file'``)."""
    if "type" in request.path_params:
        return str(request.path_params["type"])
    return str(str_param(ctx, "type", "deck_file"))


def _display(deck: DeckBackend, uid: str, card_id: int, attachment_id: int, type_: str) -> Response:
    """``IAttachmentService::display``: a ``StreamResponse`` with ``Content-Disposition`` and the secure type."""
    name, content = A.display_attachment(deck, uid, card_id, attachment_id, type_)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Content-Type": A.secure_mime_type(name)}
    return Response(content, headers=headers)


# -- REST ---------------------------------------------------------------------------------------------


@deck_controller(_API)
async def rest_index(ctx: NcContext, request: Request) -> Response:
    """``getAll(string $apiVersion)``: ``deck_file`` only for ``1.0``; no ``ETag``."""
    card_id, v10 = path_int(request, "cardId"), request.url.path.split("/api/v", 1)[1].startswith("1.0/")
    return _rest(ctx, lambda deck, uid: A.list_attachments(deck, uid, card_id, api_1_0=v10))


@deck_controller(_API)
async def rest_display(ctx: NcContext, request: Request) -> Response:
    card_id, attachment_id, type_ = path_int(request, "cardId"), path_int(request, "id"), _rest_type(ctx, request)
    return _rest(ctx, lambda deck, uid: _display(deck, uid, card_id, attachment_id, type_))


@deck_controller(_API)
async def rest_create(ctx: NcContext, request: Request) -> Response:
    """``create(int $cardId, string $type, string $data)`` (multipart ``file``)."""
    card_id, upload = path_int(request, "cardId"), await read_upload(request)
    params = {**ctx.params, **upload.fields}
    file = (upload.name, upload.content) if upload.name else None

    def act(deck: DeckBackend, uid: str) -> Any:
        type_ = _required_str(params, "type")
        if params.get("data") is None and not since_1_19(ctx):
            _required_str(params, "data")  # 1.18: ``string $data`` without default
        data = "" if params.get("data") is None else php_str(params["data"])  # 1.19: ``$data ?? ''``
        return A.create_attachment(deck, uid, card_id, type_, data, file)

    return _rest(ctx, act)


@deck_controller(_API)
async def rest_update(ctx: NcContext, request: Request) -> Response:
    """``update(int $cardId, int $attachmentId, string $data, string $type = 'deck_file')`` (PUT only)."""
    card_id, attachment_id, type_ = path_int(request, "cardId"), path_int(request, "id"), _rest_type(ctx, request)

    def act(deck: DeckBackend, uid: str) -> Any:
        A.update_attachment(deck, uid, card_id, attachment_id, _required_str(ctx.params, "data"), type_)

    return _rest(ctx, act)


@deck_controller(_API)
async def rest_delete(ctx: NcContext, request: Request) -> Response:
    card_id, attachment_id, type_ = path_int(request, "cardId"), path_int(request, "id"), _rest_type(ctx, request)
    return _rest(ctx, lambda deck, uid: A.delete_attachment(deck, uid, card_id, attachment_id, type_))


@deck_controller(_API)
async def rest_restore(ctx: NcContext, request: Request) -> Response:
    attachment_id = path_int(request, "id")
    return _rest(ctx, lambda deck, uid: A.restore_attachment(deck, uid, attachment_id))


def _rest_routes() -> list[BaseRoute]:
    card = "/boards/{boardId}/stacks/{stackId}/cards/{cardId}/attachments"
    v10, v11 = "/api/v1.0" + card, "/api/v1.1" + card
    return [
        Route(v10, rest_index, methods=["GET"]),
        Route(v10 + "/{id}", rest_display, methods=["GET"]),
        Route(v10, rest_create, methods=["POST"]),
        Route(v10 + "/{id}", rest_update, methods=["PUT"]),
        Route(v10 + "/{id}", rest_delete, methods=["DELETE"]),
        Route(v10 + "/{id}/restore", rest_restore, methods=["PUT"]),
        Route(v11, rest_index, methods=["GET"]),
        Route(v11 + "/{type}/{id}", rest_display, methods=["GET"]),
        Route(v11, rest_create, methods=["POST"]),
        Route(v11 + "/{type}/{id}", rest_update, methods=["PUT"]),
        Route(v11 + "/{type}/{id}", rest_delete, methods=["DELETE"]),
        Route(v11 + "/{type}/{id}/restore", rest_restore, methods=["PUT"]),
    ]


#: ``attachment_api#*`` (1.0) and ``attachment_api_v11#*`` (1.1), in ``appinfo/routes.php`` order.
REST_ATTACHMENT_ROUTES: list[BaseRoute] = _rest_routes()


# -- OCS ----------------------------------------------------------------------------------------------


def _local_board(ctx: NcContext, deck: DeckBackend, uid: str) -> None:
    """``ensureLocalBoard(?int $boardId)``: a given board must be readable (federated ones are refused)."""
    board_id = int_param(ctx, "boardId", None)
    if board_id:
        deck.board(board_id, uid)


@deck_controller(_OCS)
async def ocs_index(ctx: NcContext, request: Request) -> Response | OcsResult:
    card_id = path_int(request, "cardId")

    def act(deck: DeckBackend, uid: str) -> Any:
        _local_board(ctx, deck, uid)
        return A.list_attachments(deck, uid, card_id)

    return _ocs(ctx, act)


@deck_controller(_OCS)
async def ocs_create(ctx: NcContext, request: Request) -> Response | OcsResult:
    """``POST /cards/{cardId}/attachment`` (multipart ``file`` + ``type``; ``data`` defaults to ``''``)."""
    card_id, upload = path_int(request, "cardId"), await read_upload(request)
    params = {**ctx.params, **upload.fields}
    file = (upload.name, upload.content) if upload.name else None

    def act(deck: DeckBackend, uid: str) -> Any:
        type_ = _required_str(params, "type")
        data = "" if params.get("data") is None else php_str(params["data"])
        _local_board(ctx, deck, uid)
        return A.create_attachment(deck, uid, card_id, type_, data, file)

    return _ocs(ctx, act)


@deck_controller(_OCS)
async def ocs_update(ctx: NcContext, request: Request) -> Response | OcsResult:
    card_id, attachment_id, type_ = path_int(request, "cardId"), path_int(request, "id"), str_param(ctx, "type", "file")

    def act(deck: DeckBackend, uid: str) -> Any:
        data = _required_str(ctx.params, "data")
        _local_board(ctx, deck, uid)
        A.update_attachment(deck, uid, card_id, attachment_id, data, type_)

    return _ocs(ctx, act)


@deck_controller(_OCS)
async def ocs_delete(ctx: NcContext, request: Request) -> Response | OcsResult:
    """``DELETE /cards/{cardId}/attachments/{type}:{attachmentId}`` (Deck >= 1.19). Deck 1.18 has
    ``/cards/{cardId}/attachments/{attachmentId}`` with ``type`` as parameter (default ``file``); there a
    ``file:12`` path segment is cast to attachment id 0."""
    card_id = path_int(request, "cardId")
    if "type" in request.path_params:
        type_, attachment_id = request.path_params["type"], path_int(request, "id")
        if not since_1_19(ctx):
            type_, attachment_id = str_param(ctx, "type", "file"), 0
    else:
        if since_1_19(ctx):
            raise HTTPException(405)  # only ``attachment_ocs#update`` (PUT) has this path in 1.19
        type_, attachment_id = str_param(ctx, "type", "file"), path_int(request, "id")

    def act(deck: DeckBackend, uid: str) -> Any:
        _local_board(ctx, deck, uid)
        return A.delete_attachment(deck, uid, card_id, attachment_id, type_)

    return _ocs(ctx, act)


@deck_controller(_OCS)
async def ocs_restore(ctx: NcContext, request: Request) -> Response | OcsResult:
    attachment_id = path_int(request, "id")

    def act(deck: DeckBackend, uid: str) -> Any:
        _local_board(ctx, deck, uid)
        return A.restore_attachment(deck, uid, attachment_id)

    return _ocs(ctx, act)


def _ocs_routes() -> list[BaseRoute]:
    a = "/apps/deck/api/v{apiVersion}/cards/{cardId}"
    return [
        Route(a + "/attachments", ocs_index, methods=["GET"]),
        Route(a + "/attachment", ocs_create, methods=["POST"]),
        Route(a + "/attachments/{type}:{id}", ocs_delete, methods=["DELETE"]),
        Route(a + "/attachments/{id}", ocs_update, methods=["PUT"]),
        Route(a + "/attachments/{id}", ocs_delete, methods=["DELETE"]),  # Deck 1.18
        Route(a + "/attachments/{id}/restore", ocs_restore, methods=["PUT"]),
    ]


#: ``attachment_ocs#*`` routes.
OCS_ATTACHMENT_ROUTES: list[BaseRoute] = _ocs_routes()
