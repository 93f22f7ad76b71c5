"""The process's indexers (one embedder and one store per settings), and whose index a session reads."""

from __future__ import annotations

import os
from pathlib import Path

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.semantic.embedder import make_embedder
from nextcloud_mcp.semantic.freshness import close_locks
from nextcloud_mcp.semantic.store import close_stores, open_store
from nextcloud_mcp.semantic.sync import Indexer

__all__ = ["close_indexers", "default_path", "indexer", "user_of"]

_INDEXERS: dict[tuple[str, ...], Indexer] = {}


def default_path() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "nextcloud-mcp" / "semantic")


def indexer(conf: Settings) -> Indexer:
    """The process's indexer for these settings (one embedder and one store per server)."""
    url = conf.mcp_semantic_qdrant_url
    location = url or conf.mcp_semantic_path or default_path()
    which = (location, conf.mcp_semantic_embedder, conf.mcp_semantic_openai_url or "", conf.mcp_semantic_openai_model)
    found = _INDEXERS.get(which)
    if found is None:
        embedder = make_embedder(conf)
        key = conf.mcp_semantic_qdrant_api_key
        if not url:
            Path(location).mkdir(parents=True, exist_ok=True)
        store = open_store(
            location, url=bool(url), api_key=key.get_secret_value() if key else None, space=embedder.name
        )
        found = _INDEXERS[which] = Indexer(store, embedder)
    return found


async def close_indexers() -> None:
    """Forget the indexers and close their stores and lock clients (tests; a process otherwise keeps them)."""
    _INDEXERS.clear()
    await close_stores()
    await close_locks()


async def user_of(nc: NextcloudSession) -> str:
    """The Nextcloud user id these credentials belong to: what every chunk is bound to."""
    return (await nc.core.current_user()).id
