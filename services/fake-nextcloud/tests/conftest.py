"""Fixtures: a fake Nextcloud with a manual clock and three accounts, driven in-process over httpx2."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from fake_nextcloud import FakeState, ManualClock, build_app
from support.fake_support import ALICE_APP_PASSWORD, T0, no_cookies


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def state(clock: ManualClock) -> FakeState:
    fake = FakeState(clock=clock)
    fake.add_user(
        "alice", "secret", display_name="Alice A.", email="alice@example.org", app_passwords=[ALICE_APP_PASSWORD]
    )
    fake.add_user("bob@corp", "bob-secret", uid="b0b", display_name="Bob", email="bob@example.org")
    fake.add_user("admin", "admin-secret", groups=["admin"], email="admin@example.org")
    return fake


@pytest.fixture
async def client(state: FakeState) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=build_app(state))
    # An API client that keeps no cookies: the fake, like Nextcloud, serves a request that carries a logged-in
    # session's cookie as that session's user, so a shared cookie jar would mix alice's and bob's requests.
    # tests/fake/test_sessions.py drives cookies on purpose.
    async with httpx2.AsyncClient(transport=transport, base_url="http://nc.test", cookies=no_cookies()) as http:
        yield http
