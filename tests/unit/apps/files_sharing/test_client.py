"""SharingClient, SearchClient and UsersClient over MockTransport: named permission flags, Nextcloud's refusal
messages, recipients by name or e-mail, share etags, cursors, user lists."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from nextcloud_mcp.apps.files_sharing.client import Share, SharingClient, mask, share_etag
from nextcloud_mcp.apps.files_sharing.tools import _info, _recipient
from nextcloud_mcp.apps.provisioning_api.client import UsersClient
from nextcloud_mcp.apps.search.client import SearchClient
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core import errors
from nextcloud_mcp.core.contract import share_flags
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
    assert share_flags(17) == ["read", "share"]


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
        user = {"label": "Bob", "value": {"shareType": 0, "shareWith": "bob"}, "shareWithDisplayNameUnique": "b@x"}
        return _ocs(
            {
                "exact": {"users": [user], "groups": []},
                "users": [user],
                "groups": [{"label": "Team", "value": {"shareType": 1, "shareWith": "team"}}],
            }
        )

    client = SharingClient(_http(make_settings, handler), httpx2.BasicAuth("a", "b"))
    found = await client.sharees("b", 10)
    assert [(s.type, s.id, s.label, s.unique, s.exact) for s in found] == [
        ("user", "bob", "Bob", "b@x", True),
        ("group", "team", "Team", "", False),
    ]


def _refuse(status: int, message: str) -> httpx2.Response:
    meta = {"status": "failure", "statuscode": status, "message": message}
    return httpx2.Response(status, json={"ocs": {"meta": meta, "data": []}})


async def test_nextclouds_refusal_message_is_kept(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return _refuse(404, "Please specify a valid account to share with")

    client = SharingClient(_http(make_settings, handler), httpx2.BasicAuth("a", "b"))
    with pytest.raises(errors.NotFound) as exc:
        await client.create("Docs", "user", {"shareWith": "Bob"})
    text = str(exc.value)
    assert text.startswith('Nextcloud refused: "Please specify a valid account to share with".')
    assert "nc_shares_search_sharees" in text


async def test_a_refusal_without_an_ocs_message_gets_the_generic_error(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/status.php":  # the host is Nextcloud: the 404 is about the share
            return httpx2.Response(200, json={"installed": True, "version": "34.0.2.1"})
        return httpx2.Response(404, text="<html>Page not found</html>")

    client = SharingClient(_http(make_settings, handler), httpx2.BasicAuth("a", "b"))
    with pytest.raises(errors.NotFound, match="Not found in Nextcloud"):
        await client.get("3")


def _sharee(uid: str, name: str, email: str) -> dict[str, Any]:
    return {"label": name, "value": {"shareType": 0, "shareWith": uid}, "shareWithDisplayNameUnique": email}


@pytest.mark.parametrize(
    ("to", "exact", "expected"),
    [
        ("Bob", [("bob", "Bob", "bob@x")], "bob"),  # a display name
        ("bob@x", [("bob", "Bob", "bob@x")], "bob"),  # an e-mail
        ("bob", [("bob", "Bob", "bob@x"), ("bobby", "bob", "y@x")], "bob"),  # an id wins over a name
        ("nobody", [], "nobody"),  # no match: Nextcloud judges it (and its message is kept)
    ],
)
async def test_recipient_by_name_or_email(
    make_settings: Callable[..., Settings], to: str, exact: list[tuple[str, str, str]], expected: str
) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.url.path.endswith("/sharees") and request.url.params["search"] == to
        return _ocs({"exact": {"users": [_sharee(*e) for e in exact]}, "users": []})

    client = SharingClient(_http(make_settings, handler), httpx2.BasicAuth("a", "b"))
    assert await _recipient(client, "user", to) == expected


async def test_an_ambiguous_recipient_is_refused_with_the_candidates(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        both = [_sharee("bob1", "Bob", "bob1@x"), _sharee("bob2", "Bob", "bob2@x")]
        return _ocs({"exact": {"users": both}, "users": []})

    client = SharingClient(_http(make_settings, handler), httpx2.BasicAuth("a", "b"))
    with pytest.raises(errors.InvalidInput) as exc:
        await _recipient(client, "user", "Bob")
    assert "Bob <bob1@x> (id bob1)" in str(exc.value) and "Bob <bob2@x> (id bob2)" in str(exc.value)


def test_share_output_dates_flags_and_etag() -> None:
    raw = {"id": "7", "share_type": 0, "uid_owner": "alice", "path": "/Docs", "permissions": 3, "share_with": "bob"}
    share = Share.model_validate({**raw, "share_with_displayname": "Bob", "expiration": "2026-12-12 00:00:00"})
    info = _info(share)
    assert info.expires == "2026-12-12" and info.permissions == ["read", "update"] and info.to == "bob"
    changed = share.model_copy(update={"permissions": 1})
    assert share_etag(changed) != info.etag and share_etag(share) == info.etag
    link = _info(Share.model_validate({"id": "8", "share_type": 3, "share_with": "$2y$hash", "url": "https://x/s/t"}))
    assert link.to is None and link.expires is None and link.path == "/"


async def test_unified_search_passes_the_cursor(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == "/ocs/v2.php/search/providers/files/search"
        assert request.url.params["cursor"] == "20" and request.url.params["term"] == "x"
        return _ocs(
            {"name": "Files", "isPaginated": True, "entries": [{"title": "a", "resourceUrl": "/f/1"}], "cursor": 21}
        )

    result = await SearchClient(_http(make_settings, handler), httpx2.BasicAuth("a", "b")).search("files", "x", 1, "20")
    assert result.is_paginated and result.cursor == 21 and result.entries[0].resource_url.endswith("/f/1")


async def test_user_search_handles_php_empty_map(make_settings: Callable[..., Settings]) -> None:
    answers = iter([{"users": []}, {"users": {"bob": {"id": "bob", "displayname": "Bob", "groups": ["g"]}}}])

    def handler(request: httpx2.Request) -> httpx2.Response:
        return _ocs(next(answers))

    client = UsersClient(_http(make_settings, handler), httpx2.BasicAuth("a", "b"))
    assert await client.search("x", 5, 0) == []
    [bob] = await client.search("b", 5, 0)
    assert bob.id == "bob" and bob.display_name == "Bob" and bob.groups == ["g"]
