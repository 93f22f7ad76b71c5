"""core/download.py: file names from Content-Disposition as Nextcloud apps write them, and the capped read."""

from __future__ import annotations

import httpx2
import pytest

from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core.download import disposition_filename, download
from nextcloud_mcp.core.errors import NotFound
from nextcloud_mcp.core.http import NextcloudHTTP

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ('attachment; filename="report.pdf"', "report.pdf"),  # Notes, Deck: the raw name between quotes
        ('attachment; filename="say \\"hi\\" \\\\ bye.txt"', 'say "hi" \\ bye.txt'),  # DownloadResponse escapes
        ("attachment; filename=\"a.txt\"; filename*=UTF-8''%C3%A9t%C3%A9.txt", "été.txt"),  # filename* wins
        ("attachment; filename=plain.txt", "plain.txt"),
        ("inline", None),
        (None, None),
    ],
)
def test_disposition_filename(header: str | None, name: str | None) -> None:
    assert disposition_filename(header) == name


def _http(handler: object) -> NextcloudHTTP:
    env = {"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "a", "NEXTCLOUD_PASSWORD": "p"}
    return NextcloudHTTP(load_settings(environ=env), transport=httpx2.MockTransport(handler))  # type: ignore[arg-type]


async def test_download_stops_at_the_cap_and_maps_app_errors() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/missing"):
            return httpx2.Response(404, json={"errorType": "Exception"})
        assert request.url.params["path"] == "a b.txt"
        headers = {"Content-Type": "text/plain", "Content-Disposition": 'attachment; filename="a b.txt"'}
        return httpx2.Response(200, content=b"x" * 5000, headers=headers)

    http = _http(answer)
    auth = httpx2.BasicAuth("a", "p")
    got = await download(http, "/index.php/x/ok", auth=auth, max_bytes=10_000, params={"path": "a b.txt"})
    assert got.data == b"x" * 5000 and got.filename == "a b.txt" and got.content_type == "text/plain"
    capped = await download(http, "/index.php/x/ok", auth=auth, max_bytes=100, params={"path": "a b.txt"})
    assert capped.data is None and capped.received > 100
    with pytest.raises(NotFound, match="no such attachment"):
        await download(
            http, "/index.php/x/missing", auth=auth, max_bytes=100, errors=(404,),
            on_error=lambda response: NotFound(f"no such attachment ({response.json()['errorType']})"),
        )  # fmt: skip
    await http.aclose()
