"""files_sharing backend without HTTP: shares of nodes of the DAV tree (``DavBackend``), formatted as
``ShareAPIController::formatShare`` (apps/files_sharing/lib/Controller/ShareAPIController.php) does."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fake_nextcloud.apps.dav.models import DavBackend, Node
from fake_nextcloud.core.state import FakeState

__all__ = ["SHARE_TYPES", "Share", "SharingBackend", "format_share"]

#: ``IShare::TYPE_*`` the fake supports: user, group, link, email.
SHARE_TYPES = {0: "user", 1: "group", 3: "link", 4: "email"}
PERM_READ, PERM_UPDATE, PERM_CREATE, PERM_DELETE, PERM_SHARE = 1, 2, 4, 8, 16
PERM_ALL = 31
_TOKEN_CHARS = string.ascii_letters + string.digits


@dataclass
class Share:
    id: int
    share_type: int
    owner: str
    file_id: int
    share_with: str | None
    permissions: int
    stime: int
    token: str | None = None
    password: str | None = None
    expiration: str | None = None  # "YYYY-MM-DD"
    note: str = ""
    label: str = ""
    hide_download: bool = False
    accepted: bool = True
    mail_send: bool = False


class SharingBackend:
    """All shares of the instance (share ids are global). Use ``SharingBackend.of(state)``."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.shares: dict[int, Share] = {}
        self._next_id = 1
        #: ``sharing.enable_share_accept`` (system config, default false): user shares start pending.
        self.accept_required = False

    @classmethod
    def of(cls, state: FakeState) -> SharingBackend:
        return state.backend("files_sharing", cls)

    def storage_used(self, uid: str) -> int:
        return 0

    def create(self, owner: str, node: Node, share_type: int, share_with: str | None, permissions: int) -> Share:
        token = None
        if share_type in (3, 4):  # Manager::createShare: link/mail shares get a 15-character token
            token = "".join(secrets.choice(_TOKEN_CHARS) for _ in range(15))
        share = Share(
            self._next_id,
            share_type,
            owner,
            node.file_id,
            share_with,
            permissions,
            self.state.time(),
            token=token,
            accepted=not (share_type == 0 and self.accept_required),
        )
        self.shares[share.id] = share
        self._next_id += 1
        return share

    def visible_to(self, uid: str, share_id: int) -> Share | None:
        """``ShareAPIController::canAccessShare``: owner or recipient (user, member of the group)."""
        share = self.shares.get(share_id)
        if share is None:
            return None
        user = self.state.user(uid)
        if share.owner == uid or (share.share_type == 0 and share.share_with == uid):
            return share
        if share.share_type == 1 and user is not None and share.share_with in user.groups:
            return share
        return None

    def received_by(self, uid: str) -> list[Share]:
        user = self.state.user(uid)
        groups = set(user.groups) if user is not None else set()
        return [
            s
            for s in self.shares.values()
            if (s.share_type == 0 and s.share_with == uid) or (s.share_type == 1 and s.share_with in groups)
        ]


def _expiration(value: str | None) -> str | None:
    return f"{value} 00:00:00" if value else None


def format_share(state: FakeState, share: Share, viewer: str, base_url: str) -> dict[str, Any]:
    """``ShareAPIController::formatShare`` (fields as in files_sharing.json ``Share``)."""
    dav = DavBackend.of(state)
    node = dav.find_by_id(share.owner, share.file_id)
    owner = state.user(share.owner)
    owner_name = owner.display_name if owner is not None else share.owner
    path = f"/{node.path}" if node is not None else None
    parent = dav.get(share.owner, node.path.rsplit("/", 1)[0] if node is not None and "/" in node.path else "")
    is_dir = node is not None and node.is_dir
    data: dict[str, Any] = {
        "id": str(share.id),
        "share_type": share.share_type,
        "uid_owner": share.owner,
        "displayname_owner": owner_name,
        "permissions": share.permissions,
        "can_edit": share.owner == viewer,
        "can_delete": share.owner == viewer,
        "stime": share.stime,
        "parent": None,
        "expiration": _expiration(share.expiration),
        "token": share.token,
        "uid_file_owner": share.owner,
        "note": share.note,
        "label": share.label,
        "displayname_file_owner": owner_name,
        "path": path if viewer == share.owner else f"/{node.name}" if node is not None else None,
        "item_type": "folder" if is_dir else "file",
        "item_permissions": share.permissions,
        "is-mount-root": False,
        "mount-type": "",
        "mimetype": node.content_type if node is not None else "application/octet-stream",
        "has_preview": False,
        "storage_id": f"home::{share.owner}",
        "storage": 1,
        "item_source": share.file_id,
        "file_source": share.file_id,
        "file_parent": parent.file_id if parent is not None else 0,
        "file_target": f"/{node.name}" if node is not None else "/",
        "item_size": dav.folder_size(share.owner, node) if node is not None else 0,
        "item_mtime": node.mtime if node is not None else 0,
        "share_with": share.share_with,
        "share_with_displayname": share.share_with or "",
        "share_with_displayname_unique": share.share_with,
        "mail_send": 1 if share.mail_send else 0,
        "hide_download": 1 if share.hide_download else 0,
        "attributes": None,
    }
    if share.share_type == 0 and share.share_with is not None:
        recipient = state.user(share.share_with)
        if recipient is not None:
            data["share_with_displayname"] = recipient.display_name
            data["share_with_displayname_unique"] = recipient.email or recipient.uid
        data["status"] = {"status": "offline", "message": None, "icon": None, "clearAt": None}
    if share.share_type == 3:
        data["url"] = f"{base_url}/index.php/s/{share.token}"
        data["share_with"] = share.password and "***"  # the hashed password; never the clear text
        data["share_with_displayname"] = "(Shared link)"
        data["password"] = share.password and "***"
        data["send_password_by_talk"] = False
    if share.share_type == 4:
        data["password"] = share.password and "***"
        data["send_password_by_talk"] = False
    return data


def parse_expire_date(value: str) -> str:
    """``ShareAPIController::parseDate``: ``YYYY-MM-DD`` (a time part is ignored)."""
    return datetime.strptime(value[:10], "%Y-%m-%d").replace(tzinfo=UTC).strftime("%Y-%m-%d")
