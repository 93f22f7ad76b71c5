"""Received shares in the recipient's file tree, as files_sharing's ``MountProvider`` mounts them
(apps/files_sharing/lib/MountProvider.php::getMountsForUser: one ``SharedMount`` per accepted user or group share
received, at the share's target, by default ``/<name of the node>``).

The mount is a live view of the owner's nodes (one ``Node`` object for both users: a change by either is seen by
both, a node moved out of the shared folder by its owner leaves the recipient's tree at once, a revoked share
unmounts at the next request). Simplifications: only shares of a node at the top of the owner's tree (whose path
in both trees is its name); a recipient who has a node of that name keeps theirs and does not see the share
(Nextcloud mounts it as ``name (2)``, ``SharedMount::verifyMountPoint``); what the recipient deletes inside the
share is not kept in any trash; deleting the mount point itself is refused (Nextcloud unshares it from the
recipient, ``SharedStorage::unshareStorage``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping

from fake_nextcloud.apps.dav.models import DavBackend, MountedStorage, Node
from fake_nextcloud.apps.dav.mounts import Storage
from fake_nextcloud.apps.files_sharing.models import SharingBackend
from fake_nextcloud.core.state import FakeState

__all__ = ["share_mounts"]


class OwnerView(MutableMapping[str, Node]):
    """The owner's nodes at and below ``point``, by their path (the same in the recipient's tree)."""

    def __init__(self, own: dict[str, Node], point: str) -> None:
        self._own, self._point = own, point

    def _inside(self, path: str) -> bool:
        return path == self._point or path.startswith(self._point + "/")

    def __getitem__(self, path: str) -> Node:
        if not self._inside(path):
            raise KeyError(path)
        return self._own[path]

    def __setitem__(self, path: str, node: Node) -> None:
        self._own[path] = node

    def __delitem__(self, path: str) -> None:
        if not self._inside(path):
            raise KeyError(path)
        del self._own[path]

    def __iter__(self) -> Iterator[str]:
        return iter([path for path in self._own if self._inside(path)])

    def __len__(self) -> int:
        return sum(1 for _ in self)


def share_mounts(state: FakeState) -> Callable[[str], list[MountedStorage]]:
    """The provider ``app.py`` registers in ``state.mount_providers``."""

    def provide(uid: str) -> list[MountedStorage]:
        if not state.app_enabled("files_sharing"):
            return []
        dav = DavBackend.of(state)
        mounts: list[MountedStorage] = []
        for share in SharingBackend.of(state).received_by(uid):
            if not share.accepted or share.share_type not in (0, 1) or share.owner == uid:
                continue
            own = dav.trees.get(share.owner, {})  # not dav.tree(): the owner's own mounts are not re-shared
            node = next((n for n in own.values() if n.file_id == share.file_id), None)
            if node is not None and node.path and "/" not in node.path:
                mounts.append(Storage(node.path, OwnerView(own, node.path)))
        return mounts

    return provide
