"""Client layer: one module per Nextcloud app over one shared `NextcloudHTTP`.

`NextcloudSession` bundles the per-app clients for one user's credentials. Tools get one from
`nextcloud_mcp.context.session(ctx)` and never build URLs themselves. Each app's client module is imported
the first time a session uses it, so start-up does not pay for apps nobody calls.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import httpx2

from nextcloud_mcp.nextcloud.core import CoreClient
from nextcloud_mcp.nextcloud.http import NextcloudHTTP

if TYPE_CHECKING:
    from nextcloud_mcp.nextcloud.calendar import CalendarClient
    from nextcloud_mcp.nextcloud.contacts import ContactsClient
    from nextcloud_mcp.nextcloud.cookbook import CookbookClient
    from nextcloud_mcp.nextcloud.deck import DeckClient
    from nextcloud_mcp.nextcloud.files import FilesClient
    from nextcloud_mcp.nextcloud.notes import NotesCache, NotesClient
    from nextcloud_mcp.nextcloud.search import SearchClient
    from nextcloud_mcp.nextcloud.sharing import SharingClient
    from nextcloud_mcp.nextcloud.tables import TablesClient
    from nextcloud_mcp.nextcloud.users import UsersClient

__all__ = ["NextcloudHTTP", "NextcloudSession"]


class NextcloudSession:
    """The Nextcloud APIs as one user. `key` identifies the user for caches; it is never a credential."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth, key: str, notes_cache: NotesCache) -> None:
        self.key = key
        self._http = http
        self._auth = auth
        self._notes_cache = notes_cache
        self.core = CoreClient(http, auth)

    @cached_property
    def notes(self) -> NotesClient:
        from nextcloud_mcp.nextcloud.notes import NotesClient

        return NotesClient(self._http, self._auth, self._notes_cache, self.key)

    @cached_property
    def files(self) -> FilesClient:
        from nextcloud_mcp.nextcloud.files import FilesClient

        return FilesClient(self._http, self._auth, self.key, self.core)

    @cached_property
    def sharing(self) -> SharingClient:
        from nextcloud_mcp.nextcloud.sharing import SharingClient

        return SharingClient(self._http, self._auth)

    @cached_property
    def search(self) -> SearchClient:
        from nextcloud_mcp.nextcloud.search import SearchClient

        return SearchClient(self._http, self._auth)

    @cached_property
    def users(self) -> UsersClient:
        from nextcloud_mcp.nextcloud.users import UsersClient

        return UsersClient(self._http, self._auth)

    @cached_property
    def tables(self) -> TablesClient:
        from nextcloud_mcp.nextcloud.tables import TablesClient

        return TablesClient(self._http, self._auth)

    @cached_property
    def cookbook(self) -> CookbookClient:
        from nextcloud_mcp.nextcloud.cookbook import CookbookClient

        return CookbookClient(self._http, self._auth)

    @cached_property
    def calendar(self) -> CalendarClient:
        from nextcloud_mcp.nextcloud.calendar import CalendarClient

        return CalendarClient(self._http, self._auth, self.key)

    @cached_property
    def contacts(self) -> ContactsClient:
        from nextcloud_mcp.nextcloud.contacts import ContactsClient

        return ContactsClient(self._http, self._auth, self.key)

    @cached_property
    def deck(self) -> DeckClient:
        from nextcloud_mcp.nextcloud.deck import DeckClient

        return DeckClient(self._http, self._auth)
