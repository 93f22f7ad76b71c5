"""Unified search: providers and per-provider search with cursors.

Source: nextcloud/server core/Controller/UnifiedSearchController.php (`getProviders`, `search`) and
lib/public/Search/SearchResult.php: a provider answers either `paginated` (its own `cursor` for the next page,
e.g. FilesSearchProvider: offset + limit) or `complete` (every match at once, cursor null, e.g. the Notes app's
SearchProvider, which ignores the limit). `resourceUrl` is whatever the provider built: absolute for most
(`linkToRouteAbsolute`), but a provider may give a path, so links are made absolute here. FilesSearchProvider
adds `attributes.path`, the file's path in the user's folder (`Folder::getRelativePath`, with a leading '/').
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx2
from pydantic import BaseModel, ConfigDict, Field

from nextcloud_mcp.core.errors import BadRequest
from nextcloud_mcp.core.http import NextcloudHTTP, parse_ocs
from nextcloud_mcp.core.instance import _validate
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["PROVIDERS_TOOL", "SearchClient", "SearchEntry", "SearchProvider", "SearchResult", "search_client"]

#: The tool that lists provider ids (apps/search/tools.py defines it under this name).
PROVIDERS_TOOL = "nc_search_list_providers"
_OCS_HEADERS = {"OCS-APIRequest": "true"}


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

    @property
    def path(self) -> str | None:
        """The file path the provider gave (`attributes.path`), absolute in the user's files; else None."""
        value = self.attributes.get("path") if isinstance(self.attributes, dict) else None
        return "/" + value.lstrip("/") if isinstance(value, str) and value else None


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
        found = [_validate(SearchProvider, p, "/search/providers") for p in data or []]
        return sorted(found, key=lambda p: p.order)

    async def search(
        self, provider: str, term: str, limit: int, cursor: str | None, filters: dict[str, str] | None = None
    ) -> SearchResult:
        """One provider's hits; `filters` are a provider's own filters (Talk's `conversation`, a request parameter
        SearchComposer hands to it; Nextcloud before 28 ignores them). A 400 keeps Nextcloud's reason
        (`DataResponse($e->getMessage(), 400)` for an unknown provider or filter in
        UnifiedSearchController::search since Nextcloud 28; `null` before)."""
        path = f"/search/providers/{quote(provider, safe='')}/search"
        params: dict[str, Any] = {**(filters or {}), "term": term, "limit": limit, "format": "json"}
        if cursor:
            params["cursor"] = cursor
        response = await self._http.request(
            "GET", "/ocs/v2.php" + path, auth=self._auth, params=params, headers=_OCS_HEADERS, ok=(400,)
        )
        if response.status_code == 400:
            reason = _reason(response)
            raise BadRequest(
                f"Nextcloud refused the search{': ' + reason if reason else ''}. Check the term, and the provider "
                f"id with {PROVIDERS_TOOL}.",
                method="GET", path=response.request.url.path, status=400,
            )  # fmt: skip
        result = _validate(SearchResult, parse_ocs(response), path)
        for entry in result.entries:
            entry.resource_url = self.absolute(entry.resource_url)
        return result

    def absolute(self, url: str) -> str:
        """`url` as an absolute link (a path is taken relative to the Nextcloud base URL)."""
        if not url or urlsplit(url).scheme:
            return url
        return urljoin(self._http.base_url + "/", url)


def _reason(response: httpx2.Response) -> str:
    """The message of an OCS error answer: `data` when it is a string, else `meta.message`."""
    try:
        ocs = response.json()["ocs"]
    except (ValueError, KeyError, TypeError):
        return ""
    data, meta = ocs.get("data"), ocs.get("meta") or {}
    reason = data if isinstance(data, str) else meta.get("message") if isinstance(meta, dict) else ""
    return str(reason or "").strip().rstrip(".")


def search_client(session: NextcloudSession) -> SearchClient:
    """The session's SearchClient."""
    return session.client(SearchClient, lambda: SearchClient(session.http, session.auth))
