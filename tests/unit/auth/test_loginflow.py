"""`loginflow` mode's authorization server in process: the SDK's routes over `LoginFlowProvider`, the fake
Nextcloud (Login Flow v2, app passwords) behind an ASGI transport, Redis stood in for by a dict with the same
async calls (`GrantStore` takes the client it is given)."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import pytest
from cryptography.fernet import Fernet
from mcp.server.auth.provider import TokenError
from pydantic import SecretStr
from starlette.applications import Starlette

from fake_nextcloud import FakeState, User, build_app
from nextcloud_mcp.auth.loginflow import LoginFlowProvider, LoginFlowServer, issuer_of
from nextcloud_mcp.auth.loginflow_store import PREFIX, GrantStore, StoreError
from nextcloud_mcp.config import Settings
from support.login_flow import DONE_MARKER, form_login_flow

pytestmark = pytest.mark.anyio

NEXTCLOUD = "http://nc.test"
MCP = "http://127.0.0.1:8000"  # the SDK wants an https issuer, or a loopback one
RESOURCE = f"{MCP}/mcp"
CALLBACK = "http://127.0.0.1:1/callback"
PASSWORD = "alice-login-secret"
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
FOREIGN_KEY = Fernet.generate_key().decode()
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}


class MemoryRedis:
    """The Redis calls `GrantStore` makes, over a dict and sorted sets (expiry of keys ignored: the tests are
    shorter than any TTL)."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.zsets: dict[str, dict[str, float]] = {}

    async def get(self, key: str) -> Any:
        return self.data.get(key)

    async def set(self, key: str, value: Any, ex: int | None = None, nx: bool = False, px: int | None = None) -> bool:
        if nx and key in self.data:
            return False
        self.data[key] = value
        return True

    async def getdel(self, key: str) -> Any:
        return self.data.pop(key, None)

    async def delete(self, *keys: str) -> int:
        return sum(self.data.pop(key, None) is not None for key in keys)

    async def zadd(self, key: str, mapping: dict[str, float]) -> int:
        zset = self.zsets.setdefault(key, {})
        added = sum(member not in zset for member in mapping)
        zset.update(mapping)
        return added

    async def zrem(self, key: str, *members: str) -> int:
        zset = self.zsets.get(key, {})
        return sum(zset.pop(member, None) is not None for member in members)

    async def zrangebyscore(
        self, key: str, low: float | str, high: float | str, start: int = 0, num: int | None = None
    ) -> list[bytes]:
        lo = float("-inf") if low == "-inf" else float(low)
        hi = float("inf") if high == "+inf" else float(high)
        found = sorted((score, m) for m, score in self.zsets.get(key, {}).items() if lo <= score <= hi)
        members = [m.encode() for _, m in found][start:]
        return members if num is None else members[:num]

    async def aclose(self) -> None:
        pass


@dataclass
class Env:
    settings: Settings
    redis: MemoryRedis
    provider: LoginFlowProvider
    mcp: httpx2.AsyncClient  # the MCP client's (and browser's) side of this server
    nc_transport: httpx2.AsyncBaseTransport

    def provider_with_key(self, key: str) -> LoginFlowProvider:
        """Another replica sharing the Redis, configured with `key` (MCP_LOGINFLOW_KEY)."""
        store = GrantStore(self.redis, SecretStr(key))
        return LoginFlowProvider(self.settings, store, self.provider.http, self.provider.issuer)

    async def app_password_works(self, app_password: str) -> bool:
        """Basic auth with it at Nextcloud, without cookies (a session would outlive the check)."""
        async with httpx2.AsyncClient(transport=self.nc_transport, base_url=NEXTCLOUD, trust_env=False) as http:
            response = await http.get("/ocs/v2.php/cloud/user", headers=OCS, auth=("alice", app_password))
        assert response.status_code in (200, 401), response.text
        return response.status_code == 200


@dataclass
class Client:
    client_id: str
    client_secret: str

    def auth(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.client_secret}


@pytest.fixture
async def env(make_settings: Any) -> AsyncIterator[Env]:
    settings = make_settings(
        MCP_AUTH_MODE="loginflow",
        MCP_TRANSPORT="streamable-http",
        MCP_LOGINFLOW_KEY=OLD_KEY,
        MCP_PUBLIC_URL=RESOURCE,
        REDIS_URL="redis://127.0.0.1:1/0",  # never connected: the store gets MemoryRedis
    )
    state = FakeState([User(uid="alice", login="alice", password=PASSWORD, display_name="Alice")])
    nc_transport = httpx2.ASGITransport(app=build_app(state))
    redis = MemoryRedis()
    http = httpx2.AsyncClient(transport=nc_transport, follow_redirects=False, trust_env=False)
    provider = LoginFlowProvider(settings, GrantStore(redis, settings.mcp_loginflow_key), http, issuer_of(settings))
    app = LoginFlowServer(settings, provider).protect(Starlette(), {}, [])
    async with (
        http,
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=MCP, trust_env=False) as mcp,
    ):
        yield Env(settings, redis, provider, mcp, nc_transport)


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


async def register(env: Env) -> Client:
    response = await env.mcp.post(
        "/register",
        json={
            "client_name": "unit test",
            "redirect_uris": [CALLBACK],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_post",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Client(body["client_id"], body["client_secret"])


async def authorize(env: Env, client: Client, verifier: str) -> str:
    """/authorize → wait page → Login Flow v2 at the fake (form driver) → wait page → the code."""
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": CALLBACK,
        "code_challenge": challenge(verifier),
        "code_challenge_method": "S256",
        "state": "st4te",
        "resource": RESOURCE,
    }
    started = await env.mcp.get("/authorize?" + urlencode(query))
    assert started.status_code == 302, started.text
    wait = urlsplit(started.headers["location"]).path
    page = await env.mcp.get(wait)
    assert page.status_code == 200 and "nextcloud-login" in page.text
    [login_url] = [u for u in page.text.split("'") if u.startswith(f"{NEXTCLOUD}/index.php/login/v2/flow/")]
    assert DONE_MARKER in await form_login_flow(login_url, "alice", PASSWORD, transport=env.nc_transport)
    done = await env.mcp.get(wait)
    assert done.status_code == 302 and done.headers["location"].startswith(CALLBACK), done.text
    query_back = parse_qs(urlsplit(done.headers["location"]).query)
    assert query_back["state"] == ["st4te"]
    return query_back["code"][0]


async def exchange(env: Env, client: Client, code: str, verifier: str) -> httpx2.Response:
    return await env.mcp.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
            "resource": RESOURCE,
            **client.auth(),
        },
    )


async def refresh(env: Env, client: Client, refresh_token: str) -> httpx2.Response:
    return await env.mcp.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, "resource": RESOURCE, **client.auth()},
    )


async def signed_in(env: Env) -> tuple[Client, dict[str, Any], str]:
    """A completed login: (client, token response, alice's app password as Nextcloud issued it)."""
    client = await register(env)
    verifier = secrets.token_urlsafe(48)
    response = await exchange(env, client, await authorize(env, client, verifier), verifier)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    access = await env.provider.load_access_token(tokens["access_token"])
    assert access is not None and access.subject == "alice"
    auth = env.provider.credentials_for(access)
    assert isinstance(auth, httpx2.BasicAuth)
    app_password = base64.b64decode(auth._auth_header.split()[1]).decode().partition(":")[2]
    assert app_password and app_password != PASSWORD and await env.app_password_works(app_password)
    return client, tokens, app_password


def grant_ids(env: Env) -> list[str]:
    return [k.removeprefix(PREFIX + "grant:") for k in env.redis.data if k.startswith(PREFIX + "grant:")]


def assert_not_leaked(secret: str, caplog: pytest.LogCaptureFixture, *texts: str) -> None:
    for record in caplog.records:
        assert secret not in record.getMessage(), f"app password in a log record: {record.name}"
        assert secret not in repr(record.args) and secret not in str(record.exc_info)
    for text in texts:
        assert secret not in text


# --- authorization codes ---------------------------------------------------------------------------------------


async def test_an_authorization_code_is_single_use(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = await register(env)
    verifier = secrets.token_urlsafe(48)
    code = await authorize(env, client, verifier)
    first = await exchange(env, client, code, verifier)
    assert first.status_code == 200, first.text
    second = await exchange(env, client, code, verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert "access_token" not in second.json()
    assert await env.provider.load_access_token(first.json()["access_token"]) is not None
    assert_not_leaked(PASSWORD, caplog, first.text, second.text)


async def test_a_code_exchanged_twice_at_once_ends_its_grant(env: Env) -> None:
    """Two replicas load the same code before either consumed it: the second exchange is refused and, as the
    code may have leaked, the whole grant ends (app password deleted in Nextcloud)."""
    client = await register(env)
    verifier = secrets.token_urlsafe(48)
    code = await authorize(env, client, verifier)
    info = await env.provider.get_client(client.client_id)
    assert info is not None
    loaded = await env.provider.load_authorization_code(info, code)
    assert loaded is not None
    tokens = await env.provider.exchange_authorization_code(info, loaded)
    access = await env.provider.load_access_token(tokens.access_token)
    assert access is not None
    with pytest.raises(TokenError) as refused:
        await env.provider.exchange_authorization_code(info, loaded)
    assert refused.value.error == "invalid_grant"
    assert await env.provider.load_access_token(tokens.access_token) is None
    assert grant_ids(env) == []


async def test_a_pkce_verifier_that_does_not_match_is_refused(env: Env) -> None:
    client = await register(env)
    verifier = secrets.token_urlsafe(48)
    code = await authorize(env, client, verifier)
    wrong = await exchange(env, client, code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert "access_token" not in wrong.json()
    # the refusal did not spend the code: the rightful client (with its verifier) still gets its tokens
    assert (await exchange(env, client, code, verifier)).status_code == 200


async def test_only_s256_challenges_are_accepted(env: Env) -> None:
    client = await register(env)
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": CALLBACK,
        "code_challenge": "plain-challenge-" + "x" * 40,
        "code_challenge_method": "plain",
        "state": "s",
    }
    response = await env.mcp.get("/authorize?" + urlencode(query))
    location = response.headers.get("location", "")
    assert response.status_code in (302, 400) and "/loginflow/" not in location
    assert "error=" in location or response.status_code == 400


# --- refresh rotation ------------------------------------------------------------------------------------------


async def test_refresh_rotates_and_reusing_the_old_refresh_token_ends_the_grant(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, tokens, app_password = await signed_in(env)
    rotated = await refresh(env, client, tokens["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()
    assert new["refresh_token"] != tokens["refresh_token"] and new["access_token"] != tokens["access_token"]
    assert await env.provider.load_access_token(new["access_token"]) is not None

    reuse = await refresh(env, client, tokens["refresh_token"])
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    # the whole grant is gone: the rotated tokens too, and the app password in Nextcloud
    assert await env.provider.load_access_token(new["access_token"]) is None
    assert (await refresh(env, client, new["refresh_token"])).status_code == 400
    assert grant_ids(env) == []
    assert not await env.app_password_works(app_password)
    assert any("used again" in r.getMessage() for r in caplog.records)
    assert_not_leaked(app_password, caplog, rotated.text, reuse.text)


# --- Fernet key rotation ---------------------------------------------------------------------------------------


async def test_key_rotation_old_grants_decrypt_with_old_and_new_keys(env: Env) -> None:
    _, tokens, app_password = await signed_in(env)  # stored under OLD_KEY
    rotated = env.provider_with_key(f"{NEW_KEY},{OLD_KEY}")  # the first encrypts, all decrypt
    access = await rotated.load_access_token(tokens["access_token"])
    assert access is not None
    auth = rotated.credentials_for(access)
    assert isinstance(auth, httpx2.BasicAuth)
    assert base64.b64decode(auth._auth_header.split()[1]).decode() == f"alice:{app_password}"
    # new secrets are encrypted with the new key: a replica that only has NEW_KEY reads them
    blob = rotated.store.encrypt("fresh-secret")
    assert GrantStore(env.redis, SecretStr(NEW_KEY)).decrypt(blob) == "fresh-secret"
    with pytest.raises(StoreError):
        GrantStore(env.redis, SecretStr(OLD_KEY)).decrypt(blob)


async def test_a_foreign_key_fails_clearly_without_leaking(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _, tokens, app_password = await signed_in(env)
    foreign = env.provider_with_key(FOREIGN_KEY)
    [grant_id] = grant_ids(env)
    blob = (await env.provider.store.get("grant", grant_id) or {})["password"]
    with pytest.raises(StoreError) as caught:
        foreign.store.decrypt(blob)
    message = str(caught.value)
    assert "MCP_LOGINFLOW_KEY" in message and "decrypt" in message
    for secret in (app_password, blob, FOREIGN_KEY, OLD_KEY):
        assert secret not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    # the access token is refused (not a crash), with a warning naming the key
    assert await foreign.load_access_token(tokens["access_token"]) is None
    assert any("MCP_LOGINFLOW_KEY" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert_not_leaked(app_password, caplog)
    for record in caplog.records:
        assert OLD_KEY not in record.getMessage() and FOREIGN_KEY not in record.getMessage()


# --- expiry and revocation -------------------------------------------------------------------------------------


async def test_the_expiry_sweep_deletes_the_app_password_in_nextcloud(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, tokens, app_password = await signed_in(env)
    [grant_id] = grant_ids(env)
    assert await env.provider.sweep() == 0  # not expired yet: nothing happens
    assert await env.app_password_works(app_password)

    await env.provider.store.set_expiry(grant_id, time.time() - 1)  # its refresh token lapsed
    assert await env.provider.sweep() == 1
    assert grant_ids(env) == []
    assert await env.provider.load_access_token(tokens["access_token"]) is None
    assert not await env.app_password_works(app_password)
    assert await env.provider.sweep() == 0  # claimed once: no second deletion
    assert any("app password deletion in Nextcloud: 200" in r.getMessage() for r in caplog.records)
    assert_not_leaked(app_password, caplog)


async def test_revocation_ends_the_grant_and_the_app_password(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client, tokens, app_password = await signed_in(env)
    revoked = await env.mcp.post("/revoke", data={"token": tokens["refresh_token"], **client.auth()})
    assert revoked.status_code == 200, revoked.text
    assert await env.provider.load_access_token(tokens["access_token"]) is None
    assert not await env.app_password_works(app_password)
    assert_not_leaked(app_password, caplog, revoked.text)


async def test_no_app_password_in_any_log_record_or_answer(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    """A whole life at DEBUG: login, exchange, refresh, a refused code, a foreign key, revocation by reuse."""
    caplog.set_level(logging.DEBUG)
    client, tokens, app_password = await signed_in(env)
    answers = [str(tokens)]
    answers.append((await exchange(env, client, "not-a-code", "v" * 43)).text)
    answers.append((await refresh(env, client, "not-a-refresh-token")).text)
    rotated = await refresh(env, client, tokens["refresh_token"])
    answers.append(rotated.text)
    await env.provider_with_key(FOREIGN_KEY).load_access_token(rotated.json()["access_token"])
    answers.append((await refresh(env, client, tokens["refresh_token"])).text)  # reuse: revokes
    answers.append(
        (await env.mcp.post("/loginflow/logout", headers={"Authorization": f"Bearer {tokens['access_token']}"})).text
    )
    assert not await env.app_password_works(app_password)
    assert caplog.records, "the flow logged something"
    assert_not_leaked(app_password, caplog, *answers)
    stored = " ".join(str(v) for v in env.redis.data.values())
    assert app_password not in stored  # Redis only ever holds it encrypted
