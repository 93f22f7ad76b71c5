"""Dynamic toolsets (issue 21): the per-session store (bounded, expiring, keyed by caller and session), what a
session hides and refuses, and which session a request belongs to."""

from __future__ import annotations

from typing import Any, cast

import pytest
from mcp.server.context import ServerRequestContext
from starlette.requests import Request

from nextcloud_mcp.apps import APPS
from nextcloud_mcp.server.toolsets import (
    CALL_TOOL,
    ENABLE_TOOL,
    GRACE,
    LOCAL,
    SUMMARIES,
    DynamicToolsets,
    EnabledToolsets,
    session_id,
)

TOOLSET_OF = {"nc_notes_get_note": "notes", "nc_notes_create_note": "notes", "nc_deck_list_boards": "deck"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Ctx:
    """The one attribute `session_id` reads of a `ServerRequestContext`."""

    def __init__(self, request: Any) -> None:
        self.request = request


def http(session: str | None) -> ServerRequestContext[Any, Any]:
    headers = [(b"mcp-session-id", session.encode())] if session else []
    request = Request({"type": "http", "method": "POST", "path": "/mcp", "headers": headers})
    return cast(ServerRequestContext[Any, Any], Ctx(request))


def local() -> ServerRequestContext[Any, Any]:
    return cast(ServerRequestContext[Any, Any], Ctx(None))


def test_every_app_has_a_one_line_summary() -> None:
    assert set(SUMMARIES) == {app.toolset for app in APPS}
    short = {app.id: app.summary for app in APPS if not 0 < len(app.summary) <= 100 or "\n" in app.summary}
    assert short == {}, "give each App a one-line summary= of at most 100 characters"


def test_sets_are_kept_per_caller_and_session() -> None:
    store = EnabledToolsets(ttl=None)
    assert store.enable("alice", "s1", ["notes"]) == {"notes"}
    assert store.enable("alice", "s1", ["deck"]) == {"notes", "deck"}
    assert store.enabled("alice", "s2") == frozenset()
    assert store.enabled("bob", "s1") == frozenset(), "another user presenting the same session id sees nothing"


def test_idle_http_sessions_expire_after_the_idle_timeout_and_a_grace() -> None:
    clock = Clock()
    store = EnabledToolsets(ttl=60, clock=clock)
    store.enable("alice", "old", ["notes"])
    clock.now += 30
    store.enable("alice", "new", ["deck"])
    clock.now += 60 + GRACE - 10  # old: idle 80 s + grace; new: idle 50 s + grace
    assert store.enabled("alice", "old") == frozenset()
    assert store.enabled("alice", "new") == {"deck"}, "still in use"
    assert len(store) == 1


def test_stdio_sets_never_expire() -> None:
    clock = Clock()
    store = EnabledToolsets(ttl=None, clock=clock)
    store.enable("alice", LOCAL, ["notes"])
    clock.now += 10**9
    assert store.enabled("alice", LOCAL) == {"notes"}


def test_the_store_is_bounded_least_recently_used_first() -> None:
    store = EnabledToolsets(ttl=None, max_sessions=2)
    store.enable("alice", "a", ["notes"])
    store.enable("alice", "b", ["notes"])
    store.enabled("alice", "a")  # a used again
    store.enable("alice", "c", ["notes"])
    assert store.enabled("alice", "b") == frozenset() and store.enabled("alice", "a") == {"notes"}


@pytest.mark.parametrize(
    ("ctx", "stateless", "expected"),
    [
        (local(), False, LOCAL),
        (local(), True, LOCAL),
        (http("abc"), False, "abc"),
        (http("abc"), True, None),  # a client-made header on a stateless server is no session
        (http(None), False, None),  # 2026-07-28 requests carry no session id
    ],
)
def test_which_session_a_request_belongs_to(
    ctx: ServerRequestContext[Any, Any], stateless: bool, expected: str | None
) -> None:
    assert session_id(ctx, stateless_http=stateless) == expected


def test_a_session_sees_its_enabled_toolsets_and_the_enable_tool() -> None:
    dynamic = DynamicToolsets(TOOLSET_OF, EnabledToolsets(ttl=None), stateless_http=False)
    ctx = http("s1")
    hidden = dynamic.hidden("alice", ctx)
    assert set(hidden) == {*TOOLSET_OF, CALL_TOOL}
    assert 'toolsets=["notes"]' in str(dynamic.refused("nc_notes_get_note", "alice", ctx))
    dynamic.enable("alice", ctx, ["notes"])
    assert set(dynamic.hidden("alice", ctx)) == {"nc_deck_list_boards", CALL_TOOL}
    assert dynamic.refused("nc_notes_create_note", "alice", ctx) is None
    assert dynamic.refused(ENABLE_TOOL, "alice", ctx) is None
    assert "nc_toolsets_enable_toolsets" in str(dynamic.refused(CALL_TOOL, "alice", ctx))
    assert set(dynamic.hidden("alice", http("s2"))) == {*TOOLSET_OF, CALL_TOOL}, "another session is untouched"


def test_without_a_session_every_tool_is_unlisted_but_callable() -> None:
    dynamic = DynamicToolsets(TOOLSET_OF, EnabledToolsets(ttl=None), stateless_http=True)
    ctx = http("s1")
    assert set(dynamic.hidden("alice", ctx)) == {*TOOLSET_OF, ENABLE_TOOL}
    assert dynamic.refused("nc_deck_list_boards", "alice", ctx) is None
    assert dynamic.refused(CALL_TOOL, "alice", ctx) is None
    assert "no MCP session" in str(dynamic.refused(ENABLE_TOOL, "alice", ctx))
    with pytest.raises(ValueError, match="no MCP session"):
        dynamic.enable("alice", ctx, ["notes"])
