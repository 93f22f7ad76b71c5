"""Naming pages: ids, tree paths and titles, with the valid values when a name is unknown or ambiguous."""

from __future__ import annotations

import pytest

from nextcloud_mcp.apps.collectives.client import PageInfo
from nextcloud_mcp.apps.collectives.tools import _resolve
from nextcloud_mcp.core.errors import InvalidInput, NotFound


def _page(page_id: int, title: str, file_name: str, file_path: str = "", parent: int = 1) -> PageInfo:
    return PageInfo.model_validate(
        {"id": page_id, "title": title, "fileName": file_name, "filePath": file_path, "parentId": parent}
    )


PAGES = [
    _page(1, "Landing page", "Readme.md", parent=0),
    _page(2, "Guide", "Readme.md", "Guide"),
    _page(3, "Setup", "Setup.md", "Guide", parent=2),
    _page(4, "Setup", "Readme.md", "FAQ/Setup", parent=5),
    _page(5, "FAQ", "Readme.md", "FAQ"),
]


def test_page_paths_follow_the_tree() -> None:
    assert [p.page_path for p in PAGES] == ["/", "/Guide", "/Guide/Setup", "/FAQ/Setup", "/FAQ"]


@pytest.mark.parametrize(("ref", "expected"), [("3", 3), ("/", 1), ("guide/setup", 3), ("/FAQ/Setup/", 4), ("faq", 5)])
def test_resolve_by_id_path_or_title(ref: str, expected: int) -> None:
    assert _resolve(PAGES, ref, "Handbook").id == expected


def test_ambiguous_titles_list_the_candidates() -> None:
    with pytest.raises(InvalidInput, match=r"/Guide/Setup \(id 3\); /FAQ/Setup \(id 4\)"):
        _resolve(PAGES, "Setup", "Handbook")


def test_unknown_pages_list_the_valid_ones() -> None:
    with pytest.raises(NotFound, match=r"No page 'Nope' in Handbook; pages: / \(id 1\).*nc_collectives_list_pages"):
        _resolve(PAGES, "Nope", "Handbook")
