"""OCS files_sharing: shares and sharees.

Source: nextcloud/server apps/files_sharing/lib/Controller/ShareAPIController.php, ShareesAPIController.php,
RemoteController.php. Permissions travel as Nextcloud's bitmask but are named flags everywhere else. When the
Share API refuses (OCSNotFoundException, OCSBadRequestException, OCSForbiddenException), its `meta.message` says
why ("Please specify a valid account to share with", "Wrong share ID, share does not exist") and is kept.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Literal

import httpx2
from pydantic import BaseModel, ConfigDict

from nextcloud_mcp.core.errors import BadRequest, Forbidden, NextcloudError, NotFound
from nextcloud_mcp.core.http import NextcloudHTTP, parse_ocs, raise_for_status
from nextcloud_mcp.core.instance import _validate
from nextcloud_mcp.core.paths import normalize
from nextcloud_mcp.core.session import NextcloudSession

__all__ = [
    "PERMISSIONS",
    "SHARE_TYPES",
    "Share",
    "Sharee",
    "SharingClient",
    "mask",
    "share_etag",
    "share_type_name",
    "sharing_client",
]

_BASE = "/apps/files_sharing/api/v1"
PERMISSIONS: dict[str, int] = {"read": 1, "update": 2, "create": 4, "delete": 8, "share": 16}
Permission = Literal["read", "update", "create", "delete", "share"]
SHARE_TYPES: dict[str, int] = {"user": 0, "group": 1, "link": 3, "email": 4, "federated": 6, "team": 7}
ShareType = Literal["user", "group", "link", "email", "federated", "team"]
#: OCS v2 answers an OCSException with its code as the HTTP status (lib/private/AppFramework/OCS/V2Response.php)
_REFUSALS = (400, 403, 404)
_ERRORS: dict[int, type[NextcloudError]] = {400: BadRequest, 403: Forbidden, 404: NotFound}


def mask(names: Sequence[str]) -> int:
    return sum(PERMISSIONS[n] for n in set(names))


def share_type_name(code: int) -> str:
    return next((k for k, v in SHARE_TYPES.items() if v == code), str(code))


class Share(BaseModel):
    """The parts of a files_sharing `Share` (ShareAPIController::formatShare) the tools use."""

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
    note: str | None = ""
    label: str | None = None
    password: str | None = None
    hide_download: int | bool = 0


def share_etag(share: Share) -> str:
    """A version of the share's changeable state. The Share API has none (formatShare sends no etag or
    modification time, updateShare checks no precondition), so this digest of what updateShare can change
    (permissions, password hash, expiry, note, label, hide_download) is compared just before an update."""
    state = [share.permissions, share.password, share.expiration, share.note, share.label, share.hide_download]
    return hashlib.sha256(json.dumps(state, default=str).encode()).hexdigest()[:16]


class Sharee(BaseModel):
    """One ShareesAPIController::search result: `id` is the `shareWith` to send, `unique` the e-mail or uid
    (`shareWithDisplayNameUnique`), `exact` whether Nextcloud filed it under `exact`."""

    type: str
    id: str
    label: str
    unique: str = ""
    exact: bool = False


class SharingClient:
    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http, self._auth = http, auth

    async def _ocs(
        self,
        method: str,
        path: str,
        *,
        hint: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Call the Share API; a refusal keeps Nextcloud's `meta.message`, followed by `hint` (what to do next)."""
        response = await self._http.request(
            method,
            "/ocs/v2.php" + _BASE + path,
            auth=self._auth,
            params={**(params or {}), "format": "json"},
            json=json,
            headers={"OCS-APIRequest": "true"},
            ok=_REFUSALS,
        )
        if response.status_code in _REFUSALS:
            raise _refusal(response, hint)
        return parse_ocs(response)

    async def list_shares(self, *, path: str | None, shared_with_me: bool, pending: bool = False) -> list[Share]:
        hint = "Check the path with nc_files_get_file."
        if pending:
            data = await self._ocs("GET", "/shares/pending", hint=hint)
        else:
            params: dict[str, Any] = {"shared_with_me": "true" if shared_with_me else "false"}
            if path is not None:
                params["path"] = "/" + normalize(path)
            data = await self._ocs("GET", "/shares", params=params, hint=hint)
        return [_validate(Share, s, _BASE + "/shares") for s in data or []]

    async def get(self, share_id: str) -> Share:
        data = await self._ocs("GET", f"/shares/{int(share_id)}", hint=_LIST_HINT)
        return _validate(Share, data[0] if isinstance(data, list) and data else data, _BASE + "/shares")

    async def create(self, path: str, share_type: str, fields: dict[str, Any]) -> Share:
        body = {"path": "/" + normalize(path), "shareType": SHARE_TYPES[share_type], **fields}
        hint = "Check the path with nc_files_get_file and the recipient with nc_shares_search_sharees."
        return _validate(Share, await self._ocs("POST", "/shares", json=body, hint=hint), _BASE + "/shares")

    async def update(self, share_id: str, fields: dict[str, Any]) -> Share:
        data = await self._ocs("PUT", f"/shares/{int(share_id)}", json=fields, hint=_LIST_HINT)
        return _validate(Share, data, _BASE + "/shares")

    async def delete(self, share_id: str) -> None:
        await self._ocs("DELETE", f"/shares/{int(share_id)}", hint=_LIST_HINT)

    async def accept(self, share_id: str, federated: bool) -> None:
        hint = "List pending shares with nc_shares_list_shares (which=pending)."
        if federated:
            await self._ocs("POST", f"/remote_shares/pending/{int(share_id)}", hint=hint)
        else:
            await self._ocs("POST", f"/shares/pending/{int(share_id)}", hint=hint)

    async def sharees(self, term: str, limit: int) -> list[Sharee]:
        """Exact matches first, then the others, without repeats (Nextcloud pages each kind separately)."""
        params = {"search": term, "perPage": limit, "itemType": "file"}
        data = await self._ocs("GET", "/sharees", params=params, hint="Try another search term.")
        out: dict[tuple[str, str], Sharee] = {}
        for exact, bucket in ((True, data.get("exact") or {}), (False, data)):
            if not isinstance(bucket, dict):
                continue
            for kind in ("users", "groups", "emails", "remotes", "circles"):
                for item in bucket.get(kind) or []:
                    value = item.get("value") or {}
                    sharee = Sharee(
                        type=share_type_name(int(value.get("shareType", -1))),
                        id=str(value.get("shareWith", "")),
                        label=str(item.get("label", "")),
                        unique=str(item.get("shareWithDisplayNameUnique") or ""),
                        exact=exact,
                    )
                    out.setdefault((sharee.type, sharee.id), sharee)
        return list(out.values())


_LIST_HINT = "List the shares with nc_shares_list_shares."


def _refusal(response: httpx2.Response, hint: str) -> NextcloudError:
    """The error for an OCS refusal, with Nextcloud's own message when the envelope has one."""
    try:
        message = str(response.json()["ocs"]["meta"]["message"] or "")
    except (ValueError, KeyError, TypeError):
        message = ""
    if not message:
        raise_for_status(response)  # not an OCS refusal (e.g. an HTML 404 page): the generic mapping
    return _ERRORS[response.status_code](
        f'Nextcloud refused: "{message.rstrip(".")}". {hint}',
        method=response.request.method,
        path=response.request.url.path,
        status=response.status_code,
    )


def sharing_client(session: NextcloudSession) -> SharingClient:
    """The session's SharingClient."""
    return session.client(SharingClient, lambda: SharingClient(session.http, session.auth))
