"""Deck OCS API at ``/ocs/v{1,2}.php/apps/deck/api/v{apiVersion}/…``.

Routes: nextcloud/deck ``appinfo/routes.php`` (``'ocs'`` section); controllers ``lib/Controller/BoardOcsController
.php``, ``StackOcsController.php``, ``CardOcsController.php``, ``AttachmentOcsController.php``,
``CommentsApiController.php`` at v1.18.3 (a480d8d5) (all ``OCSController``s without ``#[CORS]``, so a Bearer token
works on an unpatched server; ``OCS-APIRequest: true`` or Bearer passes the CSRF check). Each handler declares its
PHP method (``core.signature.php_method``), so a missing required argument is a ``TypeError``: Deck's JSON 500.
``CardOcsController::update`` takes the card id as body parameter ``id`` (the route's ``{cardId}`` is ignored)
and needs the full card incl. ``boardId``. A given ``boardId`` is looked up first (``BoardService::find``, READ;
federated boards are not modelled). ``#[PublicPage]`` on the stack/card methods is not modelled (a public
caller gets the usual 401).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.deck import cards as C
from fake_nextcloud.apps.deck import extras as X
from fake_nextcloud.apps.deck.attachment_routes import OCS_ATTACHMENT_ROUTES
from fake_nextcloud.apps.deck.backend import DeckBackend, parse_date
from fake_nextcloud.apps.deck.coerce import php_call
from fake_nextcloud.apps.deck.common import deck_controller, ocs_ok, stacks_json
from fake_nextcloud.core.appframework import Annotations, OcsResult
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.php import php_empty, php_str
from fake_nextcloud.core.signature import php_method

__all__ = ["OCS_ROUTES"]

_OCS = Annotations(ocs=True)
_Result = Response | OcsResult
_BOARD_CARD_LABEL = "?int $boardId, int $cardId, int $labelId"
_BOARD_CARD_USER = "?int $boardId, int $cardId, string $userId, int $type = 0"
_DEPENDENT = "int $cardId, int $dependentCardId, ?int $boardId = null"


def _find_board(deck: DeckBackend, uid: str, board_id: int | None) -> None:
    """``if ($boardId) { $board = $this->boardService->find($boardId, false); … }`` (READ)."""
    if board_id:
        deck.board(board_id, uid)


# -- boards (BoardOcsController) ----------------------------------------------------------------------


@deck_controller(_OCS)
@php_method("BoardOcsController::index")
async def boards_index(ctx: NcContext, request: Request) -> _Result:
    """``findAll()`` without details."""
    return ocs_ok(ctx, lambda deck, uid: [deck.board_json(b, uid, full=False) for b in deck.visible_boards(uid)])


@deck_controller(_OCS)
@php_method("BoardOcsController::read", "int $boardId")
async def board_read(ctx: NcContext, request: Request) -> _Result:
    board_id: int = ctx.args["boardId"]
    return ocs_ok(ctx, lambda deck, uid: deck.board_json(deck.board(board_id, uid), uid))


@deck_controller(_OCS)
@php_method("BoardOcsController::create", "string $title, string $color")
async def board_create(ctx: NcContext, request: Request) -> _Result:
    title, color = ctx.args["title"], ctx.args["color"]
    return ocs_ok(ctx, lambda deck, uid: deck.board_json(deck.create_board(uid, title, color), uid))


@deck_controller(_OCS)
@php_method(
    "BoardOcsController::addAcl",
    "int $boardId, int $type, string $participant, bool $permissionEdit, bool $permissionShare,"
    " bool $permissionManage, ?string $remote = null",
)
async def board_add_acl(ctx: NcContext, request: Request) -> _Result:
    a = ctx.args
    board_id, kind, who = a["boardId"], a["type"], a["participant"]
    flags = (a["permissionEdit"], a["permissionShare"], a["permissionManage"])
    return ocs_ok(ctx, lambda deck, uid: deck.add_acl(uid, board_id, kind, who, *flags).to_json(deck.state))


# -- stacks (StackOcsController) ----------------------------------------------------------------------


@deck_controller(_OCS)
@php_method("StackOcsController::index", "int $boardId")
async def stacks_index(ctx: NcContext, request: Request) -> _Result:
    board_id: int = ctx.args["boardId"]

    def act(deck: DeckBackend, uid: str) -> Any:
        deck.board(board_id, uid)
        return stacks_json(deck, board_id, archived=False)

    return ocs_ok(ctx, act)


@deck_controller(_OCS)
@php_method("StackOcsController::create", "string $title, int $boardId, int $order = 0")
async def stack_create(ctx: NcContext, request: Request) -> _Result:
    title, board_id, order = ctx.args["title"], ctx.args["boardId"], ctx.args["order"]

    def act(deck: DeckBackend, uid: str) -> Any:
        deck.board(board_id, uid)  # $this->boardService->find($boardId, false)
        return deck.create_stack(uid, board_id, title, order).to_json()

    return ocs_ok(ctx, act)


@deck_controller(_OCS)
@php_method("StackOcsController::reorder", "int $stackId, int $order, ?int $boardId")
async def stack_reorder(ctx: NcContext, request: Request) -> _Result:
    stack_id, order, board_id = ctx.args["stackId"], ctx.args["order"], ctx.args["boardId"]

    def act(deck: DeckBackend, uid: str) -> Any:
        if board_id is not None:  # if ($boardId !== null) find($boardId, false)
            deck.board(board_id, uid)
        return [s.to_json() for s in deck.reorder_stack(uid, stack_id, order)]

    return ocs_ok(ctx, act)


@deck_controller(_OCS)
@php_method("StackOcsController::delete", "int $stackId, ?int $boardId = null")
async def stack_delete(ctx: NcContext, request: Request) -> _Result:
    """``DELETE /stacks/{stackId}/{boardId}``; without the last segment the route's ``'defaults' => ['boardId'
    => null]`` is a URL parameter too, so a ``boardId`` in the query or body is overridden by ``null``."""
    stack_id = ctx.args["stackId"]
    board_id = ctx.args["boardId"] if "boardId" in request.path_params else None

    def act(deck: DeckBackend, uid: str) -> Any:
        _find_board(deck, uid, board_id)
        return deck.delete_stack(uid, stack_id).to_json()

    return ocs_ok(ctx, act)


# -- cards (CardOcsController) ------------------------------------------------------------------------


@deck_controller(_OCS)
@php_method(
    "CardOcsController::create",
    "string $title, int $stackId, ?int $boardId = null, ?string $type = 'plain', ?string $owner = null,"
    " ?int $order = 999, ?string $description = '', $duedate = null, $startdate = null, ?array $labels = [],"
    " ?array $users = [], ?string $color = null",
)
async def card_create(ctx: NcContext, request: Request) -> _Result:
    """``POST /cards``: ``owner`` defaults to the user (``if (!$owner)``); ``labels``/``users`` are ignored
    (commented out in ``CardOcsController::create``)."""
    a = ctx.args
    owner = None if php_empty(a["owner"]) else a["owner"]  # if (!$owner) { $owner = $this->userId; }

    def act(deck: DeckBackend, uid: str) -> Any:
        _find_board(deck, uid, a["boardId"])
        card = C.create_card(
            deck,
            uid,
            a["stackId"],
            a["title"],
            order=a["order"],
            description=a["description"],
            duedate=parse_date(a["duedate"]),
            type_=a["type"],
            owner=owner,
        )
        return C.card_json(deck, card, resolve_owner=False)

    return ocs_ok(ctx, act)


@deck_controller(_OCS)
@php_method(
    "CardOcsController::update",
    "int $id, string $title, int $stackId, string $type, int $order, string $description, $duedate, $deletedAt,"
    " int $boardId, array|string|null $owner = null, $archived = null, $startdate = null, ?string $color = null",
)
async def card_update(ctx: NcContext, request: Request) -> _Result:
    """``PUT /cards/{cardId}``: ``id``, ``title``, ``stackId``, ``type``, ``order``, ``description`` and
    ``boardId`` are required; ``done`` absent -> cleared. Deck 1.19 reads ``color`` with ``getParams()`` instead
    of declaring it; no other difference. The untyped ``duedate``, ``deletedAt`` and ``archived`` reach
    ``CardService::update`` as sent."""
    a = ctx.args
    # array_key_exists('done', $this->request->getParams()) ? new OptionalNullableValue($this->request->getParam(
    # 'done', null)) : null - either way CardService::update sets done to that value or null
    done = ctx.param("done")

    def act(deck: DeckBackend, uid: str) -> Any:
        owner = a["owner"]
        if php_empty(owner):  # if (!$owner) { $owner = $this->userId; }
            owner = uid
        elif isinstance(owner, int | float):  # array|string|null: a scalar becomes a string
            owner = php_str(owner)
        elif not isinstance(owner, str):  # $owner = $owner['uid'] (null, with a warning, when missing)
            owner = owner.get("uid") if isinstance(owner, dict) else None
        deck.board(a["boardId"], uid)  # $this->boardService->find($boardId, false)
        v = php_call(
            "CardService::update",
            "int $id, string $title, int $stackId, string $type, string $owner, string $description = '',"
            " int $order = 0, ?string $duedate = null, ?int $deletedAt = null, ?bool $archived = null",
            owner=owner,
            duedate=a["duedate"],
            deletedAt=a["deletedAt"],
            archived=a["archived"],
        )
        fields = {
            "title": a["title"],
            "type": a["type"],
            "owner": v["owner"],
            "description": a["description"],
            "order": a["order"],
            "duedate": parse_date(v["duedate"]),
            "archived": v["archived"],
            "done": parse_date(done),
            "stackId": a["stackId"],
            "deletedAt": v["deletedAt"],
        }
        return C.card_json(deck, C.update_card(deck, uid, a["id"], fields))

    return ocs_ok(ctx, act)


def _label(ctx: NcContext, *, add: bool) -> _Result:
    board_id, card_id, label_id = ctx.args["boardId"], ctx.args["cardId"], ctx.args["labelId"]
    fn = C.assign_label if add else C.remove_label

    def act(deck: DeckBackend, uid: str) -> Any:
        _find_board(deck, uid, board_id)
        fn(deck, uid, card_id, label_id)
        return C.card_json(deck, deck.cards[card_id])

    return ocs_ok(ctx, act)


@deck_controller(_OCS)
@php_method("CardOcsController::assignLabel", _BOARD_CARD_LABEL)
async def card_assign_label(ctx: NcContext, request: Request) -> _Result:
    return _label(ctx, add=True)


@deck_controller(_OCS)
@php_method("CardOcsController::removeLabel", _BOARD_CARD_LABEL)
async def card_remove_label(ctx: NcContext, request: Request) -> _Result:
    return _label(ctx, add=False)


def _assignee(ctx: NcContext, *, add: bool) -> _Result:
    a = ctx.args
    board_id, card_id, user_id, kind = a["boardId"], a["cardId"], a["userId"], a["type"]

    def act(deck: DeckBackend, uid: str) -> Any:
        _find_board(deck, uid, board_id)
        if add:
            return C.assign_user(deck, uid, card_id, user_id, kind).to_json(deck.state)
        return C.unassign_user(deck, uid, card_id, user_id).to_json(deck.state)

    return ocs_ok(ctx, act)


@deck_controller(_OCS)
@php_method("CardOcsController::assignUser", _BOARD_CARD_USER)
async def card_assign_user(ctx: NcContext, request: Request) -> _Result:
    return _assignee(ctx, add=True)


@deck_controller(_OCS)
@php_method("CardOcsController::unAssignUser", _BOARD_CARD_USER)
async def card_unassign_user(ctx: NcContext, request: Request) -> _Result:
    return _assignee(ctx, add=False)


@deck_controller(_OCS)
@php_method("CardOcsController::reorder", "int $cardId, int $stackId, int $order, ?int $boardId")
async def card_reorder(ctx: NcContext, request: Request) -> _Result:
    a = ctx.args
    card_id, stack_id, order, board_id = a["cardId"], a["stackId"], a["order"], a["boardId"]

    def act(deck: DeckBackend, uid: str) -> Any:
        _find_board(deck, uid, board_id)
        return [C.card_json(deck, c) for c in C.reorder_card(deck, uid, card_id, stack_id, order)]

    return ocs_ok(ctx, act)


def _dependency(ctx: NcContext, *, add: bool) -> _Result:
    card_id, other, board_id = ctx.args["cardId"], ctx.args["dependentCardId"], ctx.args["boardId"]
    fn = C.assign_dependent_card if add else C.remove_dependent_card

    def act(deck: DeckBackend, uid: str) -> Any:
        _find_board(deck, uid, board_id)
        return C.card_json(deck, fn(deck, uid, card_id, other))

    return ocs_ok(ctx, act)


@deck_controller(_OCS)
@php_method("CardOcsController::assignDependentCard", _DEPENDENT)
async def card_assign_dependent(ctx: NcContext, request: Request) -> _Result:
    return _dependency(ctx, add=True)


@deck_controller(_OCS)
@php_method("CardOcsController::removeDependentCard", _DEPENDENT)
async def card_remove_dependent(ctx: NcContext, request: Request) -> _Result:
    return _dependency(ctx, add=False)


# -- comments (CommentsApiController) -----------------------------------------------------------------


@deck_controller(_OCS)
@php_method("CommentsApiController::list", "int $cardId, int $limit = 20, int $offset = 0")
async def comments_list(ctx: NcContext, request: Request) -> _Result:
    card_id, limit, offset = ctx.args["cardId"], ctx.args["limit"], ctx.args["offset"]
    return ocs_ok(ctx, lambda deck, uid: X.list_comments(deck, uid, card_id, limit, offset))


@deck_controller(_OCS)
@php_method("CommentsApiController::create", "int $cardId, string $message, int $parentId = 0")
async def comment_create(ctx: NcContext, request: Request) -> _Result:
    card_id, message, parent = ctx.args["cardId"], ctx.args["message"], ctx.args["parentId"]
    return ocs_ok(ctx, lambda deck, uid: X.create_comment(deck, uid, card_id, message, parent))


@deck_controller(_OCS)
@php_method("CommentsApiController::update", "int $cardId, int $commentId, string $message")
async def comment_update(ctx: NcContext, request: Request) -> _Result:
    card_id, comment_id, message = ctx.args["cardId"], ctx.args["commentId"], ctx.args["message"]
    return ocs_ok(ctx, lambda deck, uid: X.update_comment(deck, uid, card_id, comment_id, message))


@deck_controller(_OCS)
@php_method("CommentsApiController::delete", "int $cardId, int $commentId")
async def comment_delete(ctx: NcContext, request: Request) -> _Result:
    card_id, comment_id = ctx.args["cardId"], ctx.args["commentId"]

    def act(deck: DeckBackend, uid: str) -> Any:
        X.delete_comment(deck, uid, card_id, comment_id)
        return []

    return ocs_ok(ctx, act)


def _routes() -> list[BaseRoute]:
    a = "/apps/deck/api/v{apiVersion}"
    card = a + "/cards/{cardId}"
    return [
        Route(a + "/boards", boards_index, methods=["GET"]),
        Route(a + "/board/{boardId}", board_read, methods=["GET"]),
        Route(a + "/stacks/{boardId}", stacks_index, methods=["GET"]),
        Route(a + "/boards", board_create, methods=["POST"]),
        Route(a + "/boards/{boardId}/acl", board_add_acl, methods=["POST"]),
        Route(a + "/cards", card_create, methods=["POST"]),
        Route(card, card_update, methods=["PUT"]),
        Route(card + "/label/{labelId}", card_assign_label, methods=["POST"]),
        Route(card + "/assign", card_assign_user, methods=["POST"]),
        Route(card + "/unassign", card_unassign_user, methods=["PUT"]),
        Route(card + "/label/{labelId}", card_remove_label, methods=["DELETE"]),
        Route(card + "/reorder", card_reorder, methods=["PUT"]),
        Route(card + "/dependentCards/{dependentCardId}", card_assign_dependent, methods=["POST"]),
        Route(card + "/dependentCards/{dependentCardId}", card_remove_dependent, methods=["DELETE"]),
        Route(a + "/stacks", stack_create, methods=["POST"]),
        Route(a + "/stacks/{stackId}/{boardId}", stack_delete, methods=["DELETE"]),
        Route(a + "/stacks/{stackId}", stack_delete, methods=["DELETE"]),  # 'defaults' => ['boardId' => null]
        Route(a + "/stacks/{stackId}/reorder", stack_reorder, methods=["PUT"]),
        *OCS_ATTACHMENT_ROUTES,
        Route(card + "/comments", comments_list, methods=["GET"]),
        Route(card + "/comments", comment_create, methods=["POST"]),
        Route(card + "/comments/{commentId}", comment_update, methods=["PUT"]),
        Route(card + "/comments/{commentId}", comment_delete, methods=["DELETE"]),
    ]


#: The Deck OCS routes (mounted in the shared OCS router), in ``appinfo/routes.php`` order.
OCS_ROUTES: list[BaseRoute] = _routes()
