"""Users (provisioning_api): the current user, one user, and a search.

Source: nextcloud/server apps/provisioning_api/lib/Controller/UsersController.php (`getCurrentUser`, `getUser`,
`getUsersDetails`):
- `getUser` answers OCS 404 "User does not exist" for an unknown id, and `OCSException('', RESPOND_NOT_FOUND)`
  (998, HTTP 404 on OCS v2, empty message) when the user exists but the caller may not read it (`getUserData`
  returns null unless the caller is that user, an admin or their group admin): the two are told apart here;
- `getUsersDetails` searches only for admins and group admins (`IUserManager::search`; the Database backend
  matches id, display name and e-mail: lib/private/User/Database.php::getDisplayNames). Anyone else is refused
  before the method runs: it has no `@NoSubAdminRequired`, so apps/provisioning_api/lib/Middleware/
  ProvisioningApiMiddleware.php answers OCS 403 "Logged in account must be at least a sub admin"; the search
  says so instead of the generic permission text. It pages with `limit`/`offset` and gives no total.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx2

from nextcloud_mcp.core.errors import Forbidden, InvalidInput, NextcloudError, NotFound, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP, parse_ocs
from nextcloud_mcp.core.instance import UserDetails, _validate
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["ME_TOOL", "SEARCH_TOOL", "UserDetails", "UsersClient", "users_client"]

#: The tools error messages send the caller to (apps/provisioning_api/tools.py defines them under these names).
ME_TOOL = "nc_users_get_me"
SEARCH_TOOL = "nc_users_search_users"

_OCS_HEADERS = {"OCS-APIRequest": "true"}
_NOT_VISIBLE = 998  # OCSController::RESPOND_NOT_FOUND


class UsersClient:
    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http, self._auth = http, auth

    async def me(self) -> UserDetails:
        return _validate(UserDetails, await self._http.ocs("GET", "/cloud/user", auth=self._auth), "/cloud/user")

    async def get(self, user_id: str) -> UserDetails:
        """One user by id; an unknown id that is exactly one user's display name or e-mail finds that user."""
        if user_id.strip(".") == "":
            raise InvalidInput(f"{user_id!r} is not a user id; find ids with {SEARCH_TOOL}.")
        path = f"/cloud/users/{quote(user_id, safe='')}"
        response = await self._http.request(
            "GET", "/ocs/v2.php" + path, auth=self._auth, params={"format": "json"}, headers=_OCS_HEADERS,
            ok=(404,),
        )  # fmt: skip
        if response.status_code != 404:
            return _validate(UserDetails, parse_ocs(response), path)
        code, message = _ocs_meta(response)
        if code == _NOT_VISIBLE:
            raise Forbidden(
                f"User {user_id} exists, but Nextcloud shows other accounts only to admins and their group admins. "
                f"Use {ME_TOOL} for your own account.",
                method="GET", path=response.request.url.path, status=404,
            )  # fmt: skip
        found = await self._by_name_or_email(user_id)
        if found is not None:
            return found
        raise NotFound(
            f"Nextcloud: {message or 'User does not exist'}: no account has the id {user_id!r}. "
            f"Find ids by name with {SEARCH_TOOL}.",
            method="GET", path=response.request.url.path, status=404,
        )  # fmt: skip

    async def search(self, term: str, limit: int, offset: int) -> list[UserDetails]:
        path = "/cloud/users/details"
        try:
            data: Any = await self._http.ocs(
                "GET", path, auth=self._auth, params={"search": term, "limit": limit, "offset": offset}
            )
        except Forbidden as exc:  # ProvisioningApiMiddleware: not an admin or group admin
            raise Forbidden(
                "Nextcloud lets only admins and group admins search accounts; this account is neither. "
                f"Use {ME_TOOL} for your own account.",
                method=exc.method, path=exc.path, status=exc.status,
            ) from exc  # fmt: skip
        users = data.get("users") if isinstance(data, dict) else None
        if isinstance(users, list):  # PHP serialises an empty map (or one keyed 0, 1, …) as a list
            users = dict(enumerate(users))
        if not isinstance(users, dict):
            raise ProtocolError("Nextcloud sent an unexpected user list.", path=path)
        return [_validate(UserDetails, u, path) for u in users.values()]

    async def _by_name_or_email(self, name: str) -> UserDetails | None:
        """The one user whose id (any case), display name or e-mail is `name`; None when there is none."""
        wanted = name.casefold()
        try:
            candidates = await self.search(name, 25, 0)
        except NextcloudError:
            return None
        matches = [
            u for u in candidates
            if wanted in (u.id.casefold(), u.display_name.casefold(), (u.email or "").casefold())
        ]  # fmt: skip
        if len(matches) > 1:
            listed = ", ".join(f"{u.id} ({u.display_name})" for u in matches)
            raise InvalidInput(f"{len(matches)} users match {name!r}: {listed}. Pass one of these ids as user_id.")
        return matches[0] if matches else None


def _ocs_meta(response: httpx2.Response) -> tuple[int | None, str]:
    """`meta.statuscode` and `meta.message` of an OCS error answer (None, "" when it has none)."""
    try:
        meta = response.json()["ocs"]["meta"]
        return int(meta.get("statuscode")), str(meta.get("message") or "").strip()
    except (ValueError, KeyError, TypeError):
        return None, ""


def users_client(session: NextcloudSession) -> UsersClient:
    """The session's UsersClient."""
    return session.client(UsersClient, lambda: UsersClient(session.http, session.auth))
