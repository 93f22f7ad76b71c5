"""core/extract/reading.py: the character paging and version-bound cursors nc_files_read_file and the attachment
readers share."""

from __future__ import annotations

import pytest

from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.extract.reading import content_etag, cursor_offset, text_page


def test_pages_follow_the_cursor_to_the_end() -> None:
    text, version, cursor, out = "abcdefghij" * 100, content_etag(b"v1"), None, ""
    while True:
        start = cursor_offset(cursor, version, tool="nc_x_read_thing")
        page = text_page(text, None, start=start, max_chars=300, version=version, cursor=cursor, name="t")
        assert page.text is not None
        out += page.text
        cursor = page.next_cursor
        if cursor is None:
            break
    assert out == text


def test_cursor_errors_name_the_tool_and_what_changed() -> None:
    page = text_page("x" * 50, None, start=0, max_chars=10, version="e1", cursor=None, name="a.txt")
    assert page.next_cursor is not None
    with pytest.raises(InvalidInput, match="The attachment changed since that cursor"):
        cursor_offset(page.next_cursor, "e2", tool="nc_x_read_thing", what="attachment")
    with pytest.raises(InvalidInput, match="not a next_cursor nc_x_read_thing returned"):
        cursor_offset("garbage", "e1", tool="nc_x_read_thing")
    far = page.next_cursor.replace("10.", "99.", 1)
    with pytest.raises(InvalidInput, match=r"past the end of a\.txt"):
        text_page("x" * 50, None, start=cursor_offset(far, "e1", tool="t"), max_chars=10, version="e1", cursor=far,
                  name="a.txt")  # fmt: skip


def test_no_text_gives_the_note_and_no_cursor() -> None:
    page = text_page(None, "binary", start=0, max_chars=10, version="e", cursor=None, name="a")
    assert (page.text, page.note, page.next_cursor) == (None, "binary", None)
    assert content_etag(b"a") != content_etag(b"b") and content_etag(b"a").startswith("sha256-")
