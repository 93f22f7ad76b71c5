"""``/remote.php/dav`` and ``/remote.php/webdav``: a raw ASGI app (request and response bodies are streamed).

======================================================  ===================================================
``/remote.php/dav/files/{uid}/{path}``                  PROPFIND, PROPPATCH, REPORT, MKCOL, PUT, GET, HEAD,
                                                        MOVE, COPY, DELETE
``/remote.php/webdav/{path}``                           the same for the logged-in user (legacy endpoint)
``/remote.php/dav/trashbin/{uid}/trash[/{name}]``       PROPFIND, DELETE; MOVE to ``…/restore/{name}``
``/remote.php/dav/versions/{uid}/versions/{fileid}``    PROPFIND, GET ``…/{version}``; MOVE to ``…/restore/target``
``/remote.php/dav/uploads/{uid}/{id}[/{n}|/.file]``     chunked upload v2: MKCOL, PUT, MOVE ``.file``, DELETE
``/remote.php/dav/comments/files/{fileid}``             PROPFIND, REPORT ``oc:filter-comments``, POST (JSON)
``/remote.php/dav/systemtags[/{id}]``                   PROPFIND, POST (JSON), PROPPATCH, DELETE (``systemtag_dav``)
``/remote.php/dav/systemtags-relations/files/{fid}``    PROPFIND, POST (JSON); PUT/DELETE ``…/{id}`` (un)assign
``REPORT oc:filter-files``                              on a folder of ``/files/{uid}``: favorite and systemtag
                                                        rules (``report``)
``SEARCH /remote.php/dav``                              RFC 5323 basicsearch over ``/files/{uid}``
``PROPFIND|OPTIONS /remote.php/dav``                    CalDAV/CardDAV discovery (``apps/caldav``)
``/remote.php/dav/principals/users/{uid}/``             principals (``apps/caldav``)
``/remote.php/dav/calendars/{uid}/…``                   CalDAV: Radicale behind Nextcloud's layout (``apps/caldav``)
``/remote.php/dav/addressbooks/users/{uid}/…``          CardDAV (``apps/caldav``)
======================================================  ===================================================
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from fake_nextcloud.apps.caldav import routes as caldav
from fake_nextcloud.apps.dav import comments, report, search, systemtag_dav, trash, uploads
from fake_nextcloud.apps.dav.models import DavBackend, DavError, Node, normalize
from fake_nextcloud.apps.dav.preconditions import check_preconditions, resolver
from fake_nextcloud.apps.dav.systemtag_props import file_tags
from fake_nextcloud.apps.dav.systemtag_tree import COLLECTIONS as SYSTEMTAG_COLLECTIONS
from fake_nextcloud.apps.dav.systemtag_tree import target_resolver
from fake_nextcloud.apps.dav.systemtags import SystemTagStore
from fake_nextcloud.apps.dav.transfer import (
    copy_move_info,
    file_response,
    insufficient_storage,
    put_headers,
    request_path,
    sabre_base,
    stream_to_blob,
)
from fake_nextcloud.apps.dav.xmlio import (
    NC,
    OC,
    PropValue,
    error_response,
    href,
    multistatus,
    node_props,
    parse_propfind,
    proppatch_values,
    q,
)
from fake_nextcloud.core.context import get_context
from fake_nextcloud.core.state import FakeState, User

__all__ = ["DavApp"]

_FORBIDDEN = "Forbidden"


def _not_authenticated() -> DavError:
    # apps/dav/lib/Connector/Sabre/Auth.php::auth + sabre-io/dav lib/DAV/Auth/Plugin.php::beforeMethod
    return DavError(
        401,
        "NotAuthenticated",
        "No public access to this resource., No 'Authorization: Basic' header found. Either the client didn't send"
        " one, or the server is misconfigured, No 'Authorization: Bearer' header found. Either the client didn't"
        " send one, or the server is mis-configured",
    )


class DavApp:
    """Mounted at ``/remote.php``; dispatches on the DAV collection."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    @property
    def backend(self) -> DavBackend:
        return DavBackend.of(self.state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self._dispatch(request)
        except DavError as exc:
            headers: dict[str, str] = dict(getattr(exc, "headers", None) or {})
            if exc.status == 401:
                headers["WWW-Authenticate"] = 'Basic realm="Nextcloud", charset="UTF-8"'
            response = error_response(exc, headers or None)
        await response(scope, receive, send)

    async def _dispatch(self, request: Request) -> Response:
        ctx = get_context(request)
        user = ctx.user
        if user is None:
            raise _not_authenticated()
        path = request_path(request.scope)  # decoded once, as Sabre's Request::getPath
        if path.startswith("/remote.php"):  # mounted: Starlette keeps the full path in scope["path"]
            path = path[len("/remote.php") :]
        if path == "/webdav" or path.startswith("/webdav/"):
            return await self._files(request, user, user.uid, path[len("/webdav") :], "/remote.php/webdav")
        if caldav.handles(path) or (path.rstrip("/") == "/dav" and request.method in ("PROPFIND", "OPTIONS")):
            return await caldav.dispatch(self.state, request, user, path[len("/dav") :])
        if path.rstrip("/") == "/dav" and request.method == "SEARCH":
            return self._preconditions(request, user, path) or await search.search(self, request, user)
        if path.startswith("/dav/") and path[5:].split("/", 1)[0] in SYSTEMTAG_COLLECTIONS:
            early = self._preconditions(request, user, path)
            return early or await systemtag_dav.dispatch(self, request, user, path[5:])
        parts = path.split("/", 4)  # "", "dav", collection, uid, rest
        if len(parts) < 4 or parts[1] != "dav":
            raise DavError(404, "NotFound", f"File with name {path} could not be located")
        collection, owner = parts[2], parts[3]
        rest = parts[4] if len(parts) > 4 else ""
        prefix = f"/remote.php/dav/{collection}/{owner}"
        if collection == "files":
            return await self._files(request, user, owner, rest, prefix)
        # apps/dav/lib/Upload/ChunkingV2Plugin.php::beforePut handles a chunk PUT on beforeMethod:PUT and returns
        # false, so Sabre never reaches checkPreconditions for it
        chunk_put = collection == "uploads" and request.method == "PUT" and "/" in rest.strip("/")
        if not chunk_put and (early := self._preconditions(request, user, path)) is not None:
            return early
        if collection == "comments":
            return await comments.comments(self, request, user, "/".join(parts[3:]))
        if collection == "trashbin":
            return await trash.trashbin(self, request, user, owner, rest)
        if collection == "uploads":
            return await uploads.uploads(self, request, user, owner, rest)
        if collection == "versions":
            return await trash.versions(self, request, user, owner, rest)
        raise DavError(404, "NotFound", f"File with name {collection} could not be located")

    # -- files -------------------------------------------------------------------------------------------

    def _preconditions(self, request: Request, user: User, path: str) -> Response | None:
        """``Server::checkPreconditions`` for ``path`` (below ``/remote.php``); see ``preconditions``."""
        legacy = path == "/webdav" or path.startswith("/webdav/")
        prefix = "/remote.php/webdav" if legacy else "/remote.php/dav"
        sabre_path = path.removeprefix("/webdav" if legacy else "/dav").strip("/")
        resolve = resolver(self.backend, user, legacy=legacy, elsewhere=caldav.COLLECTIONS)
        if not legacy:
            resolve = target_resolver(self, user, resolve)
        return check_preconditions(request, sabre_path, sabre_base(prefix), resolve, legacy=legacy)

    async def _files(self, request: Request, user: User, owner: str, rest: str, prefix: str) -> Response:
        method = request.method
        path = normalize(rest)
        if method == "PUT" and owner == user.uid:
            self._auto_mkcol(request, user, path)
        sabre = "/webdav/" + path if prefix == "/remote.php/webdav" else f"/dav/files/{owner}/{path}"
        if (early := self._preconditions(request, user, sabre)) is not None:
            return early
        if owner != user.uid:
            # apps/dav/lib/Files/RootCollection.php::getChildForPrincipal: another user's home is an empty
            # SimpleCollection (nothing listed, nothing reachable below it)
            if path == "" and method == "PROPFIND":
                resource: PropValue = None
                return multistatus([(f"{prefix}/", {q("DAV:", "resourcetype"): resource})], None)
            raise DavError(404, "NotFound", f"File with name {path} could not be located")
        handler = {
            "PROPFIND": self._propfind,
            "PROPPATCH": self._proppatch,
            "REPORT": self._report,
            "MKCOL": self._mkcol,
            "PUT": self._put,
            "GET": self._get,
            "HEAD": self._get,
            "DELETE": self._delete,
            "MOVE": self._transfer,
            "COPY": self._transfer,
        }.get(method)
        if handler is None:
            raise DavError(501, "NotImplemented", f"There was no handler found for this {method!r} method")
        return await handler(request, user, path, prefix)

    def props_of(self, user: User, node: Node) -> dict[str, PropValue]:
        backend = self.backend
        size = backend.folder_size(user.uid, node)
        props = node_props(
            node, owner=user.uid, owner_name=user.display_name, size=size, quota_free=backend.free_space(user.uid)
        )
        # apps/dav/lib/SystemTag/SystemTagPlugin.php::propfindForFile
        props[q(NC, "system-tags")] = file_tags(SystemTagStore.of(self.state), user, node)
        return props

    async def _propfind(self, request: Request, user: User, path: str, prefix: str) -> Response:
        requested = parse_propfind(await request.body())
        node = self.backend.require(user.uid, path)
        depth = request.headers.get("depth", "infinity").lower()  # RFC 4918 9.1: no header = infinity
        nodes = [node]
        if node.is_dir and depth in ("1", "infinity"):
            # apps/dav/lib/Connector/Sabre/Server.php: $this->enablePropfindDepthInfinity = true
            nodes += self.backend.children(user.uid, path, recursive=depth == "infinity")
        return multistatus(((href(prefix, n.path, n.is_dir), self.props_of(user, n)) for n in nodes), requested)

    async def _proppatch(self, request: Request, user: User, path: str, prefix: str) -> Response:
        node = self.backend.require(user.uid, path)
        values = proppatch_values(await request.body())
        result: dict[str, PropValue] = {}
        for name, value in values.items():
            if name == q(OC, "favorite"):  # apps/dav/lib/Connector/Sabre/TagsPlugin.php::handleUpdateProperties
                node.favorite = value not in (None, "", "0", "false")
            elif value is None:
                node.props.pop(name, None)
            else:  # dead properties (apps/dav/lib/DAV/CustomPropertiesBackend.php)
                node.props[name] = value
            result[name] = None
        return multistatus([(href(prefix, node.path, node.is_dir), result)], None)

    async def _report(self, request: Request, user: User, path: str, prefix: str) -> Response:
        return await report.filter_files(self, request, user, path, prefix)

    async def _mkcol(self, request: Request, user: User, path: str, prefix: str) -> Response:
        if await request.body():
            raise DavError(
                415,
                "UnsupportedMediaType",
                "The request body for the MKCOL request must be empty",
            )
        self.backend.mkcol(user.uid, path)
        return Response(status_code=201, headers={"Content-Length": "0"})

    def _auto_mkcol(self, request: Request, user: User, path: str) -> None:
        """X-NC-WebDAV-AutoMkcol (NC 30): the missing parents of a PUT target are created on beforeMethod:PUT,
        before Server::checkPreconditions (so they stay when the precondition then fails)."""
        backend = self.backend
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        if request.headers.get("x-nc-webdav-automkcol") == "1" and parent and backend.get(user.uid, parent) is None:
            # apps/dav/lib/Connector/Sabre/FilesPlugin.php::onBeforeRequest (X-NC-WebDAV-AutoMkcol, NC 30)
            backend.mkcol(user.uid, parent, parents=True)

    async def _put(self, request: Request, user: User, path: str, prefix: str) -> Response:
        backend = self.backend
        existing = backend.get(user.uid, path)
        declared = request.headers.get("oc-total-length") or request.headers.get("content-length")
        free = backend.free_space(user.uid)
        replaced = existing.size if existing is not None and not existing.is_dir else 0
        if free is not None and declared is not None and declared.isdigit() and int(declared) > free + replaced:
            raise insufficient_storage(path, int(declared), free)
        staged, size = await stream_to_blob(backend, request, free + replaced if free is not None else None, path)
        mtime_header = request.headers.get("x-oc-mtime")
        mtime = int(float(mtime_header)) if mtime_header else None
        node, created = backend.put(user.uid, path, staged, size, mtime=mtime)
        headers = put_headers(user, node)
        if mtime is not None:
            headers["X-OC-MTime"] = "accepted"
        return Response(status_code=201 if created else 204, headers=headers)

    async def _get(self, request: Request, user: User, path: str, prefix: str) -> Response:
        node = self.backend.require(user.uid, path)
        if node.is_dir and request.method == "HEAD":
            # sabre-io/dav lib/DAV/CorePlugin.php::httpHead turns the GET sub-request's NotImplemented into a 200
            return Response(b"", 200, headers={"X-Sabre-Real-Status": "501"}, media_type="text/plain")
        if node.is_dir:
            # sabre-io/dav lib/DAV/Server.php::invokeMethod: no plugin handles GET on a collection (the
            # browser plugin is off in production; ZipFolderPlugin needs Accept: application/zip)
            raise DavError(
                501,
                "NotImplemented",
                "There was no plugin in the system that was willing to handle this GET method. Enable the Browser"
                " plugin to get a better result here.",
            )
        return file_response(request, node)

    async def _delete(self, request: Request, user: User, path: str, prefix: str) -> Response:
        self.backend.require(user.uid, path)
        self.backend.delete(user.uid, path)
        return Response(status_code=204, headers={"Content-Length": "0"})

    async def _transfer(self, request: Request, user: User, path: str, prefix: str) -> Response:
        """sabre-io/dav lib/DAV/CorePlugin.php::httpMove / httpCopy: ``Server::getCopyAndMoveInfo`` (destination,
        Depth, Overwrite, the destination's parent, 412 ``Overwrite``, identical URIs, destination inside the
        source), then apps/dav FilesPlugin::checkMove on ``beforeMove`` (the source must exist)."""
        backend = self.backend
        info = copy_move_info(request, backend, user.uid, prefix)
        base = prefix.removeprefix("/remote.php/webdav").removeprefix("/remote.php/dav").strip("/")
        source = "/".join(p for p in (base, path) if p)
        destination = "/".join(p for p in (base, info.destination) if p)
        if destination == source:
            raise DavError(403, _FORBIDDEN, "Source and destination uri are identical.")
        if destination.startswith(source + "/"):
            raise DavError(409, "Conflict", "The destination may not be part of the same subtree as the source path.")
        move = request.method == "MOVE"
        if move and info.depth is not None:
            raise DavError(400, "BadRequest", 'The HTTP Depth header must only contain "infinity" for MOVE')
        backend.require(user.uid, path)
        if move and source.startswith(destination + "/"):
            raise DavError(403, _FORBIDDEN, f"{source} cannot be moved to it's parent")
        created = backend.transfer(user.uid, path, info.destination, copy=not move, overwrite=True)
        return Response(status_code=201 if created else 204, headers={"Content-Length": "0"})
