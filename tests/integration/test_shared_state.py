"""Every piece of state the server shares between users is keyed by the caller's identity (issue 13's audit).

Shared across users in one process: the capability cache and the apps' shared stores (`AppState`: the Notes
cache), the user-id cache of the Files client, the DAV home cache of the CalDAV/CardDAV clients and the token
cache. alice and bob use each
through the real clients against the fake Nextcloud in OAuth mode; each cache then holds one entry per
identity, with that identity's own data. The tool catalogue and its source hash (`@cache`) are the same for
everyone and hold no user data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx2
import pytest
from pydantic import SecretStr

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.apps.calendar.client import calendar_client
from nextcloud_mcp.apps.files import client as files
from nextcloud_mcp.apps.notes.client import NotesCache, notes_client
from nextcloud_mcp.auth.basic import BasicCredentials
from nextcloud_mcp.auth.cache import TokenCache
from nextcloud_mcp.auth.identity import Identity, token_digest
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core import caldav
from nextcloud_mcp.server.state import AppState
from support.oauth_apps import ISSUER, access_token, trust_idp

pytestmark = pytest.mark.anyio
RESOURCE = "http://mcp.test/mcp"
USERS = ("alice", "bob")


def _identity(user: str, issuer: str = ISSUER) -> Identity:
    return Identity(subject=user, issuer=issuer, client_id="c", scopes=frozenset({"notes:write"}))


async def test_per_user_caches_hold_one_entry_per_identity_with_its_own_data(fake: FakeNextcloud) -> None:
    trust_idp(fake)
    control = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=fake), base_url="http://nc.test")
    for user in USERS:
        notes = [{"title": f"{user} note", "content": user}]
        assert (await control.post("/__testbed__/seed/notes", json={"user": user, "notes": notes})).status_code == 201
    settings = load_settings(environ={"NEXTCLOUD_HOST": "http://nc.test", "MCP_TRANSPORT": "streamable-http"})
    state = AppState(settings, None, transport=httpx2.ASGITransport(app=fake))
    keys: dict[str, str] = {}
    async with state.running():
        for user in USERS:
            token = _identity(user).access_token(access_token(user, "notes:write", RESOURCE))
            session = state.session_for(token)
            keys[user] = session.key
            assert await files.files_client(session).uid() == user
            homes = await calendar_client(session).dav.homes()
            assert await state.capabilities(session) is not None
            assert [n.title for n in await notes_client(session).list_all()] == [f"{user} note"]
            assert homes.principal.rstrip("/").endswith(f"/{user}")
    assert keys["alice"] != keys["bob"]
    for user, key in keys.items():
        assert key == _identity(user).key
        assert files._UIDS.get(key) == user
        cached_homes = caldav._HOMES.get(key)
        assert cached_homes is not None and cached_homes.principal.rstrip("/").endswith(f"/{user}")
        notes_cache = state._shared[NotesCache]
        assert [n.title for n in notes_cache.for_user(key).notes.values()] == [f"{user} note"]
    assert set(state._capabilities) == set(keys.values())
    await control.aclose()


def test_identity_keys_separate_issuers_and_never_contain_a_credential() -> None:
    """The same `sub` at two issuers is two people; BasicAuth keys name the user, not the password."""
    assert _identity("alice").key != _identity("alice", issuer="https://other.example").key
    assert _identity("alice").key == _identity("alice").key
    basic = BasicCredentials("alice", SecretStr("app-password-123"))
    assert basic.key != BasicCredentials("bob", SecretStr("app-password-123")).key
    assert "app-password" not in basic.key and "alice" not in basic.key


async def test_token_cache_keys_are_token_digests_bound_to_their_identity() -> None:
    cache = TokenCache(60)
    tokens = {user: access_token(user, "notes:read", RESOURCE) for user in USERS}

    def validator_for(user: str) -> Callable[[str], Awaitable[Identity | None]]:
        async def validate(_token: str) -> Identity | None:
            return _identity(user)

        return validate

    for user, token in tokens.items():
        found = await cache.get_or_validate(token, validator_for(user))
        assert found is not None and found.subject == user
    for user, token in tokens.items():
        assert token not in cache._l1 and token_digest(token) in cache._l1
        hit = await cache.get_or_validate(token, validator_for("mallory"))
        assert hit is not None and hit.subject == user  # served from the cache entry of this very token
