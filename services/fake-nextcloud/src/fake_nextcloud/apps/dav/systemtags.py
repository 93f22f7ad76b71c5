"""System tags of one instance, without HTTP: the ``systemtag`` table (with its groups) and the file mappings of
``systemtag_object_mapping`` (nextcloud/server ``lib/private/SystemTag/SystemTagManager.php``,
``SystemTagObjectMapper.php``). Tags are instance-wide; mappings are keyed by the object id *string*, as the
``objectid`` column stores it (only the object type ``files`` is modelled).

* Tag ids: ``SystemTagManager::getTagsByIds`` refuses an id that is not ``is_numeric`` (``InvalidTagId``, the
  ``\\InvalidArgumentException('Tag id must be integer')``) and binds the others as integers (``" 7"``, ``"7.0"``
  and ``"7e0"`` are tag 7); fewer rows than ids (a repeated id too) is ``TagNotFound``. With a user, tags the
  user cannot see are left out first (``canUserSeeTag``), so they are "not found".
* ``createTag``: refused without ``canUserCreateTag`` (app config ``systemtags/restrict_creation_to_admin``);
  a name equal to an existing one after ``mb_strtolower`` is ``TagAlreadyExists``; the name is cut to 64 bytes
  (``substr``; not trimmed); the unique index ``(name, visibility, editable)`` applies to the cut name. The
  ETag is ``md5((string)time())``.
* ``updateTag``: the new name is ``trim``-med and cut; the same case-insensitive check against the *other* tags;
  refused without ``canUserUpdateTag`` (= ``canUserCreateTag``); the ETag stays.
* ``deleteTags`` removes the mappings first, then the tag.
* ``SystemTagObjectMapper::assignTags`` / ``unassignTags`` set the tag's ETag to ``md5(json_encode(time()))``
  (``updateEtagForTags``; an assignment that already exists changes nothing). Nothing listens to file deletion:
  a deleted file keeps its mappings (the file id survives in the trash bin, a restore brings the tags back), and
  the rows of purged files are removed by the hourly ``DeleteOrphanedItems::cleanSystemTags`` background job
  (apps/files/lib/BackgroundJob/DeleteOrphanedItems.php), which the fake does not run: such rows stay but no
  request can reach them, because every lookup goes through the user's files.
* Order: ``getAllTags``/``getTagsByIds`` sort by ``name``, ``visibility``, ``editable`` (code-point order here;
  a real database sorts by its collation).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from fake_nextcloud.core.state import FakeState, User

__all__ = [
    "InvalidTagId",
    "SystemTag",
    "SystemTagStore",
    "TagAlreadyExists",
    "TagForbidden",
    "TagNotFound",
    "php_bool",
    "php_int",
]

#: PHP 8 ``is_numeric`` (leading and trailing whitespace allowed)
_NUMERIC = re.compile(r"^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$")
_LEADING_INT = re.compile(r"^[ \t\n\r\v\f]*([+-]?\d+)")
#: PHP ``trim`` characters
_TRIM = " \t\n\r\0\x0b"
_NAME_BYTES = 64  # oc_systemtag.name is VARCHAR(64)


class TagNotFound(Exception):
    """``OCP\\SystemTag\\TagNotFoundException``."""


class TagAlreadyExists(Exception):
    """``OCP\\SystemTag\\TagAlreadyExistsException``."""


class TagForbidden(Exception):
    """``TagCreationForbiddenException`` / ``TagUpdateForbiddenException``."""


class InvalidTagId(ValueError):
    """``\\InvalidArgumentException('Tag id must be integer')`` of ``SystemTagManager::getTagsByIds``."""


def php_bool(value: object) -> bool:
    """PHP ``(bool)`` of a decoded JSON value: ``false``, ``0``, ``0.0``, ``""``, ``"0"``, ``[]``, ``null`` are
    false."""
    if isinstance(value, str):
        return value not in ("", "0")
    return bool(value)


def php_int(text: str) -> int:
    """PHP ``(int)`` of a string: its leading integer (``"12abc"`` is 12), 0 when there is none."""
    match = _LEADING_INT.match(text)
    return int(match.group(1)) if match else 0


def _cut(name: str) -> str:
    """``substr($name, 0, 64)``: 64 bytes (a UTF-8 sequence cut in half is dropped here)."""
    return name.encode("utf-8")[:_NAME_BYTES].decode("utf-8", "ignore")


def _etag(now: int) -> str:
    return hashlib.md5(str(now).encode()).hexdigest()  # noqa: S324 - Nextcloud's ETag, not a security hash


@dataclass
class SystemTag:
    """A row of ``oc_systemtag`` (``visibility`` = ``visible``, ``editable`` = ``assignable``) with its
    ``oc_systemtag_group`` rows (``groups``, sorted as ``getTagGroups`` orders them)."""

    id: int
    name: str
    visible: bool
    assignable: bool
    etag: str
    color: str | None = None
    groups: list[str] = field(default_factory=list)


class SystemTagStore:
    """Use ``SystemTagStore.of(state)``; dropped with the other app data by ``FakeState.reset()``."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.tags: dict[int, SystemTag] = {}
        self.mappings: dict[str, set[int]] = {}  # files object id -> tag ids
        #: dead properties (apps/dav CustomPropertiesBackend): (user id, Sabre path) -> {clark name: value}
        self.dead_props: dict[tuple[str, str], dict[str, str]] = {}
        self._next_id = 1

    @classmethod
    def of(cls, state: FakeState) -> SystemTagStore:
        return state.backend("systemtags", cls)

    def storage_used(self, uid: str) -> int:
        return 0

    # -- permissions (SystemTagManager::canUser*) ---------------------------------------------------------

    def can_see(self, tag: SystemTag, user: User) -> bool:
        return tag.visible or user.is_admin

    def can_assign(self, tag: SystemTag, user: User) -> bool:
        if tag.visible and tag.assignable:
            return True
        if user.is_admin:
            return True
        if not tag.visible:
            return False
        return bool(set(user.groups) & set(tag.groups))

    def can_create(self, user: User) -> bool:
        """``canUserCreateTag`` (also ``canUserUpdateTag``): ``IAppConfig::getValueBool``."""
        restricted = self.state.config.app_value("systemtags", "restrict_creation_to_admin", "false")
        return restricted.strip().lower() not in ("1", "true", "yes", "on") or user.is_admin

    # -- SystemTagManager ---------------------------------------------------------------------------------

    @staticmethod
    def ordered(tags: list[SystemTag]) -> list[SystemTag]:
        return sorted(tags, key=lambda t: (t.name, t.visible, t.assignable, t.id))

    def all_tags(self, *, visible_only: bool) -> list[SystemTag]:
        return self.ordered([t for t in self.tags.values() if t.visible or not visible_only])

    def by_ids(self, ids: list[str], user: User | None = None) -> list[SystemTag]:
        """``getTagsByIds($ids, $user)``."""
        keys: list[int] = []
        for text in ids:
            if not _NUMERIC.match(text):
                raise InvalidTagId("Tag id must be integer")
            keys.append(int(float(text)))
        found = {key: self.tags[key] for key in keys if key in self.tags}
        if user is not None:
            found = {key: tag for key, tag in found.items() if self.can_see(tag, user)}
        if len(found) != len(ids):
            raise TagNotFound("Tag id(s) not found")
        return self.ordered(list(found.values()))

    def _taken(self, name: str, *, other_than: int | None = None) -> bool:
        lowered = name.lower()  # mb_strtolower on both sides
        return any(t.name.lower() == lowered and t.id != other_than for t in self.tags.values())

    def _unique(self, name: str, visible: bool, assignable: bool, *, other_than: int | None = None) -> bool:
        return not any(
            (t.name, t.visible, t.assignable) == (name, visible, assignable) and t.id != other_than
            for t in self.tags.values()
        )

    def create(self, name: str, visible: bool, assignable: bool, user: User) -> SystemTag:
        if not self.can_create(user):
            raise TagForbidden
        if self._taken(name):
            raise TagAlreadyExists(f"Tag {name} already exists")
        cut = _cut(name)
        if not self._unique(cut, visible, assignable):
            raise TagAlreadyExists(f'Tag ("{cut}", ...) already exists')
        tag = SystemTag(self._next_id, cut, visible, assignable, _etag(self.state.time()))
        self._next_id += 1
        self.tags[tag.id] = tag
        return tag

    def update(self, tag: SystemTag, name: str, visible: bool, assignable: bool, color: str | None, user: User) -> None:
        if tag.id not in self.tags:
            raise TagNotFound("Tag does not exist")
        if not self.can_create(user):
            raise TagForbidden
        cut = _cut(name.strip(_TRIM))
        if self._taken(cut, other_than=tag.id) or not self._unique(cut, visible, assignable, other_than=tag.id):
            raise TagAlreadyExists(f"Tag {cut} already exists")
        tag.name, tag.visible, tag.assignable, tag.color = cut, visible, assignable, color

    def set_groups(self, tag: SystemTag, groups: list[str]) -> None:
        """``setTagGroups``: replaces the rows; empty group ids are skipped."""
        tag.groups = sorted({g for g in groups if g != ""})

    def delete(self, tag: SystemTag) -> None:
        for tag_ids in self.mappings.values():
            tag_ids.discard(tag.id)
        self.tags.pop(tag.id, None)

    # -- SystemTagObjectMapper (object type "files") ------------------------------------------------------

    def tag_ids_for(self, object_id: str) -> list[int]:
        """``getTagIdsForObjects([$id], 'files')``: ordered by tag id."""
        return sorted(self.mappings.get(object_id, set()))

    def have_tag(self, object_id: str, tag_id: str) -> bool:
        """``haveTag([$id], 'files', $tagId)``: the tag must exist (``assertTagsExist``)."""
        tag = self.by_ids([tag_id])[0]
        return tag.id in self.mappings.get(object_id, set())

    def assign(self, object_id: str, tag: SystemTag) -> None:
        tag_ids = self.mappings.setdefault(object_id, set())
        if tag.id in tag_ids:
            return
        tag_ids.add(tag.id)
        tag.etag = _etag(self.state.time())

    def unassign(self, object_id: str, tag: SystemTag) -> None:
        self.mappings.get(object_id, set()).discard(tag.id)
        tag.etag = _etag(self.state.time())

    def object_ids_for(self, tag: SystemTag) -> list[str]:
        return sorted(object_id for object_id, tag_ids in self.mappings.items() if tag.id in tag_ids)
