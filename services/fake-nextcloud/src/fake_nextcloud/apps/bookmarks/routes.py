"""Bookmarks REST API v2 at ``/index.php/apps/bookmarks/public/rest/v2/…`` (also without ``index.php``).

nextcloud/bookmarks v16.2.6 (9ea1f624): routes are ``#[FrontpageRoute]`` attributes on
``lib/Controller/{Bookmark,Folders,Tags}Controller.php``; docs/bookmark.rst, docs/folder.rst, docs/tag.rst
describe them (the app ships no OpenAPI spec). Every method is ``#[PublicPage]``, ``#[NoCSRFRequired]`` and not
``#[CORS]``: the app authenticates by itself (``lib/Service/Authorizer.php::setCredentials`` with ``cors=true``):
the Nextcloud session is ignored, HTTP Basic logs in, and an ``Authorization: Bearer`` that is neither a Bookmarks
ticket nor a public-folder token throws ``UnauthenticatedError`` - so an OAuth (user_oidc) token is refused
whatever server patch is applied. ``lib/Middleware/ExceptionMiddleware.php`` turns that into 401
``{"status": "error", "data": ["Please authenticate first"]}``.

PHP array query parameters (``tags[]=a&tags[]=b``, ``search[]=…``) are read from the query string here; JSON bodies
carry arrays as such.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from fake_nextcloud.apps.bookmarks.models import PROTOCOLS, BookmarksBackend, BookmarksError
from fake_nextcloud.core.appframework import Annotations, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import html_error_page, json_response
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.state import FakeState

__all__ = ["BookmarksApp"]

_API = Annotations(public=True, no_csrf=True)


def _error(status: int, message: str) -> Response:
    return json_response({"status": "error", "data": [message]}, status)


def _uid(ctx: NcContext) -> str:
    """``Authorizer::setCredentials`` (cors): Basic only; a foreign Bearer token is ``UnauthenticatedError``."""
    if ctx.header("Authorization").lower().startswith("bearer ") or ctx.basic is None or ctx.user is None:
        raise BookmarksError(401, "Please authenticate first")
    return ctx.user.uid


def _run(ctx: NcContext, work: Callable[[BookmarksBackend, str], Any]) -> Response:
    try:
        uid = _uid(ctx)
        result = work(BookmarksBackend.of(ctx.state), uid)
    except BookmarksError as error:
        response = _error(error.status, error.message)
        if error.status == 401:  # ExceptionMiddleware::afterException
            response.headers["WWW-Authenticate"] = 'Basic realm="Nextcloud Bookmarks", charset="UTF-8"'
        return response
    return result if isinstance(result, Response) else json_response(result)


def _array(ctx: NcContext, request: Request, name: str) -> list[str] | None:
    """A PHP array parameter: ``name[]`` in the query string, or a JSON array in the body."""
    values = request.query_params.getlist(f"{name}[]")
    if values:
        return values
    value = ctx.args.get(name)
    return [str(v) for v in value] if isinstance(value, list | dict) else None


def _own_folders(b: BookmarksBackend, uid: str, external: list[Any]) -> list[int] | None:
    internal = [b.internal(uid, int(f)) for f in external]
    return internal if all(b.owns_folder(uid, f) for f in internal) else None


@controller(_API)
@php_method(
    "BookmarkController::getBookmarks",
    "int $page = 0, ?array $tags = null, string $conjunction = 'or', string $sortby = '', array $search = [],"
    " int $limit = 10, bool $untagged = false, ?int $folder = null, ?string $url = null, ?bool $unavailable = null,"
    " ?bool $archived = null, ?bool $duplicated = null, bool $recursive = false, bool $deleted = false",
)
async def get_bookmarks(ctx: NcContext, request: Request) -> Response:
    """``GET /bookmark``: ``{"data": [...], "status": "success"}``; ``page`` x ``limit`` (``page=-1``: all)."""
    a = ctx.args
    tags, search = _array(ctx, request, "tags") or [], _array(ctx, request, "search") or []

    def work(b: BookmarksBackend, uid: str) -> Any:
        folder = None
        if a["folder"] is not None:
            folder = b.internal(uid, a["folder"])
            if not b.owns_folder(uid, folder):
                return _error(400, "Not found")
        found = b.find_all(
            uid, tags=tags, search=search, conjunction=a["conjunction"], url=a["url"], folder=folder,
            untagged=a["untagged"],
        )  # fmt: skip
        if a["page"] != -1:
            found = found[a["page"] * a["limit"] : (a["page"] + 1) * a["limit"]] if a["limit"] >= 0 else found
        return {"data": [b.as_array(uid, bm) for bm in found], "status": "success"}

    return _run(ctx, work)


@controller(_API)
@php_method("BookmarkController::getSingleBookmark", "int $id")
async def get_single(ctx: NcContext, request: Request) -> Response:
    """``GET /bookmark/{id}``: ``{"item", "status"}``; another user's or a missing id is 404 ``Not found``."""
    bookmark_id = ctx.args["id"]

    def work(b: BookmarksBackend, uid: str) -> Any:
        bm = b.bookmarks.get(bookmark_id)
        if bm is None or bm.user != uid:
            return _error(404, "Not found")
        return {"item": b.as_array(uid, bm), "status": "success"}

    return _run(ctx, work)


@controller(_API)
@php_method(
    "BookmarkController::newBookmark",
    "string $url = '', ?string $title = null, ?string $description = null, ?array $tags = null,"
    " array $folders = [], ?string $target = null",
)
async def new_bookmark(ctx: NcContext, request: Request) -> Response:
    """``POST /bookmark``: the new bookmark - or the existing one with that URL, updated (``_addBookmark``)."""
    a = ctx.args
    tags = _array(ctx, request, "tags")

    def work(b: BookmarksBackend, uid: str) -> Any:
        folders = _own_folders(b, uid, list(a["folders"]))
        if folders is None:
            return _error(400, "Could not add bookmark")
        url = a["target"] or a["url"]
        if not url.strip():
            return _error(400, "Invalid URL")
        bm = b.create(uid, url, a["title"], a["description"], tags, folders or [b.root(uid)])
        return {"item": b.as_array(uid, bm), "status": "success"}

    return _run(ctx, work)


@controller(_API)
@php_method(
    "BookmarkController::editBookmark",
    "?int $id = null, ?string $url = null, ?string $title = null, ?string $description = null, ?array $tags = null,"
    " ?array $folders = null, ?string $target = null",
)
async def edit_bookmark(ctx: NcContext, request: Request) -> Response:
    """``PUT /bookmark/{id}``: only the fields sent change; ``tags`` and ``folders`` replace the old lists."""
    a = ctx.args
    tags = _array(ctx, request, "tags")

    def work(b: BookmarksBackend, uid: str) -> Any:
        bm = b.bookmarks.get(a["id"] or 0)
        if bm is None or bm.user != uid:
            return _error(404, "Could not edit bookmark")
        folders = None
        if a["folders"] is not None:
            folders = _own_folders(b, uid, list(a["folders"]))
            if folders is None:
                return _error(403, "Insufficient permissions")
        url = a["target"] or a["url"]
        if url is not None and not PROTOCOLS.match(url):
            return _error(400, "Invald URL")  # sic
        updated = b.update(uid, bm, url, a["title"], a["description"], tags, folders)
        return {"item": b.as_array(uid, updated) if updated else None, "status": "success"}

    return _run(ctx, work)


@controller(_API)
@php_method("BookmarkController::deleteBookmark", "int $id")
async def delete_bookmark(ctx: NcContext, request: Request) -> Response:
    """``DELETE /bookmark/{id}``: ``{"status": "success"}``, also for a missing or foreign id."""
    bookmark_id = ctx.args["id"]

    def work(b: BookmarksBackend, uid: str) -> Any:
        bm = b.bookmarks.get(bookmark_id)
        if bm is not None and bm.user == uid:
            del b.bookmarks[bookmark_id]
        return {"status": "success"}

    return _run(ctx, work)


@controller(_API)
@php_method("FoldersController::getFolders", "int $root = -1, int $layers = -1")
async def get_folders(ctx: NcContext, request: Request) -> Response:
    """``GET /folder``: the tree below ``root`` (``parent_folder`` -1 for the top level when ``root`` is -1)."""
    a = ctx.args

    def work(b: BookmarksBackend, uid: str) -> Any:
        root = b.internal(uid, a["root"])
        if not b.owns_folder(uid, root):
            return _error(404, "Not found")
        folders = b.subfolders(uid, root, a["layers"])
        if a["root"] == -1:
            for folder in folders:
                folder["parent_folder"] = -1
        return {"status": "success", "data": folders}

    return _run(ctx, work)


@controller(_API)
@php_method("FoldersController::addFolder", "string $title = '', int $parent_folder = -1")
async def add_folder(ctx: NcContext, request: Request) -> Response:
    """``POST /folder``: ``{"status", "item"}``; a parent the user may not write is 400."""
    a = ctx.args

    def work(b: BookmarksBackend, uid: str) -> Any:
        parent = b.internal(uid, a["parent_folder"])
        if not b.owns_folder(uid, parent):
            return _error(400, "Could not find parent folder")
        return {"status": "success", "item": b.add_folder(uid, a["title"], parent)}

    return _run(ctx, work)


@controller(_API)
@php_method("TagsController::fullTags", "bool $count = false")
async def full_tags(ctx: NcContext, request: Request) -> Response:
    """``GET /tag``: a bare JSON list of names, or ``[{name, count}]`` with ``count=true``."""
    count = ctx.args["count"]
    return _run(ctx, lambda b, uid: json_response(b.tags(uid, bool(count))))


_B = "/public/rest/v2"
ROUTES: list[BaseRoute] = [
    Route(f"{_B}/bookmark", get_bookmarks, methods=["GET"]),
    Route(f"{_B}/bookmark", new_bookmark, methods=["POST"]),
    Route(f"{_B}/bookmark/{{id:int}}", get_single, methods=["GET"]),
    Route(f"{_B}/bookmark/{{id}}", edit_bookmark, methods=["PUT"]),
    Route(f"{_B}/bookmark/{{id}}", delete_bookmark, methods=["DELETE"]),
    Route(f"{_B}/folder", get_folders, methods=["GET"]),
    Route(f"{_B}/folder", add_folder, methods=["POST"]),
    Route(f"{_B}/tag", full_tags, methods=["GET"]),
]


class BookmarksApp:
    """The bookmarks route group; absent (404 page) while the app is disabled."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.router = Router(ROUTES, redirect_slashes=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.state.app_enabled("bookmarks"):
            await html_error_page(404)(scope, receive, send)
            return
        await self.router(scope, receive, send)
