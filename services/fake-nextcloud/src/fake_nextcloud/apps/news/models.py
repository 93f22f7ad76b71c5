"""News app state: each user's folders, feeds and items, and the fake internet the feeds are read from.

nextcloud/news 28.7.0 (d615f01f, NC 32-34): ``lib/Service/{Folder,Feed,Item}ServiceV2.php``,
``lib/Db/{Folder,Feed,Item}MapperV2.php``, ``lib/Db/{Folder,Feed,Item}.php::toAPI``, ``lib/Db/NewsMapperV2.php``
(``insert``/``update`` stamp ``lastModified`` with ``Time::getMicroTime`` - microseconds - when a field changed),
``lib/Db/ListType.php`` (FEED 0, FOLDER 1, STARRED 2, ALL_ITEMS 3, SHARED 4, EXPLORE 5, UNREAD 6).
Ids are table-wide auto-increments. ``Service::find`` answers another user's or a missing id with
``DoesNotExistException`` -> ``ServiceNotFoundException`` (the controllers' 404 ``{"message": …}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fake_nextcloud.apps.news.parse import FeedReadError, ParsedFeed, discover, host_of, parse_feed
from fake_nextcloud.core.state import FakeState

__all__ = ["ALL_ITEMS", "FEED", "FOLDER", "STARRED", "UNREAD", "NewsBackend", "NewsError", "Page"]

FEED, FOLDER, STARRED, ALL_ITEMS, UNREAD = 0, 1, 2, 3, 6
#: QBMapper::findEntity's DoesNotExistException message (the SQL is shortened here).
NOT_FOUND = 'Did expect one result but found none when executing: query "SELECT * FROM `*PREFIX*news_{}`";'


class NewsError(Exception):
    """``JSONHttpErrorTrait::error``: ``{"message": …}`` with an HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Page:
    """One URL of the fake internet: its status and body (a feed document or an HTML page)."""

    status: int
    body: str


@dataclass
class Folder:
    id: int
    user: str
    name: str

    def to_api(self) -> dict[str, Any]:
        """``Folder::toAPI``: id, name, opened, feeds (not loaded by ``findAllFromUser``: ``[]``)."""
        return {"id": self.id, "name": self.name, "opened": True, "feeds": []}


@dataclass
class Feed:
    id: int
    user: str
    url: str
    title: str
    link: str | None
    added: int
    folder_id: int | None
    next_update_time: int | None = None

    def to_api(self, unread: int | None) -> dict[str, Any]:
        """``Feed::toAPI`` (``serializeFields``)."""
        return {
            "id": self.id, "url": self.url, "title": self.title, "faviconLink": None, "added": self.added,
            "folderId": self.folder_id, "unreadCount": unread, "ordering": 0, "link": self.link, "pinned": False,
            "updateErrorCount": 0, "lastUpdateError": "", "items": [], "nextUpdateTime": self.next_update_time,
        }  # fmt: skip


@dataclass
class Item:
    id: int
    feed_id: int
    guid: str
    guid_hash: str
    url: str | None
    title: str | None
    author: str | None
    pub_date: int | None
    body: str | None
    enclosure_mime: str | None
    enclosure_link: str | None
    fingerprint: str
    last_modified: int  # microseconds, as stored
    unread: bool = True
    starred: bool = False

    def to_api(self) -> dict[str, Any]:
        """``Item::toAPI``; ``lastModified`` is ``cropApiLastModified`` (seconds)."""
        return {
            "id": self.id, "guid": self.guid, "guidHash": self.guid_hash, "url": self.url, "title": self.title,
            "author": self.author, "pubDate": self.pub_date, "updatedDate": None, "body": self.body,
            "enclosureMime": self.enclosure_mime, "enclosureLink": self.enclosure_link, "mediaThumbnail": None,
            "mediaDescription": None, "feedId": self.feed_id, "unread": self.unread, "starred": self.starred,
            "filtered": False, "lastModified": self.last_modified // 1_000_000, "rtl": False,
            "fingerprint": self.fingerprint, "contentHash": self.fingerprint,
        }  # fmt: skip


class NewsBackend:
    """All users' News data and the seeded pages (instance-wide)."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.pages: dict[str, Page] = {}
        self.folders: dict[int, Folder] = {}
        self.feeds: dict[int, Feed] = {}
        self.items: dict[int, Item] = {}
        self._next = {"folder": 1, "feed": 1, "item": 1}
        self._last_micro = 0

    @classmethod
    def of(cls, state: FakeState) -> NewsBackend:
        return state.backend("news", cls)

    def storage_used(self, uid: str) -> int:
        return 0

    def _id(self, table: str) -> int:
        self._next[table] += 1
        return self._next[table] - 1

    def micro_time(self) -> int:
        """``Time::getMicroTime``, strictly increasing here so that every change is seen by ``items/updated``."""
        self._last_micro = max(int(self.state.clock.now() * 1_000_000), self._last_micro + 1)
        return self._last_micro

    # -- folders ------------------------------------------------------------------------------------------

    def user_folders(self, uid: str) -> list[Folder]:
        """``FolderMapperV2::findAllFromUser``: ordered by name."""
        return sorted((f for f in self.folders.values() if f.user == uid), key=lambda f: f.name)

    def folder(self, uid: str, folder_id: int) -> Folder:
        found = self.folders.get(folder_id)
        if found is None or found.user != uid:
            raise NewsError(404, NOT_FOUND.format("folders"))
        return found

    def add_folder(self, uid: str, name: str) -> Folder:
        """``FolderServiceV2::create``: no name check (neither emptiness nor uniqueness is tested)."""
        folder = Folder(self._id("folder"), uid, name)
        self.folders[folder.id] = folder
        return folder

    def delete_folder(self, uid: str, folder_id: int) -> None:
        """``FolderServiceV2::delete``; the feeds in it go with it (``news_feeds.folder_id`` cascades)."""
        self.folder(uid, folder_id)
        del self.folders[folder_id]
        for feed in [f for f in self.feeds.values() if f.folder_id == folder_id]:
            self.delete_feed(uid, feed.id)

    # -- feeds --------------------------------------------------------------------------------------------

    def user_feeds(self, uid: str) -> list[Feed]:
        """``FeedMapperV2::findAllFromUser``: ordered by title."""
        return sorted((f for f in self.feeds.values() if f.user == uid), key=lambda f: f.title)

    def feed(self, uid: str, feed_id: int) -> Feed:
        found = self.feeds.get(feed_id)
        if found is None or found.user != uid:
            raise NewsError(404, NOT_FOUND.format("feeds"))
        return found

    def unread_count(self, feed_id: int) -> int:
        return sum(1 for i in self.items.values() if i.feed_id == feed_id and i.unread)

    def _read(self, url: str) -> ParsedFeed:
        """``FeedFetcher::fetch`` over ``FeedIoClient``: the seeded page, or the client's error."""
        page = self.pages.get(url)
        if page is None:
            raise FeedReadError(f"Transport error for {url}: cURL error 6: Could not resolve host: {host_of(url)}")
        if page.status == 404:
            raise FeedReadError(f"HTTP 404 Not Found: {url}")
        if page.status >= 400:
            raise FeedReadError(f"HTTP {page.status} Client Error: {url}")
        return parse_feed(page.body)

    def fetch_new(self, url: str) -> tuple[str, ParsedFeed]:
        """``FeedServiceV2::create``'s fetch with auto-discovery (``full_discover`` true): ``(url, feed)``."""
        try:
            return url, self._read(url)
        except FeedReadError:
            page = self.pages.get(url)
            if page is None or page.status >= 400:
                self._read(url)  # Explorer::discover fails the same way -> ServiceNotFoundException(message)
            found = discover(page.body if page else "", url)
            url = found[0] if found else url
            return url, self._read(url)

    def add_feed(self, uid: str, url: str, folder_id: int | None) -> Feed:
        """``FeedServiceV2::create``: read, then 409 ``Feed with this URL exists``; no folder check."""
        try:
            url, parsed = self.fetch_new(url)
        except FeedReadError as error:
            raise NewsError(404, str(error)) from error
        if any(f.user == uid and f.url == url for f in self.feeds.values()):
            raise NewsError(409, "Feed with this URL exists")
        feed = Feed(self._id("feed"), uid, url, parsed.title or host_of(url), parsed.link, int(self.state.clock.now()),
                    folder_id)  # fmt: skip
        self.feeds[feed.id] = feed
        return feed

    def store_items(self, feed: Feed, parsed: ParsedFeed) -> None:
        """``FeedServiceV2::fetch``: entries in reverse document order (the newest gets the highest id);
        ``ItemServiceV2::insertOrUpdate`` keeps a known ``guidHash``'s item unless its content changed."""
        known = {i.guid_hash: i for i in self.items.values() if i.feed_id == feed.id}
        for entry in reversed(parsed.entries):
            old = known.get(entry.guid_hash)
            if old is not None and old.fingerprint == entry.fingerprint:
                continue
            item = Item(
                old.id if old else self._id("item"), feed.id, entry.guid, entry.guid_hash, entry.url, entry.title,
                entry.author, entry.pub_date, entry.body, entry.enclosure_mime, entry.enclosure_link,
                entry.fingerprint, self.micro_time(),
            )  # fmt: skip
            if old is not None:
                item.starred = old.starred
            self.items[item.id] = item

    def refresh(self, feed: Feed) -> None:
        """The cron update (``FeedServiceV2::fetch``); a feed that cannot be read keeps its items."""
        try:
            self.store_items(feed, self._read(feed.url))
        except FeedReadError:
            return

    def delete_feed(self, uid: str, feed_id: int) -> None:
        self.feed(uid, feed_id)
        del self.feeds[feed_id]
        for item_id in [i.id for i in self.items.values() if i.feed_id == feed_id]:
            del self.items[item_id]

    def mark_read(self, feed_ids: set[int], newest: int | None) -> None:
        """``FeedMapperV2::read``/``FolderMapperV2::read``/``ItemMapperV2::readAll``: unread items up to
        ``newest`` become read, with a new ``last_modified``."""
        for item in self.items.values():
            if item.feed_id in feed_ids and item.unread and (newest is None or item.id <= newest):
                item.unread = False
                item.last_modified = self.micro_time()

    # -- items --------------------------------------------------------------------------------------------

    def user_items(self, uid: str) -> list[Item]:
        feeds = {f.id for f in self.feeds.values() if f.user == uid}
        return [i for i in self.items.values() if i.feed_id in feeds]

    def item(self, uid: str, item_id: int) -> Item:
        found = self.items.get(item_id)
        feed = self.feeds.get(found.feed_id) if found else None
        if found is None or feed is None or feed.user != uid:
            raise NewsError(404, NOT_FOUND.format("items"))
        return found

    def set_item(self, uid: str, item_id: int, *, unread: bool | None = None, starred: bool | None = None) -> None:
        """``ItemServiceV2::read``/``star``: ``NewsMapperV2::update`` stamps ``lastModified`` only on a change."""
        item = self.item(uid, item_id)
        changed = (unread is not None and item.unread != unread) or (starred is not None and item.starred != starred)
        item.unread = item.unread if unread is None else unread
        item.starred = item.starred if starred is None else starred
        if changed:
            item.last_modified = self.micro_time()

    def newest_id(self, uid: str) -> int | None:
        """``ItemMapperV2::newest``: the user's highest item id (``ServiceNotFoundException`` when none)."""
        return max((i.id for i in self.user_items(uid)), default=None)
