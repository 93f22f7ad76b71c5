"""Deck tools for cards, their labels and assignees, and attachments (`nc_deck_*_card`, `nc_deck_list_cards`,
`nc_deck_*_attachment`)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.deck.client import DeckClient, deck_client
from nextcloud_mcp.apps.deck.models import Attachment, Card, CardSummary, Done, attachment, card, card_summary
from nextcloud_mcp.apps.deck.params import (
    AttachmentId,
    BoardId,
    CardId,
    CardTitle,
    Due,
    Full,
    LabelRefs,
    StackId,
    Users,
    check_version,
    parse_due,
)
from nextcloud_mcp.apps.deck.plan import Plan
from nextcloud_mcp.apps.files.client import files_client
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, page, require_etag
from nextcloud_mcp.core.errors import InvalidInput, NextcloudError
from nextcloud_mcp.core.partial import after_write, unanswered
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS", "read_card"]

Description = Annotated[str, Field(description="Markdown text.")]
MAX_ATTACHMENT = 50 * 1024 * 1024
LAST = 999  # an order past the end of any stack: CardService::reorder puts the card last


async def read_card(deck: DeckClient, board_id: int, card_id: int) -> Card:
    """A card as nc_deck_get_card returns it (with its attachments)."""
    found = await deck.card(board_id, card_id)
    return card(found, await deck.attachments(card_id))


@tool(
    "nc_deck_list_cards",
    "List cards",
    "Cards of a board in stack order, optionally of one stack or archived.",
    app="deck",
    read_only=True,
    idempotent=True,
)
async def list_cards(
    ctx: Context,
    board_id: BoardId,
    stack_id: StackId | None = None,
    archived: Annotated[bool, Field(description="true: archived cards instead.")] = False,
    full: Full = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CardSummary]:
    stacks = await deck_client(session(ctx)).stacks(board_id, archived=archived)
    stacks = sorted(stacks, key=lambda s: (s.get("order") or 0, s["id"]))
    if stack_id is not None and all(s["id"] != stack_id for s in stacks):
        valid = ", ".join(f"{s.get('title', '')} ({s['id']})" for s in stacks) or "none"
        raise InvalidInput(f"Stack {stack_id} is not on board {board_id}; its stacks (title (id)): {valid}.")
    cards = [card_summary(c, full) for s in stacks if stack_id in (None, s["id"]) for c in s.get("cards") or []]
    return page(cards, limit, cursor)


@tool(
    "nc_deck_create_card",
    "Create a card",
    "Create a card in a stack, with labels and assignees.",
    app="deck",
    read_only=False,
)
async def create_card(
    ctx: Context,
    board_id: BoardId,
    stack_id: StackId,
    title: CardTitle,
    description: Description = "",
    due: Due = "",
    labels: LabelRefs | None = None,
    assignees: Users | None = None,
) -> Card:
    deck = deck_client(session(ctx))
    duedate = parse_due(due)
    plan = None
    if labels or assignees:  # labels and members resolved before the card exists: a typo creates nothing
        plan = Plan(await deck.board(board_id), (labels or [], []), (assignees or [], []))
    try:
        made = await deck.create_card(board_id, stack_id, title, description, duedate)
    except NextcloudError as exc:
        if unanswered(exc):  # Deck has no unique card titles: a blind retry could leave two
            exc.message += (
                f" Look for {title!r} with nc_deck_list_cards (board_id={board_id}, stack_id={stack_id}) before "
                "creating it again."
            )
        raise
    if plan is not None:
        try:
            await plan.apply(deck, made)
        except NextcloudError as exc:
            raise await _undo_create(deck, board_id, made, plan, exc) from None
    try:
        return await read_card(deck, board_id, made["id"])
    except NextcloudError as exc:
        raise after_write(
            exc,
            f"Card {made['id']} {title!r} was created in stack {stack_id}"
            f"{' with its labels and assignees' if plan else ''}, but reading it back failed:",
            f"Do not create it again; read it with nc_deck_get_card (board_id={board_id}, card_id={made['id']}).",
        ) from None


async def _undo_create(
    deck: DeckClient, board_id: int, made: dict[str, Any], plan: Plan, exc: NextcloudError
) -> NextcloudError:
    """A label or assignee of a new card failed: delete the card again, so that calling nc_deck_create_card again
    does not leave two; if even that fails, say which card exists and what finishes it."""
    card_id = made["id"]
    what = f"Card {card_id} {made.get('title', '')!r} was created in stack {made.get('stackId')}, then {plan.failed}"
    what += " failed:"
    try:
        await deck.delete_card(board_id, made["stackId"], card_id)
    except NextcloudError:
        return after_write(
            exc,
            what,
            f"{plan.progress()} Removing the card again failed too, so it exists: do not create it again. Finish "
            f"it with nc_deck_assign_card (board_id={board_id}, card_id={card_id}, {plan.remaining()}), which "
            "skips what is already there, or delete it with nc_deck_delete_card.",
        )
    return after_write(
        exc,
        what,
        "The card was deleted again, so nothing was kept; nc_deck_create_card can be called again once the cause "
        "is fixed (it will not leave a duplicate).",
    )


@tool(
    "nc_deck_get_card",
    "Get a card",
    "A card with its whole description and attachments.",
    app="deck",
    read_only=True,
    idempotent=True,
)
async def get_card(ctx: Context, board_id: BoardId, card_id: CardId) -> Card:
    return await read_card(deck_client(session(ctx)), board_id, card_id)


@tool(
    "nc_deck_update_card",
    "Update a card",
    "Change a card's fields, or move it (stack_id, order); etag from get/list.",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def update_card(
    ctx: Context,
    board_id: BoardId,
    card_id: CardId,
    title: CardTitle | None = None,
    description: Description | None = None,
    due: Due | None = None,
    done: Annotated[bool | None, Field(description="true marks done (now), false not done.")] = None,
    archived: Annotated[bool | None, Field(description="true archives, false unarchives.")] = None,
    stack_id: Annotated[int | None, Field(description="Move to this stack, of any board (nc_deck_get_board).")] = None,
    order: Annotated[int | None, Field(ge=0, description="Position in the stack, 0 first.")] = None,
    etag: Etag = None,
    force: Force = False,
) -> Card:
    require_etag(etag, force, what="card", get_tool="nc_deck_get_card")
    deck = deck_client(session(ctx))
    found = await deck.card(board_id, card_id)
    # Deck has no If-Match (docs/API.md): compare the card's ETag (md5 of lastModified, lib/Db/Card.php) with the
    # one the caller read, so an edit made in between is reported instead of overwritten.
    check_version(found.get("ETag"), etag, force, what=f"card {card_id}", get_tool="nc_deck_get_card")
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = title
    if description is not None:
        changes["description"] = description
    if due is not None:
        changes["duedate"] = parse_due(due)
    if done is not None and bool(found.get("done")) != done:  # an already done card keeps its date
        changes["done"] = datetime.now(UTC).isoformat(timespec="seconds") if done else None
    if archived is not None:
        changes["archived"] = archived
    if stack_id is not None and stack_id != found["stackId"]:
        here = {s["id"] for s in (await deck.board(board_id)).get("stacks") or []}
        if stack_id not in here:  # another board: only the PUT moves there (CardService::update relinks labels)
            changes["stackId"] = stack_id
        elif order is None:  # within the board the move is a reorder, as in Deck's UI (a done stack sets done)
            order = LAST
    saved: dict[str, Any] = {}
    if changes:
        saved = await deck.update_card(board_id, found, changes)
    if order is not None:
        target = stack_id or found["stackId"]
        try:
            await deck.reorder_card(card_id, target, order)
        except NextcloudError as exc:
            if not changes:
                raise
            etag_now = saved.get("ETag") if isinstance(saved, dict) else None
            etag_arg = f"etag={str(etag_now)!r}" if etag_now else "its etag from nc_deck_get_card"
            raise after_write(
                exc,
                f"Card {card_id}: the change of {', '.join(_named(changes))} was saved"
                f"{f' (etag now {etag_now})' if etag_now else ''}, but moving it to stack {target}, position {order} "
                "failed:",
                f"Only the move is left: call nc_deck_update_card (board_id={board_id}, card_id={card_id}, "
                f"stack_id={target}, order={order}, {etag_arg}); do not send the other changes again.",
            ) from None
    try:
        return await read_card(deck, board_id, card_id)  # a card moved away is read by id (CardApiController::get)
    except NextcloudError as exc:
        raise after_write(
            exc,
            f"Card {card_id} was updated, but reading it back failed:",
            f"The change is saved; do not repeat it. Read the card with nc_deck_get_card (board_id={board_id}, "
            f"card_id={card_id}).",
        ) from None


def _named(changes: dict[str, Any]) -> list[str]:
    """The tool's names of the card fields in `changes` (stackId: a move to another board's stack)."""
    names = {"duedate": "due", "stackId": "stack_id"}
    return [names.get(key, key) for key in changes]


@tool(
    "nc_deck_delete_card",
    "Delete a card",
    "Delete a card.",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def delete_card(ctx: Context, board_id: BoardId, card_id: CardId) -> Done:
    deck = deck_client(session(ctx))
    found = await deck.card(board_id, card_id)
    await deck.delete_card(board_id, found["stackId"], card_id)
    return Done(id=card_id, ok=True)


@tool(
    "nc_deck_assign_card",
    "Card labels and assignees",
    "Add or remove a card's labels and assignees.",
    app="deck",
    read_only=False,
    idempotent=True,
)
async def assign_card(
    ctx: Context,
    board_id: BoardId,
    card_id: CardId,
    add_labels: LabelRefs | None = None,
    remove_labels: LabelRefs | None = None,
    add_users: Users | None = None,
    remove_users: Users | None = None,
) -> CardSummary:
    deck = deck_client(session(ctx))
    found = await deck.card(board_id, card_id)
    labels, users = (add_labels or [], remove_labels or []), (add_users or [], remove_users or [])
    plan = Plan(await deck.board(board_id), labels, users)
    try:
        await plan.apply(deck, found)
    except NextcloudError as exc:
        if not plan.done:
            raise
        raise after_write(
            exc,
            f"Card {card_id}: {plan.failed} failed:",
            f"{plan.progress()} Calling nc_deck_assign_card again with the same arguments finishes it (what is "
            f"already done is skipped), or with only what is left: {plan.remaining()}.",
        ) from None
    try:
        return card_summary(await deck.card(board_id, card_id), True)
    except NextcloudError as exc:
        raise after_write(
            exc,
            f"Card {card_id}: every label and assignee change was applied, but reading the card back failed:",
            f"Do not repeat it; read the card with nc_deck_get_card (board_id={board_id}, card_id={card_id}).",
        ) from None


@tool(
    "nc_deck_add_attachment",
    "Attach a file",
    "Attach a file from my Files to a card (copied to my Deck folder).",
    app="deck",
    read_only=False,
)
async def add_attachment(
    ctx: Context,
    card_id: CardId,
    path: Annotated[str, Field(min_length=1, max_length=4096, description="File in my Files, e.g. /Docs/a.pdf.")],
) -> Attachment:
    nc = session(ctx)
    entry = await files_client(nc).stat(path)
    if entry.is_dir or (entry.size or 0) > MAX_ATTACHMENT:
        raise InvalidInput(
            f"{path} is a folder or larger than {MAX_ATTACHMENT // 2**20} MiB; attach a single smaller file."
        )
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / "blob"
        await files_client(nc).download(path, local)
        content = await anyio.Path(local).read_bytes()
    return attachment(await deck_client(nc).attach(card_id, path.rstrip("/").rsplit("/", 1)[-1], content))


@tool(
    "nc_deck_delete_attachment",
    "Remove an attachment",
    "Remove an attachment from a card (a file stays in Files).",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def delete_attachment(
    ctx: Context,
    card_id: CardId,
    attachment_id: AttachmentId,
    type: Annotated[Literal["file", "deck_file"], Field(description="Its type (nc_deck_get_card).")] = "file",
) -> Done:
    await deck_client(session(ctx)).delete_attachment(card_id, attachment_id, type)
    return Done(id=attachment_id, ok=True)


TOOLS: list[ToolSpec] = [
    list_cards,
    create_card,
    get_card,
    update_card,
    delete_card,
    assign_card,
    add_attachment,
    delete_attachment,
]
