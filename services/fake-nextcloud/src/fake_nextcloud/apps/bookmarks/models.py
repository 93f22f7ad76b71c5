"""Bookmarks app state: each user's bookmarks, folder tree and tags.

Sources (nextcloud/bookmarks v16.2.6, 9ea1f624, Nextcloud 32-34): ``lib/Service/BookmarkService.php``
(``create``/``_addBookmark``: an existing URL is *reused* - its title/description are replaced when given, the
tags are added, the folders added; ``update``; ``delete``), ``lib/Db/BookmarkMapper.php`` (``findAll`` filters:
``_filterUrl``, ``_filterSearch`` - each word in url/title/description/text/tags, ``or``/``and``;
``_filterTags`` - every tag), ``lib/Db/Bookmark.php::toArray``, ``lib/Db/TreeMapper.php::getSubFolders``,
``lib/Db/TagMapper.php::findAll``/``findAllWithCount``, ``lib/Service/UrlNormalizer.php`` (WHATWG URL ``href``,
reduced here to: lowercase scheme and host, ``/`` for an empty path). Link scraping (``LinkExplorer``) needs the
network, which the fake has not: a bookmark created without a title gets ``""`` (``trim(null)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fake_nextcloud.core.state import FakeState

__all__ = ["BookmarksBackend", "BookmarksError", "capability", "normalize_url"]

#: BookmarkService::PROTOCOLS_REGEX
PROTOCOLS = re.compile(r"^(https?|s?ftp|file|javascript):", re.I)


class BookmarksError(Exception):
    """``{"status": "error", "data": [message]}`` with an HTTP status (the controllers' JSONResponses)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def capability() -> dict[str, Any]:
    """``lib/Capabilities.php`` (an ``IPublicCapability``)."""
    return {"javascript-bookmarks": True, "hash-functions": ["xxh32", "murmur3a", "sha256"]}


def normalize_url(url: str) -> str:
    """``UrlNormalizer::normalize`` (``UrlParseError`` -> ``BookmarksError`` 400 ``Invalid URL``)."""
    try:  # a malformed authority (e.g. an unbalanced "[") is a UrlParseError there too
        parts = urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError:
        raise BookmarksError(400, "Invalid URL") from None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https", "ftp", "sftp") and not hostname:
        raise BookmarksError(400, "Invalid URL")
    if scheme in ("javascript", "file"):
        return url
    netloc = parts.netloc.lower() if "@" not in parts.netloc else parts.netloc
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


@dataclass
class Bookmark:
    id: int
    user: str
    url: str
    title: str
    description: str
    added: int
    lastmodified: int
    tags: list[str] = field(default_factory=list)
    folders: list[int] = field(default_factory=list)  # internal folder ids
    clickcount: int = 0


@dataclass
class Folder:
    id: int
    user: str
    title: str
    parent: int | None  # internal id; None for the root


class BookmarksBackend:
    """All users' bookmarks; ids are table-wide (auto-increment), as in the app's tables."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.bookmarks: dict[int, Bookmark] = {}
        self.folders: dict[int, Folder] = {}
        self._roots: dict[str, int] = {}
        self._next_bookmark = 1
        self._next_folder = 1

    @classmethod
    def of(cls, state: FakeState) -> BookmarksBackend:
        return state.backend("bookmarks", cls)

    def storage_used(self, uid: str) -> int:
        return 0

    # -- folders ----------------------------------------------------------------------------------------

    def root(self, uid: str) -> int:
        """``FolderMapper::findRootFolder``: created on first use."""
        if uid not in self._roots:
            self._roots[uid] = self._new_folder(uid, "", None).id
        return self._roots[uid]

    def _new_folder(self, uid: str, title: str, parent: int | None) -> Folder:
        folder = Folder(self._next_folder, uid, title, parent)
        self._next_folder += 1
        self.folders[folder.id] = folder
        return folder

    def internal(self, uid: str, external: int) -> int:
        """``toInternalFolderId``: ``-1`` is the root."""
        return self.root(uid) if external == -1 else external

    def external(self, uid: str, internal: int) -> int:
        return -1 if internal == self.root(uid) else internal

    def owns_folder(self, uid: str, folder_id: int) -> bool:
        """``Authorizer::getUserPermissionsForFolder`` without shares: the owner has every permission."""
        folder = self.folders.get(folder_id)
        return folder is not None and folder.user == uid

    def add_folder(self, uid: str, title: str, parent: int) -> dict[str, Any]:
        """``FolderService::create`` + ``FoldersController::_returnFolderAsArray``."""
        folder = self._new_folder(uid, title, parent)
        return {"id": folder.id, "title": title, "userId": uid, "parent_folder": self.external(uid, parent)}

    def subfolders(self, uid: str, parent: int, layers: int) -> list[dict[str, Any]]:
        """``TreeMapper::getSubFolders`` (``layers`` -1: all levels; 0: none below)."""
        out = []
        for folder in self.folders.values():
            if folder.parent != parent:
                continue
            item: dict[str, Any] = {"id": folder.id, "title": folder.title, "userId": folder.user}
            item["userDisplayName"] = self._display_name(folder.user)
            item["parent_folder"] = parent
            if layers != 0:
                item["children"] = self.subfolders(uid, folder.id, layers - 1)
            out.append(item)
        return out

    def _display_name(self, uid: str) -> str:
        user = self.state.users.get(uid)
        return user.display_name if user is not None else uid

    # -- bookmarks --------------------------------------------------------------------------------------

    def find_by_url(self, uid: str, url: str) -> Bookmark | None:
        return next((b for b in self.bookmarks.values() if b.user == uid and b.url == url), None)

    def create(
        self, uid: str, url: str, title: str | None, description: str | None, tags: list[str] | None, folders: list[int]
    ) -> Bookmark:
        """``BookmarkService::_addBookmark`` for the caller's own folders."""
        bookmark = self.find_by_url(uid, url)
        if bookmark is None and not PROTOCOLS.match(url):
            for protocol in ("https://", "http://"):
                bookmark = self.find_by_url(uid, normalize_url(protocol + url))
                if bookmark is not None:
                    break
        now = self.state.time()
        if bookmark is None:
            full = url if PROTOCOLS.match(url) else "http://" + url
            bookmark = Bookmark(self._next_bookmark, uid, normalize_url(full), "", "", now, now)
            self._next_bookmark += 1
            self.bookmarks[bookmark.id] = bookmark
            title = title if title is not None else ""  # trim($data['basic']['title']): nothing scraped
            description = description if description is not None else ""
        if title is not None:
            bookmark.title = title
        if description is not None:
            bookmark.description = description
        bookmark.lastmodified = now
        for tag in tags or []:  # TagMapper::addTo
            if tag not in bookmark.tags:
                bookmark.tags.append(tag)
        for folder in folders:  # TreeMapper::addToFolders
            if folder not in bookmark.folders:
                bookmark.folders.append(folder)
        return bookmark

    def update(
        self,
        uid: str,
        bookmark: Bookmark,
        url: str | None,
        title: str | None,
        description: str | None,
        tags: list[str] | None,
        folders: list[int] | None,
    ) -> Bookmark | None:
        """``BookmarkService::update``: another bookmark with the new URL is ``Bookmark already exists``; a URL
        without an allowed protocol is ``UrlParseError``; an empty folder list deletes the bookmark."""
        if url is not None:
            other = self.find_by_url(uid, url)
            if other is not None and other.id != bookmark.id:
                raise BookmarksError(400, "Bookmark already exists")
            if not PROTOCOLS.match(url):
                raise BookmarksError(400, "Invald URL")  # sic, BookmarkController::editBookmark
            bookmark.url = url
        if title is not None:
            bookmark.title = title
        if description is not None:
            bookmark.description = description
        if folders is not None:
            bookmark.folders = [f for f in dict.fromkeys(folders) if self.owns_folder(uid, f)]
            if not bookmark.folders:
                del self.bookmarks[bookmark.id]
                return None
        if tags is not None:
            bookmark.tags = list(dict.fromkeys(tags))  # TagMapper::setOn
        bookmark.lastmodified = self.state.time()
        return bookmark

    def as_array(self, uid: str, bookmark: Bookmark) -> dict[str, Any]:
        """``BookmarkController::_returnBookmarkAsArray`` (``Bookmark::toArray`` + folders + tags)."""
        return {
            "id": bookmark.id,
            "url": "" if bookmark.url.lower().startswith("javascript:") else bookmark.url,
            "target": bookmark.url,
            "title": bookmark.title,
            "description": bookmark.description,
            "lastmodified": bookmark.lastmodified,
            "added": bookmark.added,
            "clickcount": bookmark.clickcount,
            "lastPreview": 0,
            "available": True,
            "archivedFile": None,
            "userId": bookmark.user,
            "textContent": None,
            "htmlContent": None,
            "folders": [self.external(uid, f) for f in bookmark.folders],
            "tags": list(bookmark.tags),
        }

    def find_all(
        self,
        uid: str,
        *,
        tags: list[str],
        search: list[str],
        conjunction: str,
        url: str | None,
        folder: int | None,
        untagged: bool,
    ) -> list[Bookmark]:
        """``BookmarkMapper::findAll`` (newest ``lastmodified`` first, the default ``sortby``)."""
        found = [b for b in self.bookmarks.values() if b.user == uid]
        if url is not None:
            normalized = normalize_url(url)
            found = [b for b in found if b.url == normalized]
        found = [b for b in found if all(t in b.tags for t in tags)]
        if untagged:
            found = [b for b in found if not b.tags]
        if folder is not None:
            found = [b for b in found if folder in b.folders]
        if search:

            def hit(b: Bookmark, word: str) -> bool:
                text = " ".join([b.url, b.title, b.description, ",".join(b.tags)]).lower()
                return word.lower() in text

            join = any if conjunction == "or" else all
            found = [b for b in found if join(hit(b, w) for w in search)]
        return sorted(found, key=lambda b: (-b.lastmodified, -b.id))

    def tags(self, uid: str, count: bool) -> list[Any]:
        """``TagMapper::findAll`` (names) / ``findAllWithCount`` (``{name, count}``, most used first)."""
        counts: dict[str, int] = {}
        for b in self.bookmarks.values():
            if b.user == uid:
                for tag in b.tags:
                    counts[tag] = counts.get(tag, 0) + 1
        if not count:
            return list(counts)
        return [{"name": n, "count": c} for n, c in sorted(counts.items(), key=lambda kv: -kv[1])]
