"""Talk (`spreed` app): conversations, participants, chat messages, reactions, polls and shared items, over OCS."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, publishes

__all__ = ["APP"]

APP = App(
    "spreed",
    "talk",
    publishes("spreed"),
    ("nextcloud_mcp.apps.spreed.tools", "nextcloud_mcp.apps.spreed.message_tools"),
    summary="Talk: conversations, participants, messages, reactions, polls, shared items, message search.",
)
