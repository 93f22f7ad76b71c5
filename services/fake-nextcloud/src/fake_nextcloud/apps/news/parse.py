"""Reading a feed document, as the News app's fetcher does with feed-io (the fake has no network).

nextcloud/news 28.7.0 (d615f01f, NC 32-34) ``lib/Fetcher/FeedFetcher.php::fetch`` reads the URL with feed-io
(``Reader::read``: any client or parser failure is a ``ReadErrorException`` carrying its message), and
``lib/Fetcher/Client/FeedIoClient.php`` words the HTTP failures: ``HTTP 404 Not Found: <url>``,
``HTTP <status> Client Error: <url>``, ``Transport error for <url>: <reason>``. feed-io's
``Standard::getAccurateParser`` refuses a document that is neither RSS nor Atom with
``No parser can handle this stream``. ``FeedServiceV2::create`` then tries auto-discovery (feed-io
``Explorer::discover``: the page's ``<link rel="alternate">`` feeds). RSS 2.0/0.9x/1.0 and Atom 1.0 are parsed here
with defusedxml; an item's GUID is its ``guid``/``id``, else its link (feed-io ``getPublicId``), and
``guidHash`` is ``md5(guid)`` (``FeedFetcher::buildItem``).
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from defusedxml import ElementTree  # type: ignore[import-untyped]

__all__ = ["FeedReadError", "ParsedEntry", "ParsedFeed", "discover", "host_of", "parse_feed"]

_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_DC = "{http://purl.org/dc/elements/1.1/}"
_RSS1 = "{http://purl.org/rss/1.0/}"
_NO_PARSER = "No parser can handle this stream"
_LINK = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


class FeedReadError(Exception):
    """feed-io's ``ReadErrorException`` (its message is what the API answers)."""


@dataclass
class ParsedEntry:
    guid: str
    title: str | None
    url: str | None
    author: str | None
    body: str | None
    pub_date: int | None
    enclosure_mime: str | None = None
    enclosure_link: str | None = None

    @property
    def guid_hash(self) -> str:
        return hashlib.md5(self.guid.encode()).hexdigest()  # noqa: S324 - md5 is what the app stores

    @property
    def fingerprint(self) -> str:
        """``Item::computeFingerprint``: md5 over title, url, body and enclosure link."""
        text = (self.title or "") + (self.url or "") + (self.body or "") + (self.enclosure_link or "")
        return hashlib.md5(text.encode()).hexdigest()  # noqa: S324


@dataclass
class ParsedFeed:
    title: str | None
    link: str | None
    entries: list[ParsedEntry] = field(default_factory=list)


def _text(node: Any, *tags: str) -> str | None:
    for tag in tags:
        child = node.find(tag)
        if child is not None and (child.text or "").strip():
            return str(child.text).strip()
    return None


def _timestamp(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(email.utils.parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError):
        pass
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def _atom_link(node: Any) -> str | None:
    for link in node.findall(f"{_ATOM}link"):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link.get("href"))
    return None


def _rss_entry(item: Any) -> ParsedEntry:
    link = _text(item, "link", f"{_RSS1}link")
    enclosure = item.find("enclosure")
    guid = _text(item, "guid") or link
    if guid is None:
        raise FeedReadError("Malformed feed: item has no GUID")  # FeedFetcher::buildItem
    return ParsedEntry(
        guid=guid, title=_text(item, "title", f"{_RSS1}title"), url=link,
        author=_text(item, "author", f"{_DC}creator"), body=_text(item, _CONTENT, "description", f"{_RSS1}description"),
        pub_date=_timestamp(_text(item, "pubDate", f"{_DC}date")),
        enclosure_mime=enclosure.get("type") if enclosure is not None else None,
        enclosure_link=enclosure.get("url") if enclosure is not None else None,
    )  # fmt: skip


def _atom_entry(entry: Any) -> ParsedEntry:
    link = _atom_link(entry)
    guid = _text(entry, f"{_ATOM}id") or link
    if guid is None:
        raise FeedReadError("Malformed feed: item has no GUID")
    author = entry.find(f"{_ATOM}author")
    return ParsedEntry(
        guid=guid, title=_text(entry, f"{_ATOM}title"), url=link,
        author=_text(author, f"{_ATOM}name") if author is not None else None,
        body=_text(entry, f"{_ATOM}content", f"{_ATOM}summary"),
        pub_date=_timestamp(_text(entry, f"{_ATOM}published", f"{_ATOM}updated")),
    )  # fmt: skip


def parse_feed(document: str) -> ParsedFeed:
    """An RSS or Atom document, or ``FeedReadError`` ``No parser can handle this stream``."""
    try:
        root = ElementTree.fromstring(document.strip().encode())
    except Exception as exc:
        raise FeedReadError(_NO_PARSER) from exc
    if root.tag == f"{_ATOM}feed":
        entries = [_atom_entry(e) for e in root.findall(f"{_ATOM}entry")]
        return ParsedFeed(_text(root, f"{_ATOM}title"), _atom_link(root), entries)
    if root.tag == "rss" and root.find("channel") is not None:
        channel = root.find("channel")
        return ParsedFeed(
            _text(channel, "title"), _text(channel, "link"), [_rss_entry(i) for i in channel.findall("item")]
        )
    if root.tag.endswith("RDF"):
        channel = root.find(f"{_RSS1}channel")
        title = _text(channel, f"{_RSS1}title") if channel is not None else None
        link = _text(channel, f"{_RSS1}link") if channel is not None else None
        return ParsedFeed(title, link, [_rss_entry(i) for i in root.findall(f"{_RSS1}item")])
    raise FeedReadError(_NO_PARSER)


def discover(page: str, base: str) -> list[str]:
    """feed-io ``Explorer::discover``: the hrefs of ``<link rel="alternate" type="application/(rss|atom)+xml">``."""
    found: list[str] = []
    for tag in _LINK.findall(page):
        attrs = {m[0].lower(): m[1] or m[2] for m in _ATTR.findall(tag)}
        feed_type = attrs.get("type", "").lower() in _FEED_TYPES
        if attrs.get("rel", "").lower() == "alternate" and feed_type and attrs.get("href"):
            found.append(urljoin(base, attrs["href"]))
    return found


def host_of(url: str) -> str:
    """``parse_url($feedUrl)['host']`` (the title of a feed without one)."""
    return urlsplit(url).hostname or url
