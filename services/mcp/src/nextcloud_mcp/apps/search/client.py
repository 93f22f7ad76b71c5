"""Unified search: providers and per-provider search with cursors.

Source: nextcloud/server core/Controller/UnifiedSearchController.php (`getProviders`, `search`).
"""

from __future__ import annotations

from typing import Any

import httpx2
from pydantic import BaseModel, ConfigDict, Field

from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import _validate
from nextcloud_mcp.core.paths import quote_path
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["SearchClient", "SearchEntry", "SearchProvider", "SearchResult", "search_client"]


class SearchProvider(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    id: str
    app_id: str = Field(default="", alias="appId")
    name: str = ""
    order: int = 0


class SearchEntry(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    title: str = ""
    subline: str = ""
    resource_url: str = Field(default="", alias="resourceUrl")
    attributes: dict[str, Any] | list[Any] = Field(default_factory=dict)


class SearchResult(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    name: str = ""
    is_paginated: bool = Field(default=False, alias="isPaginated")
    entries: list[SearchEntry] = Field(default_factory=list)
    cursor: int | str | None = None


class SearchClient:
    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http, self._auth = http, auth

    async def providers(self) -> list[SearchProvider]:
        data = await self._http.ocs("GET", "/search/providers", auth=self._auth)
        return [_validate(SearchProvider, p, "/search/providers") for p in data or []]

    async def search(self, provider: str, term: str, limit: int, cursor: str | None) -> SearchResult:
        path = f"/search/providers/{quote_path(provider)}/search"
        params: dict[str, Any] = {"term": term, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        return _validate(SearchResult, await self._http.ocs("GET", path, auth=self._auth, params=params), path)


def search_client(session: NextcloudSession) -> SearchClient:
    """The session's SearchClient."""
    return session.client(SearchClient, lambda: SearchClient(session.http, session.auth))
