"""Deck boards as MCP resources (`nextcloud://deck/boards/{board}`, declared in `__init__.py`): a board rendered
as Markdown (`markdown.py`), the open boards for `resources/list`, and board titles for argument completion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.server.mcpserver import Context

from nextcloud_mcp.apps.deck import BOARD
from nextcloud_mcp.apps.deck.client import DeckClient, deck_client
from nextcloud_mcp.apps.deck.markdown import board_markdown
from nextcloud_mcp.core.errors import InvalidInput, NotFound
from nextcloud_mcp.core.resource import LISTED_PER_APP, Listed
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.core.tool import session

__all__ = ["board_id", "boards", "open_boards", "read_board"]


async def read_board(ctx: Context, board: str) -> str:
    """The board with its stacks and their (not archived) cards, as Markdown."""
    deck = deck_client(session(ctx))
    found = await board_id(deck, board)
    return board_markdown(await deck.board(found), await deck.stacks(found))


async def _boards(deck: DeckClient) -> list[dict[str, Any]]:
    return [b for b in await deck.boards() if not b.get("deletedAt")]


async def board_id(deck: DeckClient, ref: str) -> int:
    """The id of the board `ref` names: an id, or a title (case-insensitive, unique)."""
    if ref.isdigit():
        return int(ref)
    boards = await _boards(deck)
    hits = [b for b in boards if str(b.get("title", "")).casefold() == ref.strip().casefold()]
    if len(hits) > 1:
        ids = ", ".join(str(b["id"]) for b in hits)
        raise InvalidInput(f"Several boards are called {ref!r} (ids {ids}); pass the id instead.")
    if not hits:
        titles = ", ".join(f"{b.get('title', '')} ({b['id']})" for b in boards) or "none"
        raise NotFound(f"You have no Deck board {ref!r}; yours (title (id)): {titles}. nc_deck_list_boards lists them.")
    return int(hits[0]["id"])


async def open_boards(session: NextcloudSession) -> list[Listed]:
    """The boards that are not archived."""
    found = [b for b in await _boards(deck_client(session)) if not b.get("archived")]
    return [
        Listed(
            uri=BOARD.uri(board=str(b["id"])),
            name=str(b.get("title", "")) or f"Board {b['id']}",
            description="Deck board: stacks and cards as Markdown",
            mime_type=BOARD.mime_type,
        )
        for b in found[:LISTED_PER_APP]
    ]


async def boards(session: NextcloudSession, prefix: str, context: Mapping[str, str]) -> list[str]:
    """Board titles."""
    return [str(b.get("title", "")) for b in await _boards(deck_client(session)) if b.get("title")]
