"""Collectives and their members, tags and page metadata (nextcloud/collectives v4.4.3, f361bdf0).

A collective is a team (circle) plus a folder in app data (``lib/Mount/CollectiveFolderManager.php``), mounted for
every member at ``<user folder>/<name>`` (``lib/Mount/MountProvider.php::getFoldersForUser``; the user folder
defaults to ``/.Collectives``, ``lib/Fs/UserFolderHelper.php::getUserFolderSetting``). Here the folder is a
``dav.mounts.Storage`` mounted into each member's WebDAV tree, so pages written over WebDAV and through the API
are the same files. Membership is modelled simply: uid → circle level (``Member::LEVEL_*`` of the circles app:
1 member, 4 moderator, 8 admin, 9 owner); ``canEdit`` is ``level >= editPermissionLevel``
(``lib/Db/Collective.php::canEdit``), members by default (``Collective::defaultPermissions``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fake_nextcloud.apps.dav.models import DavBackend, MountedStorage, Node
from fake_nextcloud.core.state import FakeState

__all__ = [
    "INDEX",
    "LEVEL_ADMIN",
    "LEVEL_MEMBER",
    "LEVEL_MODERATOR",
    "USER_FOLDER",
    "Collective",
    "CollectivesBackend",
    "CollectivesError",
    "PageMeta",
    "Tag",
]

LEVEL_MEMBER, LEVEL_MODERATOR, LEVEL_ADMIN, LEVEL_OWNER = 1, 4, 8, 9
#: ``PageInfo::INDEX_PAGE_TITLE . PageInfo::SUFFIX``: the landing page and every folder page.
INDEX = "Readme.md"
USER_FOLDER = ".Collectives"


class CollectivesError(Exception):
    """A service exception as ``OCSExceptionHelper::handleErrorResponse`` maps it: ``NotPermittedException`` 403,
    ``NotFoundException`` 404, ``UnprocessableEntityException`` 400, each with its message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def not_found(message: str) -> CollectivesError:
    return CollectivesError(404, message)


@dataclass
class PageMeta:
    """A row of ``collectives_pages`` (``lib/Db/Page.php``), keyed by file id."""

    last_user_id: str | None = None
    emoji: str | None = None
    tags: list[int] = field(default_factory=list)
    subpage_order: list[int] = field(default_factory=list)


@dataclass
class Tag:
    """``lib/Db/Tag.php``: a collective's tag."""

    id: int
    collective_id: int
    name: str
    color: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "collectiveId": self.collective_id, "name": self.name, "color": self.color}


@dataclass
class Collective:
    id: int
    name: str
    circle_id: str
    slug: str
    storage: MountedStorage
    members: dict[str, int]
    emoji: str | None = None
    edit_permission_level: int = LEVEL_MEMBER
    share_permission_level: int = LEVEL_MEMBER

    @property
    def point(self) -> str:
        return self.storage.point

    def level(self, uid: str) -> int:
        return self.members.get(uid, 0)

    def can_edit(self, uid: str) -> bool:
        return self.level(uid) >= self.edit_permission_level


def slug_of(name: str) -> str:
    """``Symfony\\Component\\String\\Slugger\\AsciiSlugger::slug`` for ASCII names (enough for the fake)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")


class CollectivesBackend:
    """All collectives of the instance. Use ``CollectivesBackend.of(state)``."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.dav = DavBackend.of(state)
        self.collectives: dict[int, Collective] = {}
        self.pages: dict[int, PageMeta] = {}
        self.tags: dict[int, Tag] = {}
        self._ids = {"collective": 0, "tag": 0}

    @classmethod
    def of(cls, state: FakeState) -> CollectivesBackend:
        return state.backend("collectives", cls)

    def storage_used(self, uid: str) -> int:
        return 0  # collective folders live in app data, outside the members' quota

    def next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def meta(self, file_id: int) -> PageMeta:
        return self.pages.setdefault(file_id, PageMeta())

    # -- collectives ---------------------------------------------------------------------------------------------

    def create(self, uid: str, name: str, emoji: str | None = None) -> Collective:
        """``CollectiveService::createCollective``: a team owned by ``uid``, the folder with its landing page
        (``CollectiveFolderManager::initializeFolder``, ``getLandingPageContent``), registered for ``uid``."""
        safe = name.strip()
        if not safe:
            raise CollectivesError(400, "Invalid name")  # CollectiveService::createCollective (empty safe name)
        if any(c.name.lower() == safe.lower() for c in self.collectives.values()):
            # CircleHelper::createCircle -> CircleExistsException, not an admin of that team
            raise CollectivesError(400, "A team with that name exists")
        collective_id = self.next_id("collective")
        storage = MountedStorage(f"{USER_FOLDER}/{safe}")
        now = self.state.time()
        storage.nodes[storage.point] = Node(storage.point, True, self.state.next_file_id(), self.dav.new_etag(), now)
        collective = Collective(
            collective_id, safe, f"circle{collective_id:04d}", slug_of(safe), storage, {uid: LEVEL_OWNER}, emoji
        )
        self.collectives[collective_id] = collective
        self.dav.mount(uid, storage)
        full = f"{emoji} {safe}" if emoji else safe
        landing = self.dav.write_bytes(uid, f"{storage.point}/{INDEX}", _landing_content(full).encode())
        self.meta(landing.file_id).last_user_id = uid
        return collective

    def add_member(self, collective: Collective, uid: str, level: int = LEVEL_MEMBER) -> None:
        """A user joins the team: the mount provider now mounts the folder for them."""
        collective.members[uid] = level
        self.dav.mount(uid, collective.storage)

    def remove_member(self, collective: Collective, uid: str) -> None:
        collective.members.pop(uid, None)
        self.dav.unmount(uid, collective.point)

    def visible(self, uid: str) -> list[Collective]:
        """``CollectiveHelper::getCollectivesForUser``: the collectives of the user's teams."""
        return [c for c in self.collectives.values() if uid in c.members]

    def get(self, uid: str, collective_id: int) -> Collective:
        """``CollectiveServiceBase::getCollective``."""
        collective = self.collectives.get(collective_id)
        if collective is None or uid not in collective.members:
            raise not_found(f"Collective not found: {collective_id}")
        return collective

    def require_edit(self, uid: str, collective: Collective) -> None:
        """``PageService::verifyEditPermissions``."""
        if not collective.can_edit(uid):
            raise CollectivesError(403, "Not allowed to edit collective")

    def collective_json(self, uid: str, c: Collective) -> dict[str, Any]:
        """``Collective::jsonSerialize`` (no shares, default user settings)."""
        level = c.level(uid)
        return {
            "id": c.id, "slug": c.slug, "circleId": c.circle_id, "emoji": c.emoji, "trashTimestamp": None,
            "pageMode": 0, "name": c.name, "level": level, "editPermissionLevel": c.edit_permission_level,
            "sharePermissionLevel": c.share_permission_level, "canEdit": c.can_edit(uid),
            "canShare": level >= c.share_permission_level, "shareToken": None, "isPageShare": False,
            "sharePageId": 0, "shareEditable": False, "userPageOrder": 0, "userShowMembers": True,
            "userShowRecentPages": True, "userFavoritePages": [], "canLeave": level < LEVEL_OWNER,
        }  # fmt: skip

    # -- tags (lib/Service/TagService.php) -----------------------------------------------------------------------

    def collective_tags(self, collective: Collective) -> list[Tag]:
        return [t for t in self.tags.values() if t.collective_id == collective.id]

    def create_tag(self, uid: str, collective: Collective, name: str, color: str) -> Tag:
        """``TagService::create``: edit permission, a valid color (``validateColor``: '' or 6 hex digits), a
        unique name (``TagExistsException``, a 400 in ``TagController::create``)."""
        self.require_edit(uid, collective)
        if color != "" and not re.fullmatch(r"[0-9a-fA-F]{6}", color):
            raise CollectivesError(400, f"Collective color is not valid: {color}")
        if any(t.name == name for t in self.collective_tags(collective)):
            raise CollectivesError(400, f"Tag already exists for collective: {name}")  # TagExistsException
        tag = Tag(self.next_id("tag"), collective.id, name, color)
        self.tags[tag.id] = tag
        return tag


def _landing_content(name: str) -> str:
    """``CollectiveFolderManager::getLandingPageContent`` (English)."""
    return (
        f"# Welcome {name}\n\n"
        "Add pages with the \u2795 in the page list! You can drag them to change the order. Dragging them into the "
        "editor will create a 🔗 link.\n\n"
        "Press `✏️ Edit` to change this text and make yourself at home! Multiple people can edit together. Find out "
        "more in the [documentation](https://docs.nextcloud.com/server/latest/user_manual/en/collectives/index.html)"
        " or ask [the community](https://help.nextcloud.com/tag/collectives-app)."
    )
