"""Deck REST API at ``/index.php/apps/deck/api/v{apiVersion}/…`` (also ``/apps/deck/…``).

Routes: nextcloud/deck ``appinfo/routes.php`` (``board_api``, ``stack_api``, ``card_api`` incl. the dependent
cards, ``label_api``, ``attachment_api``, ``attachment_api_v11``); controllers ``lib/Controller/*ApiController
.php``. Every method is ``#[CORS]``, ``#[NoCSRFRequired]``, ``#[NoAdminRequired]``, so a Bearer token gets 401
"CORS requires basic auth" unless the Bearer patch is applied (``core.appframework``). ``ETag`` on board
list/board/stack/card (``setETag``), so ``If-None-Match`` yields 304. The ``stackId`` of card paths is not
checked (``CardApiController`` only reads ``cardId``). Attachments (API 1.0 and 1.1): ``attachment_routes.py``.
The routes follow the Deck version in ``FakeState.apps["deck"]``: ``board_api#clone`` exists from 1.19 on; the
web UI's ``board#clone`` (``/boards/{boardId}/clone``) in every version.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from fake_nextcloud.apps.deck import cards as C
from fake_nextcloud.apps.deck.attachment_routes import REST_ATTACHMENT_ROUTES
from fake_nextcloud.apps.deck.backend import DeckBackend, parse_date
from fake_nextcloud.apps.deck.common import (
    card_fields,
    deck_controller,
    path_int,
    run_rest,
    since_1_19,
    stacks_json,
)
from fake_nextcloud.apps.deck.models import BadRequest, Board
from fake_nextcloud.core.appframework import Annotations, preflighted_cors
from fake_nextcloud.core.context import NcContext, get_context
from fake_nextcloud.core.errors import html_error_page, json_response, not_implemented
from fake_nextcloud.core.params import bool_param, int_param, str_param
from fake_nextcloud.core.state import FakeState

__all__ = ["REST_ROUTES", "DeckApp"]

_API = Annotations(cors=True, no_csrf=True)
_Body = dict[str, Any] | list[Any]
_CARD_ACTIONS = ("assignLabel", "removeLabel", "assignUser", "unassignUser", "reorder", "archive", "unarchive")


def _ok(ctx: NcContext, action: Any, etag: Any = None) -> Response:
    """Run ``action(deck, uid)``; ``etag(result)`` sets the ``ETag`` header of a successful answer."""
    result = run_rest(ctx, action)
    if isinstance(result, Response):
        return result
    data, tag = result if etag else (result, None)
    return json_response(data, etag=tag)


def _board(deck: DeckBackend, uid: str, board: Board) -> dict[str, Any]:
    return deck.board_json(board, uid)


@deck_controller(_API)
async def boards_index(ctx: NcContext, request: Request) -> Response:
    """``GET /boards`` (``details``): ``ETag`` = md5 of the JSON list of ``"<id>-<etag>"``."""
    details = bool(bool_param(ctx, "details", False))

    def act(deck: DeckBackend, uid: str) -> tuple[_Body, str]:
        boards = deck.visible_boards(uid)
        return [deck.board_json(b, uid, full=details) for b in boards], deck.boards_etag(boards)

    return _ok(ctx, act, etag=True)


@deck_controller(_API)
async def board_get(ctx: NcContext, request: Request) -> Response:
    board_id = path_int(request, "boardId")

    def act(deck: DeckBackend, uid: str) -> tuple[_Body, str]:
        data = _board(deck, uid, deck.board(board_id, uid))
        return data, data["ETag"]

    return _ok(ctx, act, etag=True)


@deck_controller(_API)
async def board_create(ctx: NcContext, request: Request) -> Response:
    title, color = ctx.param("title"), ctx.param("color")
    return _ok(ctx, lambda deck, uid: _board(deck, uid, deck.create_board(uid, title, color)))


@deck_controller(_API)
async def board_update(ctx: NcContext, request: Request) -> Response:
    """``PUT /boards/{boardId}`` (``title``, ``color``, ``archived`` default false)."""
    board_id, archived = path_int(request, "boardId"), bool_param(ctx, "archived", False)
    title, color = ctx.param("title"), ctx.param("color")
    return _ok(ctx, lambda deck, uid: _board(deck, uid, deck.update_board(uid, board_id, title, color, archived)))


@deck_controller(_API)
async def board_delete(ctx: NcContext, request: Request) -> Response:
    board_id = path_int(request, "boardId")
    return _ok(ctx, lambda deck, uid: _board(deck, uid, deck.delete_board(uid, board_id)))


@deck_controller(_API)
async def board_undo_delete(ctx: NcContext, request: Request) -> Response:
    board_id = path_int(request, "boardId")
    return _ok(ctx, lambda deck, uid: _board(deck, uid, deck.undo_delete(uid, board_id)))


@deck_controller(_API)
async def board_add_acl(ctx: NcContext, request: Request) -> Response:
    board_id, kind, who = path_int(request, "boardId"), int_param(ctx, "type", 0), str_param(ctx, "participant", "")
    flags = [bool_param(ctx, f"permission{p}", False) for p in ("Edit", "Share", "Manage")]
    return _ok(ctx, lambda deck, uid: deck.add_acl(uid, board_id, kind, who, *flags).to_json(deck.state))


def _clone(ctx: NcContext, request: Request) -> Response:
    board_id = path_int(request, "boardId")
    names = (
        "withCards",
        "withAssignments",
        "withLabels",
        "withDueDate",
        "moveCardsToLeftStack",
        "restoreArchivedCards",
    )
    options = {n: bool(bool_param(ctx, n, False)) for n in names}
    return _ok(ctx, lambda deck, uid: _board(deck, uid, deck.clone_board(uid, board_id, options)))


@deck_controller(_API)
async def _board_clone_api(ctx: NcContext, request: Request) -> Response:
    return _clone(ctx, request)


async def board_clone_api(request: Request) -> Response:
    """``POST /api/v{n}/boards/{boardId}/clone`` (``board_api#clone``): added in Deck 1.19; before, the route
    does not exist (404 page)."""
    if not since_1_19(get_context(request)):
        return html_error_page(404)
    return await _board_clone_api(request)


@deck_controller(Annotations())
async def board_clone_internal(ctx: NcContext, request: Request) -> Response:
    """``POST /boards/{boardId}/clone`` (``board#clone``, the web UI's ``BoardController::clone``): not
    ``#[CORS]`` and not ``#[NoCSRFRequired]``, so API clients pass only with ``OCS-APIRequest: true``."""
    return _clone(ctx, request)


@deck_controller(_API)
async def stacks_index(ctx: NcContext, request: Request) -> Response:
    board_id = path_int(request, "boardId")

    def act(deck: DeckBackend, uid: str) -> _Body:
        deck.board(board_id, uid)
        return stacks_json(deck, board_id, archived=request.url.path.endswith("/archived"))

    return _ok(ctx, act)


@deck_controller(_API)
async def stack_get(ctx: NcContext, request: Request) -> Response:
    stack_id = path_int(request, "stackId")

    def act(deck: DeckBackend, uid: str) -> tuple[_Body, str]:
        stack, _ = deck.stack(stack_id, uid)
        data = stack.to_json([C.card_json(deck, c) for c in C.cards_of(deck, stack.id, archived=False)])
        return data, data["ETag"]

    return _ok(ctx, act, etag=True)


@deck_controller(_API)
async def stack_create(ctx: NcContext, request: Request) -> Response:
    board_id, title, order = path_int(request, "boardId"), ctx.param("title"), int_param(ctx, "order", 0)
    return _ok(ctx, lambda deck, uid: deck.create_stack(uid, board_id, title, order).to_json())


@deck_controller(_API)
async def stack_update(ctx: NcContext, request: Request) -> Response:
    stack_id, title, order = path_int(request, "stackId"), ctx.param("title"), int_param(ctx, "order", 0)
    return _ok(ctx, lambda deck, uid: deck.update_stack(uid, stack_id, title, order).to_json())


@deck_controller(_API)
async def stack_delete(ctx: NcContext, request: Request) -> Response:
    stack_id = path_int(request, "stackId")
    return _ok(ctx, lambda deck, uid: deck.delete_stack(uid, stack_id).to_json())


@deck_controller(_API)
async def card_get(ctx: NcContext, request: Request) -> Response:
    card_id = path_int(request, "cardId")

    def act(deck: DeckBackend, uid: str) -> tuple[_Body, str]:
        data = C.card_json(deck, C.find_card(deck, uid, card_id)[0])
        return data, data["ETag"]

    return _ok(ctx, act, etag=True)


@deck_controller(_API)
async def card_create(ctx: NcContext, request: Request) -> Response:
    """``POST …/cards``: ``owner`` is returned unresolved (``docs/API.md``)."""
    stack_id = path_int(request, "stackId")
    title, order = ctx.param("title"), int_param(ctx, "order", 999)
    description, type_ = str_param(ctx, "description", ""), str_param(ctx, "type", "plain")

    def act(deck: DeckBackend, uid: str) -> _Body:
        due = parse_date(ctx.param("duedate"))
        card = C.create_card(deck, uid, stack_id, title, order=order, description=description, duedate=due, type_=type_)
        return C.card_json(deck, card, resolve_owner=False)

    return _ok(ctx, act)


@deck_controller(_API)
async def card_update(ctx: NcContext, request: Request) -> Response:
    """``PUT …/cards/{cardId}``: the full card (``title``, ``type``, ``owner`` required); ``stackId`` from the path."""
    card_id, stack_id = path_int(request, "cardId"), path_int(request, "stackId")

    def act(deck: DeckBackend, uid: str) -> _Body:
        if ctx.param("owner") is None:
            raise BadRequest("owner must be provided and must be not empty")
        card = C.update_card(deck, uid, card_id, {**card_fields(ctx), "stackId": stack_id, "deletedAt": 0})
        return C.card_json(deck, card)

    return _ok(ctx, act)


@deck_controller(_API)
async def card_delete(ctx: NcContext, request: Request) -> Response:
    card_id = path_int(request, "cardId")
    return _ok(ctx, lambda deck, uid: C.card_json(deck, C.delete_card(deck, uid, card_id)))


@deck_controller(_API)
async def card_action(ctx: NcContext, request: Request) -> Response:
    """``PUT …/cards/{cardId}/{assignLabel|removeLabel|assignUser|unassignUser|reorder|archive|unarchive}``."""
    card_id, action = path_int(request, "cardId"), request.path_params["action"]
    if action not in _CARD_ACTIONS:
        return not_implemented(request.method, request.url.path)
    label_id, user_id = int_param(ctx, "labelId", 0), str_param(ctx, "userId", "")

    def act(deck: DeckBackend, uid: str) -> _Body:
        if action == "assignLabel":
            C.assign_label(deck, uid, card_id, label_id)
        elif action == "removeLabel":
            C.remove_label(deck, uid, card_id, label_id)
        elif action == "assignUser":
            return C.assign_user(deck, uid, card_id, user_id, int_param(ctx, "type", 0)).to_json(deck.state)
        elif action == "unassignUser":
            return C.unassign_user(deck, uid, card_id, user_id).to_json(deck.state)
        elif action == "reorder":
            cards = C.reorder_card(deck, uid, card_id, int_param(ctx, "stackId", 0), int_param(ctx, "order", 0))
            return [C.card_json(deck, c) for c in cards]
        else:
            card, _, _ = C.find_card(deck, uid, card_id, "PERMISSION_EDIT")
            fields = {
                "title": card.title,
                "type": card.type,
                "description": card.description,
                "order": card.order,
                "duedate": card.duedate,
                "done": card.done,
                "stackId": card.stack_id,
                "deletedAt": 0,
                "archived": action == "archive",
            }
            C.update_card(deck, uid, card_id, fields)
        return C.card_json(deck, deck.cards[card_id])

    return _ok(ctx, act)


@deck_controller(_API)
async def label_get(ctx: NcContext, request: Request) -> Response:
    label_id = path_int(request, "labelId")
    return _ok(ctx, lambda deck, uid: C.get_label(deck, uid, label_id).to_json())


@deck_controller(_API)
async def label_create(ctx: NcContext, request: Request) -> Response:
    board_id, title, color = path_int(request, "boardId"), ctx.param("title"), ctx.param("color")
    return _ok(ctx, lambda deck, uid: C.create_label(deck, uid, board_id, title, color).to_json())


@deck_controller(_API)
async def label_update(ctx: NcContext, request: Request) -> Response:
    label_id, title, color = path_int(request, "labelId"), ctx.param("title"), ctx.param("color")
    return _ok(ctx, lambda deck, uid: C.update_label(deck, uid, label_id, title, color).to_json())


@deck_controller(_API)
async def label_delete(ctx: NcContext, request: Request) -> Response:
    label_id = path_int(request, "labelId")
    return _ok(ctx, lambda deck, uid: C.delete_label(deck, uid, label_id).to_json())


@deck_controller(_API)
async def card_dependency(ctx: NcContext, request: Request) -> Response:
    """``POST``/``DELETE …/cards/{cardId}/dependentCards/{dependentCardId}`` (``card_api#assignDependentCard``,
    ``#removeDependentCard``): the enriched card."""
    card_id, other = path_int(request, "cardId"), path_int(request, "dependentCardId")
    fn = C.assign_dependent_card if request.method == "POST" else C.remove_dependent_card
    return _ok(ctx, lambda deck, uid: C.card_json(deck, fn(deck, uid, card_id, other)))


def _routes() -> list[BaseRoute]:
    b = "/api/v{apiVersion}/boards"
    s = b + "/{boardId}/stacks"
    c = s + "/{stackId}/cards"
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
        Route(s + "/archived", stacks_index, methods=["GET"]),
        Route(s + "/{stackId}", stack_get, methods=["GET"]),
        Route(s, stack_create, methods=["POST"]),
        Route(s + "/{stackId}", stack_update, methods=["PUT"]),
        Route(s + "/{stackId}", stack_delete, methods=["DELETE"]),
        Route(c + "/{cardId}", card_get, methods=["GET"]),
        Route(c, card_create, methods=["POST"]),
        Route(c + "/{cardId}", card_update, methods=["PUT"]),
        Route(c + "/{cardId}/{action}", card_action, methods=["PUT"]),
        Route(c + "/{cardId}/dependentCards/{dependentCardId}", card_dependency, methods=["POST", "DELETE"]),
        Route(c + "/{cardId}", card_delete, methods=["DELETE"]),
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
