"""Pages as files of a collective's folder (nextcloud/collectives v4.4.3 ``lib/Service/PageService.php``,
``lib/Fs/NodeHelper.php``, ``lib/Model/PageInfo.php``, ``lib/Trash/PageTrashBackend.php``).

Layout: the landing page is ``Readme.md`` at the top of the folder; a page is ``<title>.md``; a page with
sub-pages is a folder ``<title>/`` holding its own ``Readme.md`` (the "index page") and the sub-pages
(``PageService::initSubFolder`` turns a file page into a folder page when it gets its first sub-page). A page's id
is its file's id. Names starting with ``.`` are skipped. All work goes through the acting member's WebDAV tree
(``DavBackend``), so the API and WebDAV always agree.
"""

from __future__ import annotations

import os
import re
from typing import Any

from fake_nextcloud.apps.collectives.models import INDEX, Collective, CollectivesBackend, CollectivesError, not_found
from fake_nextcloud.apps.dav.models import Node, TrashItem

__all__ = ["PageStore"]

SUFFIX = ".md"
DEFAULT_PAGE_TITLE = "New Page"  # PageService::DEFAULT_PAGE_TITLE


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _base(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def sanitise(name: str, default: str) -> str:
    """``NodeHelper::sanitiseFilename`` ('/' → '-', Windows-illegal characters dropped, spaces and dots trimmed)."""
    name = name.replace("/", "-")
    for char in '*|\\:"<>?':
        name = name.replace(char, "")
    name = name.strip(" .")
    return name or default


class PageStore:
    """The page operations of one member (``uid``) in one collective."""

    def __init__(self, backend: CollectivesBackend, uid: str, collective: Collective) -> None:
        self.backend, self.dav, self.uid, self.c = backend, backend.dav, uid, collective

    # -- lookups -------------------------------------------------------------------------------------------------

    def _node(self, path: str) -> Node | None:
        return self.dav.get(self.uid, path)

    def file_by_id(self, file_id: int) -> Node:
        """``NodeHelper::getFileById``: a file of the collective's folder."""
        node = next((n for n in self.c.storage.nodes.values() if n.file_id == file_id and not n.is_dir), None)
        if node is None:
            raise not_found(f"File not found: {file_id}")
        return node

    def _index_of(self, folder: str) -> Node:
        """``PageService::getIndexPageFile``."""
        node = self._node(f"{folder}/{INDEX}")
        if node is None or node.is_dir:
            raise not_found(f"File with name {INDEX} could not be located")
        return node

    def is_landing(self, node: Node) -> bool:
        return node.path == f"{self.c.point}/{INDEX}"

    def parent_id(self, node: Node) -> int:
        """``PageService::getParentPageId``: 0 for the landing page."""
        if self.is_landing(node):
            return 0
        folder = _parent(node.path)
        return self._index_of(_parent(folder) if node.name == INDEX else folder).file_id

    def info(self, node: Node, *, parent_id: int | None = None) -> dict[str, Any]:
        """``PageInfo::fromFile`` + ``jsonSerialize``."""
        internal = node.path[len(self.c.point) + 1 :]
        dir_name = _parent(internal)
        parent = self.parent_id(node) if parent_id is None else parent_id
        if node.name == INDEX:
            title = "Landing page" if parent == 0 else _base(dir_name)
        else:
            title = node.name[: -len(SUFFIX)] if node.name.endswith(SUFFIX) else node.name
        dir_of_dir = _parent(dir_name)
        meta = self.backend.meta(node.file_id)
        user = self.backend.state.user(meta.last_user_id) if meta.last_user_id else None
        return {
            "id": node.file_id, "slug": None, "lastUserId": meta.last_user_id,
            "lastUserDisplayName": user.display_name if user is not None else None, "emoji": meta.emoji,
            "subpageOrder": list(meta.subpage_order), "isFullWidth": False, "tags": list(meta.tags),
            "trashTimestamp": None, "title": title, "timestamp": node.mtime, "size": node.size,
            "fileName": node.name, "filePath": dir_name,
            "filePathString": dir_of_dir.replace("/", " - ") if dir_of_dir else "",
            "collectivePath": self.c.point, "collectiveNameWithEmoji": None, "parentId": parent,
            "shareToken": None, "linkedPageIds": [],
        }  # fmt: skip

    def find_all(self) -> list[dict[str, Any]]:
        """``PageService::findAll`` (``PageInfoTreeBuilder``): the landing page, then depth first by name; a folder
        without ``Readme.md`` contributes nothing, hidden names are skipped."""
        pages: list[dict[str, Any]] = []
        landing = self._node(f"{self.c.point}/{INDEX}")
        if landing is None:
            return pages
        pages.append(self.info(landing, parent_id=0))
        self._walk(self.c.point, landing.file_id, pages)
        return pages

    def _walk(self, folder: str, parent_id: int, pages: list[dict[str, Any]]) -> None:
        for node in self.dav.children(self.uid, folder):
            if node.name.startswith("."):
                continue
            if node.is_dir:
                index = self._node(f"{node.path}/{INDEX}")
                if index is not None and not index.is_dir:
                    pages.append(self.info(index, parent_id=parent_id))
                    self._walk(node.path, index.file_id, pages)
            elif node.name.endswith(SUFFIX) and node.name != INDEX:
                pages.append(self.info(node, parent_id=parent_id))

    def find(self, file_id: int) -> dict[str, Any]:
        """``PageService::find``."""
        return self.info(self.file_by_id(file_id))

    def search(self, text: str) -> list[dict[str, Any]]:
        """``SearchService::searchCollective`` (a word index, ``FileSearcher``): here, pages whose title or content
        holds every word of ``text`` (case-insensitive)."""
        words = [w for w in re.split(r"\W+", text.lower()) if w]
        found = []
        for page in self.find_all():
            node = self.file_by_id(page["id"])
            body = (page["title"] + "\n" + (node.blob.read_text("utf-8", "replace") if node.blob else "")).lower()
            if words and all(w in body for w in words):
                found.append(page)
        return found

    # -- changes -------------------------------------------------------------------------------------------------

    def _generate_filename(self, folder: str, name: str, suffix: str = "") -> str:
        """``NodeHelper::generateFilename``: `name`, else `name (2)`, `name (3)`, …"""
        while self._node(f"{folder}/{name}") is not None or self._node(f"{folder}/{name}{suffix}") is not None:
            match = re.search(r"\((\d+)\)$", name)
            name = re.sub(r"(.*)\s\((\d+)\)$", rf"\1 ({int(match[1]) + 1})", name) if match else f"{name} (2)"
        return name

    def _init_sub_folder(self, file: Node) -> str:
        """``PageService::initSubFolder``: a file page becomes ``<title>/Readme.md``."""
        folder = _parent(file.path)
        if file.name == INDEX:
            return folder
        name = self._generate_filename(folder, file.name[: -len(SUFFIX)])
        sub = self.dav.mkcol(self.uid, f"{folder}/{name}").path
        self.dav.transfer(self.uid, file.path, f"{sub}/{INDEX}", copy=False, overwrite=False)
        return sub

    def create(self, parent_id: int, title: str) -> dict[str, Any]:
        """``PageService::create`` (``createBase``, ``newPage``, ``addToSubpageOrder``)."""
        self.backend.require_edit(self.uid, self.c)
        if parent_id == 0:
            parent_id = self._index_of(self.c.point).file_id
        folder = self._init_sub_folder(self.file_by_id(parent_id))
        name = self._generate_filename(folder, sanitise(title, DEFAULT_PAGE_TITLE), SUFFIX)
        node = self.dav.write_bytes(self.uid, f"{folder}/{name}{SUFFIX}", b"")
        self.backend.meta(node.file_id).last_user_id = self.uid
        self.backend.meta(parent_id).subpage_order.insert(0, node.file_id)
        return self.info(node)

    def move(self, file_id: int, parent_id: int | None, title: str | None) -> dict[str, Any]:
        """``PageService::move`` (``moveOrCopyPage`` without copy)."""
        self.backend.require_edit(self.uid, self.c)
        file = self.file_by_id(file_id)
        old_parent = self.parent_id(file)
        parent_id = parent_id or old_parent
        if self.is_landing(file):
            raise CollectivesError(403, "Not allowed to move or copy landing page")
        if parent_id == file.file_id:
            raise CollectivesError(403, "Not allowed to move or copy a page to itself")
        is_index = file.name == INDEX
        node_path = _parent(file.path) if is_index else file.path
        target_parent = self.file_by_id(parent_id)
        if is_index and target_parent.path.startswith(node_path + "/"):
            raise CollectivesError(403, "Not allowed to move or copy a page to a subpage of itself")
        if parent_id != old_parent:
            new_folder, moved_folder = self._init_sub_folder(target_parent), True
        else:
            new_folder, moved_folder = _parent(target_parent.path), False
        suffix = "" if is_index else SUFFIX
        current = _base(node_path)
        safe = sanitise(title or (current[: -len(suffix)] if suffix else current), DEFAULT_PAGE_TITLE)
        if not moved_folder and safe + suffix == current:
            return self.info(file)
        name = self._generate_filename(new_folder, safe, SUFFIX)
        self.dav.transfer(self.uid, node_path, f"{new_folder}/{name}{suffix}", copy=False, overwrite=False)
        if moved_folder:
            self.backend.meta(old_parent).subpage_order[:] = [
                i for i in self.backend.meta(old_parent).subpage_order if i != file_id
            ]
            self.backend.meta(parent_id).subpage_order.insert(0, file_id)
        return self.info(self.file_by_id(file_id))

    def trash(self, file_id: int) -> dict[str, Any]:
        """``PageService::trash``: an index page takes its folder (and sub-pages) along; the item lands in the
        collective's trash (``PageTrashBackend``), ``trashTimestamp`` = the deletion time."""
        self.backend.require_edit(self.uid, self.c)
        file = self.file_by_id(file_id)
        if self.is_landing(file):
            raise CollectivesError(403, "Not allowed to trash the landing page")  # the folder root: not deletable
        info = self.info(file)
        item = self.dav.delete(self.uid, _parent(file.path) if file.name == INDEX else file.path)
        info["trashTimestamp"] = item.deleted_at
        return info

    def _trash_page(self, item: TrashItem) -> Node | None:
        top = item.nodes[0]
        if not top.is_dir:
            return top if top.name.endswith(SUFFIX) else None
        return next((n for n in item.nodes if n.path == f"{top.path}/{INDEX}"), None)

    def find_all_trash(self) -> list[dict[str, Any]]:
        """``PageService::findAllTrash`` (``createTrashPageInfo``: parent 0, filePath '', the trashed name as
        title)."""
        pages = []
        for item in self.c.storage.trash:
            page = self._trash_page(item)
            if page is None:
                continue
            info = self._detached_info(page, item)
            pages.append(info)
        return pages

    def _detached_info(self, page: Node, item: TrashItem) -> dict[str, Any]:
        meta = self.backend.meta(page.file_id)
        name = _base(item.original)
        return {
            "id": page.file_id, "slug": None, "lastUserId": meta.last_user_id, "lastUserDisplayName": None,
            "emoji": meta.emoji, "subpageOrder": list(meta.subpage_order), "isFullWidth": False,
            "tags": list(meta.tags), "trashTimestamp": item.deleted_at,
            "title": name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name, "timestamp": page.mtime,
            "size": page.size, "fileName": page.name, "filePath": "", "filePathString": "",
            "collectivePath": self.c.point, "collectiveNameWithEmoji": None, "parentId": 0, "shareToken": None,
            "linkedPageIds": [],
        }  # fmt: skip

    def _trash_item(self, file_id: int, action: str) -> TrashItem:
        for item in self.c.storage.trash:
            page = self._trash_page(item)
            if page is not None and page.file_id == file_id:
                return item
        raise not_found(f"Failed to {action} page {file_id}. Not found in trash.")

    def restore(self, file_id: int) -> dict[str, Any]:
        """``PageService::restore`` → ``PageTrashBackend::restoreItem``: back to the original path; its folder
        gone: into the collective's top folder; a name taken: the generator of ``restoreItem``, which joins
        dirname, filename, `` (i)`` and extension without '/' or '.' (kept as the source does it)."""
        self.backend.require_edit(self.uid, self.c)
        item = self._trash_item(file_id, "restore")
        point = self.c.point
        original = item.original[len(point) + 1 :]
        parent = _parent(original)
        if parent and self._node(f"{point}/{parent}") is None:
            original = _base(original)
        if self._node(f"{point}/{original}") is not None:
            dirname, filename = os.path.split(original)
            stem, dot, ext = filename.rpartition(".")
            stem, ext = (stem, ext) if dot else (filename, "")
            i = 1
            while True:
                candidate = f"{dirname}{stem} ({i}){ext}"
                i += 1
                if self._node(f"{point}/{candidate}") is None:
                    original = candidate
                    break
        tree = self.dav.tree(self.uid)
        target = f"{point}/{original}"
        old_prefix = item.nodes[0].path
        for node in item.nodes:
            node.path = target + node.path[len(old_prefix) :]
            tree[node.path] = node
        self.c.storage.trash.remove(item)
        self.dav.touch_parents(self.uid, target)
        return self.info(self.file_by_id(file_id))

    def delete(self, file_id: int) -> None:
        """``PageService::delete``: remove from the trash for good."""
        self.backend.require_edit(self.uid, self.c)
        item = self._trash_item(file_id, "delete")
        self.c.storage.trash.remove(item)
        for node in item.nodes:
            if node.blob is not None:
                node.blob.unlink(missing_ok=True)
        self.backend.pages.pop(file_id, None)
