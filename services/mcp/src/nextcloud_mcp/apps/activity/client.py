"""The activity app's OCS API v2 (nextcloud/activity lib/Controller/APIv2Controller.php, lib/Data.php).

`GET /apps/activity/api/v2/activity[/{filter}]`: `since` is an activity id to go on from (in `sort` order), the
answer's `X-Activity-Last-Given` the `since` of the next page and a `Link` header says that one exists. No
activity at all (the end of the stream, nothing newer than `since`) is **304** without a body; 204 means the user
selected no activity types. An unknown filter is 404, a `since` of another user 403. `object_type`/`object_id`
filter only with the `filter` filter (other filters ignore them). `GET …/activity/filters` lists the filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2
from pydantic import BaseModel, ConfigDict

from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.http import NextcloudHTTP, parse_ocs
from nextcloud_mcp.core.instance import _validate
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["FILTERS_TOOL", "ActivityClient", "StreamPage", "WireActivity", "WireFilter", "activity_client"]

#: The tool that lists filter ids (apps/activity/tools.py defines it under this name).
FILTERS_TOOL = "nc_activity_list_filters"
LIST_TOOL = "nc_activity_list_activities"
_BASE = "/ocs/v2.php/apps/activity/api/v2/activity"
_OCS_HEADERS = {"OCS-APIRequest": "true"}


class WireFilter(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    name: str = ""
    priority: int = 0


class WireActivity(BaseModel):
    model_config = ConfigDict(extra="ignore")
    activity_id: int
    app: str = ""
    type: str = ""
    user: str = ""
    subject: str = ""
    object_type: str = ""
    object_id: int = 0
    object_name: str = ""
    link: str = ""
    datetime: str = ""


@dataclass
class StreamPage:
    items: list[WireActivity]
    last_given: int | None  # the `since` of the next page, when Nextcloud says there is one


class ActivityClient:
    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http, self._auth = http, auth

    async def filters(self) -> list[WireFilter]:
        data = await self._http.ocs("GET", "/apps/activity/api/v2/activity/filters", auth=self._auth)
        return [_validate(WireFilter, f, "activity/filters") for f in data or []]

    async def stream(
        self, filter_id: str, *, since: int, limit: int, sort: str, object_type: str = "", object_id: int = 0
    ) -> StreamPage:
        params: dict[str, Any] = {"since": since, "limit": limit, "sort": sort, "format": "json"}
        if object_type:
            params |= {"object_type": object_type, "object_id": object_id}
        path = _BASE if filter_id == "all" else f"{_BASE}/{filter_id}"
        response = await self._http.request(
            "GET", path, auth=self._auth, params=params, headers=_OCS_HEADERS, ok=(204, 304, 403, 404)
        )
        if response.status_code in (204, 304):  # nothing (more) to show: Data::get found no rows
            return StreamPage([], None)
        if response.status_code == 404:
            ids = ", ".join(f.id for f in await self.filters())
            raise InvalidInput(f"No activity filter {filter_id!r}; use one of: {ids} (see {FILTERS_TOOL}).")
        if response.status_code == 403:
            raise InvalidInput(
                f"Activity {since} is not one of your activities, so it cannot be a since or cursor; take ids from "
                f"{LIST_TOOL}, or omit since and cursor to start from the newest."
            )
        items = [_validate(WireActivity, a, "activity") for a in parse_ocs(response) or []]
        last = response.headers.get("X-Activity-Last-Given")
        more = 'rel="next"' in response.headers.get("Link", "") and last is not None and last.isdigit()
        return StreamPage(items, int(last) if more and last is not None else None)

    async def newest_id(self) -> int | None:
        """The id of the user's newest activity (0: none yet); None when the stream cannot say (204: the user
        selected no activity types, `APIv2Controller::get` catching `BadMethodCallException`)."""
        response = await self._peek({"since": 0, "sort": "desc"})
        if response.status_code == 304:
            return 0
        if response.status_code != 200:
            return None
        return max((_validate(WireActivity, a, "activity").activity_id for a in parse_ocs(response) or []), default=0)

    async def anything_since(self, since: int) -> bool | None:
        """Whether the user has an activity newer than `since` (one row, `sort=asc`: `Data::setOffsetFromSince`
        keeps rows with a larger id at or after its time; 304 when there is none). A `since` that no longer exists
        (expired) starts from the oldest row, so the answer is True; None when the stream cannot say (204; 403, a
        `since` that is not the user's)."""
        response = await self._peek({"since": since, "sort": "asc"})
        if response.status_code == 304:
            return False
        return True if response.status_code == 200 else None

    async def _peek(self, params: dict[str, Any]) -> httpx2.Response:
        return await self._http.request(
            "GET",
            _BASE,
            auth=self._auth,
            params={**params, "limit": 1, "format": "json"},
            headers=_OCS_HEADERS,
            ok=(204, 304, 403),
        )


def activity_client(session: NextcloudSession) -> ActivityClient:
    """The session's ActivityClient."""
    return session.client(ActivityClient, lambda: ActivityClient(session.http, session.auth))
