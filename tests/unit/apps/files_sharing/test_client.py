"""SharingClient, SearchClient and UsersClient over MockTransport: named permission flags, cursors, user lists."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from nextcloud_mcp.apps.files_sharing.client import SharingClient, flags, mask
from nextcloud_mcp.apps.provisioning_api.client import UsersClient
from nextcloud_mcp.apps.search.client import SearchClient
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.http import NextcloudHTTP

pytestmark = pytest.mark.anyio


def _ocs(data: Any) -> httpx2.Response:
    return httpx2.Response(200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": data}})


def _http(
    make_settings: Callable[..., Settings], handler: Callable[[httpx2.Request], httpx2.Response]
) -> NextcloudHTTP:
    return NextcloudHTTP(make_settings(), transport=httpx2.MockTransport(handler))


def test_permission_flags_round_trip() -> None:
    assert mask(["read", "update", "create", "delete", "share"]) == 31
    assert mask(["read", "read"]) == 1
    assert flags(17) == ["read", "share"]


async def test_create_sends_a_bitmask_and_a_root_relative_path(make_settings: Callable[..., Settings]) -> None:
    sent: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == "/ocs/v2.php/apps/files_sharing/api/v1/shares"
        sent.append(json.loads(request.content))
        return _ocs({"id": "7", "share_type": 3, "permissions": 1, "url": "https://x/s/abc", "path": "/Docs"})

    client = SharingClient(_http(make_settings, handler), httpx2.BasicAuth("a", "b"))
    share = await client.create("Docs/", "link", {"permissions": mask(["read"]), "password": "pw"})
    assert sent == [{"path": "/Docs", "shareType": 3, "permissions": 1, "password": "pw"}]
    assert share.id == "7" and share.url == "https://x/s/abc"


async def test_sharees_are_flattened(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        user = {"label": "Bob", "value": {"shareType": 0, "shareWith": "bob"}}
        return _ocs(
            {
                "exact": {"users": [user], "groups": []},
                "users": [],
                "groups": [{"label": "Team", "value": {"shareType": 1, "shareWith": "team"}}],
            }
        )

    client = SharingClient(_http(make_settings, handler), httpx2.BasicAuth("a", "b"))
    assert await client.sharees("b", 10) == [
        {"type": "user", "id": "bob", "label": "Bob"},
        {"type": "group", "id": "team", "label": "Team"},
    ]


async def test_unified_search_passes_the_cursor(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == "/ocs/v2.php/search/providers/files/search"
        assert request.url.params["cursor"] == "20" and request.url.params["term"] == "x"
        return _ocs(
            {"name": "Files", "isPaginated": True, "entries": [{"title": "a", "resourceUrl": "/f/1"}], "cursor": 21}
        )

    result = await SearchClient(_http(make_settings, handler), httpx2.BasicAuth("a", "b")).search("files", "x", 1, "20")
    assert result.is_paginated and result.cursor == 21 and result.entries[0].resource_url == "/f/1"


async def test_user_search_handles_php_empty_map(make_settings: Callable[..., Settings]) -> None:
    answers = iter([{"users": []}, {"users": {"bob": {"id": "bob", "displayname": "Bob", "groups": ["g"]}}}])

    def handler(request: httpx2.Request) -> httpx2.Response:
        return _ocs(next(answers))

    client = UsersClient(_http(make_settings, handler), httpx2.BasicAuth("a", "b"))
    assert await client.search("x", 5, 0) == []
    [bob] = await client.search("b", 5, 0)
    assert bob.id == "bob" and bob.display_name == "Bob" and bob.groups == ["g"]
