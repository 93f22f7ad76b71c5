"""Notification tools against the fake notifications app: every tool, failure paths (unknown and foreign ids,
unrenderable notifications, the dismiss-all confirmation), alice/bob isolation, notifications other apps create,
the requests against notifications.json, and OAuth mode with the per-app scopes."""

from __future__ import annotations

import re
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.context import ClientRequestContext
from mcp.types import ElicitRequestParams, ElicitResult

from fake_nextcloud.app import FakeNextcloud
from fake_nextcloud.apps.files_sharing.models import SharingBackend
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.build import build_server
from support.mcp_helpers import McpFactory, error_text, structured
from support.oauth_apps import RecordingTransport, oauth_gate
from support.openapi import HttpxOpenAPIRequest, load_spec

pytestmark = pytest.mark.anyio
RICH = {"file": {"type": "file", "id": "7", "name": "a.txt", "path": "Docs/a.txt", "link": "https://nc.test/f/7"}}
ACTION = {"label": "Join call", "link": "https://nc.test/call/x", "type": "WEB", "primary": True}


async def _seed(control: httpx2.AsyncClient, user: str, *specs: dict[str, Any]) -> list[int]:
    response = await control.post("/__testbed__/seed/notifications", json={"user": user, "notifications": list(specs)})
    assert response.status_code == 201, response.text
    ids: list[int] = response.json()["notifications"]
    return ids


async def test_list_get_and_dismiss_one(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    backup, call = await _seed(
        control, "alice",
        {"subject": "Backup of {file} done", "subject_parameters": RICH, "message": "All good", "time": 1_800_000_000},
        {"subject": "Incoming call", "app": "spreed", "actions": [ACTION], "link": "https://nc.test/call/x"},
    )  # fmt: skip
    async with mcp_as("alice") as mcp:
        listed = structured(await mcp.call_tool("nc_notifications_list_notifications", {}))
        assert listed["total"] == 2 and listed["next_cursor"] is None
        assert [n["id"] for n in listed["items"]] == [call, backup]
        first = listed["items"][0]
        assert first["actions"] == [{"label": "Join call", "method": "WEB", "link": ACTION["link"], "primary": True}]
        got = structured(await mcp.call_tool("nc_notifications_get_notification", {"notification_id": backup}))
        assert got["subject"] == "Backup of Docs/a.txt done" and got["message"] == "All good"
        assert got["time"] == "2027-01-15T08:00:00+00:00" and got["app"] == "admin_notifications"
        assert got["refs"]["file"] == RICH["file"] and "actions" not in got
        done = structured(await mcp.call_tool("nc_notifications_delete_notification", {"notification_id": backup}))
        assert done == {"id": backup, "subject": "Backup of Docs/a.txt done", "result": "dismissed"}
        again = await mcp.call_tool("nc_notifications_delete_notification", {"notification_id": backup})
        assert again.is_error and "dismissed already" in error_text(again)
        assert "nc_notifications_list_notifications" in error_text(again)
        gone = await mcp.call_tool("nc_notifications_get_notification", {"notification_id": backup})
        assert gone.is_error and "no notification" in error_text(gone)
        bad = await mcp.call_tool("nc_notifications_get_notification", {"notification_id": 0})
        assert bad.is_error and "notification_id" in error_text(bad)
        assert [
            n["id"] for n in structured(await mcp.call_tool("nc_notifications_list_notifications", {}))["items"]
        ] == [call]


async def test_dismiss_all_without_elicitation_needs_confirm(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "alice", {"subject": "Disk almost full"}, {"subject": "Update available"})
    loss = "all 2 of your notifications ('Update available', 'Disk almost full')"
    async with mcp_as("alice") as mcp:
        refused = await mcp.call_tool("nc_notifications_delete_all_notifications", {})
        text = error_text(refused)
        assert (
            refused.is_error and f"Nothing was deleted. This would delete {loss}. They cannot be brought back" in text
        )
        assert "nc_notifications_delete_all_notifications again with the same arguments and confirm=true" in text
        assert structured(await mcp.call_tool("nc_notifications_list_notifications", {}))["total"] == 2
        done = structured(await mcp.call_tool("nc_notifications_delete_all_notifications", {"confirm": True}))
        assert done == {"deleted": loss, "confirmed_by": "argument"}
        assert structured(await mcp.call_tool("nc_notifications_list_notifications", {}))["items"] == []
        empty = await mcp.call_tool("nc_notifications_delete_all_notifications", {})
        assert empty.is_error and "none is listed now" in error_text(empty)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_dismiss_all_with_elicitation_the_user_decides(
    mcp_as: McpFactory, control: httpx2.AsyncClient, mode: str
) -> None:
    """The user is asked; a decline or a cancel dismisses nothing even with confirm=true, an accepted "Delete" does."""
    await _seed(control, "alice", {"subject": "Disk almost full"}, {"subject": "Update available"})
    loss = "all 2 of your notifications ('Update available', 'Disk almost full')"
    asked: list[str] = []
    answers = [
        ElicitResult(action="decline"),
        ElicitResult(action="cancel"),
        ElicitResult(action="accept", content={"confirm": True}),
    ]

    async def user(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return answers.pop(0)

    async with mcp_as("alice") as plain, mcp_as("alice", elicitation=user, mode=mode) as mcp:
        for outcome in ("the user declined deleting", "the user dismissed the question whether to delete"):
            refused = await mcp.call_tool("nc_notifications_delete_all_notifications", {"confirm": True})
            assert refused.is_error and f"Nothing was deleted: {outcome} {loss}" in error_text(refused)
            assert structured(await plain.call_tool("nc_notifications_list_notifications", {}))["total"] == 2
        done = structured(await mcp.call_tool("nc_notifications_delete_all_notifications", {}))
        assert done == {"deleted": loss, "confirmed_by": "user"}
        assert structured(await plain.call_tool("nc_notifications_list_notifications", {}))["items"] == []
    assert [m.split("?")[0] for m in asked] == [f"Delete {loss}"] * 3


async def test_alice_and_bob_are_isolated(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    (alices,) = await _seed(control, "alice", {"subject": "for alice"})
    (bobs,) = await _seed(control, "bob", {"subject": "for bob"})
    async with mcp_as("bob") as bob:
        assert [
            n["id"] for n in structured(await bob.call_tool("nc_notifications_list_notifications", {}))["items"]
        ] == [bobs]
        for name in ("nc_notifications_get_notification", "nc_notifications_delete_notification"):
            denied = await bob.call_tool(name, {"notification_id": alices})
            assert denied.is_error and "belongs to another user" in error_text(denied), name
        await bob.call_tool("nc_notifications_delete_all_notifications", {"confirm": True})
    async with mcp_as("alice") as alice:
        mine = structured(await alice.call_tool("nc_notifications_list_notifications", {}))["items"]
        assert [(n["id"], n["subject"]) for n in mine] == [(alices, "for alice")]


async def test_paging_beyond_what_nextcloud_lists(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    ids = await _seed(control, "alice", *({"subject": f"n{i}"} for i in range(30)))
    async with mcp_as("alice") as mcp:
        first = structured(await mcp.call_tool("nc_notifications_list_notifications", {"limit": 20}))
        assert first["total"] is None and first["next_cursor"] == "20"  # Handler::get lists the 25 newest only
        rest = structured(
            await mcp.call_tool("nc_notifications_list_notifications", {"limit": 20, "cursor": first["next_cursor"]})
        )
        assert [n["id"] for n in first["items"] + rest["items"]] == ids[::-1][:25]
        refused = await mcp.call_tool("nc_notifications_delete_all_notifications", {})
        assert "all at least 25 of your notifications" in error_text(refused)


async def test_a_notification_of_a_disabled_app(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    (row,) = await _seed(control, "alice", {"subject": "Card due", "app": "deck", "actions": [ACTION]})
    await control.post("/__testbed__/apps", json={"disable": ["deck"]})
    async with mcp_as("alice") as mcp:
        hidden = await mcp.call_tool("nc_notifications_get_notification", {"notification_id": row})
        assert hidden.is_error and "cannot show it now" in error_text(hidden)
        done = structured(await mcp.call_tool("nc_notifications_delete_notification", {"notification_id": row}))
        assert done["result"] == "dismissed" and done["subject"] == ""


async def test_a_pending_share_brings_its_actions(
    mcp_as: McpFactory, control: httpx2.AsyncClient, fake: FakeNextcloud
) -> None:
    """files_sharing notifies the recipient of a share awaiting acceptance (Notification/Listener.php); the
    notification offers Accept/Decline, and disappears once the share is accepted."""
    SharingBackend.of(fake.fake_state).accept_required = True
    seeded = await control.post("/__testbed__/seed/files", json={"user": "alice", "files": [{"path": "Plan.md"}]})
    assert seeded.status_code == 201, seeded.text
    async with mcp_as("alice") as alice:
        share = structured(await alice.call_tool("nc_shares_create_share", {"path": "/Plan.md", "to": "bob"}))
    async with mcp_as("bob") as bob:
        (note,) = structured(await bob.call_tool("nc_notifications_list_notifications", {}))["items"]
        assert note["app"] == "files_sharing" and note["subject"] == "You received /Plan.md as a share by @alice"
        assert [(a["label"], a["method"]) for a in note["actions"]] == [("Accept", "POST"), ("Decline", "DELETE")]
        await bob.call_tool("nc_shares_accept_share", {"share_id": share["id"]})
        assert structured(await bob.call_tool("nc_notifications_list_notifications", {}))["items"] == []


async def test_not_offered_while_the_app_is_disabled(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await control.post("/__testbed__/apps", json={"disable": ["notifications"]})
    async with mcp_as("alice") as mcp:
        names = {t.name for t in (await mcp.list_tools()).tools}
        assert not any(n.startswith("nc_notifications_") for n in names) and "nc_notes_list_notes" in names


async def test_requests_match_the_notifications_spec(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    (row,) = await _seed(control, "alice", {"subject": "a"})
    recorder = RecordingTransport(httpx2.ASGITransport(app=fake))
    environ = {"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": "alice-secret"}
    server = build_server(load_settings(environ={**environ, "MCP_CAPABILITIES_TTL": "0"}), transport=recorder)
    async with Client(server) as client:
        for name, args in (
            ("nc_notifications_list_notifications", {}),
            ("nc_notifications_get_notification", {"notification_id": row}),
            ("nc_notifications_delete_notification", {"notification_id": row}),
            ("nc_notifications_delete_notification", {"notification_id": row + 100}),
            ("nc_notifications_delete_all_notifications", {"confirm": True}),
        ):
            await client.call_tool(name, args)
    spec, _ = load_spec("notifications.json")
    checked = set()
    for request in recorder.requests:
        if "/apps/notifications/" in request.url.path:
            spec.validate_request(HttpxOpenAPIRequest(request, "http://nc.test"))
            checked.add(request.method + " " + re.sub(r"/\d+$", "/{id}", request.url.path))
    assert checked == {
        "GET /ocs/v2.php/apps/notifications/api/v2/notifications",
        "GET /ocs/v2.php/apps/notifications/api/v2/notifications/{id}",
        "POST /ocs/v2.php/apps/notifications/api/v2/notifications/exists",
        "DELETE /ocs/v2.php/apps/notifications/api/v2/notifications/{id}",
        "DELETE /ocs/v2.php/apps/notifications/api/v2/notifications",
    }


SCOPES = "notifications:read notifications:write"


@pytest.mark.parametrize("patched", [True, False], ids=["patched", "unpatched"])
async def test_every_tool_in_oauth_mode(fake: FakeNextcloud, control: httpx2.AsyncClient, patched: bool) -> None:
    """OCS routes accept Bearer tokens with or without the Bearer patch; each user sees only their own."""
    (alices,) = await _seed(control, "alice", {"subject": "for alice"})
    (bobs,) = await _seed(control, "bob", {"subject": "for bob"})
    async with oauth_gate(fake, patched=patched) as gate:
        listed = await gate.call("nc_notifications_list_notifications", {}, scope=SCOPES)
        assert not listed.error and [n["id"] for n in listed.data["items"]] == [alices], listed.text
        by_bob = await gate.call("nc_notifications_list_notifications", {}, user="bob", scope=SCOPES)
        assert [n["id"] for n in by_bob.data["items"]] == [bobs]
        foreign = await gate.call("nc_notifications_get_notification", {"notification_id": bobs}, scope=SCOPES)
        assert foreign.error and "belongs to another user" in foreign.text
        for name, args in (
            ("nc_notifications_get_notification", {"notification_id": alices}),
            ("nc_notifications_delete_notification", {"notification_id": alices}),
            ("nc_notifications_delete_all_notifications", {"confirm": True}),
        ):
            result = await gate.call(name, args, scope=SCOPES)
            assert not result.error, (name, result.text)
        still = await gate.call("nc_notifications_list_notifications", {}, user="bob", scope=SCOPES)
        assert [n["id"] for n in still.data["items"]] == [bobs]


async def test_oauth_scopes_gate_the_tools(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    """`notifications:read` lists and reads; dismissing needs `notifications:write`; other apps' scopes give none."""
    (row,) = await _seed(control, "alice", {"subject": "x"})
    async with oauth_gate(fake, patched=True) as gate:
        readable = await gate.tool_names(scope="notifications:read")
        assert {"nc_notifications_list_notifications", "nc_notifications_get_notification"} <= readable
        assert not readable & {"nc_notifications_delete_notification", "nc_notifications_delete_all_notifications"}
        assert not any(n.startswith("nc_notifications_") for n in await gate.tool_names(scope="notes:read notes:write"))
        denied = await gate.call(
            "nc_notifications_delete_notification", {"notification_id": row}, scope="notifications:read"
        )
        assert denied.error and "insufficient_scope" in denied.text
        assert not (
            await gate.call("nc_notifications_get_notification", {"notification_id": row}, scope="notifications:read")
        ).error
        allowed = await gate.call("nc_notifications_delete_notification", {"notification_id": row}, scope=SCOPES)
        assert not allowed.error, allowed.text
