"""Storages of their own mounted into users' trees, as an app's ``OCP\\Files\\Config\\IMountProvider`` does.

A ``Storage`` (e.g. a collective's folder in app data, nextcloud/collectives ``lib/Mount/MountProvider.php``)
holds its nodes by their path in the users' trees: it is mounted at the same ``point`` for every user who sees it,
so one ``Node`` object serves all of them and a change made by one is seen by all. ``Tree`` is one user's view:
their own nodes plus the storages mounted for them; writes land in the storage that holds the path. Deleting in a
storage with a trash of its own puts the item there (the storage's ``ITrashBackend``, nextcloud/collectives
``lib/Trash/PageTrashBackend.php``), not in the user's trash bin.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["Storage", "Tree"]

N = TypeVar("N")  # models.Node (generic here, so that this module imports nothing of models)
T = TypeVar("T")  # models.TrashItem


@dataclass
class Storage(Generic[N, T]):
    """A storage mounted at ``point`` (a path relative to the users' roots) with its own trash."""

    point: str
    nodes: MutableMapping[str, N] = field(default_factory=dict)
    trash: list[T] = field(default_factory=list)


class Tree(MutableMapping[str, N], Generic[N, T]):
    """One user's tree: ``own`` nodes and the storages in ``mounts`` (mount point → storage)."""

    def __init__(self, own: dict[str, N], mounts: dict[str, Storage[N, T]]) -> None:
        self.own = own
        self.mounts = mounts

    def storage_of(self, path: str) -> Storage[N, T] | None:
        """The mounted storage holding ``path`` (None: the user's own storage)."""
        for point, storage in self.mounts.items():
            if path == point or path.startswith(point + "/"):
                return storage
        return None

    def _holder(self, path: str) -> MutableMapping[str, N]:
        storage = self.storage_of(path)
        return self.own if storage is None else storage.nodes

    def __getitem__(self, path: str) -> N:
        return self._holder(path)[path]

    def __setitem__(self, path: str, node: N) -> None:
        self._holder(path)[path] = node

    def __delitem__(self, path: str) -> None:
        del self._holder(path)[path]

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and path in self._holder(path)

    def __iter__(self) -> Iterator[str]:
        yield from (path for path in self.own if self.storage_of(path) is None)
        for storage in list(self.mounts.values()):
            yield from list(storage.nodes)

    def __len__(self) -> int:
        return sum(1 for _ in self)
