r"""The files backend behind WebDAV, without HTTP: a per-user tree of nodes whose file content lives on disk.

Content is stored in a temporary directory owned by the backend (one blob file per node, removed when the
backend is dropped, e.g. by ``FakeState.reset()``), so a 1 GiB upload costs disk, not RAM. Metadata (file id,
etag, mtime, favourite) is kept in memory. File ids come from ``FakeState.next_file_id()`` (global, as the
real ``oc_filecache.fileid``). Deleting moves the subtree to the user's trash bin (files_trashbin), and
overwriting a file keeps the previous content as a version (files_versions). Listeners (``listeners``) hear of a
node about to be written, touched, deleted or moved, as the ``BeforeNode*Event`` listeners of apps do (the Notes
app drops its ``notes_meta`` row, nextcloud/notes ``lib/Listener/NoteFileEventsListener.php``). After a change the
backend publishes ``file_created``/``file_changed``/``file_deleted``/``file_moved``/``file_restored`` on
``FakeState.events`` (the ``\OC\Files`` post hooks nextcloud/activity lib/FilesHooksStatic.php listens to); the
data (``FileEvent`` below) carries the chain of file ids from the top folder down, so a listener finds the shares
that reach the node even after it is gone. Apps mount storages of their own into users' trees (``mount``,
``mounts.py``), as Collectives mounts each collective's folder.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fake_nextcloud.apps.dav.mounts import Storage, Tree
from fake_nextcloud.core.events import Event
from fake_nextcloud.core.state import FakeState

__all__ = ["DavBackend", "DavError", "MountedStorage", "Node", "TrashItem", "Upload", "Version", "mime_type"]

FOLDER_MIME = "httpd/unix-directory"


class DavError(Exception):
    """A Sabre exception: ``exception`` is the PHP class name rendered in ``<s:exception>`` (a bare name is
    taken from ``Sabre\\DAV\\Exception\\``)."""

    def __init__(self, status: int, exception: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.exception = exception if "\\" in exception else f"Sabre\\DAV\\Exception\\{exception}"
        self.message = message


def not_found(path: str) -> DavError:
    # apps/dav/lib/Connector/Sabre/Directory.php::getChild: "File with name <path> could not be located"
    return DavError(404, "NotFound", f"File with name {path} could not be located")


def mime_type(name: str) -> str:
    """``IMimeTypeDetector::detectPath`` (by extension; unknown -> ``application/octet-stream``)."""
    if name.lower().endswith(".md"):
        return "text/markdown"
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


@dataclass
class Node:
    """A file or folder of one user's tree. ``path`` is relative to the user's root (``""`` = root)."""

    path: str
    is_dir: bool
    file_id: int
    etag: str
    mtime: int
    size: int = 0
    favorite: bool = False
    blob: Path | None = None
    props: dict[str, str] = field(default_factory=dict)
    #: not updatable/deletable (``FileInfo::isUpdateable``/``isDeletable`` false, e.g. a read-only share)
    readonly: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def content_type(self) -> str:
        return FOLDER_MIME if self.is_dir else mime_type(self.name)


@dataclass
class TrashItem:
    """A deleted node: ``name`` is ``<basename>.d<deletion time>`` (files_trashbin ``Trashbin::move2trash``)."""

    name: str
    original: str
    deleted_at: int
    nodes: list[Node]


#: A storage of an app, mounted into users' trees (``mounts.py``).
MountedStorage = Storage[Node, TrashItem]


@dataclass
class Version:
    """An older content of a file (files_versions): named by its mtime."""

    mtime: int
    size: int
    etag: str
    blob: Path


@dataclass
class Upload:
    """A chunked upload v2 in progress: the ``Destination`` given to MKCOL and the chunk files by number."""

    destination: str
    chunks: dict[int, Path] = field(default_factory=dict)


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def forbidden() -> DavError:
    # apps/dav/lib/Connector/Sabre/File.php::put/delete, Directory::moveInto: `throw new Forbidden()`
    return DavError(403, "Forbidden", "")


def normalize(path: str) -> str:
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise DavError(403, "Forbidden", "Path contains ..")
    return "/".join(parts)


class DavBackend:
    """All users' file trees. Use ``DavBackend.of(state)``."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.root = Path(tempfile.mkdtemp(prefix="fake-nextcloud-files-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.root), True)
        self.trees: dict[str, dict[str, Node]] = {}  # each user's own nodes
        self.mounts: dict[str, dict[str, MountedStorage]] = {}  # uid -> mount point -> storage (``mounts.py``)
        self.trash: dict[str, list[TrashItem]] = {}
        self.versions: dict[int, list[Version]] = {}
        self.uploads: dict[tuple[str, str], Upload] = {}
        self.comments: dict[int, list[Any]] = {}  # file id -> comments.Comment
        self.comment_counter = 0
        self.listeners: list[Callable[[str, Node], None]] = []
        self._etag_counter = 0
        self._blob_counter = 0

    @classmethod
    def of(cls, state: FakeState) -> DavBackend:
        return state.backend("dav", cls)

    # -- helpers -----------------------------------------------------------------------------------------

    def new_etag(self) -> str:
        self._etag_counter += 1
        return f"{self.state.time():08x}{self._etag_counter:05x}"

    def new_blob(self) -> Path:
        self._blob_counter += 1
        return self.root / f"blob-{self._blob_counter}"

    def tree(self, uid: str) -> Tree[Node, TrashItem]:
        own = self.trees.get(uid)
        if own is None:
            now = self.state.time()
            own = {"": Node("", True, self.state.next_file_id(), self.new_etag(), now)}
            self.trees[uid] = own
        mounts = self.mounts.setdefault(uid, {})
        provided = [m for provider in self.state.mount_providers.values() for m in provider(uid)]
        if provided:  # mounts of other apps' providers (received shares), made afresh at every read
            mounts = {**{m.point: m for m in provided if m.point not in own}, **mounts}
        return Tree(own, mounts)

    def mount(self, uid: str, storage: MountedStorage) -> None:
        """Mount ``storage`` for ``uid`` at its point, creating the folders above it in the user's tree."""
        parent = _parent(storage.point)
        if parent and self.get(uid, parent) is None:
            self.mkcol(uid, parent, parents=True)
        self.mounts.setdefault(uid, {})[storage.point] = storage

    def unmount(self, uid: str, point: str) -> None:
        self.mounts.get(uid, {}).pop(point, None)

    def storage_used(self, uid: str) -> int:
        """The user's own files (mounted storages of apps do not count against the quota)."""
        return sum(n.size for n in self.trees.get(uid, {}).values() if not n.is_dir)

    def free_space(self, uid: str) -> int | None:
        """Bytes left under the user's quota, ``None`` when unlimited."""
        user = self.state.user(uid)
        if user is None or user.quota is None:
            return None
        return max(0, user.quota - self.storage_used(uid))

    def get(self, uid: str, path: str) -> Node | None:
        return self.tree(uid).get(normalize(path))

    def require(self, uid: str, path: str) -> Node:
        node = self.get(uid, path)
        if node is None:
            raise not_found(normalize(path))
        return node

    def children(self, uid: str, path: str, *, recursive: bool = False) -> list[Node]:
        prefix = normalize(path)
        start = f"{prefix}/" if prefix else ""
        out = []
        for key, node in self.tree(uid).items():
            if key == prefix or not key.startswith(start):
                continue
            if recursive or "/" not in key[len(start) :]:
                out.append(node)
        return sorted(out, key=lambda n: n.path)

    def folder_size(self, uid: str, node: Node) -> int:
        if not node.is_dir:
            return node.size
        return sum(n.size for n in self.children(uid, node.path, recursive=True) if not n.is_dir)

    def before_change(self, uid: str, node: Node) -> None:
        """``BeforeNodeWrittenEvent``/``Touched``/``Deleted``/``Renamed``: tell the listeners."""
        for listener in list(self.listeners):
            listener(uid, node)

    def chain(self, uid: str, path: str) -> list[tuple[int, str]]:
        """``(file id, "/path")`` of every node from the top folder down to ``path`` (the root left out)."""
        tree, parts, out = self.tree(uid), normalize(path).split("/"), []
        for depth in range(1, len(parts) + 1):
            node = tree.get("/".join(parts[:depth]))
            if node is not None and node.path:
                out.append((node.file_id, f"/{node.path}"))
        return out

    def publish(self, name: str, uid: str, node: Node, chain: list[tuple[int, str]], **extra: Any) -> None:
        """Tell listeners (``core.events``) a node changed: ``owner``, ``file_id``, ``path`` (``/a/b.txt``),
        ``is_dir``, ``chain`` (``chain()`` at the time of the change) and, for moves, ``old_path``/``old_chain``."""
        data = {"owner": uid, "file_id": node.file_id, "path": f"/{node.path}", "is_dir": node.is_dir}
        self.state.events.publish(Event("files", name, uid, {**data, "chain": chain, **extra}))

    def touch_parents(self, uid: str, path: str) -> None:
        """Changing a node changes the etag and mtime of every ancestor (``Cache\\Propagator``)."""
        tree = self.tree(uid)
        now = self.state.time()
        current = path
        while current:
            current = _parent(current)
            folder = tree[current]
            folder.etag = self.new_etag()
            folder.mtime = now

    # -- mutations ---------------------------------------------------------------------------------------

    def mkcol(self, uid: str, path: str, *, parents: bool = False) -> Node:
        path = normalize(path)
        tree = self.tree(uid)
        if path in tree:
            # sabre-io/dav lib/DAV/CorePlugin.php::httpMkcol
            raise DavError(405, "MethodNotAllowed", "The resource you tried to create already exists")
        parent = tree.get(_parent(path))
        if parent is None:
            if not parents:
                # sabre-io/dav lib/DAV/Server.php::createCollection
                raise DavError(409, "Conflict", "Parent node does not exist")
            self.mkcol(uid, _parent(path), parents=True)
        elif not parent.is_dir:
            raise DavError(409, "Conflict", "Parent node is not a collection")
        node = Node(path, True, self.state.next_file_id(), self.new_etag(), self.state.time())
        tree[path] = node
        self.touch_parents(uid, path)
        self.publish("file_created", uid, node, self.chain(uid, path))
        return node

    def put(self, uid: str, path: str, staged: Path, size: int, *, mtime: int | None = None) -> tuple[Node, bool]:
        """Move ``staged`` (a file in ``self.root``) in as the content of ``path``; ``(node, created)``."""
        path = normalize(path)
        tree = self.tree(uid)
        parent = tree.get(_parent(path))
        if parent is None or not parent.is_dir:
            staged.unlink(missing_ok=True)
            # apps/dav/lib/Connector/Sabre/Directory.php::createFile via sabre Server::createFile
            raise DavError(409, "Conflict", "Files can only be created as children of collections")
        node = tree.get(path)
        now = mtime if mtime is not None else self.state.time()
        if node is not None and (node.is_dir or node.readonly):
            staged.unlink(missing_ok=True)
            if node.readonly:
                raise forbidden()
            raise DavError(409, "Conflict", f"Could not write file, {path} is a folder")
        if node is not None:
            self.before_change(uid, node)
        blob = self.new_blob()
        os.replace(staged, blob)
        if node is None:
            node = Node(path, False, self.state.next_file_id(), self.new_etag(), now, size=size, blob=blob)
            tree[path] = node
            created = True
        else:
            # files_versions keeps the previous content, "no use making versions for empty files"
            # (apps/files_versions/lib/Storage.php::store)
            if node.blob is not None and node.size > 0:
                version = Version(node.mtime, node.size, node.etag, node.blob)
                self.versions.setdefault(node.file_id, []).append(version)
            node.blob, node.size, node.mtime, node.etag = blob, size, now, self.new_etag()
            created = False
        self.touch_parents(uid, path)
        self.publish("file_created" if created else "file_changed", uid, node, self.chain(uid, path))
        return node, created

    def touch(self, uid: str, path: str, mtime: int) -> Node:
        """``Node::touch``: a new mtime is a new etag (the storage etag hashes the stat), propagated upwards."""
        node = self.require(uid, path)
        if node.readonly:
            raise forbidden()
        self.before_change(uid, node)
        node.mtime, node.etag = mtime, self.new_etag()
        self.touch_parents(uid, node.path)
        return node

    def write_bytes(self, uid: str, path: str, data: bytes, *, mtime: int | None = None) -> Node:
        staged = self.new_blob()
        staged.write_bytes(data)
        return self.put(uid, path, staged, len(data), mtime=mtime)[0]

    def delete(self, uid: str, path: str) -> TrashItem:
        node = self.require(uid, path)
        if node.path == "":
            raise DavError(403, "Forbidden", "Permission denied to delete home folder")
        tree = self.tree(uid)
        if node.readonly or node.path in tree.mounts:  # a mount point is not deletable (MountPoint, no IMoveable)
            raise forbidden()
        self.before_change(uid, node)
        chain = self.chain(uid, node.path)
        moved = [node, *self.children(uid, node.path, recursive=True)]
        for item in moved:
            del tree[item.path]
        now = self.state.time()
        trash = TrashItem(f"{node.name}.d{now}", node.path, now, moved)
        storage = tree.storage_of(node.path)
        (self.trash.setdefault(uid, []) if storage is None else storage.trash).append(trash)
        self.touch_parents(uid, node.path)
        self.publish("file_deleted", uid, node, chain)
        return trash

    def transfer(self, uid: str, source: str, dest: str, *, copy: bool, overwrite: bool) -> bool:
        """MOVE/COPY inside one tree; ``True`` when the destination was created (201), else 204."""
        src = self.require(uid, source)
        dest = normalize(dest)
        tree = self.tree(uid)
        if src.path == dest:
            # sabre-io/dav lib/DAV/Server.php::getCopyAndMoveInfo
            raise DavError(403, "Forbidden", "Source and destination uri are identical.")
        if src.is_dir and (dest + "/").startswith(src.path + "/"):
            raise DavError(409, "Conflict", "Cannot move a folder into itself")
        parent = tree.get(_parent(dest))
        if parent is None or not parent.is_dir:
            raise DavError(409, "Conflict", "The destination node is not found")
        if not copy and src.readonly:
            raise forbidden()
        existing = tree.get(dest)
        if existing is not None:
            if not overwrite:
                raise DavError(
                    412,
                    "PreconditionFailed",
                    "The destination node already exists, and the overwrite header is set to false",
                )
            self.delete(uid, dest)
        if not copy:
            self.before_change(uid, src)
        old_path, old_chain = f"/{src.path}", self.chain(uid, src.path)
        moved = [src, *self.children(uid, src.path, recursive=True)]
        old_prefix = src.path
        for item in moved:
            new_path = dest + item.path[len(old_prefix) :]
            if copy:
                blob = None
                if item.blob is not None:
                    blob = self.new_blob()
                    shutil.copyfile(item.blob, blob)
                clone = Node(new_path, item.is_dir, self.state.next_file_id(), self.new_etag(), item.mtime)
                clone.size, clone.blob = item.size, blob
                tree[new_path] = clone
            else:
                del tree[item.path]
                item.path = new_path
                tree[new_path] = item
        if not copy:
            self.touch_parents(uid, old_prefix)
        self.touch_parents(uid, dest)
        if copy:  # the copy is a new node (View::copy emits the create hooks for it)
            self.publish("file_created", uid, tree[dest], self.chain(uid, dest))
        else:
            self.publish("file_moved", uid, src, self.chain(uid, dest), old_path=old_path, old_chain=old_chain)
        return existing is None

    def restore(self, uid: str, name: str) -> Node:
        """files_trashbin ``Trashbin::restore``: back to the original location (renamed on conflict)."""
        items = self.trash.get(uid, [])
        item = next((i for i in items if i.name == name), None)
        if item is None:
            raise not_found(name)
        tree = self.tree(uid)
        target = item.original
        if _parent(target) not in tree:  # original folder gone: restore into the root
            target = item.nodes[0].name
        base, counter = target, 1
        while target in tree:  # Trashbin::getUniqueFilename: "name (restored)"
            target = f"{base} (restored)" if counter == 1 else f"{base} (restored {counter})"
            counter += 1
        old_prefix = item.nodes[0].path
        for node in item.nodes:
            node.path = target + node.path[len(old_prefix) :]
            tree[node.path] = node
        items.remove(item)
        self.touch_parents(uid, target)
        self.publish("file_restored", uid, item.nodes[0], self.chain(uid, target))
        return item.nodes[0]

    def purge(self, uid: str, name: str | None = None) -> None:
        """Delete a trash item permanently (``None`` = empty the trash bin)."""
        items = self.trash.get(uid, [])
        doomed = list(items) if name is None else [i for i in items if i.name == name]
        if name is not None and not doomed:
            raise not_found(name)
        for item in doomed:
            items.remove(item)
            for node in item.nodes:
                if node.blob is not None:
                    node.blob.unlink(missing_ok=True)

    def find_by_id(self, uid: str, file_id: int) -> Node | None:
        return next((n for n in self.tree(uid).values() if n.file_id == file_id), None)

    def restore_version(self, uid: str, file_id: int, mtime: int) -> Node:
        node = self.find_by_id(uid, file_id)
        versions = self.versions.get(file_id, [])
        version = next((v for v in versions if v.mtime == mtime), None)
        if node is None or version is None:
            raise not_found(str(mtime))
        staged = self.new_blob()
        shutil.copyfile(version.blob, staged)
        versions.remove(version)
        return self.put(uid, node.path, staged, version.size)[0]
