"""OCS files_sharing: shares and sharees.

Source: nextcloud/server apps/files_sharing/lib/Controller/ShareAPIController.php, ShareesAPIController.php,
RemoteController.php. Permissions travel as Nextcloud's bitmask but are named flags everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import httpx2
from pydantic import BaseModel, ConfigDict

from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import _validate
from nextcloud_mcp.core.paths import normalize
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["PERMISSIONS", "SHARE_TYPES", "Share", "SharingClient", "flags", "mask", "sharing_client"]

_BASE = "/apps/files_sharing/api/v1"
PERMISSIONS: dict[str, int] = {"read": 1, "update": 2, "create": 4, "delete": 8, "share": 16}
Permission = Literal["read", "update", "create", "delete", "share"]
SHARE_TYPES: dict[str, int] = {"user": 0, "group": 1, "link": 3, "email": 4, "federated": 6, "team": 7}
ShareType = Literal["user", "group", "link", "email", "federated", "team"]


def mask(names: Sequence[str]) -> int:
    return sum(PERMISSIONS[n] for n in set(names))


def flags(bits: int) -> list[str]:
    return [name for name, bit in PERMISSIONS.items() if bits & bit]


def share_type_name(code: int) -> str:
    return next((k for k, v in SHARE_TYPES.items() if v == code), str(code))


class Share(BaseModel):
    """The parts of a files_sharing `Share` the tools use."""

    model_config = ConfigDict(extra="ignore")
    id: str
    share_type: int
    uid_owner: str = ""
    path: str | None = None
    item_type: str = ""
    permissions: int = 0
    share_with: str | None = None
    share_with_displayname: str | None = None
    expiration: str | None = None
    token: str | None = None
    url: str | None = None
    note: str = ""
    label: str | None = None
    state: int = 0


class SharingClient:
    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http, self._auth = http, auth

    async def _ocs(self, method: str, path: str, **kw: Any) -> Any:
        return await self._http.ocs(method, _BASE + path, auth=self._auth, **kw)

    async def list_shares(self, *, path: str | None, shared_with_me: bool, pending: bool = False) -> list[Share]:
        if pending:
            data = await self._ocs("GET", "/shares/pending")
        else:
            params: dict[str, Any] = {"shared_with_me": "true" if shared_with_me else "false"}
            if path is not None:
                params["path"] = "/" + normalize(path)
            data = await self._ocs("GET", "/shares", params=params)
        return [_validate(Share, s, _BASE + "/shares") for s in data or []]

    async def get(self, share_id: str) -> Share:
        data = await self._ocs("GET", f"/shares/{int(share_id)}")
        return _validate(Share, data[0] if isinstance(data, list) and data else data, _BASE + "/shares")

    async def create(self, path: str, share_type: str, fields: dict[str, Any]) -> Share:
        body = {"path": "/" + normalize(path), "shareType": SHARE_TYPES[share_type], **fields}
        return _validate(Share, await self._ocs("POST", "/shares", json=body), _BASE + "/shares")

    async def update(self, share_id: str, fields: dict[str, Any]) -> Share:
        return _validate(Share, await self._ocs("PUT", f"/shares/{int(share_id)}", json=fields), _BASE + "/shares")

    async def delete(self, share_id: str) -> None:
        await self._ocs("DELETE", f"/shares/{int(share_id)}")

    async def accept(self, share_id: str, federated: bool) -> None:
        if federated:
            await self._ocs("POST", f"/remote_shares/pending/{int(share_id)}")
        else:
            await self._ocs("POST", f"/shares/pending/{int(share_id)}")

    async def sharees(self, term: str, limit: int) -> list[dict[str, str]]:
        data = await self._ocs("GET", "/sharees", params={"search": term, "perPage": limit, "itemType": "file"})
        out: list[dict[str, str]] = []
        for bucket in (data.get("exact") or {}, data):
            if not isinstance(bucket, dict):
                continue
            for kind in ("users", "groups", "emails", "remotes", "circles"):
                for item in bucket.get(kind) or []:
                    value = item.get("value") or {}
                    out.append(
                        {
                            "type": share_type_name(int(value.get("shareType", -1))),
                            "id": str(value.get("shareWith", "")),
                            "label": str(item.get("label", "")),
                        }
                    )
        return out[:limit]


def sharing_client(session: NextcloudSession) -> SharingClient:
    """The session's SharingClient."""
    return session.client(SharingClient, lambda: SharingClient(session.http, session.auth))
