"""News REST API v1.3 client (nextcloud/news 28.7.0: appinfo/routes.php,
lib/Controller/{Folder,Feed,Item}ApiController.php, docs/api/api-v1-3.md; the app ships no OpenAPI spec).

Facts relied on:
- every route is `#[CORS]` + `#[NoCSRFRequired]` + `#[NoAdminRequired]` (not `#[PublicPage]`): Nextcloud logs the
  user in, so app passwords and OAuth Bearer tokens both work. `OCS-APIRequest: true` makes the request pass
  `Request::passesCSRFCheck`, so `CORSMiddleware` keeps a Bearer session without the Bearer patch;
- errors are `{"message": …}` (JSONHttpErrorTrait::error): 404 for a missing or foreign folder/feed/item, and also
  for a feed URL that cannot be read (FeedServiceV2::create -> ServiceNotFoundException; the docs' 422 is not what
  the code answers); 409 "Feed with this URL exists";
- `GET /items` pages by `batchSize` and `offset` = an item id (only older items, or newer with `oldestFirst`);
  `GET /items/updated?lastModified=<unix seconds>` returns every item created or changed since, newest first;
- the `…/multiple` routes skip unknown ids silently; the single ones answer 404.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx2

from nextcloud_mcp.core.errors import Conflict, NotFound, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["BASE", "NewsClient", "news_client"]

logger = logging.getLogger(__name__)

BASE = "/index.php/apps/news/api/v1-3"
_HEADERS = {"OCS-APIRequest": "true"}
#: ListType (lib/Db/ListType.php)
FEED, FOLDER, STARRED, ALL_ITEMS, UNREAD = 0, 1, 2, 3, 6
_NEXT = {
    "folder": "nc_news_list_folders lists them",
    "feed": "nc_news_list_feeds lists them",
    "item": "nc_news_list_items lists them",
}


class NewsClient:
    """The News API for one user."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http = http
        self._auth = auth

    async def _call(self, method: str, path: str, *, what: str = "", params: Any = None, json: Any = None) -> Any:
        logger.debug("news: %s %s", method, path)
        response = await self._http.request(
            method, BASE + path, auth=self._auth, params=params, json=json, headers=_HEADERS, ok=(404, 409)
        )
        where: dict[str, Any] = {"method": method, "path": BASE + path, "status": response.status_code}
        try:
            body = response.json() if response.content else None
        except ValueError as exc:
            if response.status_code == 404:
                raise NotFound(
                    "The News API was not found: is the News app installed and enabled for this user?", **where
                ) from exc
            raise ProtocolError("News sent an answer that is not JSON.", **where) from exc
        message = str(body.get("message") or "") if isinstance(body, dict) else ""
        if response.status_code == 409:
            raise Conflict(f"News: {message or 'already exists'}; nc_news_list_feeds shows the feed you have.", **where)
        if response.status_code == 404:
            if what == "url":
                raise NotFound(
                    f"News could not read a feed at that URL ({message}); check the URL (it must be an RSS or Atom "
                    "feed, or a page linking to one), then call nc_news_create_feed again.",
                    **where,
                )
            raise NotFound(f"This {what or 'item'} does not exist (or is not this user's); {_NEXT[what]}.", **where)
        return body

    async def folders(self) -> list[dict[str, Any]]:
        return list((await self._call("GET", "/folders")).get("folders") or [])

    async def create_folder(self, name: str) -> dict[str, Any]:
        return _first(await self._call("POST", "/folders", json={"name": name}), "folders")

    async def rename_folder(self, folder_id: int, name: str) -> None:
        await self._call("PUT", f"/folders/{folder_id}", json={"name": name}, what="folder")

    async def delete_folder(self, folder_id: int) -> None:
        await self._call("DELETE", f"/folders/{folder_id}", what="folder")

    async def read_folder(self, folder_id: int, newest: int) -> None:
        await self._call("POST", f"/folders/{folder_id}/read", json={"newestItemId": newest}, what="folder")

    async def feeds(self) -> dict[str, Any]:
        """`{"feeds": [...], "starredCount": n, "newestItemId"?: id}`."""
        body = await self._call("GET", "/feeds")
        if not isinstance(body, dict):
            raise ProtocolError("News sent feeds in an unexpected shape.", path=BASE + "/feeds")
        return body

    async def create_feed(self, url: str, folder_id: int | None) -> dict[str, Any]:
        return _first(await self._call("POST", "/feeds", json={"url": url, "folderId": folder_id}, what="url"), "feeds")

    async def move_feed(self, feed_id: int, folder_id: int | None) -> None:
        await self._call("POST", f"/feeds/{feed_id}/move", json={"folderId": folder_id}, what="feed")

    async def rename_feed(self, feed_id: int, title: str) -> None:
        await self._call("POST", f"/feeds/{feed_id}/rename", json={"feedTitle": title}, what="feed")

    async def read_feed(self, feed_id: int, newest: int) -> None:
        await self._call("POST", f"/feeds/{feed_id}/read", json={"newestItemId": newest}, what="feed")

    async def delete_feed(self, feed_id: int) -> None:
        await self._call("DELETE", f"/feeds/{feed_id}", what="feed")

    async def items(
        self, *, kind: int, of: int, unread_only: bool, batch: int, offset: int, oldest_first: bool
    ) -> list[dict[str, Any]]:
        params = {
            "type": kind, "id": of, "getRead": "false" if unread_only else "true", "batchSize": batch,
            "offset": offset, "oldestFirst": "true" if oldest_first else "false",
        }  # fmt: skip
        return _items(await self._call("GET", "/items", params=params))

    async def updated(self, *, kind: int, of: int, since: int) -> list[dict[str, Any]]:
        return _items(await self._call("GET", "/items/updated", params={"type": kind, "id": of, "lastModified": since}))

    async def mark(self, item_ids: list[int], action: str) -> None:
        """`action` is read, unread, star or unstar; one id uses the route that answers 404 for it."""
        if len(item_ids) == 1:
            await self._call("POST", f"/items/{item_ids[0]}/{action}", what="item")
        else:
            await self._call("POST", f"/items/{action}/multiple", json={"itemIds": item_ids})


def _first(body: Any, key: str) -> dict[str, Any]:
    listed = body.get(key) if isinstance(body, dict) else None
    if not isinstance(listed, list) or not listed or not isinstance(listed[0], dict):
        raise ProtocolError(f"News sent {key} in an unexpected shape.", path=BASE)
    return listed[0]


def _items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and "items" in body:
        return [i for i in body["items"] if isinstance(i, dict)]
    raise ProtocolError(f"News refused the item query: {body.get('message') if isinstance(body, dict) else body}.")


def news_client(session: NextcloudSession) -> NewsClient:
    """The session's NewsClient."""
    return session.client(NewsClient, lambda: NewsClient(session.http, session.auth))
