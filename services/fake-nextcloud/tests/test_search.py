"""Unified search: providers list and the files / notes providers over the fake's state (core.json)."""

from __future__ import annotations

import httpx2
import pytest

from support.fake_support import ALICE, BOB, OCS_HEADERS
from support.openapi import validate_nullable as validate

pytestmark = pytest.mark.anyio

PROVIDERS = "/ocs/v2.php/search/providers"


@pytest.fixture
async def seeded(client: httpx2.AsyncClient) -> None:
    files = [{"path": f"Reports/report-{i}.md", "content": "r", "mtime": 1_700_000_000 + i} for i in range(3)]
    files.append({"path": "other.txt", "content": "x"})
    assert (await client.post("/__testbed__/seed/files", json={"user": "alice", "files": files})).status_code == 201
    notes = [{"title": "Shopping report", "content": "milk"}, {"title": "Ideas", "content": "a REPORT idea"}]
    assert (await client.post("/__testbed__/seed/notes", json={"user": "alice", "notes": notes})).status_code == 201


async def test_providers_list(client: httpx2.AsyncClient) -> None:
    response = await client.get(PROVIDERS, headers=OCS_HEADERS, auth=ALICE)
    validate("core.json", response)
    ids = [p["id"] for p in response.json()["ocs"]["data"]]
    assert ids == ["files", "talk-message", "talk-conversations", "notes"]  # getOrder 5, 15, 25, 30
    await client.post("/__testbed__/apps", json={"disable": ["notes", "spreed"]})
    response = await client.get(PROVIDERS, headers=OCS_HEADERS, auth=ALICE)
    assert [p["id"] for p in response.json()["ocs"]["data"]] == ["files"]


@pytest.mark.usefixtures("seeded")
async def test_files_provider_pages_by_cursor(client: httpx2.AsyncClient) -> None:
    first = await client.get(
        f"{PROVIDERS}/files/search", params={"term": "report", "limit": 2}, headers=OCS_HEADERS, auth=ALICE
    )
    assert first.status_code == 200
    data = first.json()["ocs"]["data"]
    assert data["isPaginated"] is True
    assert [e["title"] for e in data["entries"]] == ["report-2.md", "report-1.md"]
    assert data["entries"][0]["subline"] == "in Reports"
    assert data["entries"][0]["attributes"]["path"] == "/Reports/report-2.md"
    second = await client.get(
        f"{PROVIDERS}/files/search",
        params={"term": "report", "limit": 2, "cursor": data["cursor"]},
        headers=OCS_HEADERS,
        auth=ALICE,
    )
    # folders match too, and so do note files (notes are files: Notes/Shopping report.md, mtime T0)
    assert [e["title"] for e in second.json()["ocs"]["data"]["entries"]] == ["Shopping report.md", "Reports"]


@pytest.mark.usefixtures("seeded")
async def test_notes_provider_and_isolation(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{PROVIDERS}/notes/search", params={"term": "report"}, headers=OCS_HEADERS, auth=ALICE)
    validate("core.json", response)
    data = response.json()["ocs"]["data"]
    assert sorted(e["title"] for e in data["entries"]) == ["Ideas", "Shopping report"]
    assert data["cursor"] is None
    bob = await client.get(f"{PROVIDERS}/files/search", params={"term": "report"}, headers=OCS_HEADERS, auth=BOB)
    assert bob.json()["ocs"]["data"]["entries"] == []


async def test_unknown_provider_is_404(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{PROVIDERS}/nope/search", params={"term": "x"}, headers=OCS_HEADERS, auth=ALICE)
    assert response.status_code == 404


async def test_limit_is_an_int_argument_between_1_and_25(client: httpx2.AsyncClient) -> None:
    """``UnifiedSearchController::search(string $providerId, string $term = '', ?int $sortOrder = null, ?int $limit
    = null, $cursor = null, string $from = '')``: ``settype('abc', 'int')`` is 0, then ``max(1, min($limit, 25))``."""
    files = [{"path": f"many/item-{i:02}.txt", "content": "x"} for i in range(30)]
    assert (await client.post("/__testbed__/seed/files", json={"user": "alice", "files": files})).status_code == 201
    url = f"{PROVIDERS}/files/search"
    for limit, expected in (("abc", 1), ("100", 25), ("3", 3)):
        response = await client.get(url, params={"term": "item", "limit": limit}, headers=OCS_HEADERS, auth=ALICE)
        assert len(response.json()["ocs"]["data"]["entries"]) == expected, limit
