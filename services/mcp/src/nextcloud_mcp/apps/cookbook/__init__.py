"""Cookbook (`cookbook` app): recipes, categories and keywords, over its REST API v1."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, publishes

__all__ = ["APP"]

APP = App(
    "cookbook",
    "cookbook",
    publishes("cookbook"),
    ("nextcloud_mcp.apps.cookbook.tools", "nextcloud_mcp.apps.cookbook.meta_tools"),
)
