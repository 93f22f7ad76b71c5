"""Unified search (core `search` providers, OCS): one query across every app that offers a provider."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, always

__all__ = ["APP"]

APP = App(
    "search",
    "search",
    always,
    ("nextcloud_mcp.apps.search.tools",),
    summary="Unified search across every Nextcloud app that offers a search provider.",
)
