"""The tree below ``/remote.php/dav/systemtags`` and ``/remote.php/dav/systemtags-relations`` as Sabre's
``Tree::getNodeForPath`` walks it (apps/dav/lib/SystemTag/, nextcloud/server): each segment is the parent's
``getChild``.

* ``SystemTagsByIdCollection::getChild``: an id that is not numeric is a 400 ``Invalid tag id``; a tag that does
  not exist or that the caller cannot see (``canUserSeeTag``) a 404 ``Tag with id {id} not found``.
* ``SystemTagsRelationsCollection`` (a ``SimpleCollection``) has the one child ``files``
  (``SystemTagsObjectTypeCollection``), whose ``getChild`` wants a node of the caller's files:
  ``getUserFolder()->getFirstNodeById((int)$name)``, else 404 ``Entity does not exist or is not available``. The
  name is kept as the object id string it was requested with; it cannot be listed (405).
* ``SystemTagsObjectMappingCollection::getChild``: ``haveTag`` (400 for a non-numeric id, 404 ``Tag with id {id}
  not found`` for an unknown one), then 404 ``Tag with id {id} not present for object {fileid}`` when the tag is
  not assigned or not visible; ``childExists`` answers false instead of the 404s.
* ``createFile`` of a file's collection (PUT, and POST after creating the tag): an unknown or invisible tag is a
  412 ``Tag with id {id} does not exist, cannot assign``, a tag the caller may not assign (``canUserAssignTag``)
  a 403 ``No permission to assign tag {id}``, a file without update permission (the relations'
  ``childWriteAccessFunction``: ``PERMISSION_UPDATE``) a 403 ``No permission to assign tag to {fileid}``.
* ``Server::checkPreconditions`` sees these nodes as existing, without an ETag (none is an ``IFile``) and without
  a modification time (``getLastModified`` is null).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.apps.dav.preconditions import Resolver, Target
from fake_nextcloud.apps.dav.systemtags import InvalidTagId, SystemTag, SystemTagStore, TagNotFound, php_int
from fake_nextcloud.core.errors import NOT_IMPLEMENTED_HEADER

if TYPE_CHECKING:
    from fake_nextcloud.apps.dav.view import DavView
    from fake_nextcloud.core.state import User

__all__ = [
    "COLLECTIONS",
    "NotModelled",
    "TagNode",
    "Tree",
    "bad",
    "forbidden",
    "not_found",
    "php_error",
    "target_resolver",
]

COLLECTIONS = frozenset({"systemtags", "systemtags-relations", "systemtags-assigned"})


def bad(message: str) -> DavError:
    return DavError(400, "BadRequest", message)


def not_found(message: str) -> DavError:
    return DavError(404, "NotFound", message)


def forbidden(message: str = "") -> DavError:
    return DavError(403, "Forbidden", message)


class NotModelled(DavError):
    """A 404 for a node the fake does not model, marked ``X-Fake-Nextcloud: not-implemented``."""

    def __init__(self, message: str) -> None:
        super().__init__(404, "NotFound", message)
        self.headers = dict([NOT_IMPLEMENTED_HEADER])


def php_error(cls: str, message: str) -> DavError:
    """An uncaught PHP exception: ``Server::exec`` answers 500 with ``get_class($e)`` and its message."""
    error = DavError(500, "x", message)
    error.exception = cls
    return error


@dataclass(frozen=True)
class TagNode:
    """A node of the tree: ``tags`` (``systemtags``), ``tag``, ``relations``, ``objects`` (``…/files``),
    ``mappings`` (``…/files/{fileid}``), ``mapping``."""

    kind: str
    tag: SystemTag | None = None
    object_id: str = ""

    @property
    def collection(self) -> bool:
        return self.kind != "mapping"


class Tree:
    """The nodes as ``user`` reaches them."""

    def __init__(self, app: DavView, user: User) -> None:
        self.app, self.user = app, user
        self.store = SystemTagStore.of(app.state)

    def _visible_tag(self, name: str) -> SystemTag:
        """``SystemTagsByIdCollection::getChild``."""
        try:
            tag = self.store.by_ids([name])[0]
        except InvalidTagId:
            raise bad("Invalid tag id") from None
        except TagNotFound:
            raise not_found(f"Tag with id {name} not found") from None
        if not self.store.can_see(tag, self.user):
            raise not_found(f"Tag with id {name} not found")
        return tag

    def file_exists(self, object_id: str) -> bool:
        return self.app.backend.find_by_id(self.user.uid, php_int(object_id)) is not None

    def writable(self, object_id: str) -> bool:
        """The relations' ``childWriteAccessFunction``: ``PERMISSION_UPDATE`` on the node."""
        node = self.app.backend.find_by_id(self.user.uid, php_int(object_id))
        return node is not None and not node.readonly

    def mapped(self, object_id: str, name: str) -> SystemTag | None:
        """``SystemTagsObjectMappingCollection::childExists`` (``haveTag`` + ``canUserSeeTag``)."""
        try:
            if not self.store.have_tag(object_id, name):
                return None
        except InvalidTagId:
            raise bad("Invalid tag id") from None
        except TagNotFound:
            return None
        tag = self.store.by_ids([name])[0]
        return tag if self.store.can_see(tag, self.user) else None

    def child(self, parent: TagNode, name: str, path: str) -> TagNode:
        if parent.kind == "tags":
            return TagNode("tag", self._visible_tag(name))
        if parent.kind == "relations":
            if name != "files":
                raise not_found(f"File not found: {name} in 'systemtags-relations'")  # SimpleCollection
            return TagNode("objects")
        if parent.kind == "objects":
            if not self.file_exists(name):
                raise not_found("Entity does not exist or is not available")
            return TagNode("mappings", object_id=name)
        if parent.kind == "mappings":  # SystemTagsObjectMappingCollection::getChild
            try:
                assigned = self.store.have_tag(parent.object_id, name)
            except InvalidTagId:
                raise bad("Invalid tag id") from None
            except TagNotFound:
                raise not_found(f"Tag with id {name} not found") from None
            tag = self.store.by_ids([name])[0]
            if not assigned or not self.store.can_see(tag, self.user):
                raise not_found(f"Tag with id {name} not present for object {parent.object_id}")
            return TagNode("mapping", tag, parent.object_id)
        if parent.kind == "tag":  # SystemTagNode::getChild -> SystemTagObjectType
            raise NotModelled(f"{path}: system tag object types are not modelled")
        raise not_found(f"Could not find node at path: {path}")  # Tree::getNodeForPath, parent no collection

    def child_exists(self, parent: TagNode, name: str) -> bool:
        """The parent's ``childExists`` (``Tree::nodeExists``)."""
        if parent.kind == "tags":
            try:
                tag = self.store.by_ids([name])[0]
            except InvalidTagId:
                raise bad("Invalid tag id") from None
            except TagNotFound:
                return False
            return self.store.can_see(tag, self.user)
        if parent.kind == "relations":
            return name == "files"
        if parent.kind == "objects":
            return self.file_exists(name)
        if parent.kind == "mappings":
            return self.mapped(parent.object_id, name) is not None
        return False

    def resolve(self, path: str) -> TagNode:
        parts = path.strip("/").split("/")
        if parts[0] == "systemtags-assigned":
            raise NotModelled("systemtags-assigned (SystemTagsInUseCollection) is not modelled")
        node = TagNode("tags" if parts[0] == "systemtags" else "relations")
        for index, name in enumerate(parts[1:], start=2):
            node = self.child(node, name, "/".join(parts[:index]))
        return node

    def children(self, node: TagNode, path: str) -> list[tuple[str, TagNode]]:
        if node.kind == "tags":
            tags = self.store.all_tags(visible_only=not self.user.is_admin)
            return [(f"{path}/{t.id}", TagNode("tag", t)) for t in tags]
        if node.kind == "relations":
            return [(f"{path}/files", TagNode("objects"))]
        if node.kind == "objects":
            raise DavError(405, "MethodNotAllowed", "")  # "do not list object ids"
        if node.kind == "mappings":
            found = [self.store.tags[i] for i in self.store.tag_ids_for(node.object_id) if i in self.store.tags]
            tags = self.store.ordered([t for t in found if self.store.can_see(t, self.user)])
            return [(f"{path}/{t.id}", TagNode("mapping", t, node.object_id)) for t in tags]
        return []  # a tag's object types are not modelled; a mapping is no collection

    def assign(self, object_id: str, name: str) -> None:
        """``SystemTagsObjectMappingCollection::createFile``."""
        missing = DavError(412, "PreconditionFailed", f"Tag with id {name} does not exist, cannot assign")
        try:
            tag = self.store.by_ids([name])[0]
        except TagNotFound:
            raise missing from None
        except InvalidTagId:
            raise php_error("InvalidArgumentException", "Tag id must be integer") from None
        if not self.store.can_see(tag, self.user):
            raise missing
        if not self.store.can_assign(tag, self.user):
            raise forbidden(f"No permission to assign tag {name}")
        if not self.writable(object_id):
            raise forbidden(f"No permission to assign tag to {object_id}")
        self.store.assign(object_id, tag)


def target_resolver(app: DavView, user: User, fallback: Resolver) -> Resolver:
    """``fallback`` extended with these collections for ``Server::checkPreconditions``."""

    def resolve(path: str) -> Target:
        if path.split("/", 1)[0] not in COLLECTIONS:
            return fallback(path)
        Tree(app, user).resolve(path)
        return Target()

    return resolve
