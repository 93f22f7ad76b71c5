"""Deck (`deck` app): boards, stacks, labels, cards, comments and attachments, over OCS and REST."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, publishes

__all__ = ["APP"]

APP = App(
    "deck",
    "deck",
    publishes("deck"),
    ("nextcloud_mcp.apps.deck.tools", "nextcloud_mcp.apps.deck.card_tools", "nextcloud_mcp.apps.deck.comment_tools"),
)
