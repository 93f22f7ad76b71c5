"""Unified search (core ``UnifiedSearchController``): ``GET /search/providers`` and
``GET /search/providers/{providerId}/search?term=&limit=&cursor=`` under ``/ocs/v{1,2}.php``.

Providers: ``files`` (apps/files/lib/Search/FilesSearchProvider.php, over the DAV tree) and ``notes``
(nextcloud/notes lib/AppInfo/SearchProvider.php, over the notes backend; only while the app is enabled), and Talk's
``talk-message`` and ``talk-conversations`` (apps/spreed/search.py, which knows Talk's rooms; only while spreed is
enabled). The search app imports the providers' apps (files, notes, spreed), as Nextcloud's SearchComposer loads
the providers the apps registered; no app imports search.

Controller arguments (``@php_method``, core/Controller/UnifiedSearchController.php, stable28+ = the v31.0.9
OpenAPI spec in ``openapi/core.json``): ``getProviders(string $from = '')``, ``search(string $providerId, string
$term = '', ?int $sortOrder = null, ?int $limit = null, $cursor = null, string $from = '')`` - nothing is
required; ``$cursor`` is untyped (an int or a string cursor, passed through as sent).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.dav.models import DavBackend
from fake_nextcloud.apps.notes.models import NotesBackend
from fake_nextcloud.apps.spreed import search as talk
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.php import php_int
from fake_nextcloud.core.signature import php_method

__all__ = ["SEARCH_ROUTES"]

#: FilesSearchProvider::getSupportedFilters + core FilterDefinition types
_FILES_FILTERS = {
    "term": "string",
    "since": "datetime",
    "until": "datetime",
    "person": "person",
    "min-size": "integer",
    "max-size": "integer",
    "mime": "string",
    "type": "string",
    "path": "string",
    "is-favorite": "bool",
    "title-only": "bool",
}
_DEFAULT_LIMIT = 25  # UnifiedSearchController::search: $limit = 25
_MAX_LIMIT = 25  # max(1, min($limit, 25)); later releases read unified-search.max-results-per-request (25)


def _providers(ctx: NcContext) -> list[dict[str, Any]]:
    providers = [
        {
            "id": "files",
            "appId": "files",
            "name": "Files",
            "icon": ctx.absolute_url("/apps/files/img/app.svg"),
            "order": 5,  # FilesSearchProvider::getOrder (-5 only inside the Files app)
            "triggers": ["files"],
            "filters": dict(_FILES_FILTERS),
            "inAppSearch": False,
        }
    ]
    if ctx.state.app_enabled("notes"):
        providers.append(
            {
                "id": "notes",
                "appId": "notes",
                "name": "Notes",
                "icon": ctx.absolute_url("/apps/notes/img/notes-dark.svg"),
                "order": 30,  # notes SearchProvider::getOrder (-1 only inside the Notes app)
                "triggers": ["notes"],
                "filters": {"term": "string", "since": "datetime", "until": "datetime"},
                "inAppSearch": False,
            }
        )
    providers += talk.talk_providers(ctx)
    return sorted(providers, key=lambda p: (p["order"], p["id"]))


@controller(Annotations(ocs=True))
@php_method("UnifiedSearchController::getProviders", "string $from = ''")
async def list_providers(ctx: NcContext, request: Request) -> OcsResult:
    """``UnifiedSearchController::getProviders``."""
    return OcsResult(_providers(ctx))


@controller(Annotations(ocs=True))
@php_method(
    "UnifiedSearchController::search",
    "string $providerId, string $term = '', ?int $sortOrder = null, ?int $limit = null, $cursor = null,"
    " string $from = ''",
)
async def search(ctx: NcContext, request: Request) -> OcsResult:
    """``UnifiedSearchController::search``: unknown provider -> 404 (``NotFoundResponse`` in the OCS envelope);
    an empty term on a provider yields no entries."""
    assert ctx.user is not None
    a = ctx.args
    provider = a["providerId"]
    if provider not in {p["id"] for p in _providers(ctx)}:
        raise OcsError(404, "")
    term = a["term"].strip().lower()
    limit = max(1, min(_DEFAULT_LIMIT if a["limit"] is None else a["limit"], _MAX_LIMIT))
    raw_cursor = a["cursor"]
    cursor = 0 if raw_cursor is None or isinstance(raw_cursor, list | dict) else php_int(raw_cursor)
    if provider == talk.MESSAGES:  # the custom filter arrives as a request parameter (SearchComposer filters)
        return OcsResult(talk.search_messages(ctx, a["term"], limit, cursor, request.query_params.get("conversation")))
    if provider == talk.CONVERSATIONS:  # its cursor is a token
        token = raw_cursor if isinstance(raw_cursor, str) else ""
        return OcsResult(talk.search_conversations(ctx, a["term"], limit, token))
    if provider == "files":
        return OcsResult(_search_files(ctx, term, limit, cursor))
    return OcsResult(_search_notes(ctx, term))


def _search_files(ctx: NcContext, term: str, limit: int, cursor: int) -> dict[str, Any]:
    """FilesSearchProvider::search: name ``ILIKE %term%``, offset cursor, ``SearchResult::paginated``."""
    assert ctx.user is not None
    backend = DavBackend.of(ctx.state)
    matches = [n for n in backend.children(ctx.user.uid, "", recursive=True) if term and term in n.name.lower()]
    matches.sort(key=lambda n: (-n.mtime, n.path))
    entries = []
    for node in matches[cursor : cursor + limit]:
        folder = node.path.rsplit("/", 1)[0] if "/" in node.path else ""
        entries.append(
            {
                "thumbnailUrl": ""
                if node.is_dir
                else ctx.absolute_url(f"/index.php/core/preview?fileId={node.file_id}&x=32&y=32"),
                "title": node.name,
                "subline": f"in {folder}" if folder else "",  # FilesSearchProvider::formatSubline
                "resourceUrl": ctx.absolute_url(f"/index.php/f/{node.file_id}"),
                "icon": "icon-folder" if node.is_dir else "icon-filetype-file",
                "rounded": False,
                # real attributes are an object (fileId, path); the neon spec's "array of string" is wrong
                "attributes": {"fileId": str(node.file_id), "path": f"/{node.path}"},
            }
        )
    return {"name": "Files", "isPaginated": True, "entries": entries, "cursor": cursor + limit}


def _search_notes(ctx: NcContext, term: str) -> dict[str, Any]:
    """notes SearchProvider::search: title or content contains the term; ``SearchResult::complete``."""
    assert ctx.user is not None
    backend = NotesBackend.of(ctx.state)
    entries = []
    for note in backend.notes(ctx.user.uid):
        if not term or (term not in note.title.lower() and term not in note.read_content().lower()):
            continue
        entries.append(
            {
                "thumbnailUrl": "",
                "title": note.title,
                "subline": backend.category_of(ctx.user.uid, note),
                "resourceUrl": ctx.absolute_url(f"/index.php/apps/notes/note/{note.id}"),
                "icon": "icon-notes-trans",
                "rounded": False,
                "attributes": [],
            }
        )
    return {"name": "Notes", "isPaginated": False, "entries": entries, "cursor": None}


SEARCH_ROUTES: list[BaseRoute] = [
    Route("/search/providers", list_providers, methods=["GET"]),
    Route("/search/providers/{providerId}/search", search, methods=["GET"]),
]
