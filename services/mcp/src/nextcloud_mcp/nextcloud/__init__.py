"""Client layer: one module per Nextcloud app over one shared `NextcloudHTTP`.

`NextcloudSession` bundles the per-app clients for one user's credentials. Tools get one from
`nextcloud_mcp.context.session(ctx)` and never build URLs themselves.
"""

from __future__ import annotations

import httpx2

from nextcloud_mcp.nextcloud.calendar import CalendarClient
from nextcloud_mcp.nextcloud.contacts import ContactsClient
from nextcloud_mcp.nextcloud.cookbook import CookbookClient
from nextcloud_mcp.nextcloud.core import CoreClient
from nextcloud_mcp.nextcloud.deck import DeckClient
from nextcloud_mcp.nextcloud.files import FilesClient
from nextcloud_mcp.nextcloud.http import NextcloudHTTP
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
        self.core = CoreClient(http, auth)
        self.notes = NotesClient(http, auth, notes_cache, key)
        self.files = FilesClient(http, auth, key, self.core)
        self.sharing = SharingClient(http, auth)
        self.search = SearchClient(http, auth)
        self.users = UsersClient(http, auth)
        self.tables = TablesClient(http, auth)
        self.cookbook = CookbookClient(http, auth)
        self.calendar = CalendarClient(http, auth, key)
        self.contacts = ContactsClient(http, auth, key)
        self.deck = DeckClient(http, auth)
