"""The per-call availability check (`ToolPolicy.why_unavailable`) agrees with the `tools/list` policy."""

from __future__ import annotations

import httpx2
import pytest
from pydantic import SecretStr

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.auth.basic import BasicCredentials
from nextcloud_mcp.auth.identity import IDENTITY_KEY, TOKEN_KEY, Identity
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.gating import ToolPolicy
from nextcloud_mcp.state import AppState
from nextcloud_mcp.tools import TOOLSETS

pytestmark = pytest.mark.anyio


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
    policy = ToolPolicy(state, TOOLSETS, require_scopes=True)
    identity = Identity(subject="alice", issuer="https://idp", client_id="c", scopes=scopes)
    for scope in (None, {"type": "http", IDENTITY_KEY: identity, TOKEN_KEY: "t"}):
        async with state.running():
            catalogue = await policy.unavailable(scope)
            per_call = {
                spec.name: why
                for ts in TOOLSETS
                for spec in ts.tools
                if (why := await policy.why_unavailable(scope, spec.name)) is not None
            }
        assert per_call == catalogue
        assert "not installed" in per_call["nc_notes_get"]
        if scope is not None:
            assert "lacks the files:write scope" in per_call["nc_files_delete"]
        assert await policy.why_unavailable(scope, "nc_unknown_tool") is None
