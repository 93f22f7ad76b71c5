"""Cards of the Deck REST API (``card_api#*``): nextcloud/deck v1.18.3 ``lib/Controller/CardApiController.php``.

Each handler declares the PHP method it reproduces (``core.signature.php_method``); what the method reads with
``$this->request->getParam(…)`` is not an argument: ``cardId`` and ``stackId`` are URL parameters, handed on to
the typed ``CardService`` methods in PHP's coercive mode (``url_int``, ``coerce.php_call``). ``CardApiController``
has no ``strict_types``; a URL parameter overrides a body field of the same name (``Request::setUrlParameters``),
so ``reorder``'s ``int $stackId`` is the stack of the path, never the body's.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.deck import cards as C
from fake_nextcloud.apps.deck.backend import DeckBackend, parse_date
from fake_nextcloud.apps.deck.coerce import php_call
from fake_nextcloud.apps.deck.common import deck_controller, rest_ok, url_int
from fake_nextcloud.core.appframework import Annotations
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.php import php_int
from fake_nextcloud.core.signature import php_method

__all__ = [
    "card_archive",
    "card_assign_dependent",
    "card_assign_label",
    "card_assign_user",
    "card_create",
    "card_delete",
    "card_get",
    "card_remove_dependent",
    "card_remove_label",
    "card_reorder",
    "card_unarchive",
    "card_unassign_user",
    "card_update",
]

_API = Annotations(cors=True, no_csrf=True)
_Body = dict[str, Any] | list[Any]
#: nextcloud/deck v1.18.3 lib/Service/CardService.php::create and ::update.
_SERVICE_CREATE = (
    "string $title, int $stackId, string $type, int $order, string $owner, string $description = '',"
    " $duedate = null, $startdate = null, ?string $color = null"
)
_SERVICE_UPDATE = (
    "int $id, string $title, int $stackId, string $type, string $owner, string $description = '', int $order = 0,"
    " ?string $duedate = null, ?int $deletedAt = null, ?bool $archived = null, ?OptionalNullableValue $done = null,"
    " ?string $startdate = null, ?string $color = null"
)


def _foreach(value: Any) -> list[Any]:
    """``foreach ($value as …)``: the values of an array; anything else is skipped with a warning."""
    if isinstance(value, dict):
        return list(value.values())
    return value if isinstance(value, list) else []


@deck_controller(_API)
@php_method("CardApiController::get")
async def card_get(ctx: NcContext, request: Request) -> Response:
    card_id = url_int(request, "cardId", "CardService::find")  # find($this->request->getParam('cardId'))

    def act(deck: DeckBackend, uid: str) -> tuple[_Body, str]:
        data = C.card_json(deck, C.find_card(deck, uid, card_id)[0])
        return data, data["ETag"]

    return rest_ok(ctx, act, etag=True)


@deck_controller(_API)
@php_method(
    "CardApiController::create",
    "$title, $type = 'plain', $order = 999, $description = '', $duedate = null, $startdate = null, $labels = [],"
    " $users = [], ?string $color = null",
)
async def card_create(ctx: NcContext, request: Request) -> Response:
    """``POST …/cards``: the untyped arguments reach ``CardService::create`` as sent (no ``title``: a
    ``TypeError``); ``owner`` is returned unresolved (``docs/API.md``). Then each of ``labels`` is assigned
    (``CardService::assignLabel``) and each of ``users`` (``AssignmentService::assignUser($id, $user['id'],
    $user['type'])``) - after the card exists, and not shown in the answer, which is the created card."""
    a = ctx.args
    v = php_call(
        "CardService::create",
        _SERVICE_CREATE,
        title=a["title"],
        stackId=request.path_params["stackId"],  # $this->request->getParam('stackId')
        type=a["type"],
        order=a["order"],
        description=a["description"],
    )

    def act(deck: DeckBackend, uid: str) -> _Body:
        due = parse_date(a["duedate"])
        card = C.create_card(
            deck,
            uid,
            v["stackId"],
            v["title"],
            order=v["order"],
            description=v["description"],
            duedate=due,
            type_=v["type"],
        )
        data = C.card_json(deck, card, resolve_owner=False)
        for label_id in _foreach(a["labels"]):
            arg = php_call("CardService::assignLabel", "int $cardId, int $labelId", labelId=label_id)
            C.assign_label(deck, uid, card.id, arg["labelId"])
        for user in _foreach(a["users"]):
            entry = user if isinstance(user, dict) else {}  # $user['id'] of a non-array: null (a warning)
            w = php_call(
                "AssignmentService::assignUser",
                "int $cardId, string $userId, int $type = 0",
                userId=entry.get("id"),
                type=entry.get("type"),
            )
            C.assign_user(deck, uid, card.id, w["userId"], w["type"])
        return data

    return rest_ok(ctx, act)


@deck_controller(_API)
@php_method(
    "CardApiController::update",
    "string $title, $type, string $owner, string $description = '', int $order = 0, $duedate = null,"
    " $startdate = null, $archived = null, ?string $color = null",
)
async def card_update(ctx: NcContext, request: Request) -> Response:
    """``PUT …/cards/{cardId}``: the full card (``title``, ``type``, ``owner`` required); the card and the
    stack come from the path (``getParam('cardId')``, ``getParam('stackId')``). Deck 1.19 reads ``color`` with
    ``getParams()`` instead of declaring it; no other difference."""
    a = ctx.args
    v = php_call(
        "CardService::update",
        _SERVICE_UPDATE,
        id=request.path_params["cardId"],
        stackId=request.path_params["stackId"],
        type=a["type"],
        duedate=a["duedate"],
        archived=a["archived"],
    )
    # array_key_exists('done', $this->request->getParams()) ? new OptionalNullableValue($this->request->getParam(
    # 'done', null)) : null - either way CardService::update sets done to that value or null
    done = ctx.param("done")

    def act(deck: DeckBackend, uid: str) -> _Body:
        fields = {
            "title": a["title"],
            "type": v["type"],
            "owner": a["owner"],
            "description": a["description"],
            "order": a["order"],
            "duedate": parse_date(v["duedate"]),
            "archived": v["archived"],
            "done": parse_date(done),
            "stackId": v["stackId"],
            "deletedAt": 0,
        }
        return C.card_json(deck, C.update_card(deck, uid, v["id"], fields))

    return rest_ok(ctx, act)


@deck_controller(_API)
@php_method("CardApiController::delete")
async def card_delete(ctx: NcContext, request: Request) -> Response:
    card_id = url_int(request, "cardId", "CardService::delete")  # delete($this->request->getParam('cardId'))
    return rest_ok(ctx, lambda deck, uid: C.card_json(deck, C.delete_card(deck, uid, card_id)))


def _label(ctx: NcContext, request: Request, *, add: bool) -> Response:
    card_id = url_int(request, "cardId", "CardService::assignLabel")  # $this->request->getParam('cardId')
    label_id: int = ctx.args["labelId"]
    fn = C.assign_label if add else C.remove_label

    def act(deck: DeckBackend, uid: str) -> _Body:
        fn(deck, uid, card_id, label_id)
        return C.card_json(deck, deck.cards[card_id])

    return rest_ok(ctx, act)


@deck_controller(_API)
@php_method("CardApiController::assignLabel", "int $labelId")
async def card_assign_label(ctx: NcContext, request: Request) -> Response:
    return _label(ctx, request, add=True)


@deck_controller(_API)
@php_method("CardApiController::removeLabel", "int $labelId")
async def card_remove_label(ctx: NcContext, request: Request) -> Response:
    return _label(ctx, request, add=False)


@deck_controller(_API)
@php_method("CardApiController::assignUser", "int $cardId, string $userId, int $type = 0")
async def card_assign_user(ctx: NcContext, request: Request) -> Response:
    card_id, user_id, kind = ctx.args["cardId"], ctx.args["userId"], ctx.args["type"]
    return rest_ok(ctx, lambda deck, uid: C.assign_user(deck, uid, card_id, user_id, kind).to_json(deck.state))


@deck_controller(_API)
@php_method("CardApiController::unassignUser", "int $cardId, string $userId, int $type = 0")
async def card_unassign_user(ctx: NcContext, request: Request) -> Response:
    card_id, user_id = ctx.args["cardId"], ctx.args["userId"]
    return rest_ok(ctx, lambda deck, uid: C.unassign_user(deck, uid, card_id, user_id).to_json(deck.state))


@deck_controller(_API)
@php_method("CardApiController::assignDependentCard", "int $cardId, int $dependentCardId")
async def card_assign_dependent(ctx: NcContext, request: Request) -> Response:
    """``POST …/cards/{cardId}/dependentCards/{dependentCardId}``: the enriched card."""
    card_id, other = ctx.args["cardId"], ctx.args["dependentCardId"]
    return rest_ok(ctx, lambda deck, uid: C.card_json(deck, C.assign_dependent_card(deck, uid, card_id, other)))


@deck_controller(_API)
@php_method("CardApiController::removeDependentCard", "int $cardId, int $dependentCardId")
async def card_remove_dependent(ctx: NcContext, request: Request) -> Response:
    card_id, other = ctx.args["cardId"], ctx.args["dependentCardId"]
    return rest_ok(ctx, lambda deck, uid: C.card_json(deck, C.remove_dependent_card(deck, uid, card_id, other)))


@deck_controller(_API)
@php_method("CardApiController::archive", "int $cardId")
async def card_archive(ctx: NcContext, request: Request) -> Response:
    card_id: int = ctx.args["cardId"]
    return rest_ok(ctx, lambda deck, uid: C.card_json(deck, C.set_archived(deck, uid, card_id, True)))


@deck_controller(_API)
@php_method("CardApiController::unarchive", "int $cardId")
async def card_unarchive(ctx: NcContext, request: Request) -> Response:
    card_id: int = ctx.args["cardId"]
    return rest_ok(ctx, lambda deck, uid: C.card_json(deck, C.set_archived(deck, uid, card_id, False)))


@deck_controller(_API)
@php_method("CardApiController::reorder", "int $stackId, int $order")
async def card_reorder(ctx: NcContext, request: Request) -> Response:
    """``reorder((int)$this->request->getParam('cardId'), $stackId, $order)``: ``stackId`` is the path's."""
    card_id, stack_id, order = php_int(request.path_params["cardId"]), ctx.args["stackId"], ctx.args["order"]
    return rest_ok(
        ctx, lambda deck, uid: [C.card_json(deck, c) for c in C.reorder_card(deck, uid, card_id, stack_id, order)]
    )
