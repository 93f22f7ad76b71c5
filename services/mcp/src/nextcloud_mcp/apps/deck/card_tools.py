"""Deck tools for cards, their labels/assignees, comments and attachments (`nc_deck_card_*`, …)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.deck.client import DeckClient, deck_client
from nextcloud_mcp.apps.deck.tools import BoardId, CardOut, Done, Id, Ref, Title, card_out, cut
from nextcloud_mcp.apps.files.client import files_client
from nextcloud_mcp.core.errors import BadRequest, Conflict
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS", "parse_due"]

Due = Annotated[str | None, Field(max_length=40)]  # ISO-8601 date or date-time; "" clears
Names = Annotated[list[str] | None, Field(max_length=50)]
Message = Annotated[str, Field(min_length=1, max_length=1000)]
MAX_ATTACHMENT = 50 * 1024 * 1024


def parse_due(value: str) -> str | None:
    """An ISO-8601 date or date-time as Deck stores it (`c` format, UTC when no zone); "" -> None."""
    if value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            f"Bad due date {value!r}: use ISO-8601, e.g. 2026-12-24 or 2026-12-24T17:00:00+01:00."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.isoformat()


class AttachmentOut(BaseModel):
    id: int
    type: str
    name: str
    path: str
    size: int


class CardDetail(CardOut):
    owner: str
    comments: int
    attachments: list[AttachmentOut]


class CardTags(BaseModel):
    id: int
    labels: list[str]
    assignees: list[str]


class CommentOut(BaseModel):
    id: int
    author: str
    message: str
    created: str
    reply_to: int


def _attachment(a: dict[str, Any]) -> AttachmentOut:
    ext = a.get("extendedData") or {}
    return AttachmentOut(
        id=a["id"],
        type=a.get("type", ""),
        name=a.get("data", ""),
        path=ext.get("path", ""),
        size=ext.get("filesize", 0),
    )


async def _tags(deck: DeckClient, board_id: int, card: dict[str, Any], add: list[str], remove: list[str]) -> None:
    """Labels by title (or id); already (un)assigned ones are skipped, so the call is idempotent."""
    labels = (await deck.board(board_id)).get("labels") or []
    on_card = {lb["id"] for lb in card.get("labels") or []}
    for name, wanted in [(n, True) for n in add] + [(n, False) for n in remove]:
        label = next((lb for lb in labels if lb["title"] == name or str(lb["id"]) == name), None)
        if label is None:
            raise BadRequest(f"Board {board_id} has no label {name!r}; create it with nc_deck_label_save.")
        if (label["id"] in on_card) != wanted:
            await deck.label(card["id"], label["id"], add=wanted)


async def _people(deck: DeckClient, card: dict[str, Any], add: list[str], remove: list[str]) -> None:
    assigned = {a.get("participant", {}).get("uid") for a in card.get("assignedUsers") or []}
    for uid in add:
        if uid not in assigned:
            await deck.assignee(card["id"], uid, add=True)
    for uid in remove:
        if uid in assigned:
            await deck.assignee(card["id"], uid, add=False)


@tool(
    "nc_deck_card_create",
    "Create a card",
    "Create a card (due: ISO-8601 date/time; labels by title).",
    app="deck",
    read_only=False,
)
async def card_create(
    ctx: Context,
    board_id: BoardId,
    stack_id: Id,
    title: Title,
    description: str = "",
    due: Due = None,
    labels: Names = None,
    assignees: Names = None,
) -> Ref:
    deck = deck_client(session(ctx))
    made = await deck.create_card(board_id, stack_id, title, description, parse_due(due) if due else None)
    if labels or assignees:
        await _tags(deck, board_id, made, labels or [], [])
        await _people(deck, made, assignees or [], [])
        made = await deck.card(board_id, made["id"])
    return Ref(id=made["id"], title=made["title"])


@tool(
    "nc_deck_card_get",
    "Get a card",
    "A card with attachments.",
    app="deck",
    read_only=True,
    idempotent=True,
)
async def card_get(ctx: Context, board_id: BoardId, card_id: Id) -> CardDetail:
    deck = deck_client(session(ctx))
    card = await deck.card(board_id, card_id)
    owner = card.get("owner")
    return CardDetail(
        **card_out(card, True).model_dump(),
        owner=owner.get("uid", "") if isinstance(owner, dict) else str(owner or ""),
        comments=card.get("commentsCount") or 0,
        attachments=[_attachment(a) for a in await deck.attachments(card_id)],
    )


@tool(
    "nc_deck_card_update",
    "Update a card",
    'Change a card (due ISO-8601, "" clears); stack_id/to_board_id move, order sorts; etag guards.',
    app="deck",
    read_only=False,
    idempotent=True,
)
async def card_update(
    ctx: Context,
    board_id: BoardId,
    card_id: Id,
    title: Title | None = None,
    description: str | None = None,
    due: Due = None,
    done: bool | None = None,
    archived: bool | None = None,
    stack_id: Id | None = None,
    to_board_id: Id | None = None,
    order: Annotated[int | None, Field(ge=0)] = None,
    etag: str | None = None,
) -> CardOut:
    deck = deck_client(session(ctx))
    if to_board_id is not None and stack_id is None:
        raise BadRequest("Moving to another board needs stack_id: a stack of that board.")
    card = await deck.card(board_id, card_id)
    # Deck has no If-Match (docs/API.md): compare the card's ETag (md5 of lastModified, lib/Db/Card.php) with the
    # one the caller read, so an edit made in between is reported instead of overwritten.
    if etag is not None and card.get("ETag") != etag:
        raise Conflict(
            f"Card {card_id} changed since it was read (etag {etag}, now {card.get('ETag')}); nothing was written."
            " Get the card again and re-apply the change.",
            current=card,
        )
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = title
    if description is not None:
        changes["description"] = description
    if due is not None:
        changes["duedate"] = parse_due(due)
    if done is not None and bool(card.get("done")) != done:  # an already done card keeps its date
        changes["done"] = datetime.now(UTC).isoformat(timespec="seconds") if done else None
    if archived is not None:
        changes["archived"] = archived
    if stack_id is not None and (order is None or to_board_id is not None):
        changes["stackId"] = stack_id
    if changes:
        card = await deck.update_card(board_id, card, changes)
    if order is not None:
        await deck.reorder_card(card_id, stack_id or card["stackId"], order)
    return card_out(await deck.card(to_board_id or board_id, card_id), True)


@tool(
    "nc_deck_card_delete",
    "Delete a card",
    "Delete a card.",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def card_delete(ctx: Context, board_id: BoardId, card_id: Id) -> Done:
    deck = deck_client(session(ctx))
    card = await deck.card(board_id, card_id)
    await deck.delete_card(board_id, card["stackId"], card_id)
    return Done(id=card_id, ok=True)


@tool(
    "nc_deck_card_assign",
    "Card labels and assignees",
    "Add/remove labels (title or id) and assignees (user ids).",
    app="deck",
    read_only=False,
    idempotent=True,
)
async def card_assign(
    ctx: Context,
    board_id: BoardId,
    card_id: Id,
    add_labels: Names = None,
    remove_labels: Names = None,
    add_users: Names = None,
    remove_users: Names = None,
) -> CardTags:
    deck = deck_client(session(ctx))
    card = await deck.card(board_id, card_id)
    await _tags(deck, board_id, card, add_labels or [], remove_labels or [])
    await _people(deck, card, add_users or [], remove_users or [])
    out = card_out(await deck.card(board_id, card_id))
    return CardTags(id=out.id, labels=out.labels, assignees=out.assignees)


@tool(
    "nc_deck_comments_list",
    "List card comments",
    "Comments of a card, newest first.",
    app="deck",
    read_only=True,
    idempotent=True,
)
async def comments_list(
    ctx: Context,
    card_id: Id,
    limit: Annotated[int, Field(ge=1, le=200)] = 20,
    offset: Annotated[int, Field(ge=0)] = 0,
    full: bool = False,
) -> list[CommentOut]:
    comments = await deck_client(session(ctx)).comments(card_id, limit, offset)
    return [
        CommentOut(
            id=c["id"],
            author=c.get("actorId", ""),
            message=cut(c.get("message"), full),
            created=c.get("creationDateTime", ""),
            reply_to=(c.get("replyTo") or {}).get("id", 0),
        )
        for c in comments
    ]


@tool(
    "nc_deck_comment_save",
    "Add or edit a comment",
    "Comment on a card (reply_to for replies), or edit my comment.",
    app="deck",
    read_only=False,
)
async def comment_save(
    ctx: Context, card_id: Id, message: Message, comment_id: Id | None = None, reply_to: Id | None = None
) -> CommentOut:
    c = await deck_client(session(ctx)).save_comment(card_id, comment_id, message, reply_to or 0)
    return CommentOut(
        id=c["id"],
        author=c.get("actorId", ""),
        message=c.get("message", ""),
        created=c.get("creationDateTime", ""),
        reply_to=(c.get("replyTo") or {}).get("id", 0),
    )


@tool(
    "nc_deck_comment_delete",
    "Delete a comment",
    "Delete one of my comments on a card.",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def comment_delete(ctx: Context, card_id: Id, comment_id: Id) -> Done:
    await deck_client(session(ctx)).delete_comment(card_id, comment_id)
    return Done(id=comment_id, ok=True)


@tool(
    "nc_deck_attachment_add",
    "Attach a file",
    "Attach a file from my Files to a card (copied to the Deck folder).",
    app="deck",
    read_only=False,
)
async def attachment_add(
    ctx: Context, card_id: Id, path: Annotated[str, Field(min_length=1, max_length=4096)]
) -> AttachmentOut:
    nc = session(ctx)
    entry = await files_client(nc).stat(path)
    if entry.is_dir or (entry.size or 0) > MAX_ATTACHMENT:
        raise BadRequest(f"{path} is a folder or larger than {MAX_ATTACHMENT // 2**20} MiB; attach a smaller file.")
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / "blob"
        await files_client(nc).download(path, local)
        content = await anyio.Path(local).read_bytes()
    return _attachment(await deck_client(nc).attach(card_id, path.rstrip("/").rsplit("/", 1)[-1], content))


@tool(
    "nc_deck_attachment_delete",
    "Remove an attachment",
    "Remove an attachment from a card (the file stays in Files).",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def attachment_delete(
    ctx: Context, card_id: Id, attachment_id: Id, type: Literal["file", "deck_file"] = "file"
) -> Done:
    await deck_client(session(ctx)).delete_attachment(card_id, attachment_id, type)
    return Done(id=attachment_id, ok=True)


TOOLS: list[ToolSpec] = [
    card_create,
    card_get,
    card_update,
    card_delete,
    card_assign,
    comments_list,
    comment_save,
    comment_delete,
    attachment_add,
    attachment_delete,
]
