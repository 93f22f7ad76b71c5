"""HTTP and WebDAV preconditions, as sabre-io/dav lib/DAV/Server.php::checkPreconditions checks them.

``Server::invokeMethod`` runs it for **every** method, after the ``beforeMethod`` plugins and before the method's
handler (so a MOVE/COPY is refused before ``getCopyAndMoveInfo`` looks at the destination):

* ``If-Match``: the resource must exist (412 otherwise); unless the header is exactly ``*``, one of its
  comma-separated entity tags must equal the node's ``getETag()`` (quoted, ``"…"``). Only files (``IFile``) have an
  ETag here: a folder never matches. A 412 carries the node's ``ETag`` header.
* ``If-None-Match``: on an existing resource, ``*`` or a matching ETag is a 304 for GET (with ``ETag``) and a 412
  for every other method, HEAD included (``CorePlugin::httpHead`` re-dispatches HEAD as GET, but the HEAD request
  itself went through ``invokeMethod`` first).
* ``If-Modified-Since`` (only without ``If-None-Match``): 304 with ``Last-Modified`` when the node is not newer,
  whatever the method; ``If-Unmodified-Since``: 412 when it is newer. Dates are ``Sabre\\HTTP\\parseDate``'s three
  formats; anything else is ignored. A missing resource is a 404 there.
* ``If`` (RFC 4918 section 10.4, ``Server::getIfConditions``): lists, each optionally tagged with a resource
  (``<uri> (...)``; a tag is only recognised when exactly one whitespace separates it from the list), untagged
  lists apply to the request URI, later untagged lists extend the previous resource's alternatives. A list holds
  at most one state token (``<…>``) and one entity tag (``[…]``), optionally negated (``Not``). A resource's
  condition holds when one list holds: its token valid (no token counts as valid) and its ETag equal to the
  resource's (``==``), XOR ``Not``. Each tagged URI goes through ``Server::calculateUri`` (403 outside the base
  URI); checking an ETag of a missing resource is a 404. Failure: 412 "Failed to find a valid token/etag
  combination for <path>" with ``<s:header>If</s:header>``.
* State tokens: plugins mark tokens valid on ``validateTokens``. Nextcloud loads no lock plugin, so a lock token
  never validates (``(<opaquelocktoken:…>)`` fails, ``(Not <opaquelocktoken:…>)`` holds); only
  ``FakeLockerPlugin`` (apps/dav/lib/Connector/Sabre/FakeLockerPlugin.php::validateTokens), added for the user
  agents ``/WebDAVFS/``, ``/OneNote/``, ``/^Microsoft-WebDAV/`` (apps/dav/lib/Server.php; the legacy
  ``/remote.php/webdav`` ServerFactory: ``/Microsoft-WebDAV-MiniRedir/``), declares every ``opaquelocktoken:``
  valid. Sync tokens (``Sync\\Plugin::validateTokens``) only validate on sync collections (calendars, address books).

Header values with several fields are joined with ``", "`` as PHP's SAPI hands them to Sabre.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.dav.models import DavBackend, DavError, not_found
from fake_nextcloud.apps.dav.transfer import PreconditionFailed, calculate_uri
from fake_nextcloud.apps.dav.xmlio import http_date
from fake_nextcloud.core.state import User

__all__ = ["Resolver", "Target", "check_preconditions", "if_conditions", "resolver"]

#: sabre-io/dav Server::getIfConditions, verbatim (PCRE flags ``im``)
_IF_LIST = re.compile(
    r"(?:<(?P<uri>.*?)>\s)?\((?P<not>Not\s)?(?:<(?P<token>[^>]*)>)?(?:\s?)(?:\[(?P<etag>[^\]]*)\])?\)",
    re.IGNORECASE | re.MULTILINE,
)
_PHP_NUMERIC = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_LOCKER_AGENTS = {
    False: (re.compile("WebDAVFS"), re.compile("OneNote"), re.compile("^Microsoft-WebDAV")),
    True: (re.compile("WebDAVFS"), re.compile("OneNote"), re.compile("Microsoft-WebDAV-MiniRedir")),
}
#: sabre-io/http parseDate: IMF-fixdate, RFC 850, asctime
_MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"([0-1]\d|2[0-3])(:[0-5]\d){2}"
_DATE_FORMATS = (
    (
        re.compile(rf"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (0[1-9]|[12]\d|3[01]) {_MONTH} [1-9]\d{{3}} {_TIME} GMT$"),
        "%a, %d %b %Y %H:%M:%S GMT",
    ),
    (
        re.compile(
            rf"^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (0[1-9]|[12]\d|3[01])-{_MONTH}-\d{{2}}"
            rf" {_TIME} GMT$"
        ),
        "%A, %d-%b-%y %H:%M:%S GMT",
    ),
    (
        re.compile(rf"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) {_MONTH} ([12]\d|3[01]| [1-9]) {_TIME} [1-9]\d{{3}}$"),
        "%a %b %d %H:%M:%S %Y",
    ),
)


@dataclass(frozen=True)
class Target:
    """What the checks read of a node: ``etag`` is ``IFile::getETag()`` (``None`` when the node is no file:
    folders, collections), ``mtime`` ``INode::getLastModified()`` (``None`` when it has none)."""

    etag: str | None = None
    mtime: int | None = None


#: A Sabre path (below the base URI, decoded, no slashes around) -> its node; a ``DavError`` 404 when missing.
Resolver = Callable[[str], Target]


@dataclass
class _Token:
    negate: bool
    token: str
    etag: str


@dataclass
class IfCondition:
    uri: str
    tokens: list[_Token] = field(default_factory=list)


def _truthy(value: str | None) -> bool:
    """PHP truthiness of a string: ``""`` and ``"0"`` are false."""
    return bool(value) and value != "0"


def _loose_equal(left: str, right: str) -> bool:
    """PHP 8 ``==`` between two strings: numerically when both are numeric strings."""
    if _PHP_NUMERIC.match(left) and _PHP_NUMERIC.match(right):
        return float(left) == float(right)
    return left == right


def _header(request: Request, name: str) -> str:
    return ", ".join(request.headers.getlist(name))


def _parse_date(value: str) -> int | None:
    text = value.strip(" ")
    for pattern, fmt in _DATE_FORMATS:
        if pattern.match(text):
            try:
                parsed = datetime.strptime(" ".join(text.split()), fmt)
            except ValueError:
                return None
            return int(parsed.replace(tzinfo=UTC).timestamp())
    return None


def if_conditions(header: str, request_uri: str, base: str) -> list[IfCondition]:
    """``Server::getIfConditions``: the ``If`` header as conditions per resource (Sabre paths)."""
    if not _truthy(header):
        return []
    conditions: list[IfCondition] = []
    for match in _IF_LIST.finditer(header):
        uri = match.group("uri") or ""
        token = _Token(bool(match.group("not")), match.group("token") or "", match.group("etag") or "")
        if not _truthy(uri) and conditions:
            conditions[-1].tokens.append(token)
        else:
            conditions.append(IfCondition(calculate_uri(uri, base) if _truthy(uri) else request_uri, [token]))
    return conditions


def _lookup(resolve: Resolver, path: str) -> Target | None:
    try:
        return resolve(path)
    except DavError as exc:
        if exc.status == 404:
            return None
        raise


def check_preconditions(
    request: Request, path: str, base: str, resolve: Resolver, *, legacy: bool = False
) -> Response | None:
    """Raise on a failed precondition; a 304 response when Sabre answers one; ``None`` to go on. ``path`` is the
    request's Sabre path, ``base`` the base URI (with the webroot)."""
    node: Target | None = None
    etag: str | None = None
    if_match = _header(request, "if-match")
    if _truthy(if_match):
        node = _lookup(resolve, path)
        if node is None:
            raise PreconditionFailed("An If-Match header was specified and the resource did not exist", "If-Match")
        if if_match != "*":
            etag = node.etag
            matched = any(
                etag is not None and (item.strip(" ") == etag or item.strip(" ").replace('\\"', '"') == etag)
                for item in if_match.split(",")
            )  # the second form: Evolution's \"-prefixed quotes
            if not matched:
                raise PreconditionFailed(
                    "An If-Match header was specified, but none of the specified ETags matched.",
                    "If-Match",
                    {"ETag": etag} if etag else None,
                )
    if_none = _header(request, "if-none-match")
    if _truthy(if_none):
        if node is None:
            node = _lookup(resolve, path)
        if node is not None:
            matched = if_none == "*"
            if not matched:
                etag = node.etag
                matched = etag is not None and any(item.strip(" ") == etag for item in if_none.split(","))
            if matched:
                headers = {"ETag": etag} if etag else {}
                if request.method == "GET":
                    return Response(status_code=304, headers=headers)
                raise PreconditionFailed(
                    "An If-None-Match header was specified, but the ETag matched (or * was specified).",
                    "If-None-Match",
                    headers,
                )
    since = _header(request, "if-modified-since")
    if not _truthy(if_none) and _truthy(since) and (date := _parse_date(since)) is not None:
        node = node or resolve(path)
        if node.mtime and node.mtime <= date:
            return Response(status_code=304, headers={"Last-Modified": http_date(node.mtime)})
    unmodified = _header(request, "if-unmodified-since")
    if _truthy(unmodified) and (date := _parse_date(unmodified)) is not None:
        node = node or resolve(path)
        if node.mtime and node.mtime > date:
            raise PreconditionFailed(
                "An If-Unmodified-Since header was specified, but the entity has been changed since the specified"
                " date.",
                "If-Unmodified-Since",
            )
    _check_if(request, path, base, resolve, legacy)
    return None


def _check_if(request: Request, path: str, base: str, resolve: Resolver, legacy: bool) -> None:
    agent = request.headers.get("user-agent", "")
    fake_locker = any(pattern.search(agent) for pattern in _LOCKER_AGENTS[legacy])
    for condition in if_conditions(_header(request, "if"), path, base):
        for token in condition.tokens:
            token_valid = (fake_locker and token.token.startswith("opaquelocktoken:")) or not _truthy(token.token)
            etag_valid = not _truthy(token.etag)
            if _truthy(token.etag) and token_valid:
                current = resolve(condition.uri).etag
                etag_valid = current is not None and _loose_equal(current, token.etag)
            if (token_valid and etag_valid) != token.negate:
                break
        else:
            raise PreconditionFailed(f"Failed to find a valid token/etag combination for {condition.uri}", "If")


def resolver(backend: DavBackend, user: User, *, legacy: bool, elsewhere: Collection[str] = ()) -> Resolver:
    """Sabre's ``tree->getNodeForPath`` for the fake's DAV tree as ``user`` sees it. ``legacy``: paths are below
    ``/remote.php/webdav/`` (the user's files). ``elsewhere``: top-level collections served by other apps
    (CalDAV/CardDAV), taken as existing collections without an ETag."""

    def files(uid: str, sub: str) -> Target:
        node = backend.get(uid, sub)
        if node is None:
            raise not_found(sub)
        return Target(None if node.is_dir else f'"{node.etag}"', node.mtime)

    def resolve(path: str) -> Target:
        if legacy:
            return files(user.uid, path)
        head, _, rest = path.partition("/")
        owner, _, sub = rest.partition("/")
        if not head or head in elsewhere or (not owner and head in _ROOTS):
            return Target()
        if head not in _ROOTS:
            raise DavError(404, "NotFound", f"File with name {head} could not be located")
        if head == "comments":
            return Target()  # comments/files/{id}[/{comment}] (the handler answers 404 for unknown ones)
        if owner != user.uid:
            if head == "files" and not sub:
                return Target()  # RootCollection::getChildForPrincipal: another user's home is an empty collection
            raise not_found(sub or owner)
        if head == "files":
            return files(owner, sub)
        return _special(backend, owner, head, sub)

    return resolve


_ROOTS = frozenset({"files", "trashbin", "versions", "uploads", "comments"})


def _special(backend: DavBackend, uid: str, head: str, sub: str) -> Target:
    """Trash bin, versions and uploads nodes: apps/files_trashbin AbstractTrash::getETag (the unquoted file-cache
    etag; folders are no IFile), apps/files_versions VersionFile::getETag (the revision id); upload folders,
    chunks and ``.file`` are taken as existing without an ETag."""
    parts = [p for p in sub.split("/") if p]
    if head == "trashbin" and len(parts) == 2 and parts[0] == "trash":
        item = next((i for i in backend.trash.get(uid, []) if i.name == parts[1]), None)
        if item is None:
            raise not_found(parts[1])
        first = item.nodes[0]
        return Target(None if first.is_dir else first.etag, first.mtime)
    if head == "versions" and len(parts) >= 2 and parts[0] == "versions" and parts[1].isdigit():
        if backend.find_by_id(uid, int(parts[1])) is None:
            raise not_found(parts[1])
        if len(parts) == 2:
            return Target()
        version = next((v for v in backend.versions.get(int(parts[1]), []) if str(v.mtime) == parts[2]), None)
        if version is None:
            raise not_found(parts[2])
        return Target(str(version.mtime), version.mtime)
    if head == "uploads" and parts:
        upload = backend.uploads.get((uid, parts[0]))
        chunk_missing = (
            len(parts) > 1
            and parts[1] != ".file"
            and not (upload is not None and parts[1].isdigit() and int(parts[1]) in upload.chunks)
        )
        if upload is None or chunk_missing:
            raise not_found(parts[-1])
    return Target()
