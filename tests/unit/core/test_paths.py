"""User-relative path normalisation: escapes, control characters and lengths are refused before any request."""

from __future__ import annotations

import pytest

from nextcloud_mcp.core.paths import InvalidPath, dav_href, normalize, parent, quote_path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", ""), ("/", ""), ("a/b", "a/b"), ("/a//b/./c/", "a/b/c"), ("Docs/Ünïcode ok.md", "Docs/Ünïcode ok.md")],
)
def test_normalises(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("../bob/secret", "'..'"),
        ("a/../../b", "'..'"),
        ("a/..", "'..'"),
        ("a\x00b", "control character"),
        ("a\nb", "control character"),
        ("a\u202eb", "control character"),
        ("a\\..\\b", "backslash"),
        ("x" * 5000, "limit"),
        ("a/" + "y" * 300, "longer than"),
        ("trailing. ", "space"),
    ],
)
def test_rejects_with_a_clear_message(raw: str, message: str) -> None:
    with pytest.raises(InvalidPath, match=message):
        normalize(raw)


def test_quoting_and_hrefs() -> None:
    assert quote_path("a b/c#d?/%") == "a%20b/c%23d%3F/%25"
    assert dav_href("/remote.php/dav/files/u/", "x y", folder=True) == "/remote.php/dav/files/u/x%20y/"
    assert dav_href("/remote.php/dav/files/u/", "", folder=True) == "/remote.php/dav/files/u/"
    assert parent("a/b/c") == "a/b" and parent("a") == ""
