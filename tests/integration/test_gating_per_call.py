"""The per-call availability check (`ToolPolicy.why_unavailable`, used by `ToolGate` for `tools/call`) agrees
with the `tools/list` policy, for a caller without a token and for one with limited scopes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import pytest
from mcp.server.auth.middleware.auth_context import auth_context_var
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from pydantic import SecretStr

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.auth.basic import BasicCredentials
from nextcloud_mcp.auth.identity import Identity
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.catalogue import build_catalogue
from nextcloud_mcp.server.policy import ToolPolicy
from nextcloud_mcp.server.state import AppState

pytestmark = pytest.mark.anyio


@contextmanager
def _caller(identity: Identity | None) -> Iterator[None]:
    """Run as the SDK's auth context would after the OAuth gate validated `identity`'s token."""
    reset = auth_context_var.set(AuthenticatedUser(identity.access_token("t")) if identity else None)
    try:
        yield
    finally:
        auth_context_var.reset(reset)


@pytest.mark.parametrize("scopes", [frozenset({"notes:read", "files:read"}), frozenset()])
async def test_one_tool_answer_equals_the_catalogue_answer(
    fake: FakeNextcloud, control: httpx2.AsyncClient, scopes: frozenset[str]
) -> None:
    assert (await control.post("/__testbed__/apps", json={"disable": ["notes"]})).status_code == 200
    settings = load_settings(
        environ={"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": "x"}
    )
    credentials = BasicCredentials("alice", SecretStr("alice-secret"))
    state = AppState(settings, credentials, transport=httpx2.ASGITransport(app=fake))
    catalogue, _ = build_catalogue()
    policy = ToolPolicy(state, catalogue.apps, catalogue.read_only, require_scopes=True)
    identity = Identity(subject="alice", issuer="https://idp", client_id="c", scopes=scopes)
    for caller in (None, identity):
        with _caller(caller):
            async with state.running():
                unavailable = await policy.unavailable()
                per_call = {
                    tool.name: why
                    for tool in catalogue.tools
                    if (why := await policy.why_unavailable(tool.name)) is not None
                }
            assert per_call == unavailable
            assert "not installed" in per_call["nc_notes_get_note"]
            if caller is not None:
                assert "lacks the files:write scope" in per_call["nc_files_delete_file"]
            assert await policy.why_unavailable("nc_unknown_tool") is None
