"""Parsing of WebDAV answers (207 multistatus) into small models; XML through defusedxml only.

Property names follow nextcloud/server apps/dav/lib/Connector/Sabre/FilesPlugin.php and the trash bin's
apps/files_trashbin/lib/Sabre (nc:trashbin-*); comments follow apps/dav/lib/Comments/CommentNode.php.

On an install under a sub-path the hrefs carry the web root (`/nextcloud/remote.php/dav/files/alice/a.txt`:
Sabre's base URI is `OC::$WEBROOT . '/remote.php/dav/'`), while callers name the collection root relative to the
base URL (`/remote.php/dav/files/alice/`); `relative_path` cuts at the root wherever the web root ends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
from pydantic import BaseModel

from nextcloud_mcp.core.errors import ProtocolError

__all__ = [
    "NC",
    "NS",
    "OC",
    "D",
    "DavEntry",
    "ok_props",
    "parse_comments",
    "parse_multistatus",
    "parse_xml",
    "relative_path",
]

D, OC, NC = "DAV:", "http://owncloud.org/ns", "http://nextcloud.org/ns"
NS = f'xmlns:d="{D}" xmlns:oc="{OC}" xmlns:nc="{NC}"'


class DavEntry(BaseModel):
    """One `d:response` of a multistatus, with the Nextcloud properties that were present."""

    href: str
    path: str  # relative to the collection root the request was made under
    is_dir: bool
    size: int | None = None
    modified: str | None = None  # ISO 8601 UTC
    etag: str | None = None  # unquoted
    content_type: str | None = None
    file_id: int | None = None
    permissions: str | None = None
    favorite: bool = False
    has_preview: bool = False
    trash_name: str | None = None
    original_location: str | None = None
    deleted: str | None = None


def parse_xml(body: bytes, what: str) -> Element:
    """Parse a DAV answer with defusedxml; anything unparsable is a `ProtocolError` naming `what`."""
    try:
        tree: Element = SafeET.fromstring(body)
    except Exception as exc:  # defusedxml raises ParseError or its own DefusedXmlException
        raise ProtocolError(f"Nextcloud sent {what} that cannot be parsed ({type(exc).__name__}).") from exc
    return tree


def ok_props(response: Element) -> dict[str, Element]:
    """The properties of one `d:response` that came back with status 200 (others are left out)."""
    props: dict[str, Element] = {}
    for propstat in response.findall(f"{{{D}}}propstat"):
        if " 200 " not in (propstat.findtext(f"{{{D}}}status") or "") + " ":
            continue
        prop = propstat.find(f"{{{D}}}prop")
        for child in prop if prop is not None else []:
            props[child.tag] = child
    return props


def _iso(http_date: str | None) -> str | None:
    if not http_date:
        return None
    try:
        return parsedate_to_datetime(http_date).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None


def relative_path(decoded: str, root_path: str) -> str:
    """The decoded href path `decoded` relative to the collection `root_path` (`/remote.php/dav/files/alice/`,
    relative to the base URL). An href that starts with a web root (`/nextcloud/remote.php/...`) is cut after
    the first occurrence of `root_path`: a web root cannot contain the DAV collection path, so that occurrence
    is the one right after it. Anything else is returned unchanged."""
    if decoded.startswith(root_path):
        return decoded[len(root_path) :]
    at = decoded.find(root_path) if root_path.startswith("/") else -1
    return decoded[at + len(root_path) :] if at > 0 else decoded


def parse_multistatus(body: bytes, root_path: str) -> list[DavEntry]:
    """Parse a 207 body; `root_path` is the decoded URL path (relative to the base URL) the entries' paths are
    made relative to."""
    entries = []
    for resp in parse_xml(body, "WebDAV XML").findall(f"{{{D}}}response"):
        href = resp.findtext(f"{{{D}}}href") or ""
        props = ok_props(resp)

        def text(tag: str, p: dict[str, Element] = props) -> str | None:
            el = p.get(tag)
            return el.text if el is not None and el.text is not None else None

        rtype = props.get(f"{{{D}}}resourcetype")
        is_dir = rtype is not None and rtype.find(f"{{{D}}}collection") is not None
        rel = relative_path(unquote(urlsplit(href).path), root_path)
        size = _int(text(f"{{{OC}}}size"))
        if size is None:
            size = _int(text(f"{{{D}}}getcontentlength"))
        etag = text(f"{{{D}}}getetag")
        deletion = _int(text(f"{{{NC}}}trashbin-deletion-time"))
        entries.append(
            DavEntry(
                href=href,
                path=rel.strip("/"),
                is_dir=is_dir,
                size=size,
                modified=_iso(text(f"{{{D}}}getlastmodified")),
                etag=etag.strip('"') if etag else None,
                content_type=text(f"{{{D}}}getcontenttype"),
                file_id=_int(text(f"{{{OC}}}fileid")),
                permissions=text(f"{{{OC}}}permissions"),
                favorite=text(f"{{{OC}}}favorite") == "1",
                has_preview=text(f"{{{NC}}}has-preview") == "true",
                trash_name=text(f"{{{NC}}}trashbin-filename"),
                original_location=text(f"{{{NC}}}trashbin-original-location"),
                deleted=datetime.fromtimestamp(deletion, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if deletion else None,
            )
        )
    return entries


def parse_comments(body: bytes) -> list[dict[str, Any]]:
    out = []
    for resp in parse_xml(body, "comments XML").findall(f"{{{D}}}response"):
        prop = resp.find(f"{{{D}}}propstat/{{{D}}}prop")
        if prop is None:
            continue
        out.append(
            {
                "id": prop.findtext(f"{{{OC}}}id") or "",
                "author": prop.findtext(f"{{{OC}}}actorDisplayName") or prop.findtext(f"{{{OC}}}actorId") or "",
                "message": prop.findtext(f"{{{OC}}}message") or "",
                "created": _iso(prop.findtext(f"{{{OC}}}creationDateTime")) or "",
            }
        )
    return out
