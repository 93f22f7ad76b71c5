"""Control API for Deck (``/__testbed__/seed/deck``, ``/__testbed__/deck/share``).

``POST /seed/deck`` ``{"user": login|uid, "boards": [{"title", "color"?, "archived"?, "stacks"?: [{"title",
"cards"?: [{"title", "description"?, "duedate"?: ISO-8601, "labels"?: [title…], "assign"?: [uid…],
"archived"?: bool}]}]}]}`` -> 201 ``{"boards": [{"id", "title", "labels": {title: id}, "stacks": [{"id",
"title", "cards": [id…]}]}]}``. Boards get Deck's four default labels.

``POST /deck/share`` ``{"board": id, "user"?: uid, "group"?: gid, "edit"?, "share"?, "manage"?}`` -> 201 acl JSON;
with ``"remove": true`` the share of that user or group is taken away instead -> 200 ``{"removed": n}``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.deck import cards as C
from fake_nextcloud.apps.deck.backend import DeckBackend, parse_date
from fake_nextcloud.apps.deck.models import Acl, DeckError
from fake_nextcloud.core.state import FakeState

__all__ = ["build_deck_control_routes"]


def _seed_board(deck: DeckBackend, uid: str, spec: dict[str, Any]) -> dict[str, Any]:
    board = deck.create_board(uid, spec["title"], spec.get("color", "0082c9"))
    labels = {label.title: label.id for label in board.labels}
    stacks_out = []
    for order, stack_spec in enumerate(spec.get("stacks", [])):
        stack = deck.create_stack(uid, board.id, stack_spec["title"], order)
        ids = []
        for i, card_spec in enumerate(stack_spec.get("cards", [])):
            card = C.create_card(
                deck,
                uid,
                stack.id,
                card_spec["title"],
                order=i,
                description=card_spec.get("description", ""),
                duedate=parse_date(card_spec.get("duedate")),
            )
            card.labels = [labels[t] for t in card_spec.get("labels", [])]
            for who in card_spec.get("assign", []):
                C.assign_user(deck, uid, card.id, who)
            card.archived = bool(card_spec.get("archived", False))
            ids.append(card.id)
        stacks_out.append({"id": stack.id, "title": stack.title, "cards": ids})
    board.archived = bool(spec.get("archived", False))
    return {"id": board.id, "title": board.title, "labels": labels, "stacks": stacks_out}


def build_deck_control_routes(state: FakeState) -> list[BaseRoute]:
    """Routes relative to ``/__testbed__``."""

    async def seed_deck(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
            users = state.users_for_name(str(data["user"]))
            if len(users) != 1:
                return JSONResponse({"error": f"unknown user {data['user']!r}"}, status_code=404)
            deck = DeckBackend.of(state)
            out = [_seed_board(deck, users[0].uid, spec) for spec in data.get("boards", [])]
        except DeckError as exc:
            return JSONResponse({"error": exc.message}, status_code=400)
        except (KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)
        return JSONResponse({"boards": out}, status_code=201)

    async def share_board(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
            deck = DeckBackend.of(state)
            board = deck.boards[int(data["board"])]
            kind, who = (1, str(data["group"])) if "group" in data else (0, str(data["user"]))
            if data.get("remove"):  # BoardService::deleteAcl (the board's owner takes a share away)
                kept = [a for a in board.acl if not (a.type == kind and a.participant == who)]
                removed, board.acl = len(board.acl) - len(kept), kept
                deck.touch(board)
                return JSONResponse({"removed": removed}, status_code=200)
            acl = Acl(
                deck.next_id("acl"),
                board.id,
                who,
                kind,
                bool(data.get("edit", False)),
                bool(data.get("share", False)),
                bool(data.get("manage", False)),
                state.time(),
            )
            board.acl = [a for a in board.acl if not (a.type == kind and a.participant == who)] + [acl]
            deck.touch(board)
        except (KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)
        return JSONResponse(acl.to_json(state), status_code=201)

    return [Route("/seed/deck", seed_deck, methods=["POST"]), Route("/deck/share", share_board, methods=["POST"])]
