"""Deck REST API at ``/index.php/apps/deck/api/v{apiVersion}/…`` (also ``/apps/deck/…``).

Routes: nextcloud/deck ``appinfo/routes.php`` (``board_api``, ``stack_api``, ``card_api`` incl. the dependent
cards, ``label_api``, ``attachment_api``, ``attachment_api_v11``); controllers ``lib/Controller/*ApiController
.php`` at v1.18.3 (a480d8d5), ``BoardApiController::clone`` from master (b0f6943c, Deck 1.19). Every method is
``#[CORS]``, ``#[NoCSRFRequired]``, ``#[NoAdminRequired]``, so a Bearer token gets 401 "CORS requires basic auth"
unless the Bearer patch is applied (``core.appframework``). ``ETag`` on board list/board/stack/card
(``setETag``), so ``If-None-Match`` yields 304. The ``stackId`` of card paths is not checked
(``CardApiController`` only reads ``cardId``). Cards: ``rest_cards.py``; attachments (API 1.0 and 1.1):
``attachment_routes.py``. The routes follow the Deck version in ``FakeState.apps["deck"]``: ``board_api#clone``
exists from 1.19 on; the web UI's ``board#clone`` (``/boards/{boardId}/clone``) in every version.

Each handler declares its PHP method (``core.signature.php_method``): the arguments are bound from that
signature. Most of these controllers read the URL's ``boardId``/``stackId``/``labelId`` with
``$this->request->getParam(…)`` instead and pass the string on to a typed service method (``url_int``).
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from fake_nextcloud.apps.deck import cards as C
from fake_nextcloud.apps.deck import rest_cards as RC
from fake_nextcloud.apps.deck.attachment_routes import REST_ATTACHMENT_ROUTES
from fake_nextcloud.apps.deck.backend import DeckBackend
from fake_nextcloud.apps.deck.coerce import php_call
from fake_nextcloud.apps.deck.common import deck_controller, rest_ok, since_1_19, stacks_json, url_int
from fake_nextcloud.apps.deck.models import Board
from fake_nextcloud.core.appframework import Annotations, preflighted_cors
from fake_nextcloud.core.context import NcContext, get_context
from fake_nextcloud.core.errors import html_error_page
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.state import FakeState

__all__ = ["REST_ROUTES", "DeckApp"]

_API = Annotations(cors=True, no_csrf=True)
_Body = dict[str, Any] | list[Any]
_CLONE = (
    "int $boardId, bool $withCards = false, bool $withAssignments = false, bool $withLabels = false,"
    " bool $withDueDate = false, bool $moveCardsToLeftStack = false, bool $restoreArchivedCards = false"
)


def _board(deck: DeckBackend, uid: str, board: Board) -> dict[str, Any]:
    return deck.board_json(board, uid)


# -- boards (BoardApiController) ----------------------------------------------------------------------


@deck_controller(_API)
@php_method("BoardApiController::index", "bool $details = false")
async def boards_index(ctx: NcContext, request: Request) -> Response:
    """``GET /boards`` (``details``): ``ETag`` = md5 of the JSON list of ``"<id>-<etag>"``."""
    details = ctx.args["details"] is True  # findAll(0, $details === true)

    def act(deck: DeckBackend, uid: str) -> tuple[_Body, str]:
        boards = deck.visible_boards(uid)
        return [deck.board_json(b, uid, full=details) for b in boards], deck.boards_etag(boards)

    return rest_ok(ctx, act, etag=True)


@deck_controller(_API)
@php_method("BoardApiController::get")
async def board_get(ctx: NcContext, request: Request) -> Response:
    board_id = url_int(request, "boardId", "BoardService::find")  # find($this->request->getParam('boardId'))

    def act(deck: DeckBackend, uid: str) -> tuple[_Body, str]:
        data = _board(deck, uid, deck.board(board_id, uid))
        return data, data["ETag"]

    return rest_ok(ctx, act, etag=True)


@deck_controller(_API)
@php_method("BoardApiController::create", "string $title, string $color")
async def board_create(ctx: NcContext, request: Request) -> Response:
    title, color = ctx.args["title"], ctx.args["color"]
    return rest_ok(ctx, lambda deck, uid: _board(deck, uid, deck.create_board(uid, title, color)))


@deck_controller(_API)
@php_method("BoardApiController::update", "string $title, string $color, bool $archived = false")
async def board_update(ctx: NcContext, request: Request) -> Response:
    """``PUT /boards/{boardId}``: ``update($this->request->getParam('boardId'), $title, $color, $archived)``."""
    board_id = url_int(request, "boardId", "BoardService::update")
    title, color, archived = ctx.args["title"], ctx.args["color"], ctx.args["archived"]
    return rest_ok(ctx, lambda deck, uid: _board(deck, uid, deck.update_board(uid, board_id, title, color, archived)))


@deck_controller(_API)
@php_method("BoardApiController::delete")
async def board_delete(ctx: NcContext, request: Request) -> Response:
    board_id = url_int(request, "boardId", "BoardService::delete")  # delete($this->request->getParam('boardId'))
    return rest_ok(ctx, lambda deck, uid: _board(deck, uid, deck.delete_board(uid, board_id)))


@deck_controller(_API)
@php_method("BoardApiController::undoDelete")
async def board_undo_delete(ctx: NcContext, request: Request) -> Response:
    board_id = url_int(request, "boardId", "BoardService::deleteUndo")  # $this->request->getParam('boardId')
    return rest_ok(ctx, lambda deck, uid: _board(deck, uid, deck.undo_delete(uid, board_id)))


@deck_controller(_API)
@php_method(
    "BoardApiController::addAcl",
    "int $boardId, $type, $participant, $permissionEdit, $permissionShare, $permissionManage",
)
async def board_add_acl(ctx: NcContext, request: Request) -> Response:
    """``POST /boards/{boardId}/acl``: the untyped arguments reach ``BoardService::addAcl(int $boardId, int $type,
    $participant, bool $edit, bool $share, bool $manage)`` as sent, so each but ``participant`` is required."""
    a = ctx.args
    v = php_call(
        "BoardService::addAcl",
        "int $boardId, int $type, $participant, bool $edit, bool $share, bool $manage",
        type=a["type"],
        edit=a["permissionEdit"],
        share=a["permissionShare"],
        manage=a["permissionManage"],
    )
    board_id, kind, participant = a["boardId"], v["type"], a["participant"]
    flags = (v["edit"], v["share"], v["manage"])
    return rest_ok(ctx, lambda deck, uid: deck.add_acl(uid, board_id, kind, participant, *flags).to_json(deck.state))


def _clone(ctx: NcContext) -> Response:
    a = ctx.args
    names = ("withCards", "withAssignments", "withLabels", "withDueDate", "moveCardsToLeftStack")
    options = {n: bool(a[n]) for n in (*names, "restoreArchivedCards")}
    board_id: int = a["boardId"]
    return rest_ok(ctx, lambda deck, uid: _board(deck, uid, deck.clone_board(uid, board_id, options)))


@deck_controller(_API)
@php_method("BoardApiController::clone", _CLONE)
async def _board_clone_api(ctx: NcContext, request: Request) -> Response:
    return _clone(ctx)


@functools.wraps(_board_clone_api)
async def board_clone_api(request: Request) -> Response:
    """``POST /api/v{n}/boards/{boardId}/clone`` (``board_api#clone``): added in Deck 1.19; before, the route
    does not exist (404 page)."""
    if not since_1_19(get_context(request)):
        return html_error_page(404)
    return await _board_clone_api(request)


@deck_controller(Annotations())
@php_method("BoardController::clone", _CLONE)
async def board_clone_internal(ctx: NcContext, request: Request) -> Response:
    """``POST /boards/{boardId}/clone`` (``board#clone``, the web UI's ``BoardController::clone``): not
    ``#[CORS]`` and not ``#[NoCSRFRequired]``, so API clients pass only with ``OCS-APIRequest: true``."""
    return _clone(ctx)


# -- stacks (StackApiController) ----------------------------------------------------------------------


def _stacks(ctx: NcContext, request: Request, *, archived: bool) -> Response:
    callee = "StackService::findAllArchived" if archived else "StackService::findAll"
    board_id = url_int(request, "boardId", callee)  # $this->request->getParam('boardId')

    def act(deck: DeckBackend, uid: str) -> _Body:
        deck.board(board_id, uid)
        return stacks_json(deck, board_id, archived=archived)

    return rest_ok(ctx, act)


@deck_controller(_API)
@php_method("StackApiController::index")
async def stacks_index(ctx: NcContext, request: Request) -> Response:
    return _stacks(ctx, request, archived=False)


@deck_controller(_API)
@php_method("StackApiController::getArchived")
async def stacks_archived(ctx: NcContext, request: Request) -> Response:
    return _stacks(ctx, request, archived=True)


@deck_controller(_API)
@php_method("StackApiController::get")
async def stack_get(ctx: NcContext, request: Request) -> Response:
    stack_id = url_int(request, "stackId", "StackService::find")  # find($this->request->getParam('stackId'))

    def act(deck: DeckBackend, uid: str) -> tuple[_Body, str]:
        stack, _ = deck.stack(stack_id, uid)
        data = stack.to_json([C.card_json(deck, c) for c in C.cards_of(deck, stack.id, archived=False)])
        return data, data["ETag"]

    return rest_ok(ctx, act, etag=True)


@deck_controller(_API)
@php_method("StackApiController::create", "string $title, int $order")
async def stack_create(ctx: NcContext, request: Request) -> Response:
    """``create($title, $this->request->getParam('boardId'), $order)``."""
    board_id, title, order = url_int(request, "boardId", "StackService::create"), ctx.args["title"], ctx.args["order"]
    return rest_ok(ctx, lambda deck, uid: deck.create_stack(uid, board_id, title, order).to_json())


@deck_controller(_API)
@php_method("StackApiController::update", "string $title, int $order")
async def stack_update(ctx: NcContext, request: Request) -> Response:
    """``update($this->request->getParam('stackId'), $title, $this->request->getParam('boardId'), $order, 0)``."""
    v = php_call(
        "StackService::update",
        "int $id, string $title, int $boardId, int $order, ?int $deletedAt",
        id=request.path_params["stackId"],
        boardId=request.path_params["boardId"],
    )
    stack_id, board_id, title, order = v["id"], v["boardId"], ctx.args["title"], ctx.args["order"]
    return rest_ok(ctx, lambda deck, uid: deck.update_stack(uid, stack_id, title, board_id, order).to_json())


@deck_controller(_API)
@php_method("StackApiController::delete")
async def stack_delete(ctx: NcContext, request: Request) -> Response:
    stack_id = url_int(request, "stackId", "StackService::delete")  # delete($this->request->getParam('stackId'))
    return rest_ok(ctx, lambda deck, uid: deck.delete_stack(uid, stack_id).to_json())


# -- labels (LabelApiController) ----------------------------------------------------------------------


@deck_controller(_API)
@php_method("LabelApiController::get")
async def label_get(ctx: NcContext, request: Request) -> Response:
    label_id = url_int(request, "labelId", "LabelService::find")  # find($this->request->getParam('labelId'))
    return rest_ok(ctx, lambda deck, uid: C.get_label(deck, uid, label_id).to_json())


@deck_controller(_API)
@php_method("LabelApiController::create", "string $title, string $color")
async def label_create(ctx: NcContext, request: Request) -> Response:
    """``create($title, $color, $this->request->getParam('boardId'))``."""
    board_id, title, color = url_int(request, "boardId", "LabelService::create"), ctx.args["title"], ctx.args["color"]
    return rest_ok(ctx, lambda deck, uid: C.create_label(deck, uid, board_id, title, color).to_json())


@deck_controller(_API)
@php_method("LabelApiController::update", "string $title, string $color")
async def label_update(ctx: NcContext, request: Request) -> Response:
    """``update($this->request->getParam('labelId'), $title, $color)``."""
    label_id, title, color = url_int(request, "labelId", "LabelService::update"), ctx.args["title"], ctx.args["color"]
    return rest_ok(ctx, lambda deck, uid: C.update_label(deck, uid, label_id, title, color).to_json())


@deck_controller(_API)
@php_method("LabelApiController::delete")
async def label_delete(ctx: NcContext, request: Request) -> Response:
    label_id = url_int(request, "labelId", "LabelService::delete")  # delete($this->request->getParam('labelId'))
    return rest_ok(ctx, lambda deck, uid: C.delete_label(deck, uid, label_id).to_json())


def _routes() -> list[BaseRoute]:
    b = "/api/v{apiVersion}/boards"
    s = b + "/{boardId}/stacks"
    c = s + "/{stackId}/cards"
    card = c + "/{cardId}"
    return [
        Route(b, boards_index, methods=["GET"]),
        Route(b + "/{boardId}", board_get, methods=["GET"]),
        Route(b, board_create, methods=["POST"]),
        Route(b + "/{boardId}", board_delete, methods=["DELETE"]),
        Route(b + "/{boardId}", board_update, methods=["PUT"]),
        Route(b + "/{boardId}/undo_delete", board_undo_delete, methods=["POST"]),
        Route(b + "/{boardId}/acl", board_add_acl, methods=["POST"]),
        Route(b + "/{boardId}/clone", board_clone_api, methods=["POST"]),
        Route(s, stacks_index, methods=["GET"]),
        Route(s + "/archived", stacks_archived, methods=["GET"]),
        Route(s + "/{stackId}", stack_get, methods=["GET"]),
        Route(s, stack_create, methods=["POST"]),
        Route(s + "/{stackId}", stack_update, methods=["PUT"]),
        Route(s + "/{stackId}", stack_delete, methods=["DELETE"]),
        Route(card, RC.card_get, methods=["GET"]),
        Route(c, RC.card_create, methods=["POST"]),
        Route(card, RC.card_update, methods=["PUT"]),
        Route(card + "/assignLabel", RC.card_assign_label, methods=["PUT"]),
        Route(card + "/removeLabel", RC.card_remove_label, methods=["PUT"]),
        Route(card + "/assignUser", RC.card_assign_user, methods=["PUT"]),
        Route(card + "/unassignUser", RC.card_unassign_user, methods=["PUT"]),
        Route(card + "/reorder", RC.card_reorder, methods=["PUT"]),
        Route(card + "/dependentCards/{dependentCardId}", RC.card_assign_dependent, methods=["POST"]),
        Route(card + "/dependentCards/{dependentCardId}", RC.card_remove_dependent, methods=["DELETE"]),
        Route(card + "/archive", RC.card_archive, methods=["PUT"]),
        Route(card + "/unarchive", RC.card_unarchive, methods=["PUT"]),
        Route(card, RC.card_delete, methods=["DELETE"]),
        Route(b + "/{boardId}/labels/{labelId}", label_get, methods=["GET"]),
        Route(b + "/{boardId}/labels", label_create, methods=["POST"]),
        Route(b + "/{boardId}/labels/{labelId}", label_update, methods=["PUT"]),
        Route(b + "/{boardId}/labels/{labelId}", label_delete, methods=["DELETE"]),
        *REST_ATTACHMENT_ROUTES,
        Route("/api/v{apiVersion}/{path:path}", preflighted_cors, methods=["OPTIONS"]),
        Route("/boards/{boardId}/clone", board_clone_internal, methods=["POST"]),
    ]


#: The Deck REST routes, in ``appinfo/routes.php`` order.
REST_ROUTES: list[BaseRoute] = _routes()


class DeckApp:
    """The Deck REST route group; while the app is disabled its routes do not exist (404 page)."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.router = Router(REST_ROUTES, redirect_slashes=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.state.app_enabled("deck"):
            await html_error_page(404)(scope, receive, send)
            return
        await self.router(scope, receive, send)
