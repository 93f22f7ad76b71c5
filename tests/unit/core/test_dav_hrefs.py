"""Hrefs as Sabre writes them (sabre-io/http encodePath: lower-case hex, `( ) : @ ~` left as they are) are
decoded exactly once into the user's path."""

from __future__ import annotations

import pytest

from nextcloud_mcp.core.dav import parse_multistatus
from nextcloud_mcp.core.paths import dav_href

ROOT = "/remote.php/dav/files/u 1/"


def _ms(href: str) -> bytes:
    return (
        '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response>'
        f"<d:href>{href}</d:href><d:propstat><d:prop><d:resourcetype/></d:prop>"
        "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
    ).encode()


@pytest.mark.parametrize(
    ("href", "path"),
    [
        ("/remote.php/dav/files/u%201/50%2520off.md", "50%20off.md"),
        ("/remote.php/dav/files/u%201/%c3%a9t%c3%a9%20(1):@~.md", "été (1):@~.md"),
        ("/nextcloud/remote.php/dav/files/u%201/%e6%97%a5%e6%9c%ac/x%23y%3fz.md", "日本/x#y?z.md"),
    ],
)
def test_sabre_hrefs_decode_once(href: str, path: str) -> None:
    assert parse_multistatus(_ms(href), ROOT)[0].path == path


def test_names_with_percent_are_sent_encoded_once() -> None:
    assert dav_href("/remote.php/dav/files/u%201/", "50%20off.md") == "/remote.php/dav/files/u%201/50%2520off.md"
