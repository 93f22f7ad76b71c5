"""Deck tools for card comments (`nc_deck_*_comment(s)`)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.deck.client import COMMENT_PAGE, deck_client
from nextcloud_mcp.apps.deck.models import Comment, Done, comment
from nextcloud_mcp.apps.deck.params import (
    CardId,
    CommentId,
    Full,
    Message,
    check_version,
    fingerprint,
)
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, next_cursor, offset_of, require_etag
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]


@tool(
    "nc_deck_list_comments",
    "List card comments",
    "Comments of a card, newest first.",
    app="deck",
    read_only=True,
    idempotent=True,
)
async def list_comments(
    ctx: Context, card_id: CardId, full: Full = False, limit: Limit = 20, cursor: Cursor = None
) -> Page[Comment]:
    start, size = offset_of(cursor), min(limit, COMMENT_PAGE)  # Deck returns at most 200 at once
    comments = await deck_client(session(ctx)).comments(card_id, size, start)
    return Page[Comment](
        items=[comment(c, full) for c in comments],
        next_cursor=next_cursor(start, len(comments), None, size),
        total=None,
    )


@tool(
    "nc_deck_create_comment", "Add a comment", "Comment on a card, or reply to a comment.", app="deck", read_only=False
)
async def create_comment(
    ctx: Context,
    card_id: CardId,
    message: Message,
    reply_to: Annotated[int | None, Field(description="Id of the comment answered (nc_deck_list_comments).")] = None,
) -> Comment:
    return comment(await deck_client(session(ctx)).create_comment(card_id, message, reply_to or 0))


@tool(
    "nc_deck_update_comment",
    "Edit a comment",
    "Replace the text of one of my comments (etag from nc_deck_list_comments).",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def update_comment(
    ctx: Context, card_id: CardId, comment_id: CommentId, message: Message, etag: Etag = None, force: Force = False
) -> Comment:
    require_etag(etag, force, what="comment", get_tool="nc_deck_list_comments")
    deck = deck_client(session(ctx))
    # Deck keeps no version of a comment (see params.fingerprint): its text read just now is what is checked.
    current = await deck.comment(card_id, comment_id)
    if current is not None:
        now = fingerprint(str(current.get("message", "")))
        check_version(now, etag, force, what=f"comment {comment_id}", get_tool="nc_deck_list_comments")
    updated = await deck.update_comment(card_id, comment_id, message)
    if current is not None and "replyTo" not in updated:  # Deck's answer leaves the parent out
        updated = {**updated, "replyTo": current.get("replyTo")}
    return comment(updated)


@tool(
    "nc_deck_delete_comment",
    "Delete a comment",
    "Delete one of my comments on a card.",
    app="deck",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def delete_comment(ctx: Context, card_id: CardId, comment_id: CommentId) -> Done:
    await deck_client(session(ctx)).delete_comment(card_id, comment_id)
    return Done(id=comment_id, ok=True)


TOOLS: list[ToolSpec] = [
    list_comments,
    create_comment,
    update_comment,
    delete_comment,
]
