"""End-to-end OAuth scenarios shared by every stack: the fake Nextcloud on loopback
(`test_oauth_flow.py`) and the real Nextcloud of `compose.yaml` under testcontainers (`test_compose_stack.py`).

A stack only has to say where its MCP endpoint is, which users exist, and how to read a user's notes
straight from Nextcloud (the independent check that a write really happened as that user).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Literal, Protocol

import anyio

from support.browser_login import chromium_login
from support.mcp_helpers import error_text, structured
from support.oauth_client import oauth_mcp_client

__all__ = ["OAuthStack", "bearer_patch", "browser_login", "sdk_login", "two_users_at_once"]


class OAuthStack(Protocol):
    @property
    def mcp_url(self) -> str: ...

    @property
    def users(self) -> Mapping[str, str]: ...

    def notes_of(self, user: str) -> list[dict[str, Any]]: ...

    def login(self, user: str) -> Callable[[str, str], Awaitable[str]]:
        """How this stack's login page is driven: scripted forms (fake) or a real browser (Nextcloud's Vue UI)."""
        ...


async def sdk_login(stack: OAuthStack, user: str, mode: Literal["auto", "legacy"] = "auto") -> str:
    """SDK client: 401 → PRM → discovery → DCR → scripted login/consent → PKCE token → tools as `user`.

    Returns the negotiated protocol version."""
    async with oauth_mcp_client(stack.mcp_url, stack.login(user), mode=mode) as (client, login, st):
        assert "nc_notes_create_note" in {t.name for t in (await client.list_tools()).tools}
        note = structured(
            await client.call_tool("nc_notes_create_note", {"title": f"Via OAuth ({mode})", "content": "hi"})
        )
        assert structured(await client.call_tool("nc_notes_get_note", {"note_id": note["id"]}))["content"] == "hi"
        version = client.protocol_version
    [authorize] = login.authorize_urls
    assert "code_challenge_method=S256" in authorize and "resource=" in authorize
    assert st.client is not None and st.client.client_id  # registered dynamically
    assert note["id"] in [n["id"] for n in stack.notes_of(user)]  # written as that user
    return version


async def browser_login(stack: OAuthStack, user: str, screenshots: Path) -> None:
    """The same flow with the login in Debian Chromium (Playwright)."""
    async with oauth_mcp_client(stack.mcp_url, chromium_login(user, stack.users[user], screenshots)) as (c, _, _):
        note = structured(await c.call_tool("nc_notes_create_note", {"title": "From Chromium"}))
    assert note["id"] in [n["id"] for n in stack.notes_of(user)]


async def two_users_at_once(stack: OAuthStack, users: tuple[str, str]) -> None:
    """Two users work concurrently; each sees only their own notes."""
    seen: dict[str, set[str]] = {}

    async def session(user: str) -> None:
        async with oauth_mcp_client(stack.mcp_url, stack.login(user)) as (client, _, _):
            for i in range(3):
                structured(await client.call_tool("nc_notes_create_note", {"title": f"{user} {i}"}))
            listed = structured(await client.call_tool("nc_notes_list_notes", {}))
            seen[user] = {n["title"] for n in listed["items"]}

    async with anyio.create_task_group() as tg:
        for user in users:
            tg.start_soon(session, user)
    for user in users:
        other = next(u for u in users if u != user)
        assert {f"{user} {i}" for i in range(3)} <= seen[user]
        assert not any(title.startswith(f"{other} ") for title in seen[user])


async def bearer_patch(stack: OAuthStack, user: str, *, patched: bool) -> None:
    """OCS always works with the bearer token; so does the Notes API (#[CORS]), patched or not, because the
    client sends `OCS-APIRequest: true` (which passes the CSRF check CORSMiddleware applies to sessions).
    Without that header an unpatched Nextcloud refuses the bearer (tests/fake/test_user_oidc.py)."""
    async with oauth_mcp_client(stack.mcp_url, stack.login(user)) as (client, _, _):
        assert "nc_notes_list_notes" in {t.name for t in (await client.list_tools()).tools}  # capabilities via OCS
        me = structured(await client.call_tool("nc_users_get_me", {}))
        assert me["id"]
        result = await client.call_tool("nc_notes_list_notes", {})
    assert not result.is_error, (patched, error_text(result))
