"""News API v1.3 at ``/index.php/apps/news/api/v1-3/…`` (also without ``index.php``).

nextcloud/news 28.7.0 (d615f01f, NC 32-34): ``appinfo/routes.php`` (``folder_api``, ``feed_api``, ``item_api``,
``utility_api#version``), ``lib/Controller/{Folder,Feed,Item,Utility}ApiController.php``,
``lib/Controller/JSONHttpErrorTrait.php`` (errors are ``{"message": …}``), ``ApiPayloadTrait::serialize`` (the
entities' ``toAPI``), documented in ``docs/api/api-v1-3.md``. Every method is ``#[CORS]``, ``#[NoCSRFRequired]``
and ``#[NoAdminRequired]`` (not ``#[PublicPage]``): Nextcloud logs the user in, so a Bearer token works like on
any other CORS route (``CORSMiddleware``: kept with ``OCS-APIRequest: true`` or the Bearer patch). Methods
declared ``void`` answer ``null``; those returning ``[]`` answer ``[]``.

Where the code and docs/api-v1-3.md disagree the code wins: an unreadable or unreachable feed URL is 404 (the
docs say 422: ``FeedApiController::create`` maps ``ServiceNotFoundException`` to 404), and folder names are not
checked (the docs' 409/422: ``FolderServiceV2::create``/``rename`` check nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from fake_nextcloud.apps.news.models import ALL_ITEMS, FEED, FOLDER, STARRED, UNREAD, Item, NewsBackend, NewsError
from fake_nextcloud.core.appframework import Annotations, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import html_error_page, json_response
from fake_nextcloud.core.php import php_int
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.state import FakeState

__all__ = ["NewsApp"]

_API = Annotations(cors=True, no_csrf=True)
_FILTERED = "Setting getRead on an already filtered list is not allowed!"


def _run(ctx: NcContext, work: Callable[[NewsBackend, str], Any]) -> Response:
    assert ctx.user is not None  # not #[PublicPage]: SecurityMiddleware answered 401 already
    try:
        return json_response(work(NewsBackend.of(ctx.state), ctx.user.uid))
    except NewsError as error:
        if error.status >= 500:  # an exception the controller does not catch
            return html_error_page(500)
        return json_response({"message": error.message}, error.status)


def _folder_id(value: int | None) -> int | None:
    return None if value == 0 else value  # "$folderId === 0 ? null : $folderId"


@controller(_API)
@php_method("UtilityApiController::version", "")
async def version(ctx: NcContext, request: Request) -> Response:
    """``GET /version``: ``{"version": installed_version}``."""
    return json_response({"version": ctx.state.apps.get("news", "")})


# -- folders ----------------------------------------------------------------------------------------------


@controller(_API)
@php_method("FolderApiController::index", "")
async def folder_index(ctx: NcContext, request: Request) -> Response:
    return _run(ctx, lambda b, uid: {"folders": [f.to_api() for f in b.user_folders(uid)]})


@controller(_API)
@php_method("FolderApiController::create", "string $name")
async def folder_create(ctx: NcContext, request: Request) -> Response:
    name = ctx.args["name"]
    return _run(ctx, lambda b, uid: {"folders": [b.add_folder(uid, name).to_api()]})


@controller(_API)
@php_method("FolderApiController::update", "?int $folderId, string $name")
async def folder_update(ctx: NcContext, request: Request) -> Response:
    """``PUT /folders/{folderId}``: rename; ``[]``."""
    a = ctx.args

    def work(b: NewsBackend, uid: str) -> Any:
        b.folder(uid, a["folderId"]).name = a["name"]
        return []

    return _run(ctx, work)


@controller(_API)
@php_method("FolderApiController::delete", "?int $folderId")
async def folder_delete(ctx: NcContext, request: Request) -> Response:
    folder_id = ctx.args["folderId"]

    def work(b: NewsBackend, uid: str) -> Any:
        b.delete_folder(uid, folder_id)
        return []

    return _run(ctx, work)


@controller(_API)
@php_method("FolderApiController::read", "?int $folderId, int $newestItemId")
async def folder_read(ctx: NcContext, request: Request) -> Response:
    """``POST /folders/{folderId}/read`` (``void``): ``FolderMapperV2::read`` finds no feeds for a foreign id."""
    a = ctx.args

    def work(b: NewsBackend, uid: str) -> Any:
        folder = _folder_id(a["folderId"])
        b.mark_read({f.id for f in b.user_feeds(uid) if f.folder_id == folder}, a["newestItemId"])

    return _run(ctx, work)


# -- feeds ------------------------------------------------------------------------------------------------


@controller(_API)
@php_method("FeedApiController::index", "")
async def feed_index(ctx: NcContext, request: Request) -> Response:
    """``GET /feeds``: ``feeds`` (by title, with ``unreadCount``), ``starredCount``, ``newestItemId`` if any."""

    def work(b: NewsBackend, uid: str) -> Any:
        result: dict[str, Any] = {
            "starredCount": sum(1 for i in b.user_items(uid) if i.starred),
            "feeds": [f.to_api(b.unread_count(f.id)) for f in b.user_feeds(uid)],
        }
        if (newest := b.newest_id(uid)) is not None:
            result["newestItemId"] = newest
        return result

    return _run(ctx, work)


@controller(_API)
@php_method("FeedApiController::create", "string $url, ?int $folderId = null")
async def feed_create(ctx: NcContext, request: Request) -> Response:
    """``POST /feeds``: the feed as inserted (``unreadCount`` not loaded: null), then its items fetched."""
    a = ctx.args

    def work(b: NewsBackend, uid: str) -> Any:
        feed = b.add_feed(uid, a["url"], _folder_id(a["folderId"]))
        result: dict[str, Any] = {"feeds": [feed.to_api(None)]}
        b.refresh(feed)
        if (newest := b.newest_id(uid)) is not None:
            result["newestItemId"] = newest
        return result

    return _run(ctx, work)


@controller(_API)
@php_method("FeedApiController::delete", "int $feedId")
async def feed_delete(ctx: NcContext, request: Request) -> Response:
    feed_id = ctx.args["feedId"]

    def work(b: NewsBackend, uid: str) -> Any:
        b.delete_feed(uid, feed_id)
        return []

    return _run(ctx, work)


@controller(_API)
@php_method("FeedApiController::read", "int $feedId, int $newestItemId")
async def feed_read(ctx: NcContext, request: Request) -> Response:
    """``POST /feeds/{feedId}/read`` (``void``); ``FeedServiceV2::read`` finds the feed first (404)."""
    a = ctx.args

    def work(b: NewsBackend, uid: str) -> Any:
        b.mark_read({b.feed(uid, a["feedId"]).id}, a["newestItemId"])

    return _run(ctx, work)


@controller(_API)
@php_method("FeedApiController::move", "int $feedId, ?int $folderId")
async def feed_move(ctx: NcContext, request: Request) -> Response:
    """``POST /feeds/{feedId}/move``: the folder is not checked (``setFolderId`` then ``update``)."""
    a = ctx.args

    def work(b: NewsBackend, uid: str) -> Any:
        b.feed(uid, a["feedId"]).folder_id = _folder_id(a["folderId"])
        return []

    return _run(ctx, work)


@controller(_API)
@php_method("FeedApiController::rename", "int $feedId, string $feedTitle")
async def feed_rename(ctx: NcContext, request: Request) -> Response:
    a = ctx.args

    def work(b: NewsBackend, uid: str) -> Any:
        b.feed(uid, a["feedId"]).title = a["feedTitle"]
        return []

    return _run(ctx, work)


# -- items ------------------------------------------------------------------------------------------------


def _of_type(b: NewsBackend, uid: str, kind: int, of: int) -> list[Item]:
    """The items of a ``ListType`` (``ItemMapperV2::findAllFeed``/``findAllFolder``/``findAllItems``)."""
    items = b.user_items(uid)
    if kind == FEED:
        return [i for i in items if i.feed_id == of]
    if kind == FOLDER:
        folder = _folder_id(of)
        feeds = {f.id for f in b.user_feeds(uid) if f.folder_id == folder}
        return [i for i in items if i.feed_id in feeds]
    if kind == STARRED:
        return [i for i in items if i.starred]
    if kind == UNREAD:
        return [i for i in items if i.unread]
    if kind == ALL_ITEMS:
        return items
    raise NewsError(500, "Unexpected Feed type in call")  # ServiceValidationException, uncaught


@controller(_API)
@php_method(
    "ItemApiController::index",
    "int $type = 3, int $id = 0, bool $getRead = true, int $batchSize = -1, int $offset = 0, bool $oldestFirst = false",
)
async def item_index(ctx: NcContext, request: Request) -> Response:
    """``GET /items``: by id, newest first (``oldestFirst``: ascending); ``offset`` is an item id: only items
    below it (above it oldest first, ``offsetWhere``); ``batchSize`` < 1 is no limit."""
    a = ctx.args

    def work(b: NewsBackend, uid: str) -> Any:
        kind, hide_read = a["type"], not a["getRead"]
        if kind not in (FEED, FOLDER) and hide_read:
            if kind != ALL_ITEMS:
                return {"message": _FILTERED}
            kind, hide_read = UNREAD, False
        items = [i for i in _of_type(b, uid, kind, a["id"]) if i.unread or not hide_read]
        items.sort(key=lambda i: i.id, reverse=not a["oldestFirst"])
        if a["offset"] != 0:
            items = [i for i in items if (i.id > a["offset"] if a["oldestFirst"] else i.id < a["offset"])]
        if a["batchSize"] >= 1:
            items = items[: a["batchSize"]]
        return {"items": [i.to_api() for i in items]}

    return _run(ctx, work)


@controller(_API)
@php_method("ItemApiController::updated", "int $type = 3, int $id = 0, int $lastModified = 0")
async def item_updated(ctx: NcContext, request: Request) -> Response:
    """``GET /items/updated``: items with ``last_modified >= lastModified`` (seconds are padded to
    microseconds when they have up to 10 digits), newest id first; types FEED, FOLDER, STARRED, ALL, UNREAD."""
    a = ctx.args
    since = a["lastModified"] * 1_000_000 if len(str(a["lastModified"])) <= 10 else a["lastModified"]

    def work(b: NewsBackend, uid: str) -> Any:
        items = sorted(_of_type(b, uid, a["type"], a["id"]), key=lambda i: i.id, reverse=True)
        return {"items": [i.to_api() for i in items if i.last_modified >= since]}

    return _run(ctx, work)


def _single(field: str, value: bool) -> Callable[[NcContext, Request], Any]:
    async def handler(ctx: NcContext, request: Request) -> Response:
        item_id = ctx.args["itemId"]

        def work(b: NewsBackend, uid: str) -> Any:
            b.set_item(uid, item_id, **{field: value})
            return []

        return _run(ctx, work)

    return handler


def _multiple(field: str, value: bool) -> Callable[[NcContext, Request], Any]:
    """``setMultipleRead``/``setMultipleStarredByItemIds`` (``void``): missing or foreign ids are skipped."""

    async def handler(ctx: NcContext, request: Request) -> Response:
        ids = ctx.args["itemIds"]

        def work(b: NewsBackend, uid: str) -> None:
            for item_id in ids.values() if isinstance(ids, dict) else ids:
                try:
                    b.set_item(uid, php_int(item_id), **{field: value})
                except NewsError:
                    continue

        return _run(ctx, work)

    return handler


read = controller(_API)(php_method("ItemApiController::read", "int $itemId")(_single("unread", False)))
unread = controller(_API)(php_method("ItemApiController::unread", "int $itemId")(_single("unread", True)))
star = controller(_API)(php_method("ItemApiController::starByItemId", "int $itemId")(_single("starred", True)))
unstar = controller(_API)(php_method("ItemApiController::unstarByItemId", "int $itemId")(_single("starred", False)))
read_many = controller(_API)(
    php_method("ItemApiController::readMultipleByIds", "array $itemIds")(_multiple("unread", False))
)
unread_many = controller(_API)(
    php_method("ItemApiController::unreadMultipleByIds", "array $itemIds")(_multiple("unread", True))
)
star_many = controller(_API)(
    php_method("ItemApiController::starMultipleByItemIds", "array $itemIds")(_multiple("starred", True))
)
unstar_many = controller(_API)(
    php_method("ItemApiController::unstarMultipleByItemIds", "array $itemIds")(_multiple("starred", False))
)


@controller(_API)
@php_method("ItemApiController::readAll", "int $newestItemId")
async def read_all(ctx: NcContext, request: Request) -> Response:
    """``POST /items/read`` (``void``): ``ItemMapperV2::readAll`` up to ``newestItemId``."""
    newest = ctx.args["newestItemId"]
    return _run(ctx, lambda b, uid: b.mark_read({f.id for f in b.user_feeds(uid)}, newest))


_B = "/api/v1-3"
ROUTES: list[BaseRoute] = [
    Route(f"{_B}/version", version, methods=["GET"]),
    Route(f"{_B}/folders", folder_index, methods=["GET"]),
    Route(f"{_B}/folders", folder_create, methods=["POST"]),
    Route(f"{_B}/folders/{{folderId}}", folder_update, methods=["PUT"]),
    Route(f"{_B}/folders/{{folderId}}", folder_delete, methods=["DELETE"]),
    Route(f"{_B}/folders/{{folderId}}/read", folder_read, methods=["POST"]),
    Route(f"{_B}/feeds", feed_index, methods=["GET"]),
    Route(f"{_B}/feeds", feed_create, methods=["POST"]),
    Route(f"{_B}/feeds/{{feedId}}", feed_delete, methods=["DELETE"]),
    Route(f"{_B}/feeds/{{feedId}}/move", feed_move, methods=["POST"]),
    Route(f"{_B}/feeds/{{feedId}}/rename", feed_rename, methods=["POST"]),
    Route(f"{_B}/feeds/{{feedId}}/read", feed_read, methods=["POST"]),
    Route(f"{_B}/items", item_index, methods=["GET"]),
    Route(f"{_B}/items/updated", item_updated, methods=["GET"]),
    Route(f"{_B}/items/read", read_all, methods=["POST"]),
    Route(f"{_B}/items/read/multiple", read_many, methods=["POST"]),
    Route(f"{_B}/items/unread/multiple", unread_many, methods=["POST"]),
    Route(f"{_B}/items/star/multiple", star_many, methods=["POST"]),
    Route(f"{_B}/items/unstar/multiple", unstar_many, methods=["POST"]),
    Route(f"{_B}/items/{{itemId}}/read", read, methods=["POST"]),
    Route(f"{_B}/items/{{itemId}}/unread", unread, methods=["POST"]),
    Route(f"{_B}/items/{{itemId}}/star", star, methods=["POST"]),
    Route(f"{_B}/items/{{itemId}}/unstar", unstar, methods=["POST"]),
]


class NewsApp:
    """The news route group; absent (404 page) while the app is disabled."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.router = Router(ROUTES, redirect_slashes=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.state.app_enabled("news"):
            await html_error_page(404)(scope, receive, send)
            return
        await self.router(scope, receive, send)
