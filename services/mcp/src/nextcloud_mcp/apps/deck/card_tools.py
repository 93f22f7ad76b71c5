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
from nextcloud_mcp.apps.deck.models import Attachment, Card, CardSummary, Done, attachment, card, card_summary, uid
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
    pick_labels,
    pick_users,
)
from nextcloud_mcp.apps.files.client import files_client
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, page, require_etag
from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS", "read_card"]

Description = Annotated[str, Field(description="Markdown text.")]
MAX_ATTACHMENT = 50 * 1024 * 1024
LAST = 999  # an order past the end of any stack: CardService::reorder puts the card last


async def read_card(deck: DeckClient, board_id: int, card_id: int) -> Card:
    """A card as nc_deck_get_card returns it (with its attachments)."""
    found = await deck.card(board_id, card_id)
    return card(found, await deck.attachments(card_id))


class _Plan:
    """Label ids and user ids to add and remove, all resolved before anything is sent."""

    def __init__(
        self,
        details: dict[str, Any],
        labels: tuple[list[int | str], list[int | str]],
        users: tuple[list[str], list[str]],
    ) -> None:
        board_id, known = details["id"], details.get("labels") or []
        self.add_labels = pick_labels(board_id, known, labels[0])
        self.remove_labels = pick_labels(board_id, known, labels[1])
        self.add_users = pick_users(board_id, details.get("users") or [], users[0])
        self.remove_users = users[1]

    async def apply(self, deck: DeckClient, found: dict[str, Any]) -> None:
        """Already (un)assigned labels and users are skipped, so assigning is idempotent."""
        on_card = {lb["id"] for lb in found.get("labels") or []}
        for label_id in self.add_labels:
            if label_id not in on_card:
                await deck.label(found["id"], label_id, add=True)
        for label_id in self.remove_labels:
            if label_id in on_card:
                await deck.label(found["id"], label_id, add=False)
        assigned = {uid(a.get("participant")): a.get("participant") for a in found.get("assignedUsers") or []}
        for user in self.add_users:
            if user not in assigned:
                await deck.assignee(found["id"], user, add=True)
        names = {str(p.get("displayname", "")).casefold(): u for u, p in assigned.items() if isinstance(p, dict)}
        for ref in self.remove_users:  # assignees by id or display name; others are not assigned anyway
            gone = ref if ref in assigned else names.get(ref.casefold())
            if gone is not None:
                await deck.assignee(found["id"], gone, add=False)


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
    if labels or assignees:
        plan = _Plan(await deck.board(board_id), (labels or [], []), (assignees or [], []))
    made = await deck.create_card(board_id, stack_id, title, description, duedate)
    if plan is not None:
        await plan.apply(deck, made)
    return await read_card(deck, board_id, made["id"])


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
    if changes:
        await deck.update_card(board_id, found, changes)
    if order is not None:
        await deck.reorder_card(card_id, stack_id or found["stackId"], order)
    return await read_card(deck, board_id, card_id)  # a card moved away is read by id (CardApiController::get)


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
    await _Plan(await deck.board(board_id), labels, users).apply(deck, found)
    return card_summary(await deck.card(board_id, card_id), True)


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
