"""Deck (`deck` app): boards, stacks, labels, cards, comments and attachments, over OCS and REST."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, publishes
from nextcloud_mcp.core.resource import Resources, Template

__all__ = ["APP", "BOARD"]

BOARD = Template(
    "nextcloud://deck/boards/{board}",
    "deck-board",
    "Deck board",
    "A Deck board as Markdown (stacks as headings, cards as items with labels, due dates, assignees); board: its "
    "id or title (nc_deck_list_boards).",
    "text/markdown",
    "nc_deck_get_board",
    "read_board",
    complete={"board": "board"},
)
RESOURCES = Resources("nextcloud_mcp.apps.deck.resources", (BOARD,), listing="open_boards", values={"board": "boards"})
APP = App(
    "deck",
    "deck",
    publishes("deck"),
    (
        "nextcloud_mcp.apps.deck.tools",
        "nextcloud_mcp.apps.deck.card_tools",
        "nextcloud_mcp.apps.deck.attachment_tools",
        "nextcloud_mcp.apps.deck.comment_tools",
    ),
    resources=RESOURCES,
    summary="Deck kanban boards: boards, stacks, labels, cards, assignments, attachments, comments.",
    index="nextcloud_mcp.apps.deck.index",
)
