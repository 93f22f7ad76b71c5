"""Notes API v1 (and the deprecated v0.2) at ``/index.php/apps/notes/api/…`` (also without ``index.php``).

Routes and requirements: nextcloud/notes ``appinfo/routes.php``. Controller:
``lib/Controller/NotesApiController.php``; error mapping and ``X-Notes-API-Versions``:
``lib/Controller/Helper.php::handleErrorResponse``. All API methods are ``#[CORS]``, ``#[NoCSRFRequired]``,
``#[NoAdminRequired]``; ``fail`` (the ``GET /api/{catchAll}`` route) is not ``#[CORS]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.apps.notes.attachments import get_attachment, upload_file
from fake_nextcloud.apps.notes.models import API_VERSIONS, ETagDoesNotMatch, NotesBackend, NotesError
from fake_nextcloud.apps.notes.naming import title_from_content
from fake_nextcloud.core.appframework import Annotations, controller, preflighted_cors, rfc2822
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import html_error_page, json_response
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.state import FakeState

__all__ = ["ROUTES", "NotesApp"]

_VERSIONS_HEADER = {"X-Notes-API-Versions": ", ".join(API_VERSIONS)}
_API = Annotations(cors=True, no_csrf=True)


def _uid(ctx: NcContext) -> str:
    assert ctx.user is not None  # guaranteed by the security checks
    return ctx.user.uid


def _handle(ctx: NcContext, respond: Callable[[NotesBackend, str], Response | Any]) -> Response:
    """``Helper::handleErrorResponse``: 412 carries the server's note; other failures
    ``{"errorType": "Exception"}`` (a failing file operation is a 500); every answer gets
    ``X-Notes-API-Versions``."""
    backend = NotesBackend.of(ctx.state)
    uid = _uid(ctx)
    try:
        result = respond(backend, uid)
        response = result if isinstance(result, Response) else json_response(result)
    except ETagDoesNotMatch as error:
        response = json_response(backend.note_data(uid, error.note), 412)
    except NotesError as error:
        response = json_response({"errorType": "Exception"}, error.status)
    except DavError:
        response = json_response({"errorType": "Exception"}, 500)
    response.headers.update(_VERSIONS_HEADER)
    return response


@controller(_API)
@php_method(
    "NotesApiController::index",
    "?string $category = null, string $exclude = '', int $pruneBefore = 0, int $chunkSize = 0,"
    " ?string $chunkCursor = null",
)
async def index(ctx: NcContext, request: Request) -> Response:
    """``GET /api/{v0.2|v1}/notes`` (``category``, ``exclude``, ``pruneBefore``, ``chunkSize``,
    ``chunkCursor``); ``ETag`` is md5 of the JSON of the keyed result, ``Last-Modified`` the sync start."""
    a = ctx.args
    category, exclude, prune_before = a["category"], a["exclude"].split(","), a["pruneBefore"]
    chunk_size, chunk_cursor = a["chunkSize"], a["chunkCursor"]

    def respond(backend: NotesBackend, uid: str) -> Response:
        page = backend.index(
            uid,
            category=category,
            exclude=exclude,
            prune_before=prune_before,
            chunk_size=chunk_size,
            chunk_cursor=chunk_cursor,
        )
        headers = {"Last-Modified": rfc2822(page.last_update)}
        if page.cursor is not None:
            headers["X-Notes-Chunk-Cursor"] = page.cursor
            headers["X-Notes-Chunk-Pending"] = str(page.pending)
        return json_response(page.entries, headers=headers, etag=page.etag)

    return _handle(ctx, respond)


@controller(_API)
@php_method("NotesApiController::get", "int $id, string $exclude = ''")
async def get_note(ctx: NcContext, request: Request) -> Response:
    """``GET /api/{v0.2|v1}/notes/{id}`` (``exclude``); ``ETag`` header = quoted ``etag`` attribute."""
    note_id, exclude = ctx.args["id"], ctx.args["exclude"].split(",")

    def respond(backend: NotesBackend, uid: str) -> Response:
        data = backend.note_data(uid, backend.get_note(uid, note_id), exclude)
        return json_response(data, etag=data["etag"])

    return _handle(ctx, respond)


def _create(ctx: NcContext, *, auto_title: bool) -> Response:
    a = ctx.args
    category, content, modified, favorite = a["category"], a["content"], a["modified"], a["favorite"]
    title = "" if auto_title else a["title"]
    if auto_title:
        title = title_from_content(content)

    def respond(backend: NotesBackend, uid: str) -> dict[str, Any]:
        note = backend.create(
            uid, title=title, category=category, content=content, modified=modified, favorite=favorite
        )
        return backend.note_data(uid, note)

    return _handle(ctx, respond)


@controller(_API)
@php_method(
    "NotesApiController::create",
    "string $category = '', string $title = '', string $content = '', int $modified = 0, bool $favorite = false",
)
async def create_note(ctx: NcContext, request: Request) -> Response:
    """``POST /api/v1/notes``: 200 (not 201); an empty title becomes "New note" (not derived from the
    content since API 1.0); collisions in the category get " (2)", " (3)"…"""
    return _create(ctx, auto_title=False)


@controller(_API)
@php_method(
    "NotesApiController::createAutoTitle",
    "string $category = '', string $content = '', int $modified = 0, bool $favorite = false",
)
async def create_note_auto_title(ctx: NcContext, request: Request) -> Response:
    """``POST /api/v0.2/notes`` (``createAutoTitle``): title from the first content line."""
    return _create(ctx, auto_title=True)


def _update(ctx: NcContext, request: Request, *, auto_title: bool) -> Response:
    a = ctx.args
    note_id, content, modified, category, favorite = a["id"], a["content"], a["modified"], a["category"], a["favorite"]
    title = None if auto_title else a["title"]
    if_match = ctx.header("If-Match")

    def respond(backend: NotesBackend, uid: str) -> dict[str, Any]:
        note = backend.get_note(uid, note_id)
        new_title = title
        if auto_title:
            new_title = title_from_content(note.read_content() if content is None else content)
        backend.check_etag(uid, note, if_match)
        backend.update(
            uid, note, content=content, modified=modified, title=new_title, category=category, favorite=favorite
        )
        return backend.note_data(uid, note)

    return _handle(ctx, respond)


@controller(_API)
@php_method(
    "NotesApiController::update",
    "int $id, ?string $content = null, ?int $modified = null, ?string $title = null, ?string $category = null,"
    " ?bool $favorite = null",
)
async def update_note(ctx: NcContext, request: Request) -> Response:
    """``PUT /api/v1/notes/{id}``: ``If-Match`` must contain the *quoted* etag (comma-separated list
    allowed), else 412 with the current note; read-only notes -> 403 unless nothing but ``favorite``
    changes."""
    return _update(ctx, request, auto_title=False)


@controller(_API)
@php_method(
    "NotesApiController::updateAutoTitle",
    "int $id, ?string $content = null, ?int $modified = null, ?string $category = null, ?bool $favorite = null",
)
async def update_note_auto_title(ctx: NcContext, request: Request) -> Response:
    """``PUT /api/v0.2/notes/{id}`` (``updateAutoTitle``)."""
    return _update(ctx, request, auto_title=True)


@controller(_API)
@php_method("NotesApiController::destroy", "int $id")
async def delete_note(ctx: NcContext, request: Request) -> Response:
    """``DELETE /api/{v0.2|v1}/notes/{id}``: 200 ``[]``; 403 read-only; 404."""
    note_id: int = ctx.args["id"]

    def respond(backend: NotesBackend, uid: str) -> list[Any]:
        backend.delete(uid, note_id)
        return []

    return _handle(ctx, respond)


@controller(_API)
@php_method("NotesApiController::getSettings")
async def get_settings(ctx: NcContext, request: Request) -> Response:
    """``GET /api/{v1|v1.4}/settings``: ``notesPath``, ``fileSuffix``, ``noteMode``."""
    return _handle(ctx, lambda backend, uid: backend.settings(uid))


@controller(_API)
@php_method("NotesApiController::setSettings")
async def set_settings(ctx: NcContext, request: Request) -> Response:
    """``PUT /api/v1/settings``: sanitised values are returned (request still succeeds)."""
    params = dict(ctx.params)
    return _handle(ctx, lambda backend, uid: backend.set_settings(uid, params))


@controller(Annotations(no_csrf=True))
@php_method("NotesApiController::fail")
async def fail(ctx: NcContext, request: Request) -> Response:
    """``GET /api/{catchAll}`` (``NotesApiController::fail``): 400 ``[]``, e.g. for a non-numeric id."""
    return _handle(ctx, lambda backend, uid: json_response([], 400))


@controller(_API)
@php_method("NotesApiController::uploadFile", "int $noteid")
async def attachment_upload(ctx: NcContext, request: Request) -> Response:
    """``POST /api/v1.4/attachment/{noteid}`` (``uploadFile``), through ``Helper::handleErrorResponse``."""
    return _handle(ctx, await upload_file(ctx, request))


def _routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for v in ("v0.2", "v1"):
        routes.append(Route(f"/api/{v}/notes", index, methods=["GET"]))
        routes.append(Route(f"/api/{v}/notes/{{id:int}}", get_note, methods=["GET"]))
    routes.append(Route("/api/v0.2/notes", create_note_auto_title, methods=["POST"]))
    routes.append(Route("/api/v1/notes", create_note, methods=["POST"]))
    routes.append(Route("/api/v0.2/notes/{id:int}", update_note_auto_title, methods=["PUT"]))
    routes.append(Route("/api/v1/notes/{id:int}", update_note, methods=["PUT"]))
    for v in ("v0.2", "v1"):
        routes.append(Route(f"/api/{v}/notes/{{id:int}}", delete_note, methods=["DELETE"]))
    routes.append(Route("/api/v1/settings", set_settings, methods=["PUT"]))
    for v in ("v1", "v1.4"):
        routes.append(Route(f"/api/{v}/settings", get_settings, methods=["GET"]))
    for v in ("v0.2", "v1"):
        routes.append(Route(f"/api/{v}/{{path:path}}", preflighted_cors, methods=["OPTIONS"]))
    routes.append(Route("/api/v1.4/attachment/{noteid:int}", get_attachment, methods=["GET"]))
    routes.append(Route("/api/v1.4/attachment/{noteid:int}", attachment_upload, methods=["POST"]))
    routes.append(Route("/api/{catchAll:path}", fail, methods=["GET"]))
    return routes


#: The Notes API routes, in ``appinfo/routes.php`` order (first match wins, as in Symfony routing).
ROUTES: list[BaseRoute] = _routes()


class NotesApp:
    """The notes route group. While the app is disabled its routes do not exist (Nextcloud only loads
    routes of enabled apps), so every path answers the real 404 page."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.router = Router(ROUTES, redirect_slashes=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.state.app_enabled("notes"):
            await html_error_page(404)(scope, receive, send)
            return
        await self.router(scope, receive, send)
