"""Deck tools for boards, stacks and labels (`nc_deck_*`); cards, adding and removing attachments are in
card_tools.py, reading an attachment in attachment_tools.py, comments in comment_tools.py.

Which calls reach Deck over OCS (working with OAuth Bearer tokens on an unpatched Nextcloud) and which need
REST is documented in docs/deck.md and in client.py. Updates compare the item's `ETag` read just before the
write with the caller's `etag` (Deck has no If-Match), see params.check_version.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.deck.client import DeckClient, deck_client
from nextcloud_mcp.apps.deck.models import Board, BoardSummary, Done, Label, Stack, board, board_summary, label, stack
from nextcloud_mcp.apps.deck.params import BoardId, Color, LabelId, StackId, Title, check_version
from nextcloud_mcp.core.confirm import Confirm, Confirmation, Deletion, Loss, confirmed, count
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, page, require_etag
from nextcloud_mcp.core.errors import InvalidInput, NextcloudError, NotFound
from nextcloud_mcp.core.partial import after_write, unanswered
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]

Order = Annotated[int, Field(ge=0, description="Position from the left, 0 first.")]


@tool(
    "nc_deck_list_boards",
    "List Deck boards",
    "List my Deck boards (shared ones too; deleted ones hidden).",
    app="deck",
    read_only=True,
    idempotent=True,
)
async def list_boards(ctx: Context, limit: Limit = 50, cursor: Cursor = None) -> Page[BoardSummary]:
    boards = [board_summary(b) for b in await deck_client(session(ctx)).boards() if not b.get("deletedAt")]
    return page(boards, limit, cursor)


@tool(
    "nc_deck_get_board",
    "Get a Deck board",
    "A board with its labels, members and stacks.",
    app="deck",
    read_only=True,
    idempotent=True,
)
async def get_board(ctx: Context, board_id: BoardId) -> Board:
    return board(await deck_client(session(ctx)).board(board_id))


@tool("nc_deck_create_board", "Create a board", "Create a board (Deck adds four labels).", app="deck", read_only=False)
async def create_board(ctx: Context, title: Title, color: Color = "0082c9") -> Board:
    deck = deck_client(session(ctx))
    made = await deck.create_board(title, color)
    return await _read_board(deck, made["id"], f"Board {made['id']} {title!r} was created")


@tool(
    "nc_deck_update_board",
    "Update a board",
    "Change a board's title, color or archived state (etag from nc_deck_get_board).",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def update_board(
    ctx: Context,
    board_id: BoardId,
    title: Title | None = None,
    color: Color | None = None,
    archived: Annotated[bool | None, Field(description="true archives, false restores.")] = None,
    etag: Etag = None,
    force: Force = False,
) -> Board:
    require_etag(etag, force, what="board", get_tool="nc_deck_get_board")
    deck = deck_client(session(ctx))
    current = await deck.board(board_id)
    check_version(current.get("ETag"), etag, force, what=f"board {board_id}", get_tool="nc_deck_get_board")
    new_archived = bool(current.get("archived")) if archived is None else archived
    await deck.update_board(board_id, title or current["title"], color or current["color"], new_archived)
    return await _read_board(deck, board_id, f"Board {board_id} was updated")


async def _read_board(deck: DeckClient, board_id: int, done: str) -> Board:
    """The board just written, read back; if only that read fails, the error says the write is done."""
    try:
        return board(await deck.board(board_id))
    except NextcloudError as exc:
        raise after_write(
            exc,
            f"{done}, but reading it back failed:",
            f"It is saved; do not repeat the call. Read it with nc_deck_get_board (board_id={board_id}).",
        ) from None


async def _board_loss(ctx: Context, board_id: int) -> Loss:
    deck = deck_client(session(ctx))
    found, stacks = await deck.board(board_id), await deck.stacks(board_id)
    cards = sum(len(s.get("cards") or []) for s in stacks)
    return Loss(
        f"the board {found.get('title')!r} (id {board_id})",
        (count(len(stacks), "stack"), count(cards, "card")),
        tuple(s["title"] for s in sorted(stacks, key=lambda s: (s.get("order") or 0, s["id"]))),
        undo="nc_deck_restore_board can restore it until Deck purges deleted boards.",
    )


_CONFIRM_BOARD = confirmed("nc_deck_delete_board", _board_loss)


@tool(
    "nc_deck_delete_board",
    "Delete a board",
    "Delete a board (restorable with nc_deck_restore_board).",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def delete_board(
    ctx: Context, board_id: BoardId, confirmation: Annotated[Confirmation, _CONFIRM_BOARD], confirm: Confirm = False
) -> Deletion:
    done = confirmation.require(confirm)
    await deck_client(session(ctx)).delete_board(board_id)
    return done


@tool(
    "nc_deck_restore_board",
    "Restore a board",
    "Restore a deleted board.",
    app="deck",
    read_only=False,
    idempotent=True,
)
async def restore_board(ctx: Context, board_id: BoardId) -> Done:
    await deck_client(session(ctx)).restore_board(board_id)
    return Done(id=board_id, ok=True)


@tool(
    "nc_deck_clone_board",
    "Clone a board",
    "Copy a board with its stacks and labels, optionally its cards.",
    app="deck",
    read_only=False,
)
async def clone_board(
    ctx: Context,
    board_id: BoardId,
    cards: Annotated[bool, Field(description="true: copy cards with labels, assignees, due dates.")] = False,
) -> BoardSummary:
    options = {"withCards": cards, "withLabels": cards, "withAssignments": cards, "withDueDate": cards}
    try:
        return board_summary(await deck_client(session(ctx)).clone_board(board_id, options))
    except NextcloudError as exc:
        if unanswered(exc):  # a blind retry could leave two copies
            exc.message += (
                " Look for a board named like the original with ' (copy)' with nc_deck_list_boards before cloning "
                "again."
            )
        raise


async def _stack(deck: DeckClient, board_id: int, stack_id: int) -> dict[str, Any]:
    found: dict[str, Any] | None = next(
        (s for s in (await deck.board(board_id)).get("stacks") or [] if s["id"] == stack_id), None
    )
    if found is None:
        raise InvalidInput(f"Stack {stack_id} is not on board {board_id}; see its stacks with nc_deck_get_board.")
    return found


@tool("nc_deck_create_stack", "Create a stack", "Create a stack (column) on a board.", app="deck", read_only=False)
async def create_stack(ctx: Context, board_id: BoardId, title: Title, order: Order = 999) -> Stack:
    deck = deck_client(session(ctx))
    made = await deck.create_stack(board_id, title, order)
    try:
        return stack(await _stack(deck, board_id, made["id"]))
    except NextcloudError as exc:
        raise after_write(
            exc,
            f"Stack {made['id']} {title!r} was created on board {board_id}, but reading it back failed:",
            f"Do not create it again; see it with nc_deck_get_board (board_id={board_id}).",
        ) from None


@tool(
    "nc_deck_update_stack",
    "Update a stack",
    "Rename a stack or move it (order); etag from nc_deck_get_board.",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def update_stack(
    ctx: Context,
    board_id: BoardId,
    stack_id: StackId,
    title: Title | None = None,
    order: Order | None = None,
    etag: Etag = None,
    force: Force = False,
) -> Stack:
    require_etag(etag, force, what="stack", get_tool="nc_deck_get_board")
    deck = deck_client(session(ctx))
    current = await _stack(deck, board_id, stack_id)
    check_version(current.get("ETag"), etag, force, what=f"stack {stack_id}", get_tool="nc_deck_get_board")
    renamed = title is not None and title != current["title"]
    if renamed:
        await deck.rename_stack(board_id, stack_id, title or "", current.get("order") or 0)
    if order is not None:
        try:
            await deck.reorder_stack(board_id, stack_id, order)
        except NextcloudError as exc:
            if not renamed:
                raise
            raise after_write(
                exc,
                f"Stack {stack_id} was renamed to {title!r}, but moving it to position {order} failed:",
                f"Only the move is left: call nc_deck_update_stack (board_id={board_id}, stack_id={stack_id}, "
                f"order={order}) with the stack's new etag from nc_deck_get_board; do not send the title again.",
            ) from None
    try:
        return stack(await _stack(deck, board_id, stack_id))
    except NextcloudError as exc:
        raise after_write(
            exc,
            f"Stack {stack_id} was updated, but reading it back failed:",
            f"The change is saved; do not repeat it. See the stack with nc_deck_get_board (board_id={board_id}).",
        ) from None


async def _stack_loss(ctx: Context, board_id: int, stack_id: int) -> Loss:
    stacks = await deck_client(session(ctx)).stacks(board_id)
    found = next((s for s in stacks if s["id"] == stack_id), None)
    if found is None:
        raise NotFound(f"Board {board_id} has no stack {stack_id}; see its stacks with nc_deck_get_board.")
    cards = found.get("cards") or []
    return Loss(
        f"the stack {found.get('title')!r} (id {stack_id}) of board {board_id}",
        (count(len(cards), "card"),),
        tuple(c["title"] for c in cards),
    )


_CONFIRM_STACK = confirmed("nc_deck_delete_stack", _stack_loss)


@tool(
    "nc_deck_delete_stack",
    "Delete a stack",
    "Delete a stack and the cards in it.",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def delete_stack(
    ctx: Context,
    board_id: BoardId,
    stack_id: StackId,
    confirmation: Annotated[Confirmation, _CONFIRM_STACK],
    confirm: Confirm = False,
) -> Deletion:
    done = confirmation.require(confirm)
    await deck_client(session(ctx)).delete_stack(board_id, stack_id)
    return done


@tool("nc_deck_create_label", "Create a label", "Create a board label.", app="deck", read_only=False)
async def create_label(ctx: Context, board_id: BoardId, title: Title, color: Color = "31CC7C") -> Label:
    return label(await deck_client(session(ctx)).create_label(board_id, title, color))


@tool(
    "nc_deck_update_label",
    "Update a label",
    "Change a label's title or color (etag from nc_deck_get_board).",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def update_label(
    ctx: Context,
    board_id: BoardId,
    label_id: LabelId,
    title: Title | None = None,
    color: Color | None = None,
    etag: Etag = None,
    force: Force = False,
) -> Label:
    require_etag(etag, force, what="label", get_tool="nc_deck_get_board")
    deck = deck_client(session(ctx))
    labels = (await deck.board(board_id)).get("labels") or []
    current = next((lb for lb in labels if lb["id"] == label_id), None)
    if current is None:
        valid = ", ".join(f"{lb['title']} ({lb['id']})" for lb in labels) or "none"
        raise InvalidInput(f"Label {label_id} is not on board {board_id}; its labels (title (id)): {valid}.")
    check_version(current.get("ETag"), etag, force, what=f"label {label_id}", get_tool="nc_deck_get_board")
    return label(await deck.update_label(board_id, label_id, title or current["title"], color or current["color"]))


@tool(
    "nc_deck_delete_label",
    "Delete a label",
    "Delete a board label (cards lose it).",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def delete_label(ctx: Context, board_id: BoardId, label_id: LabelId) -> Done:
    await deck_client(session(ctx)).delete_label(board_id, label_id)
    return Done(id=label_id, ok=True)


TOOLS: list[ToolSpec] = [
    list_boards,
    get_board,
    create_board,
    update_board,
    delete_board,
    restore_board,
    clone_board,
    create_stack,
    update_stack,
    delete_stack,
    create_label,
    update_label,
    delete_label,
]
