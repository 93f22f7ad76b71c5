"""Notifications (`notifications` app, OCS API v2): list, get, check, dismiss one, dismiss all.

Source: nextcloud/notifications lib/Controller/EndpointController.php (v34.0.2; routes `#[ApiRoute]`
`/api/{apiVersion}/notifications[/{id}|/exists]`, apiVersion `v1`/`v2`; docs/ocs-endpoint-v2.md). What shapes the
calls here:
- `listNotifications` returns at most the 25 newest (lib/Handler.php::get, `$limit = 25`), and no count: older
  ones appear only after newer ones are dismissed. It answers 204 without body when no app uses notifications.
- `getNotification` answers 404 (data null) for an unknown id, another user's, or one whose app is disabled
  (the notifier cannot render it); `deleteNotification` answers 200 for an unknown id too, so dismissing first
  checks the id with `confirmIdsForUser` (`POST …/exists`, which also sees unrenderable ones).
- v2 adds the rich fields: `subjectRich`/`messageRich` with `{placeholders}` and their parameters (rich objects
  `{type, id, name, link?, path?…}`); an empty parameter list is sent as `[]`, not `{}`.
- `actions` are `{label, link, type (GET/POST/DELETE/PUT/WEB), primary}`.
"""

from __future__ import annotations

from typing import Any

import httpx2

from nextcloud_mcp.core.errors import NotFound, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP, parse_ocs
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["LIST_LIMIT", "LIST_TOOL", "NotificationsClient", "notifications_client"]

#: lib/Handler.php::get: the most notifications one list returns.
LIST_LIMIT = 25
#: The tool error messages send the caller to (tools.py defines it under this name).
LIST_TOOL = "nc_notifications_list_notifications"
_BASE = "/ocs/v2.php/apps/notifications/api/v2/notifications"
_OCS = {"OCS-APIRequest": "true"}
_JSON = {"format": "json"}


def _objects(data: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not all(isinstance(n, dict) and "notification_id" in n for n in data):
        raise ProtocolError("Nextcloud sent a notification list this server cannot read.", path=path)
    return data


class NotificationsClient:
    """The notifications of one user's credentials."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http, self._auth = http, auth

    async def list(self) -> list[dict[str, Any]]:
        """The newest notifications (at most LIST_LIMIT), newest first."""
        response = await self._http.request("GET", _BASE, auth=self._auth, params=_JSON, headers=_OCS)
        if response.status_code == 204:  # no app registered a notifier
            return []
        return _objects(parse_ocs(response), _BASE)

    async def get(self, notification_id: int) -> dict[str, Any] | None:
        """One notification; None when Nextcloud answers 404 (unknown, another user's, or not renderable)."""
        path = f"{_BASE}/{notification_id}"
        response = await self._http.request("GET", path, auth=self._auth, params=_JSON, headers=_OCS, ok=(404,))
        if response.status_code == 404:
            return None
        data = parse_ocs(response)
        if not isinstance(data, dict) or "notification_id" not in data:
            raise ProtocolError("Nextcloud sent a notification this server cannot read.", path=path)
        return data

    async def exists(self, notification_id: int) -> bool:
        """Whether the id is one of this user's notifications (`confirmIdsForUser`)."""
        data = await self._http.ocs(
            "POST", "/apps/notifications/api/v2/notifications/exists", auth=self._auth, json={"ids": [notification_id]}
        )
        return isinstance(data, list) and notification_id in data

    async def require(self, notification_id: int) -> dict[str, Any] | None:
        """The notification (None when it exists but cannot be shown), or NotFound naming the list tool."""
        found = await self.get(notification_id)
        if found is None and not await self.exists(notification_id):
            raise NotFound(
                f"You have no notification {notification_id}: it was dismissed already, belongs to another user or "
                f"never existed. See your current ones with {LIST_TOOL}.",
                method="GET", path=f"{_BASE}/{notification_id}", status=404,
            )  # fmt: skip
        return found

    async def delete(self, notification_id: int) -> None:
        await self._http.request("DELETE", f"{_BASE}/{notification_id}", auth=self._auth, params=_JSON, headers=_OCS)

    async def delete_all(self) -> None:
        await self._http.request("DELETE", _BASE, auth=self._auth, params=_JSON, headers=_OCS)


def notifications_client(session: NextcloudSession) -> NotificationsClient:
    """The session's NotificationsClient."""
    return session.client(NotificationsClient, lambda: NotificationsClient(session.http, session.auth))
