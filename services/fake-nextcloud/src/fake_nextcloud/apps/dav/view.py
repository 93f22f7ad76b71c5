"""``DavView``: what the DAV sub-handlers (comments, search, trash, uploads) use of the DAV app (``routes.DavApp``),
so that they need not import it."""

from __future__ import annotations

from typing import Protocol

from fake_nextcloud.apps.dav.models import DavBackend, Node
from fake_nextcloud.apps.dav.xmlio import PropValue
from fake_nextcloud.core.state import FakeState, User

__all__ = ["DavView"]


class DavView(Protocol):
    state: FakeState

    @property
    def backend(self) -> DavBackend: ...

    def props_of(self, user: User, node: Node) -> dict[str, PropValue]: ...
