"""Deck tools for boards, stacks and labels (`nc_deck_*`); cards, comments and attachments are in deck_cards.py.

List tools return compact entries: card descriptions are cut to 100 characters unless `full=true`.
Which calls reach Deck over OCS (working with OAuth Bearer tokens on an unpatched Nextcloud) and which need
REST is documented in docs/deck.md and in `nextcloud/deck.py`.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import AfterValidator, BaseModel, Field

from nextcloud_mcp.apps.deck.client import deck_client
from nextcloud_mcp.core.errors import BadRequest
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = [
    "TOOLS",
    "BoardId",
    "CardOut",
    "Done",
    "Id",
    "Ref",
    "Title",
    "card_out",
    "cut",
]

Id = int  # Deck answers 403 "Permission denied" for unknown ids; no schema constraint needed
BoardId = Id


def _title(value: str) -> str:
    # Deck validates titles with PHP empty(), which is true for "0" (nextcloud/deck lib/Validators/
    # BaseValidator.php `not_empty`) and answers 400: refuse it here instead of sending a doomed request.
    if value == "0" or not value.strip():
        raise ValueError("Deck refuses this title (empty, blank or '0'); choose another one")
    return value


Title = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_title)]
Color = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{6}$")]
CUT = 100


def cut(text: str | None, full: bool) -> str:
    text = text or ""
    return text if full or len(text) <= CUT else text[:CUT] + "…"


class Done(BaseModel):
    id: int
    ok: bool


class LabelOut(BaseModel):
    id: int
    title: str
    color: str


class CardBrief(BaseModel):
    # "" / [] stand for absent: non-null fields keep tools/list small
    id: int
    title: str
    description: str
    due: str
    done: str
    labels: list[str]
    assignees: list[str]


class CardOut(CardBrief):
    stack_id: int
    archived: bool
    etag: str


class Ref(BaseModel):
    id: int
    title: str


class StackInfo(BaseModel):
    id: int
    title: str
    order: int


class StackOut(BaseModel):
    id: int
    title: str
    cards: list[CardBrief]


class BoardOut(BaseModel):
    id: int
    title: str
    color: str
    archived: bool
    owner: str
    shared: bool
    perms: list[str]


class BoardDetail(BoardOut):
    labels: list[LabelOut]
    members: list[str]
    stacks: list[StackInfo]


def _brief(card: dict[str, Any], full: bool) -> CardBrief:
    return CardBrief(
        id=card["id"],
        title=card.get("title", ""),
        description=cut(card.get("description"), full),
        due=card.get("duedate") or "",
        done=card.get("done") or "",
        labels=[lb.get("title", "") for lb in card.get("labels") or []],
        assignees=[a.get("participant", {}).get("uid", "") for a in card.get("assignedUsers") or []],
    )


def card_out(card: dict[str, Any], full: bool = False) -> CardOut:
    brief = _brief(card, full).model_dump()
    return CardOut(
        **brief, stack_id=card.get("stackId", 0), archived=bool(card.get("archived")), etag=str(card.get("ETag", ""))
    )


def _uid(user: Any) -> str:
    return str(user.get("uid", "")) if isinstance(user, dict) else str(user or "")


def _board(b: dict[str, Any]) -> BoardOut:
    perms = b.get("permissions") or {}
    return BoardOut(
        id=b["id"],
        title=b.get("title", ""),
        color=b.get("color", ""),
        archived=bool(b.get("archived")),
        owner=_uid(b.get("owner")),
        shared=bool(b.get("shared")),
        perms=[k.removeprefix("PERMISSION_").lower() for k, v in perms.items() if v],
    )


def _stack(s: dict[str, Any], full: bool) -> StackOut:
    cards = [_brief(c, full) for c in s.get("cards") or []]
    return StackOut(id=s["id"], title=s.get("title", ""), cards=cards)


@tool(
    "nc_deck_boards_list",
    "List Deck boards",
    "List my Deck boards (shared ones too).",
    app="deck",
    read_only=True,
    idempotent=True,
)
async def boards_list(ctx: Context) -> list[BoardOut]:
    return [_board(b) for b in await deck_client(session(ctx)).boards() if not b.get("deletedAt")]


@tool(
    "nc_deck_board_get",
    "Get a Deck board",
    "A board with its labels, members and stacks.",
    app="deck",
    read_only=True,
    idempotent=True,
)
async def board_get(ctx: Context, board_id: BoardId) -> BoardDetail:
    b = await deck_client(session(ctx)).board(board_id)  # full details: stacks (without cards), labels, users
    stacks = sorted(b.get("stacks") or [], key=lambda s: (s.get("order") or 0, s["id"]))
    return BoardDetail(
        **_board(b).model_dump(),
        labels=[LabelOut(id=lb["id"], title=lb["title"], color=lb["color"]) for lb in b.get("labels") or []],
        members=[_uid(u) for u in b.get("users") or []],
        stacks=[StackInfo(id=s["id"], title=s.get("title", ""), order=s.get("order") or 0) for s in stacks],
    )


@tool(
    "nc_deck_stacks_list",
    "List stacks and cards",
    "Stacks of a board with their cards (archived=true: archived cards).",
    app="deck",
    read_only=True,
    idempotent=True,
)
async def stacks_list(ctx: Context, board_id: BoardId, archived: bool = False, full: bool = False) -> list[StackOut]:
    """`full` keeps whole card descriptions (else cut to 100 characters)."""
    return [_stack(s, full) for s in await deck_client(session(ctx)).stacks(board_id, archived=archived)]


@tool(
    "nc_deck_board_save",
    "Create or update a board",
    "Create a board, or update title/color/archived.",
    app="deck",
    read_only=False,
)
async def board_save(
    ctx: Context,
    board_id: Id | None = None,
    title: Annotated[str | None, Field(min_length=1, max_length=100)] = None,
    color: Color | None = None,
    archived: bool | None = None,
) -> BoardOut:
    deck = deck_client(session(ctx))
    if board_id is None:
        if title is None:
            raise BadRequest("title is required to create a board.")
        return _board(await deck.create_board(title, color or "0082c9"))
    current = await deck.board(board_id)
    new_archived = current.get("archived", False) if archived is None else archived
    updated = await deck.update_board(
        board_id, title or current["title"], color or current["color"], bool(new_archived)
    )
    return _board(updated)


@tool(
    "nc_deck_board_delete",
    "Delete a board",
    "Delete a board (Deck keeps it restorable; undo=true restores).",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def board_delete(ctx: Context, board_id: BoardId, undo: bool = False) -> Done:
    await deck_client(session(ctx)).delete_board(board_id, undo=undo)
    return Done(id=board_id, ok=True)


@tool(
    "nc_deck_board_clone",
    "Clone a board",
    "Copy a board with its stacks and labels, optionally its cards.",
    app="deck",
    read_only=False,
)
async def board_clone(ctx: Context, board_id: BoardId, cards: bool = False) -> Ref:
    options = {"withCards": cards, "withLabels": cards, "withAssignments": cards, "withDueDate": cards}
    made = await deck_client(session(ctx)).clone_board(board_id, options)
    return Ref(id=made["id"], title=made["title"])


@tool(
    "nc_deck_stack_save",
    "Create or change a stack",
    "Create a stack, or rename/move it (order).",
    app="deck",
    read_only=False,
)
async def stack_save(
    ctx: Context,
    board_id: BoardId,
    stack_id: Id | None = None,
    title: Annotated[str | None, Field(min_length=1, max_length=100)] = None,
    order: Annotated[int | None, Field(ge=0)] = None,
) -> StackInfo:
    deck = deck_client(session(ctx))
    if stack_id is None:
        if title is None:
            raise BadRequest("title is required to create a stack.")
        made = await deck.create_stack(board_id, title, order if order is not None else 999)
        return StackInfo(id=made["id"], title=made["title"], order=made["order"])
    if order is not None:
        await deck.reorder_stack(board_id, stack_id, order)
    stacks = await deck.stacks(board_id)
    current = next((s for s in stacks if s["id"] == stack_id), None)
    if current is None:
        raise BadRequest(f"Stack {stack_id} is not on board {board_id}.")
    if title is not None and title != current["title"]:
        current = {**current, **await deck.rename_stack(board_id, stack_id, title, current["order"])}
    return StackInfo(id=current["id"], title=current["title"], order=current["order"])


@tool(
    "nc_deck_stack_delete",
    "Delete a stack",
    "Delete a stack and the cards in it.",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def stack_delete(ctx: Context, board_id: BoardId, stack_id: Id) -> Done:
    await deck_client(session(ctx)).delete_stack(board_id, stack_id)
    return Done(id=stack_id, ok=True)


@tool(
    "nc_deck_label_save",
    "Create or update a label",
    "Create a board label, or change its title/color.",
    app="deck",
    read_only=False,
)
async def label_save(
    ctx: Context,
    board_id: BoardId,
    label_id: Id | None = None,
    title: Annotated[str | None, Field(min_length=1, max_length=100)] = None,
    color: Color | None = None,
) -> LabelOut:
    deck = deck_client(session(ctx))
    if label_id is None:
        if title is None:
            raise BadRequest("title is required to create a label.")
        made = await deck.save_label(board_id, None, title, color or "31CC7C")
    else:
        labels = (await deck.board(board_id)).get("labels") or []
        current = next((lb for lb in labels if lb["id"] == label_id), None)
        if current is None:
            raise BadRequest(f"Label {label_id} is not on board {board_id}.")
        made = await deck.save_label(board_id, label_id, title or current["title"], color or current["color"])
    return LabelOut(id=made["id"], title=made["title"], color=made["color"])


@tool(
    "nc_deck_label_delete",
    "Delete a label",
    "Delete a board label (cards lose it).",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def label_delete(ctx: Context, board_id: BoardId, label_id: Id) -> Done:
    await deck_client(session(ctx)).delete_label(board_id, label_id)
    return Done(id=label_id, ok=True)


TOOLS: list[ToolSpec] = [
    boards_list,
    board_get,
    stacks_list,
    board_save,
    board_delete,
    board_clone,
    stack_save,
    stack_delete,
    label_save,
    label_delete,
]
