"""The chunked upload's final MOVE is conditional (RFC 4918 If header / Overwrite), and MOVE/COPY refusals name
Sabre's real causes (sabre-io/dav Server::getCopyAndMoveInfo)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest

from nextcloud_mcp.apps.files.advice import explain
from nextcloud_mcp.apps.files.client import FilesClient
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core import errors
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import CoreClient

pytestmark = pytest.mark.anyio
ROOT = "/remote.php/dav/files/u%201/"
Handler = Callable[[httpx2.Request], httpx2.Response]


def _entry(href: str, etag: str) -> bytes:
    return (
        '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:response>'
        f"<d:href>{href}</d:href><d:propstat><d:prop><d:getetag>&quot;{etag}&quot;</d:getetag>"
        "<d:resourcetype/><oc:size>30</oc:size></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
        "</d:response></d:multistatus>"
    ).encode()


def _client(make_settings: Callable[..., Settings], handler: Handler) -> FilesClient:
    def wrapped(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/ocs/v2.php/cloud/user":
            body = {"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": {"id": "u 1"}}}
            return httpx2.Response(200, json=body)
        return handler(request)

    http = NextcloudHTTP(make_settings(), transport=httpx2.MockTransport(wrapped))
    auth = httpx2.BasicAuth("login-name", "pw")
    return FilesClient(http, auth, "k", CoreClient(http, auth))


def _nextcloud(
    move: Callable[[httpx2.Request], httpx2.Response], etags: list[str | None], seen: list[httpx2.Request]
) -> Handler:
    """Chunked upload of 30 bytes in parts of 10: each PROPFIND answers the next etag of `etags` (None, or none
    left: 404)."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        if request.method == "PROPFIND":
            etag = etags.pop(0) if etags else None
            if etag is None:
                return httpx2.Response(404)
            return httpx2.Response(207, content=_entry(request.url.raw_path.decode(), etag))
        if request.method == "MOVE":
            return move(request)
        return httpx2.Response(204 if request.method == "DELETE" else 201)

    return handler


@pytest.fixture
def local(tmp_path: Path) -> Path:
    path = tmp_path / "in.bin"
    path.write_bytes(b"x" * 30)
    return path


async def test_final_move_carries_the_etag_as_an_if_condition_on_the_target(
    make_settings: Callable[..., Settings], local: Path
) -> None:
    seen: list[httpx2.Request] = []
    handler = _nextcloud(lambda r: httpx2.Response(204), ["e1", "e2"], seen)
    await _client(make_settings, handler).upload(local, "q 1.bin", etag='"e1"', threshold=10)
    move = next(r for r in seen if r.method == "MOVE")
    target = move.headers["destination"]
    assert target.startswith("http") and target.endswith(f"{ROOT}q%201.bin")
    assert move.headers["if"] == f'<{target}> (["e1"])'
    assert move.headers["overwrite"] == "T"


@pytest.mark.parametrize(("etag", "force", "overwrite"), [(None, False, "F"), (None, True, "T")])
async def test_final_move_without_etag_never_sends_an_if_header(
    make_settings: Callable[..., Settings], local: Path, etag: str | None, force: bool, overwrite: str
) -> None:
    seen: list[httpx2.Request] = []
    etags: list[str | None] = ["e0"] if force else [None, "e0"]  # create-only checks that the target is absent
    await _client(make_settings, _nextcloud(lambda r: httpx2.Response(201), etags, seen)).upload(
        local, "q.bin", etag=etag, force=force, threshold=10
    )
    move = next(r for r in seen if r.method == "MOVE")
    assert "if" not in move.headers
    assert move.headers["overwrite"] == overwrite


async def test_a_refused_final_move_says_why_and_removes_the_parts(
    make_settings: Callable[..., Settings], local: Path
) -> None:
    seen: list[httpx2.Request] = []
    # early check sees e1, the MOVE's If fails (someone wrote e2 meanwhile), the re-read sees e2
    handler = _nextcloud(lambda r: httpx2.Response(412), ["e1", "e2"], seen)
    with pytest.raises(errors.Conflict, match="changed since you read it") as changed:
        await _client(make_settings, handler).upload(local, "q.bin", etag="e1", threshold=10)
    assert changed.value.status == 412
    assert "DELETE" in [r.method for r in seen]
    seen.clear()
    created = _nextcloud(lambda r: httpx2.Response(412), [], seen)  # Overwrite: F and the target appeared
    with pytest.raises(errors.Conflict, match="already exists"):
        await _client(make_settings, created).upload(local, "q.bin", threshold=10)
    assert "DELETE" in [r.method for r in seen]


async def test_a_404_of_the_guarded_move_is_a_target_gone_only_when_it_is_gone(
    make_settings: Callable[..., Settings], local: Path
) -> None:
    gone = _nextcloud(lambda r: httpx2.Response(404), ["e1"], [])
    with pytest.raises(errors.Conflict, match="no longer exists"):
        await _client(make_settings, gone).upload(local, "q.bin", etag="e1", threshold=10)
    expired = _nextcloud(lambda r: httpx2.Response(404), ["e1", "e1"], [])  # the upload folder itself is gone
    with pytest.raises(errors.NotFound) as failed:
        await _client(make_settings, expired).upload(local, "q.bin", etag="e1", threshold=10)
    assert "failed while assembling the parts" in str(failed.value)


def _sabre(message: str) -> bytes:
    return (
        '<?xml version="1.0"?><d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
        f"<s:exception>Sabre\\DAV\\Exception</s:exception><s:message>{message}</s:message></d:error>"
    ).encode()


def test_move_refusals_name_sabres_causes() -> None:
    base = "https://cloud.example/remote.php/dav/files/u%201/"
    request = httpx2.Request("MOVE", base + "Docs")
    inside = explain(
        httpx2.Response(
            409,
            request=request,
            content=_sabre("The destination may not be part of the same subtree as the source path."),
        ),
        ROOT,
        {"Destination": base + "Docs/Sub/Docs"},
    )
    assert "cannot be moved or copied into itself" in str(inside) and "does not exist" not in str(inside)
    under_file = explain(
        httpx2.Response(415, request=request, content=_sabre("The destination node is not a collection")),
        ROOT,
        {"Destination": base + "a.txt/Docs"},
    )
    assert isinstance(under_file, errors.Conflict) and "/a.txt is a file, not a folder" in str(under_file)
