"""Users (provisioning_api): the current user, one user, and a search.

Source: nextcloud/server apps/provisioning_api/lib/Controller/UsersController.php
(`getCurrentUser`, `getUser`, `getUsersDetails`).
"""

from __future__ import annotations

from typing import Any

import httpx2

from nextcloud_mcp.core.errors import ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import UserDetails, _validate
from nextcloud_mcp.core.paths import quote_path
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["UserDetails", "UsersClient", "users_client"]


class UsersClient:
    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http, self._auth = http, auth

    async def me(self) -> UserDetails:
        return _validate(UserDetails, await self._http.ocs("GET", "/cloud/user", auth=self._auth), "/cloud/user")

    async def get(self, user_id: str) -> UserDetails:
        path = f"/cloud/users/{quote_path(user_id)}"
        return _validate(UserDetails, await self._http.ocs("GET", path, auth=self._auth), path)

    async def search(self, term: str, limit: int, offset: int) -> list[UserDetails]:
        data: Any = await self._http.ocs(
            "GET", "/cloud/users/details", auth=self._auth, params={"search": term, "limit": limit, "offset": offset}
        )
        users = data.get("users") if isinstance(data, dict) else None
        if isinstance(users, list):  # PHP serialises an empty map as []
            users = {}
        if not isinstance(users, dict):
            raise ProtocolError("Nextcloud sent an unexpected user list.", path="/cloud/users/details")
        return [_validate(UserDetails, u, "/cloud/users/details") for u in users.values()]


def users_client(session: NextcloudSession) -> UsersClient:
    """The session's UsersClient."""
    return session.client(UsersClient, lambda: UsersClient(session.http, session.auth))
