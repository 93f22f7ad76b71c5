"""The sandbox: the sample data seeds on any day, the port serves Nextcloud but not the control API, and close()
deletes every byte."""

from __future__ import annotations

import socket
import tempfile
from datetime import date
from pathlib import Path

import httpx2
import pytest

from fake_nextcloud import FakeState, User, build_app
from nextcloud_mcp.demo.folder import make_folder
from nextcloud_mcp.demo.guard import sandbox_class
from nextcloud_mcp.demo.samples import PEOPLE
from nextcloud_mcp.demo.seed import seed

PASSWORDS = {person.login: f"{person.login}-pw" for person in PEOPLE}


@pytest.mark.anyio
@pytest.mark.parametrize("today", [date(2028, 2, 19), date(2026, 12, 28), date(2027, 2, 28), date(2026, 6, 1)])
async def test_the_sample_data_seeds_on_any_day(today: date) -> None:
    """Bob's birthday lands on 29 February, the week spans a new year, the trip crosses a month end."""
    users = [User(uid=p.login, login=p.login, password=PASSWORDS[p.login], display_name=p.display_name) for p in PEOPLE]
    app = build_app(FakeState(users))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sandbox.test") as client:
        await seed(client, PASSWORDS, today)
        events = await client.request(
            "PROPFIND",
            "/remote.php/dav/calendars/alice/personal/",
            headers={"Depth": "1"},
            auth=("alice", PASSWORDS["alice"]),
        )
    assert events.status_code == 207 and events.text.count("demo-") == 4


def test_a_sandbox_serves_nextcloud_on_loopback_and_close_deletes_it(tmp_path: Path) -> None:
    previous = tempfile.tempdir
    sandbox = sandbox_class()(make_folder(tmp_path))
    seeded: list[str] = []

    async def seeder(client: httpx2.AsyncClient) -> None:
        seeded.append((await client.get("/__testbed__/users")).json()["users"][0]["uid"])

    try:
        sandbox.start(PEOPLE, PASSWORDS, {"alice": "alice-app-pw"}, seeder)
        assert seeded == ["alice"] and sandbox.url.startswith("http://127.0.0.1:")
        assert tempfile.gettempdir() == str(sandbox.folder)
        with httpx2.Client(base_url=sandbox.url, trust_env=False) as client:
            me = client.get(
                "/ocs/v2.php/cloud/user?format=json", auth=("alice", "alice-app-pw"), headers={"OCS-APIRequest": "true"}
            )
            assert me.json()["ocs"]["data"]["displayname"] == "Alice Martin"
            assert client.post("/__testbed__/reset").status_code == 404  # the control API stays in-process
            client.cookies.clear()
            wrong = client.get("/ocs/v2.php/cloud/user", auth=("alice", "wrong"), headers={"OCS-APIRequest": "true"})
            assert wrong.status_code == 401
    finally:
        sandbox.close()
    assert not sandbox.folder.exists() and tempfile.tempdir == previous
    host, port = sandbox.url.removeprefix("http://").split(":")
    with pytest.raises(ConnectionRefusedError), socket.create_connection((host, int(port)), timeout=2):
        pass
    sandbox.close()  # again: nothing left to do, no error
