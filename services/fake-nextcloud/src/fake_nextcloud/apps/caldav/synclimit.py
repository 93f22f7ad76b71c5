"""``sync-collection`` REPORTs: the fake's numbered tokens (``synctoken``) swapped for Radicale's, and
``<d:limit><d:nresults>N</d:nresults></d:limit>`` (RFC 6578 §3.6) as Nextcloud answers it. Radicale ignores the
limit; the fake applies Nextcloud's rules around it.

- sabre-io/dav lib/DAV/Xml/Request/SyncCollectionReport.php reads ``nresults`` as ``(int)`` (0 = no limit) and
  lib/DAV/Sync/Plugin.php::syncCollection passes it to ``$node->getChanges($token, $level, $limit)``; a
  ``result_truncated`` change set adds a ``d:response`` for the collection with status 507
  (``sendSyncCollectionResponse``).
- Initial sync (no token) with a limit: apps/dav/lib/CalDAV/Calendar.php::getChanges throws
  ``OCA\\DAV\\Exception\\UnsupportedLimitOnInitialSyncException`` (InsufficientStorage, 507, no message;
  its ``serialize`` adds ``<d:number-of-matches-within-limits/>``), for every calendar, the birthday calendar
  included. apps/dav/lib/CardDAV/AddressBook.php::getChanges did the same until nextcloud/server#50092
  ("support result truncation for addressbook federation", merged June 2025, assumed in Nextcloud 32: the
  ``CARDDAV_TRUNCATION_SINCE`` switch): since then CardDavBackend::getChangesForAddressBook answers the first N
  cards (by card id) with ``result_truncated`` and the token ``init_<last card id>_<sync token at the start>``;
  that token continues with the cards after that id, and the last page carries the token of the start, so the
  next delta sync also reports what changed meanwhile.
- Later syncs with a limit: CalDavBackend::getChangesForCalendar / CardDavBackend::getChangesForAddressBook apply
  ``setMaxResults($limit)`` to the changes but still return the collection's *current* token and no
  ``result_truncated`` (nextcloud/server#50086, open): the changes past the limit are never reported. The fake
  keeps the first N of Radicale's changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit
from xml.etree import ElementTree as ET

from starlette.responses import Response

from fake_nextcloud.apps.caldav.cardstore import xml_bytes
from fake_nextcloud.apps.caldav.engine import SCRIPT_NAMES, CalDavEngine, Kind
from fake_nextcloud.apps.caldav.errors import PreconditionError, invalid_sync_token
from fake_nextcloud.apps.caldav.ns import DAV
from fake_nextcloud.apps.caldav.props import encode_path
from fake_nextcloud.apps.caldav.synctoken import PREFIX
from fake_nextcloud.apps.dav.xmlio import parse_body, q
from fake_nextcloud.core.urls import webroot

__all__ = ["CARDDAV_TRUNCATION_SINCE", "SyncLimit", "apply", "radicale_body", "read", "unsupported_limit"]

CARDDAV_TRUNCATION_SINCE = 32
_INIT = re.compile(r"^init_(\d+)_(\d+)$")


@dataclass
class SyncLimit:
    """A sync-collection request with a limit: ``limit`` (> 0), whether it is an initial sync, and for an initial
    sync continued with an ``init_`` token the last card id sent and the number of the token of the start."""

    limit: int
    initial: bool
    after: int = 0
    start: str | None = None


def radicale_body(engine: CalDavEngine, body: bytes, sync: SyncLimit | None) -> bytes:
    """A ``sync-collection`` REPORT body for Radicale: a token the fake issued becomes Radicale's, a continued
    initial sync (``init_`` token) an initial sync; a numbered token the fake never issued is InvalidSyncToken
    (sabre-io/dav lib/DAV/Sync/Plugin.php::syncCollection)."""
    root = parse_body(body)
    element = root.find(q(DAV, "sync-token")) if root is not None else None
    if root is None or element is None:
        return body
    token = (element.text or "").strip()
    if sync is not None and sync.start is not None:
        element.text = ""
    elif token.startswith(PREFIX):
        private = engine.tokens.private(token)
        if private is None:
            raise invalid_sync_token()
        element.text = private
    else:
        return body
    serialized: bytes = ET.tostring(root, encoding="utf-8")
    return serialized


def _php_int(text: str) -> int:
    """PHP ``(int)`` of a string: leading whitespace and digits, else 0."""
    match = re.match(r"\s*([+-]?\d+)", text)
    return int(match.group(1)) if match else 0


def unsupported_limit() -> PreconditionError:
    """apps/dav/lib/Exception/UnsupportedLimitOnInitialSyncException.php."""
    return PreconditionError(
        507,
        "OCA\\DAV\\Exception\\UnsupportedLimitOnInitialSyncException",
        "",
        q(DAV, "number-of-matches-within-limits"),
    )


def read(engine: CalDavEngine, kind: Kind, body: bytes) -> SyncLimit | None:
    """The limit of a sync-collection REPORT (``None`` without one); raises what Nextcloud throws for a limit on an
    initial sync."""
    root = parse_body(body)
    if root is None or root.tag != q(DAV, "sync-collection"):
        return None
    nresults = root.find(f"{q(DAV, 'limit')}/{q(DAV, 'nresults')}")
    limit = _php_int(nresults.text or "") if nresults is not None else 0
    if limit <= 0:
        return None  # `!$syncToken && $limit`: 0 is no limit
    token = (root.findtext(q(DAV, "sync-token")) or "").strip()
    resumed = _INIT.match(token[len(PREFIX) :]) if token.startswith(PREFIX) else None
    if resumed is not None and kind == "addressbooks":
        if engine.tokens.private(PREFIX + resumed.group(2)) is None:
            raise invalid_sync_token()
        return SyncLimit(limit, True, int(resumed.group(1)), resumed.group(2))
    if token:
        return SyncLimit(limit, False)
    if kind == "calendars" or engine.state.version[0] < CARDDAV_TRUNCATION_SINCE:
        raise unsupported_limit()
    return SyncLimit(limit, True)


def apply(engine: CalDavEngine, kind: Kind, uid: str, parts: list[str], sync: SyncLimit, answer: Response) -> Response:
    """The 207 answer of a sync-collection REPORT cut to the limit (see the module docstring)."""
    if answer.status_code != 207 or len(parts) != 2:
        return answer
    root = ET.fromstring(bytes(answer.body))  # noqa: S314 - the fake's own answer
    token = root.find(q(DAV, "sync-token"))
    responses = root.findall(q(DAV, "response"))
    truncated = False
    if sync.initial:
        collection = f"/{quote(uid)}/{quote(parts[1])}/"
        ids = {name: engine.cards.id_of(collection + quote(name)) or 0 for name in engine.cards.collection(collection)}
        page = sorted((i, n) for n, i in ids.items() if i > sync.after)[: sync.limit]
        keep = {n for _, n in page}
        truncated = len(page) >= sync.limit
        order = {n: index for index, (_, n) in enumerate(page)}
        for response in responses:
            root.remove(response)
        named = [(unquote(urlsplit(r.findtext(q(DAV, "href")) or "").path).rsplit("/", 1)[-1], r) for r in responses]
        kept = sorted(((order[n], r) for n, r in named if n in keep), key=lambda pair: pair[0])
        for index, (_, response) in enumerate(kept):
            root.insert(index, response)  # ordered by card id (nextcloud/server#59312)
        start = sync.start or ((token.text or "").rsplit("/", 1)[-1] if token is not None else "")
        if token is not None:
            token.text = PREFIX + (f"init_{page[-1][0]}_{start}" if truncated and page else start)
    else:
        for response in responses[sync.limit :]:
            root.remove(response)
    if truncated:
        home = f"{webroot()}{SCRIPT_NAMES[kind]}/{encode_path(uid)}/{encode_path(parts[1])}/"
        response = ET.Element(q(DAV, "response"))
        ET.SubElement(response, q(DAV, "href")).text = home
        ET.SubElement(response, q(DAV, "status")).text = "HTTP/1.1 507 Insufficient Storage"
        root.insert(list(root).index(token) if token is not None else len(root), response)
    headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
    return Response(xml_bytes(root), status_code=207, headers=headers)
