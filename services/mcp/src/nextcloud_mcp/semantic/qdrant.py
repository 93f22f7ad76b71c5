"""The Qdrant client the index uses, with Qdrant's failures told in terms of our settings.

Embedded mode (`path`) locks its folder: a second process opening it gets a `ConfigError` that says to use a
Qdrant server for several processes. Server mode (`url`): an unreachable server, a refused API key or any other
answer becomes `IndexUnavailable`, naming the URL (never the key) and the setting to check.
"""

from __future__ import annotations

from typing import Any

from qdrant_client import AsyncQdrantClient
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from nextcloud_mcp.core.errors import ConfigError, NextcloudMCPError

__all__ = ["IndexUnavailable", "connect"]


class IndexUnavailable(NextcloudMCPError):
    """The Qdrant server could not be used (unreachable, refused, failing)."""


def _explain(where: str, exc: Exception) -> IndexUnavailable:
    if isinstance(exc, UnexpectedResponse):
        if exc.status_code in (401, 403):
            return IndexUnavailable(
                f"The Qdrant server at {where} refused the API key ({exc.status_code}); "
                "check MCP_SEMANTIC_QDRANT_API_KEY."
            )
        body = exc.content.decode("utf-8", "replace")[:200] if exc.content else ""
        return IndexUnavailable(f"The Qdrant server at {where} answered {exc.status_code}: {body}".rstrip(": "))
    return IndexUnavailable(
        f"The Qdrant server at {where} did not answer ({exc}); check that it runs and MCP_SEMANTIC_QDRANT_URL. "
        "Searching resumes once it is back; nothing indexed is lost."
    )


class GuardedClient(AsyncQdrantClient):
    """`AsyncQdrantClient` whose calls the index makes raise `IndexUnavailable` instead of Qdrant's exceptions."""

    def __init__(self, where: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._where = where

    async def _guard(self, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return await getattr(super(), name)(*args, **kwargs)
        except (ResponseHandlingException, UnexpectedResponse) as exc:
            raise _explain(self._where, exc) from None

    async def collection_exists(self, *args: Any, **kwargs: Any) -> bool:
        return bool(await self._guard("collection_exists", *args, **kwargs))

    async def create_collection(self, *args: Any, **kwargs: Any) -> bool:
        return bool(await self._guard("create_collection", *args, **kwargs))

    async def create_payload_index(self, *args: Any, **kwargs: Any) -> Any:
        return await self._guard("create_payload_index", *args, **kwargs)

    async def scroll(self, *args: Any, **kwargs: Any) -> Any:
        return await self._guard("scroll", *args, **kwargs)

    async def upsert(self, *args: Any, **kwargs: Any) -> Any:
        return await self._guard("upsert", *args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> Any:
        return await self._guard("delete", *args, **kwargs)

    async def query_points(self, *args: Any, **kwargs: Any) -> Any:
        return await self._guard("query_points", *args, **kwargs)

    async def count(self, *args: Any, **kwargs: Any) -> Any:
        return await self._guard("count", *args, **kwargs)


def connect(location: str, *, url: bool, api_key: str | None) -> AsyncQdrantClient:
    """A client for a Qdrant server at `location` (url=True) or an embedded index in the folder `location`."""
    if url:
        # No version probe at start (a background thread that only warns); the index needs Qdrant 1.17 or later
        # (the Query API and the IDF modifier since 1.10, weighted reciprocal rank fusion since 1.17: store.py),
        # and an older server's refusal (a 400 "Format error in JSON body" to the search: qdrant/qdrant#8436) is
        # told by `_explain`.
        return GuardedClient(location, url=location, api_key=api_key, check_compatibility=False)
    try:
        return AsyncQdrantClient(path=location)
    except RuntimeError as exc:  # qdrant_client local mode: "Storage folder ... is already accessed by another ..."
        if "already accessed" not in str(exc):
            raise
        raise ConfigError(
            f"The index folder {location} is in use by another process (embedded Qdrant serves one process). "
            "Give each process its own MCP_SEMANTIC_PATH, or share one Qdrant server with MCP_SEMANTIC_QDRANT_URL."
        ) from None
