"""Deck OCS API at ``/ocs/v{1,2}.php/apps/deck/api/v{apiVersion}/…``.

Routes: nextcloud/deck ``appinfo/routes.php`` (``'ocs'`` section); controllers ``lib/Controller/BoardOcsController
.php``, ``StackOcsController.php``, ``CardOcsController.php``, ``AttachmentOcsController.php``,
``CommentsApiController.php`` (all ``OCSController``s without ``#[CORS]``, so a Bearer token works on an unpatched
server; ``OCS-APIRequest: true`` or Bearer passes the CSRF check). ``CardOcsController::update`` takes the card
id as body parameter ``id`` (the route's ``{cardId}`` is ignored) and needs the full card incl. ``boardId``.
``#[PublicPage]`` on the stack/card methods is not modelled (a public caller gets the usual 401).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.deck import cards as C
from fake_nextcloud.apps.deck import extras as X
from fake_nextcloud.apps.deck.attachment_routes import OCS_ATTACHMENT_ROUTES
from fake_nextcloud.apps.deck.backend import DeckBackend, parse_date
from fake_nextcloud.apps.deck.common import card_fields, deck_controller, path_int, run_ocs, stacks_json
from fake_nextcloud.core.appframework import Annotations, OcsResult
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.params import bool_param, int_param, str_param
from fake_nextcloud.core.php import PhpTypeError

__all__ = ["OCS_ROUTES"]

_OCS = Annotations(ocs=True)


def _ok(ctx: NcContext, action: Callable[[DeckBackend, str], Any]) -> Response | OcsResult:
    if not ctx.state.app_enabled("deck"):  # routes of disabled apps do not exist: OCS 998
        raise OcsError(998, "")
    result = run_ocs(ctx, action)
    return result if isinstance(result, Response) else OcsResult(result)


def _required_int(ctx: NcContext, name: str) -> int:
    """An ``int`` parameter without default: absent -> ``TypeError`` (500)."""
    value = int_param(ctx, name, None)
    if value is None:
        raise PhpTypeError(f"Argument ${name} must be of type int, null given")
    return value


@deck_controller(_OCS)
async def boards_index(ctx: NcContext, request: Request) -> Response | OcsResult:
    """``BoardOcsController::index``: ``findAll()`` without details."""
    return _ok(ctx, lambda deck, uid: [deck.board_json(b, uid, full=False) for b in deck.visible_boards(uid)])


@deck_controller(_OCS)
async def board_read(ctx: NcContext, request: Request) -> Response | OcsResult:
    board_id = path_int(request, "boardId")
    return _ok(ctx, lambda deck, uid: deck.board_json(deck.board(board_id, uid), uid))


@deck_controller(_OCS)
async def board_create(ctx: NcContext, request: Request) -> Response | OcsResult:
    title, color = ctx.param("title"), ctx.param("color")
    return _ok(ctx, lambda deck, uid: deck.board_json(deck.create_board(uid, title, color), uid))


@deck_controller(_OCS)
async def board_add_acl(ctx: NcContext, request: Request) -> Response | OcsResult:
    board_id, kind, who = path_int(request, "boardId"), int_param(ctx, "type", 0), str_param(ctx, "participant", "")
    flags = [bool(bool_param(ctx, f"permission{p}", False)) for p in ("Edit", "Share", "Manage")]
    return _ok(ctx, lambda deck, uid: deck.add_acl(uid, board_id, kind, who, *flags).to_json(deck.state))


@deck_controller(_OCS)
async def stacks_index(ctx: NcContext, request: Request) -> Response | OcsResult:
    board_id = path_int(request, "boardId")

    def act(deck: DeckBackend, uid: str) -> Any:
        deck.board(board_id, uid)
        return stacks_json(deck, board_id, archived=False)

    return _ok(ctx, act)


@deck_controller(_OCS)
async def stack_create(ctx: NcContext, request: Request) -> Response | OcsResult:
    title, board_id, order = ctx.param("title"), _required_int(ctx, "boardId"), int_param(ctx, "order", 0)
    return _ok(ctx, lambda deck, uid: deck.create_stack(uid, board_id, title, order).to_json())


@deck_controller(_OCS)
async def stack_reorder(ctx: NcContext, request: Request) -> Response | OcsResult:
    stack_id, order = path_int(request, "stackId"), _required_int(ctx, "order")
    return _ok(ctx, lambda deck, uid: [s.to_json() for s in deck.reorder_stack(uid, stack_id, order)])


@deck_controller(_OCS)
async def stack_delete(ctx: NcContext, request: Request) -> Response | OcsResult:
    stack_id = path_int(request, "stackId")
    return _ok(ctx, lambda deck, uid: deck.delete_stack(uid, stack_id).to_json())


@deck_controller(_OCS)
async def card_create(ctx: NcContext, request: Request) -> Response | OcsResult:
    """``POST /cards`` (``title``, ``stackId``, ``type``, ``order`` 999, ``description``, ``duedate``); the
    ``labels``/``users`` parameters are ignored (commented out in ``CardOcsController::create``)."""
    title, stack_id = ctx.param("title"), _required_int(ctx, "stackId")
    order, description = int_param(ctx, "order", 999), str_param(ctx, "description", "")

    def act(deck: DeckBackend, uid: str) -> Any:
        due = parse_date(ctx.param("duedate"))
        card = C.create_card(
            deck,
            uid,
            stack_id,
            title,
            order=order,
            description=description,
            duedate=due,
            type_=str_param(ctx, "type", "plain"),
        )
        return C.card_json(deck, card, resolve_owner=False)

    return _ok(ctx, act)


@deck_controller(_OCS)
async def card_update(ctx: NcContext, request: Request) -> Response | OcsResult:
    """``PUT /cards/{cardId}``: ``id``, ``title``, ``stackId``, ``type``, ``order``, ``description``, ``duedate``,
    ``deletedAt``, ``boardId`` are required; ``done`` absent -> cleared."""
    card_id, stack_id = _required_int(ctx, "id"), _required_int(ctx, "stackId")
    board_id, deleted_at = _required_int(ctx, "boardId"), int_param(ctx, "deletedAt", None)

    def act(deck: DeckBackend, uid: str) -> Any:
        deck.board(board_id, uid)  # boardService->find($boardId)
        fields = {**card_fields(ctx), "stackId": stack_id, "deletedAt": deleted_at}
        return C.card_json(deck, C.update_card(deck, uid, card_id, fields))

    return _ok(ctx, act)


@deck_controller(_OCS)
async def card_label(ctx: NcContext, request: Request) -> Response | OcsResult:
    card_id, label_id = path_int(request, "cardId"), path_int(request, "labelId")
    fn = C.assign_label if request.method == "POST" else C.remove_label

    def act(deck: DeckBackend, uid: str) -> Any:
        fn(deck, uid, card_id, label_id)
        return C.card_json(deck, deck.cards[card_id])

    return _ok(ctx, act)


@deck_controller(_OCS)
async def card_assign(ctx: NcContext, request: Request) -> Response | OcsResult:
    """``POST /cards/{cardId}/assign`` / ``PUT …/unassign`` (``userId``, ``type`` 0)."""
    card_id, user_id, kind = path_int(request, "cardId"), str_param(ctx, "userId", ""), int_param(ctx, "type", 0)
    if request.url.path.endswith("/assign"):
        return _ok(ctx, lambda deck, uid: C.assign_user(deck, uid, card_id, user_id, kind).to_json(deck.state))
    return _ok(ctx, lambda deck, uid: C.unassign_user(deck, uid, card_id, user_id).to_json(deck.state))


@deck_controller(_OCS)
async def card_reorder(ctx: NcContext, request: Request) -> Response | OcsResult:
    card_id, stack_id, order = path_int(request, "cardId"), _required_int(ctx, "stackId"), _required_int(ctx, "order")
    return _ok(
        ctx, lambda deck, uid: [C.card_json(deck, c) for c in C.reorder_card(deck, uid, card_id, stack_id, order)]
    )


@deck_controller(_OCS)
async def card_dependency(ctx: NcContext, request: Request) -> Response | OcsResult:
    """``POST``/``DELETE /cards/{cardId}/dependentCards/{dependentCardId}`` (``boardId`` optional, must be
    readable: ``BoardService::find``)."""
    card_id, other = path_int(request, "cardId"), path_int(request, "dependentCardId")
    board_id = int_param(ctx, "boardId", None)
    fn = C.assign_dependent_card if request.method == "POST" else C.remove_dependent_card

    def act(deck: DeckBackend, uid: str) -> Any:
        if board_id:
            deck.board(board_id, uid)
        return C.card_json(deck, fn(deck, uid, card_id, other))

    return _ok(ctx, act)


@deck_controller(_OCS)
async def comments(ctx: NcContext, request: Request) -> Response | OcsResult:
    """``CommentsApiController``: list (``limit`` 20, ``offset``), create (``message``, ``parentId``)."""
    card_id = path_int(request, "cardId")
    if request.method == "GET":
        limit, offset = int_param(ctx, "limit", 20), int_param(ctx, "offset", 0)
        return _ok(ctx, lambda deck, uid: X.list_comments(deck, uid, card_id, limit, offset))
    message, parent = str_param(ctx, "message", ""), int_param(ctx, "parentId", 0)
    return _ok(ctx, lambda deck, uid: X.create_comment(deck, uid, card_id, message, parent))


@deck_controller(_OCS)
async def comment(ctx: NcContext, request: Request) -> Response | OcsResult:
    card_id, comment_id = path_int(request, "cardId"), path_int(request, "commentId")
    if request.method == "PUT":
        message = str_param(ctx, "message", "")
        return _ok(ctx, lambda deck, uid: X.update_comment(deck, uid, card_id, comment_id, message))

    def act(deck: DeckBackend, uid: str) -> Any:
        X.delete_comment(deck, uid, card_id, comment_id)
        return []

    return _ok(ctx, act)


def _routes() -> list[BaseRoute]:
    a = "/apps/deck/api/v{apiVersion}"
    return [
        Route(a + "/boards", boards_index, methods=["GET"]),
        Route(a + "/board/{boardId}", board_read, methods=["GET"]),
        Route(a + "/stacks/{boardId}", stacks_index, methods=["GET"]),
        Route(a + "/boards", board_create, methods=["POST"]),
        Route(a + "/boards/{boardId}/acl", board_add_acl, methods=["POST"]),
        Route(a + "/cards", card_create, methods=["POST"]),
        Route(a + "/cards/{cardId}", card_update, methods=["PUT"]),
        Route(a + "/cards/{cardId}/label/{labelId}", card_label, methods=["POST", "DELETE"]),
        Route(a + "/cards/{cardId}/assign", card_assign, methods=["POST"]),
        Route(a + "/cards/{cardId}/unassign", card_assign, methods=["PUT"]),
        Route(a + "/cards/{cardId}/reorder", card_reorder, methods=["PUT"]),
        Route(a + "/cards/{cardId}/dependentCards/{dependentCardId}", card_dependency, methods=["POST", "DELETE"]),
        Route(a + "/stacks", stack_create, methods=["POST"]),
        Route(a + "/stacks/{stackId}/{boardId}", stack_delete, methods=["DELETE"]),
        Route(a + "/stacks/{stackId}", stack_delete, methods=["DELETE"]),  # 'defaults' => ['boardId' => null]
        Route(a + "/stacks/{stackId}/reorder", stack_reorder, methods=["PUT"]),
        *OCS_ATTACHMENT_ROUTES,
        Route(a + "/cards/{cardId}/comments", comments, methods=["GET", "POST"]),
        Route(a + "/cards/{cardId}/comments/{commentId}", comment, methods=["PUT", "DELETE"]),
    ]


#: The Deck OCS routes (mounted in the shared OCS router), in ``appinfo/routes.php`` order.
OCS_ROUTES: list[BaseRoute] = _routes()
