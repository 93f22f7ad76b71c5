"""Unit tests of the pure helpers: PHP semantics, Notes naming rules, settings, OCS mapping, CLI parsing."""

from __future__ import annotations

import argparse

import pytest

from fake_nextcloud.apps.notes.naming import (
    generate_title,
    normalize_category,
    safe_title,
    strip_markdown,
    title_from_content,
)
from fake_nextcloud.apps.notes.settings import NoteSettings
from fake_nextcloud.cli import parse_user
from fake_nextcloud.core.ocs import ocs_http_status, render_xml
from fake_nextcloud.core.php import PhpTypeError, php_bool, php_int, php_json_encode, php_str
from fake_nextcloud.core.state import FakeState, parse_quota


def test_php_json_encode_escapes_slashes_unicode_and_tags() -> None:
    assert php_json_encode({"a/b": "é<x>"}) == '{"a\\/b":"\\u00e9<x>"}'
    assert php_json_encode(["<>"], hex_tag=True) == '["\\u003C\\u003E"]'
    assert php_json_encode([True, None, 1.5]) == "[true,null,1.5]"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), ("12abc", 12), ("abc", 0), (" 7", 7), ("1e3", 1000), ("1.9", 1), (True, 1), (2.7, 2), ([], 0)],
)
def test_php_int_is_settype_int(value: object, expected: int) -> None:
    assert php_int(value) == expected


def test_php_bool_and_the_false_string() -> None:
    assert php_bool("false") is True
    assert php_bool("false", false_string_is_false=True) is False
    assert php_bool("0") is False
    assert php_bool("") is False
    assert php_bool(0.0) is False


def test_php_str_coerces_scalars_and_rejects_arrays() -> None:
    assert php_str(5) == "5"
    assert php_str(True) == "1"
    assert php_str(False) == ""
    assert php_str(2.0) == "2"
    with pytest.raises(PhpTypeError):
        php_str(["x"])


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("", "New note"),
        ("0", "New note"),
        ("  Hello  ", "Hello"),
        ("a/b", "ab"),
        ("...hidden", "hidden"),
        ("first\r\nsecond", "first"),
        ("tab\there", "tab here"),
        ("x" * 120, "x" * 100),
    ],
)
def test_safe_title(raw: str, title: str) -> None:
    assert safe_title(raw) == title


def test_strip_markdown_and_auto_titles() -> None:
    assert strip_markdown("# Head #\n- item\n**bold** and _em_") == "Head\nitem\nbold and em"
    assert title_from_content("\n## Shopping list\n- milk") == "Shopping list"


def test_generate_title_counts_up() -> None:
    taken = {"A", "A (2)", "B (7)"}
    assert generate_title("A", taken.__contains__) == "A (3)"
    assert generate_title("B (7)", taken.__contains__) == "B (8)"
    long = "y" * 100
    assert generate_title(long, {long}.__contains__) == "y" * 96 + " (2)"


def test_normalize_category() -> None:
    assert normalize_category("/a//b/") == "a/b"
    assert normalize_category("../x") == "x"
    assert normalize_category("a\\b") == "ab"


def test_settings_validation() -> None:
    settings = NoteSettings(text_enabled=False)
    assert settings.public() == {"fileSuffix": ".md", "notesPath": "Notes", "noteMode": "edit"}
    settings.set_public({"fileSuffix": "..weird$$", "notesPath": "a/../b/./c", "noteMode": "rich"})
    assert settings.public() == {"fileSuffix": ".weird", "notesPath": "b/c", "noteMode": "edit"}
    assert settings.new_file_suffix() == ".weird"
    settings.set_public({"fileSuffix": ".txt"})
    assert settings.public()["fileSuffix"] == ".txt"
    assert settings.custom_extension() == "weird"  # customSuffix is kept


@pytest.mark.parametrize(
    ("version", "status", "http"),
    [(1, 200, 200), (1, 404, 200), (1, 997, 401), (2, 200, 200), (2, 997, 401), (2, 998, 404), (2, 996, 500)],
)
def test_ocs_http_status(version: int, status: int, http: int) -> None:
    assert ocs_http_status(version, status) == http


def test_ocs_v2_odd_statuses_become_400() -> None:
    assert ocs_http_status(2, 102) == 400
    assert ocs_http_status(2, 601) == 400


def test_render_xml_like_php_xmlwriter() -> None:
    xml = render_xml({"ocs": {"data": {"list": ["a", "b"], "flag": True, "off": False, "none": None, "empty": []}}})
    assert xml == (
        '<?xml version="1.0"?>\n<ocs>\n <data>\n  <list>\n   <element>a</element>\n   <element>b</element>\n'
        "  </list>\n  <flag>1</flag>\n  <off></off>\n  <none/>\n  <empty/>\n </data>\n</ocs>\n"
    )


def test_parse_user() -> None:
    assert parse_user("alice:se:cret") == ("alice", "alice", "se:cret")
    assert parse_user("bob@corp=b0b:pw") == ("bob@corp", "b0b", "pw")
    with pytest.raises(argparse.ArgumentTypeError):
        parse_user("nopassword")


def test_parse_quota() -> None:
    assert parse_quota(None) is None
    assert parse_quota("none") is None
    assert parse_quota("5 GB") == 5 * 1024**3
    assert parse_quota(100) == 100
    with pytest.raises(ValueError, match="invalid quota"):
        parse_quota("lots")


def test_version_parsing() -> None:
    state = FakeState(version="33.0.7")
    assert state.version == (33, 0, 7, 1)
    state.set_version("32.0.13.2")
    assert state.version_string == "32.0.13"
    with pytest.raises(ValueError, match="invalid version"):
        state.set_version("34")
