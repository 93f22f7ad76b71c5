"""`MCP_TOOLS_ALLOW`, `MCP_TOOLS_DENY`, `MCP_READ_ONLY` (issue 21): which tools the settings offer, and a start-up
error naming the closest valid names for any entry that names no tool (a typo must not silently expose or hide
tools)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import ConfigError
from nextcloud_mcp.server.build import build_server
from nextcloud_mcp.server.catalogue import build_catalogue
from nextcloud_mcp.server.offer import oauth_scopes, settings_exclusions
from nextcloud_mcp.server.selection import READ_ONLY_REASON, excluded_tools

pytestmark = pytest.mark.anyio

CATALOGUE, _ = build_catalogue()
ALL = [t.name for t in CATALOGUE.tools]
READ_ONLY = CATALOGUE.read_only
NOTES = [n for n in ALL if n.startswith("nc_notes_")]


def offered(**kwargs: object) -> set[str]:
    excluded = excluded_tools(ALL, READ_ONLY, **kwargs)  # type: ignore[arg-type]
    return set(ALL) - set(excluded)


def test_nothing_set_offers_everything() -> None:
    assert excluded_tools(ALL, READ_ONLY) == {}


def test_allow_takes_names_and_globs() -> None:
    assert offered(allow=["nc_notes_*", "nc_files_read_file"]) == {*NOTES, "nc_files_read_file"}


def test_deny_wins_over_allow() -> None:
    got = offered(allow=["nc_notes_*"], deny=["nc_notes_delete_note", "nc_notes_update_*"])
    assert got == set(NOTES) - {"nc_notes_delete_note", "nc_notes_update_note"}
    both = offered(allow=["nc_notes_get_note", "nc_notes_list_notes"], deny=["nc_notes_get_note", "nc_files_*"])
    assert both == {"nc_notes_list_notes"}


def test_entries_are_trimmed_and_case_insensitive() -> None:
    assert offered(allow=[" NC_Notes_Get_Note "]) == {"nc_notes_get_note"}


def test_read_only_mode_keeps_exactly_the_read_only_tools_with_a_reason() -> None:
    excluded = excluded_tools(ALL, READ_ONLY, read_only_mode=True)
    assert set(ALL) - set(excluded) == {n for n in ALL if READ_ONLY[n]}
    assert excluded["nc_notes_create_note"] == READ_ONLY_REASON
    assert "nc_files_download_file" in excluded, "it writes a local file"


def test_reasons_name_the_setting() -> None:
    excluded = excluded_tools(ALL, READ_ONLY, allow=["nc_notes_*"], deny=["nc_notes_delete_note"])
    assert "MCP_TOOLS_DENY" in excluded["nc_notes_delete_note"]
    assert "MCP_TOOLS_ALLOW" in excluded["nc_deck_list_boards"]


@pytest.mark.parametrize(
    ("setting", "entry", "suggestion"),
    [
        ("allow", "nc_notes_delete_nots", "nc_notes_delete_note"),
        ("deny", "nc_notes_delete_nots", "nc_notes_delete_note"),
        ("deny", "nc_dek_*", "nc_deck_*"),
        ("allow", "deck", "nc_deck_*"),
    ],
)
def test_an_entry_that_names_no_tool_stops_the_start_naming_the_closest(
    setting: str, entry: str, suggestion: str
) -> None:
    with pytest.raises(ConfigError) as info:
        excluded_tools(ALL, READ_ONLY, **{setting: ["nc_notes_get_note", entry]})  # type: ignore[arg-type]
    message = str(info.value)
    assert f"MCP_TOOLS_{setting.upper()} names no tool: {entry!r}" in message
    assert suggestion in message
    assert "nc_notes_get_note'" not in message  # valid entries are not reported


def test_a_tool_of_an_app_outside_mcp_apps_is_a_valid_name(make_settings: Callable[..., Settings]) -> None:
    server = build_server(make_settings(MCP_APPS="notes", MCP_TOOLS_DENY="nc_deck_delete_card"))
    assert server.catalogue.apps.keys() == set(NOTES)


def test_settings_that_leave_no_tool_stop_the_start(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ConfigError, match=r"MCP_APPS and MCP_TOOLS_ALLOW together leave no tool to offer"):
        build_server(make_settings(MCP_APPS="notes", MCP_TOOLS_ALLOW="nc_deck_*"))
    with pytest.raises(ConfigError, match=r"MCP_APPS, MCP_TOOLS_DENY and MCP_READ_ONLY together leave no tool"):
        build_server(make_settings(MCP_APPS="search", MCP_TOOLS_DENY="nc_search_*", MCP_READ_ONLY="1"))


def test_unknown_entries_fail_build_server(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ConfigError, match=r"MCP_TOOLS_DENY names no tool: 'nc_notes_delet_note' \(did you mean"):
        build_server(make_settings(MCP_TOOLS_DENY="nc_notes_delet_note"))


def test_settings_are_read_from_the_environment(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(MCP_TOOLS_ALLOW="nc_notes_*, nc_files_get_file", MCP_TOOLS_DENY="", MCP_READ_ONLY="true")
    assert settings.mcp_tools_allow == ["nc_notes_*", "nc_files_get_file"]
    assert settings.mcp_tools_deny == []
    assert set(settings_exclusions(settings, CATALOGUE)) == set(ALL) - {
        n for n in [*NOTES, "nc_files_get_file"] if READ_ONLY[n]
    }


def test_oauth_gate_needs_no_scope_for_excluded_tools_and_advertises_read_scopes_when_read_only(
    make_settings: Callable[..., Settings],
) -> None:
    """A call to an excluded tool must get the policy's refusal, not a step-up to a scope that would not help."""
    scopes, advertised = oauth_scopes(make_settings(MCP_READ_ONLY="true", MCP_TOOLS_DENY="nc_deck_*"), CATALOGUE)
    assert "nc_notes_create_note" not in scopes and scopes["nc_notes_get_note"] == "notes:read"
    assert all(s.endswith(":read") for s in advertised) and "notes:read" in advertised
    assert not any(s.startswith("deck:") for s in advertised)
    _, everything = oauth_scopes(make_settings(), CATALOGUE)
    assert "notes:write" in everything and "deck:write" in everything
