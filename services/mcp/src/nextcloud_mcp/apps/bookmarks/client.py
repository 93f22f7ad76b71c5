"""Bookmarks REST API v2 client (nextcloud/bookmarks v16.2.6: lib/Controller/{Bookmark,Folders,Tags}Controller.php,
docs/bookmark.rst, docs/folder.rst, docs/tag.rst; the app ships no OpenAPI spec).

Facts relied on:
- answers are ``{"status": "success", "item" | "data": …}`` or ``{"status": "error", "data": [message]}``;
  ``GET /tag`` is a bare list;
- the routes are ``#[PublicPage]`` and the app authenticates by itself (``lib/Service/Authorizer.php``
  ``setCredentials``): HTTP Basic only. A Bearer token that is not a Bookmarks ticket or public-folder token is
  ``UnauthenticatedError`` -> 401 "Please authenticate first", so OAuth tokens never work here;
- ``POST /bookmark`` with a URL the user already bookmarked returns that bookmark, updated: title/description
  replaced when given, tags and folders *added* (BookmarkService::_addBookmark ``findByUrl``);
- ``GET /bookmark`` pages by ``page`` x ``limit`` (default 10), newest ``lastmodified`` first; ``tags[]`` must all be
  present, ``search[]`` words match url/title/description/tags (``conjunction`` ``or``/``and``);
- the root folder is ``-1``; a missing or foreign bookmark is 404 on GET/PUT, while DELETE answers success.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx2

from nextcloud_mcp.core.errors import AuthenticationFailed, BadRequest, Forbidden, NotFound, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["BASE", "BookmarksClient", "bookmarks_client"]

logger = logging.getLogger(__name__)

BASE = "/index.php/apps/bookmarks/public/rest/v2"
LIST_TOOL = "nc_bookmarks_list_bookmarks"


def _message(body: Any) -> str:
    if isinstance(body, dict):
        data = body.get("data")
        if isinstance(data, list) and data:
            return str(data[0])
        return str(body.get("message") or "")
    return ""


class BookmarksClient:
    """The Bookmarks API for one user."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http = http
        self._auth = auth

    async def _call(
        self, method: str, path: str, *, params: Any = None, json: Any = None, bookmark_id: int | None = None
    ) -> Any:
        logger.debug("bookmarks: %s %s", method, path)
        response = await self._http.request(
            method, BASE + path, auth=self._auth, params=params, json=json, ok=(400, 401, 403, 404)
        )
        try:
            body = response.json()
        except ValueError as exc:
            if response.status_code == 404:
                raise NotFound(
                    "The Bookmarks API was not found: is the Bookmarks app installed and enabled for this user?",
                    path=BASE + path,
                ) from exc
            raise ProtocolError("Bookmarks sent an answer that is not JSON.", path=BASE + path) from exc
        where: dict[str, Any] = {"method": method, "path": BASE + path, "status": response.status_code}
        message = _message(body)
        if response.status_code == 401:
            raise AuthenticationFailed(
                f"Bookmarks refused the login ({message or 'unauthorized'}): the app accepts only a user name and "
                "app password (HTTP Basic), not OAuth tokens; configure NEXTCLOUD_USERNAME/NEXTCLOUD_PASSWORD.",
                **where,
            )
        if response.status_code == 404:
            what = f"Bookmark {bookmark_id}" if bookmark_id is not None else "The folder"
            raise NotFound(f"{what} does not exist (or is not this user's); {LIST_TOOL} lists them.", **where)
        if response.status_code == 403:
            raise Forbidden(f"Bookmarks: {message}; use folders from nc_bookmarks_list_folders.", **where)
        if response.status_code >= 400:
            raise BadRequest(f"Bookmarks refused the request: {message or 'bad request'}.", **where)
        return body

    async def find(
        self,
        *,
        page: int,
        limit: int,
        tags: list[str] | None = None,
        words: list[str] | None = None,
        match_all: bool = False,
        url: str | None = None,
        folder: int | None = None,
    ) -> list[dict[str, Any]]:
        params: list[tuple[str, str | int]] = [("page", page), ("limit", limit)]
        params += [("tags[]", t) for t in tags or []] + [("search[]", w) for w in words or []]
        if words:
            params.append(("conjunction", "and" if match_all else "or"))
        if url is not None:
            params.append(("url", url))
        if folder is not None:
            params.append(("folder", folder))
        body = await self._call("GET", "/bookmark", params=params)
        return list(body.get("data") or [])

    async def get(self, bookmark_id: int) -> dict[str, Any]:
        return self._item(await self._call("GET", f"/bookmark/{bookmark_id}", bookmark_id=bookmark_id))

    async def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        return self._item(await self._call("POST", "/bookmark", json=fields))

    async def update(self, bookmark_id: int, fields: dict[str, Any]) -> dict[str, Any] | None:
        body = await self._call("PUT", f"/bookmark/{bookmark_id}", json=fields, bookmark_id=bookmark_id)
        return body.get("item") if isinstance(body, dict) else None

    async def delete(self, bookmark_id: int) -> None:
        await self._call("DELETE", f"/bookmark/{bookmark_id}", bookmark_id=bookmark_id)

    async def folders(self) -> list[dict[str, Any]]:
        body = await self._call("GET", "/folder", params={"root": -1, "layers": -1})
        return list(body.get("data") or [])

    async def create_folder(self, title: str, parent: int) -> dict[str, Any]:
        return self._item(await self._call("POST", "/folder", json={"title": title, "parent_folder": parent}))

    async def tags(self) -> list[dict[str, Any]]:
        body = await self._call("GET", "/tag", params={"count": "true"})
        return [t for t in body if isinstance(t, dict)] if isinstance(body, list) else []

    @staticmethod
    def _item(body: Any) -> dict[str, Any]:
        item = body.get("item") if isinstance(body, dict) else None
        if not isinstance(item, dict):
            raise ProtocolError("Bookmarks sent an item in an unexpected shape.", path=BASE)
        return item


def bookmarks_client(session: NextcloudSession) -> BookmarksClient:
    """The session's BookmarksClient."""
    return session.client(BookmarksClient, lambda: BookmarksClient(session.http, session.auth))
