"""The `semantic` extra: a missing package becomes a ConfigError naming the install command."""

from __future__ import annotations

import importlib.util

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import ConfigError

__all__ = ["INSTALL", "require"]

INSTALL = "pip install 'nextcloud-mcp-bridge[semantic]' (or uv sync --extra semantic in a clone)"


def require(settings: Settings) -> None:
    """Refuse to start with `MCP_SEMANTIC=true` when the extra's packages are not installed."""
    needed = ["qdrant_client"] + (["wordllama"] if settings.mcp_semantic_embedder == "wordllama" else [])
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(
            f"MCP_SEMANTIC=true needs the `semantic` extra ({', '.join(missing)} not installed): {INSTALL}."
        )
    if settings.mcp_semantic_embedder == "openai" and not settings.mcp_semantic_openai_url:
        raise ConfigError(
            "MCP_SEMANTIC_EMBEDDER=openai needs MCP_SEMANTIC_OPENAI_URL (e.g. https://api.openai.com/v1)."
        )
