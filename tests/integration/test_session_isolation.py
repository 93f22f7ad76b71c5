"""No user's Nextcloud session ever carries another user's tool call (issue 13).

The fake Nextcloud keeps PHP sessions on API requests as the real one does (``fake_nextcloud.core.identity``):
a request carrying a logged-in session's cookie runs as that session's user whatever its ``Authorization``
header says. In OAuth mode, alice's and bob's calls go through the same server (and through two replicas),
interleaved and concurrently, over every app. Each call is checked twice: the result holds only the caller's
data, and the fake's request log says every request was logged in by its own credentials, never by a session.

`test_a_cookie_keeping_client_would_serve_bob_as_alice` swaps the server's cookie-less jar for an ordinary one
and shows that the same checks then fail: the guard is what keeps the users apart.
"""

from __future__ import annotations

import http.cookiejar
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import pytest

import nextcloud_mcp.core.http as nextcloud_http
from fake_nextcloud.app import FakeNextcloud
from support.oauth_apps import OAuthGate, oauth_gate

pytestmark = pytest.mark.anyio

TOOLSETS = (
    "notes",
    "files",
    "shares",
    "search",
    "users",
    "calendar",
    "tasks",
    "contacts",
    "deck",
    "tables",
    "cookbook",
)
SCOPE = " ".join(f"{toolset}:write" for toolset in TOOLSETS)
USERS = ("alice", "bob")
APIS = (
    "/index.php/apps/notes/",
    "/index.php/apps/cookbook/",
    "/apps/deck/",
    "/apps/tables/",
    "/apps/files_sharing/",
    "/search/providers/",
    "/cloud/user",
    "/remote.php/dav/files/",
    "/remote.php/dav/calendars/",
    "/remote.php/dav/addressbooks/",
)


def _names(key: str, field: str) -> Callable[[dict[str, Any]], list[str]]:
    return lambda data: [str(item[field]) for item in data[key]]


@dataclass(frozen=True)
class Probe:
    """One app: a tool call that creates something named after the user, and a read whose result must hold
    only names of the caller."""

    app: str
    create: tuple[tuple[str, Callable[[str], dict[str, Any]]], ...]
    read: tuple[str, dict[str, Any]]
    owned: Callable[[dict[str, Any]], list[str]]


PROBES = (
    Probe(
        "notes",
        (("nc_notes_create_note", lambda u: {"title": f"{u} note"}),),
        ("nc_notes_list_notes", {}),
        _names("items", "title"),
    ),
    Probe(
        "files",
        (("nc_files_write_file", lambda u: {"path": f"{u}-file.txt", "text": u}),),
        ("nc_files_list_files", {}),
        lambda data: [e["path"].lstrip("/") for e in data["items"] if e["path"] != "/Notes"],  # notes folder
    ),
    Probe(
        "shares",
        (("nc_shares_create_share", lambda u: {"path": f"{u}-file.txt", "type": "link"}),),
        ("nc_shares_list_shares", {}),
        lambda data: [s["owner"] for s in data["items"]] + [s["path"].lstrip("/") for s in data["items"]],
    ),
    Probe(
        "search",
        (),
        ("nc_search_query_items", {"term": "note"}),
        lambda data: [str(i["title"]) for i in data["items"] if i["title"] != "Notes"],  # everyone's notes folder
    ),
    Probe("users", (), ("nc_users_get_me", {}), lambda data: [data["id"]]),
    Probe(
        "calendar",
        (("nc_calendar_create_event", lambda u: {"title": f"{u} meeting", "start": "2027-01-05T10:00:00Z"}),),
        ("nc_calendar_list_events", {"start": "2027-01-01T00:00:00Z", "end": "2027-02-01T00:00:00Z"}),
        _names("items", "title"),
    ),
    Probe(
        "tasks",
        (
            (
                "nc_calendar_create_calendar",
                lambda u: {"name": "todo", "display_name": f"{u} tasks", "components": ["VTODO"]},
            ),
            ("nc_tasks_create_task", lambda u: {"title": f"{u} task"}),
        ),
        ("nc_tasks_list_tasks", {}),
        _names("items", "title"),
    ),
    Probe(
        "contacts",
        (("nc_contacts_create_contact", lambda u: {"name": f"{u} friend"}),),
        ("nc_contacts_list_contacts", {}),
        _names("items", "name"),
    ),
    Probe(
        "deck",
        (("nc_deck_create_board", lambda u: {"title": f"{u} board"}),),
        ("nc_deck_list_boards", {}),
        _names("items", "title"),
    ),
    Probe(
        "tables",
        (("nc_tables_create_table", lambda u: {"title": f"{u} table"}),),
        ("nc_tables_list_tables", {}),
        _names("items", "title"),
    ),
    Probe(
        "cookbook",
        (("nc_cookbook_create_recipe", lambda u: {"name": f"{u} soup"}),),
        ("nc_cookbook_list_recipes", {}),
        _names("items", "name"),
    ),
)


@asynccontextmanager
async def _replicas(fake: FakeNextcloud, count: int) -> AsyncIterator[list[OAuthGate]]:
    """`count` OAuth-mode servers (each with its own connection pool) in front of one fake Nextcloud."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(oauth_gate(fake, patched=False)) for _ in range(count)]


async def _create(gates: list[OAuthGate]) -> list[str]:
    problems: list[str] = []
    for probe in PROBES:
        for name, arguments in probe.create:
            for index, user in enumerate(USERS):
                result = await gates[index % len(gates)].call(name, arguments(user), user=user, scope=SCOPE)
                if result.error:
                    problems.append(f"{user} {name}: {result.text[:200]}")
    return problems


async def _read(gate: OAuthGate, user: str, probe: Probe) -> list[str]:
    name, arguments = probe.read
    result = await gate.call(name, arguments, user=user, scope=SCOPE)
    if result.error:
        return [f"{user} {name}: error {result.text[:200]}"]
    try:
        owned = probe.owned(result.data)
    except (KeyError, TypeError):
        return [f"{user} {name}: unexpected result {str(result.data)[:200]}"]
    if not owned and probe.create:
        return [f"{user} {name}: found nothing of theirs"]
    foreign = [value for value in owned if not value.startswith(user)]
    return [f"{user} {name}: someone else's data {foreign[:3]}"] if foreign else []


def _session_logins(fake: FakeNextcloud) -> list[str]:
    """Requests the fake served by a session cookie instead of the request's own credentials."""
    return [f"{r.method} {r.path} as {r.user}" for r in fake.fake_state.request_log.records() if r.login == "session"]


async def _exercise(gates: list[OAuthGate]) -> list[str]:
    """Creates, then interleaved reads (alice, bob, alice, bob per app, alternating replicas), then all reads at
    once; the problems found."""
    problems = await _create(gates)
    turn = 0
    for probe in PROBES:
        for user in (*USERS, *USERS):
            problems += await _read(gates[turn % len(gates)], user, probe)
            turn += 1

    async def one(index: int, user: str, probe: Probe) -> None:
        problems.extend(await _read(gates[index % len(gates)], user, probe))

    async with anyio.create_task_group() as tg:
        for index, (user, probe) in enumerate((u, p) for _ in range(2) for p in PROBES for u in USERS):
            tg.start_soon(one, index, user, probe)
    return problems


@pytest.mark.parametrize("replicas", [1, 2], ids=["one-server", "two-replicas"])
async def test_alice_and_bob_never_share_a_nextcloud_session(fake: FakeNextcloud, replicas: int) -> None:
    async with _replicas(fake, replicas) as gates:
        problems = await _exercise(gates)
    assert not problems, "\n".join(problems[:20])
    records = fake.fake_state.request_log.records()
    assert not _session_logins(fake), _session_logins(fake)[:10]
    served = {r.user for r in records if r.path.startswith(("/ocs/", "/index.php/apps/", "/remote.php/"))}
    assert served == {"alice", "bob"}
    for where in APIS:  # every app's API was reached (REST, OCS and DAV alike)
        assert any(where in r.path for r in records), where


async def test_a_cookie_keeping_client_would_serve_bob_as_alice(
    fake: FakeNextcloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control experiment: with an ordinary cookie jar the same run mixes the users."""
    monkeypatch.setattr(nextcloud_http, "cookieless_jar", http.cookiejar.CookieJar)
    async with _replicas(fake, 1) as gates:
        problems = await _exercise(gates)
    assert _session_logins(fake), "a cookie-keeping client should have been served by a session"
    assert any("someone else's data" in p for p in problems), problems[:5]
