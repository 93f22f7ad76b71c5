"""Deck client error mapping and paging, and the tools' argument and output helpers."""

from __future__ import annotations

import json

import httpx2
import pytest

from nextcloud_mcp.apps.deck.client import DeckClient
from nextcloud_mcp.apps.deck.models import cut
from nextcloud_mcp.apps.deck.params import parse_due
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core.errors import BadRequest, Forbidden, InvalidInput, NotFound, Unavailable
from nextcloud_mcp.core.http import NextcloudHTTP

pytestmark = pytest.mark.anyio
ENV = {"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "a", "NEXTCLOUD_PASSWORD": "b"}


def _client(status: int, body: object) -> DeckClient:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.headers["OCS-APIRequest"] == "true"
        return httpx2.Response(status, json=body)

    http = NextcloudHTTP(load_settings(environ=ENV), transport=httpx2.MockTransport(handler))
    return DeckClient(http, httpx2.BasicAuth("a", "b"))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_rest_permission_denied_keeps_the_message() -> None:
    with pytest.raises(Forbidden, match=r"Permission denied.*nc_deck_get_board"):
        await _client(403, {"status": 403, "message": "Permission denied"}).update_board(1, "t", "ffffff", False)
    body = {"status": 403, "message": "Only authors are allowed to edit their comment."}
    with pytest.raises(Forbidden, match=r"^Deck: Only authors are allowed to edit their comment\. ") as caught:
        await _client(403, body).update_comment(1, 2, "x")
    assert "does not exist" not in str(caught.value)


async def test_duplicate_label_is_already_exists_not_a_conflict() -> None:
    envelope = {"status": 400, "message": "title must be unique"}
    with pytest.raises(BadRequest, match="title must be unique: the board already has a label") as caught:
        await _client(400, envelope).create_label(1, "Later", "ffffff")
    assert "changed" not in str(caught.value)


async def test_a_deck_500_keeps_its_message_but_not_the_internal_one() -> None:
    with pytest.raises(Unavailable, match="HTTP 500: Label does not exist; try again later"):
        await _client(500, {"status": 500, "message": "Label does not exist"}).delete_label(1, 2)
    internal = {"status": 500, "message": "Internal server error: Please contact …", "requestId": "abc"}
    with pytest.raises(Unavailable, match=r"HTTP 500; try again later") as caught:
        await _client(500, internal).delete_label(1, 2)
    assert "abc" not in str(caught.value)


async def test_ocs_errors_use_the_meta_message() -> None:
    envelope = {
        "ocs": {"meta": {"status": "failure", "statuscode": 400, "message": "title must be unique"}, "data": []}
    }
    with pytest.raises(BadRequest, match="title must be unique"):
        await _client(400, envelope).create_board("x", "ffffff")
    missing = {"ocs": {"meta": {"status": "failure", "statuscode": 404, "message": "No comment found."}, "data": []}}
    with pytest.raises(NotFound, match="No comment found"):
        await _client(404, missing).delete_comment(1, 2)


async def test_archived_board_error_is_a_bad_request() -> None:
    body = {"status": 500, "message": "Operation not allowed. This board is archived."}
    with pytest.raises(BadRequest, match="archived"):
        await _client(500, body).delete_card(1, 2, 3)


def test_parse_due() -> None:
    assert parse_due("2026-12-24") == "2026-12-24T00:00:00+00:00"
    assert parse_due("2026-12-24T17:00:00Z") == "2026-12-24T17:00:00+00:00"
    assert parse_due("") is None
    with pytest.raises(InvalidInput, match="Bad due date"):
        parse_due("2026-13-45")


def test_cut() -> None:
    assert cut("a" * 150, False) == "a" * 100 + "…"
    assert cut("a" * 150, True) == "a" * 150
    assert cut(None, False) == ""


@pytest.mark.parametrize(
    ("version", "path"),
    [
        ("1.18.3", "/ocs/v2.php/apps/deck/api/v1.0/cards/4/attachments/9"),
        ("1.19.0-beta.1", "/ocs/v2.php/apps/deck/api/v1.0/cards/4/attachments/file:9"),
    ],
)
async def test_attachment_delete_follows_the_deck_version(
    version: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.path)
        if request.url.path.endswith("/cloud/capabilities"):
            data = {"capabilities": {"deck": {"version": version}}}
        else:
            data = {}
        return httpx2.Response(200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": data}})

    http = NextcloudHTTP(load_settings(environ=ENV), transport=httpx2.MockTransport(handler))
    deck = DeckClient(http, httpx2.BasicAuth("a", "b"))
    with caplog.at_level("DEBUG", logger="nextcloud_mcp.apps.deck.client"):
        await deck.delete_attachment(4, 9, "file")
        await deck.delete_attachment(4, 9, "file")
    assert seen == ["/ocs/v2.php/cloud/capabilities", path, path]  # the version is read once
    assert "via OCS" in caplog.text


async def test_card_update_sends_the_whole_card() -> None:
    """Deck's card PUT replaces every field and clears `done` when absent: nothing may be dropped."""
    sent: list[dict[str, object]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(json.loads(request.content))
        return httpx2.Response(200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": {"id": 7}}})

    http = NextcloudHTTP(load_settings(environ=ENV), transport=httpx2.MockTransport(handler))
    card = {
        "id": 7,
        "title": "T",
        "stackId": 3,
        "type": "plain",
        "order": 4,
        "description": "keep me",
        "duedate": "2026-01-01T00:00:00+00:00",
        "archived": False,
        "done": "2026-01-02T00:00:00+00:00",
        "owner": {"uid": "alice"},
    }
    await DeckClient(http, httpx2.BasicAuth("a", "b")).update_card(9, card, {"title": "New"})
    assert sent == [
        {
            "id": 7,
            "boardId": 9,
            "title": "New",
            "stackId": 3,
            "type": "plain",
            "order": 4,
            "description": "keep me",
            "duedate": "2026-01-01T00:00:00+00:00",
            "deletedAt": 0,
            "owner": "alice",
            "archived": False,
            "done": "2026-01-02T00:00:00+00:00",
        }
    ]


async def test_one_comment_is_found_page_by_page() -> None:
    """Deck has no route for one comment and returns at most 200 at once: the client pages until it finds it."""
    asked: list[tuple[str, str]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        limit, offset = request.url.params["limit"], request.url.params["offset"]
        asked.append((limit, offset))
        start = int(offset)
        data = [{"id": 1000 - i, "message": "m"} for i in range(start, min(start + int(limit), 450))]
        return httpx2.Response(200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": data}})

    http = NextcloudHTTP(load_settings(environ=ENV), transport=httpx2.MockTransport(handler))
    deck = DeckClient(http, httpx2.BasicAuth("a", "b"))
    found = await deck.comment(7, 1000 - 420)
    assert found is not None and found["id"] == 580
    assert asked == [("200", "0"), ("200", "200"), ("200", "400")]
    asked.clear()
    assert await deck.comment(7, 1) is None
    assert asked == [("200", "0"), ("200", "200"), ("200", "400")]
