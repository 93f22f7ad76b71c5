"""Nextcloud core: `status.php`, OCS capabilities and the current user.

The user id used in every DAV path comes from `GET /ocs/v2.php/cloud/user` (`data.id`), never from
the login name, which may differ (LDAP, user_oidc unique ids): nextcloud/server
apps/provisioning_api/lib/Controller/UsersController.php::getCurrentUser.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nextcloud_mcp.core.errors import ProtocolError
from nextcloud_mcp.core.hostcheck import is_nextcloud_status, not_nextcloud
from nextcloud_mcp.core.http import NextcloudHTTP

__all__ = ["Capabilities", "CoreClient", "ServerStatus", "UserDetails", "read_status"]

M = TypeVar("M", bound=BaseModel)


class ServerStatus(BaseModel):
    """`status.php` (nextcloud/server:status.php)."""

    model_config = ConfigDict(extra="ignore")
    installed: bool
    maintenance: bool
    needs_db_upgrade: bool = Field(default=False, alias="needsDbUpgrade")
    version: str = ""
    versionstring: str = ""
    productname: str = ""


class Quota(BaseModel):
    model_config = ConfigDict(extra="ignore")
    free: float | None = None
    used: float | None = None
    total: float | None = None
    relative: float | None = None
    quota: float | str | None = None


class UserDetails(BaseModel):
    """The parts of provisioning_api `UserDetails` the server uses."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    id: str
    display_name: str = Field(default="", alias="displayname")
    email: str | None = None
    groups: list[str] = Field(default_factory=list)
    language: str = ""
    locale: str = ""
    quota: Quota | None = None


class Capabilities(BaseModel):
    """`GET /ocs/v2.php/cloud/capabilities`: version and per-app capability blocks."""

    model_config = ConfigDict(extra="ignore")
    version: dict[str, Any] = Field(default_factory=dict)
    capabilities: dict[str, Any] = Field(default_factory=dict)

    def app(self, name: str) -> dict[str, Any] | None:
        """The capability block an app publishes, or None when the app is not installed/enabled for this user."""
        block = self.capabilities.get(name)
        return block if isinstance(block, dict) else None


class CoreClient:
    """Capabilities and the current user, for one user's credentials."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http = http
        self._auth = auth

    async def capabilities(self) -> Capabilities:
        data = await self._http.ocs("GET", "/cloud/capabilities", auth=self._auth)
        return _validate(Capabilities, data, "/cloud/capabilities")

    async def current_user(self) -> UserDetails:
        data = await self._http.ocs("GET", "/cloud/user", auth=self._auth)
        return _validate(UserDetails, data, "/cloud/user")


#: 4xx answers of `status.php` (public on every Nextcloud) that prove NEXTCLOUD_HOST wrong; 429 stays RateLimited
_NOT_STATUS = tuple(code for code in range(400, 500) if code != 429)


async def read_status(http: NextcloudHTTP) -> ServerStatus:
    """`status.php` (public; no credentials are sent). Anything but Nextcloud's status document (a 4xx, a page,
    other JSON) means NEXTCLOUD_HOST is not Nextcloud's address: WrongHost, naming what to set."""
    response = await http.request("GET", "/status.php", auth=None, ok=_NOT_STATUS)
    if not is_nextcloud_status(response):
        raise not_nextcloud(http.target, response, response)
    return _validate(ServerStatus, response.json(), response.request.url.path)


def _validate(model: type[M], data: Any, path: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(f"Nextcloud sent an unexpected {model.__name__} document.", path=path) from exc
