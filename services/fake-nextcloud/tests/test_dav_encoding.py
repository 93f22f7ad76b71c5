"""Names on the wire: paths decoded once (sabre-io/http decodePath), hrefs encoded as Sabre encodes them
(encodePath), Content-Disposition as apps/dav FilesPlugin::httpGet writes it (RFC 5987, never raw UTF-8)."""

from __future__ import annotations

from urllib.parse import quote
from xml.etree import ElementTree as ET

import httpx2
import pytest

from support.fake_support import ALICE, T0

pytestmark = pytest.mark.anyio

FILES = "/remote.php/dav/files/alice"
D = "{DAV:}"


def _hrefs(response: httpx2.Response) -> list[str]:
    root = ET.fromstring(response.content)  # noqa: S314 - our own fake's output
    return [el.text or "" for el in root.iter(f"{D}href")]


async def test_download_of_a_name_outside_latin1(client: httpx2.AsyncClient) -> None:
    name = "日本 \u2013 résumé.txt"
    assert (await client.put(f"{FILES}/{quote(name)}", auth=ALICE, content=b"hi")).status_code == 201
    got = await client.get(f"{FILES}/{quote(name)}", auth=ALICE)
    assert got.status_code == 200
    assert got.content == b"hi"
    encoded = "%E6%97%A5%E6%9C%AC%20%E2%80%93%20r%C3%A9sum%C3%A9.txt"
    assert got.headers["content-disposition"] == f"attachment; filename*=UTF-8''{encoded}; filename=\"{encoded}\""
    assert got.headers["x-accel-buffering"] == "no"
    head = await client.head(f"{FILES}/{quote(name)}", auth=ALICE)
    assert head.headers["content-disposition"] == got.headers["content-disposition"]
    old_browser = await client.get(
        f"{FILES}/{quote(name)}", auth=ALICE, headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Trident/7.0)"}
    )
    assert old_browser.headers["content-disposition"] == f'attachment; filename="{encoded}"'


async def test_a_literal_percent_sequence_is_decoded_once(client: httpx2.AsyncClient) -> None:
    """`a%20b.txt` is requested as `a%2520b.txt`; it is not `a b.txt`, and both can exist."""
    assert (await client.put(f"{FILES}/a%2520b.txt", auth=ALICE, content=b"literal")).status_code == 201
    assert (await client.put(f"{FILES}/a%20b.txt", auth=ALICE, content=b"space")).status_code == 201
    assert (await client.get(f"{FILES}/a%2520b.txt", auth=ALICE)).content == b"literal"
    assert (await client.get(f"{FILES}/a%20b.txt", auth=ALICE)).content == b"space"
    listing = await client.request("PROPFIND", f"{FILES}/", auth=ALICE, headers={"Depth": "1"})
    assert f"{FILES}/a%2520b.txt" in _hrefs(listing)
    assert f"{FILES}/a%20b.txt" in _hrefs(listing)
    moved = await client.request(
        "MOVE",
        f"{FILES}/a%2520b.txt",
        auth=ALICE,
        headers={"Destination": f"http://nc.test{FILES}/c%2520d.txt"},
    )
    assert moved.status_code == 201
    assert (await client.get(f"{FILES}/c%2520d.txt", auth=ALICE)).content == b"literal"
    assert (await client.get(f"{FILES}/c%20d.txt", auth=ALICE)).status_code == 404
    await client.delete(f"{FILES}/c%2520d.txt", auth=ALICE)
    trash = await client.request("PROPFIND", "/remote.php/dav/trashbin/alice/trash", auth=ALICE, headers={"Depth": "1"})
    assert f"/remote.php/dav/trashbin/alice/trash/c%2520d.txt.d{T0}" in _hrefs(trash)


async def test_hrefs_are_encoded_like_sabre_and_latin1_paths_are_converted(client: httpx2.AsyncClient) -> None:
    """sabre-io/http encodePath: lower-case hex, `( ) : @ ~` kept; decodePath: bytes that are not UTF-8 are
    ISO-8859-1."""
    assert (await client.put(f"{FILES}/%C3%A9t%C3%A9%20(1)%3A%40~.txt", auth=ALICE, content=b"x")).status_code == 201
    listing = await client.request("PROPFIND", f"{FILES}/", auth=ALICE, headers={"Depth": "1"})
    assert f"{FILES}/%c3%a9t%c3%a9%20(1):@~.txt" in _hrefs(listing)
    latin1 = await client.get(f"{FILES}/%E9t%E9%20(1):@~.txt", auth=ALICE)  # é as one ISO-8859-1 byte
    assert latin1.status_code == 200
