"""Calendar tools against the fake Nextcloud (Radicale-backed CalDAV), through the official MCP client."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio

RAW = httpx2.BasicAuth("alice", "alice-secret")


async def _raw_get(control: httpx2.AsyncClient, calendar: str, event_id: str, user: str = "alice") -> str:
    response = await control.get(
        f"/remote.php/dav/calendars/{user}/{calendar}/{event_id}", auth=httpx2.BasicAuth(user, f"{user}-secret")
    )
    assert response.status_code == 200, response.text
    return response.text


async def _create(client: Any, **args: Any) -> dict[str, Any]:
    result: dict[str, Any] = structured(await client.call_tool("nc_calendar_create_event", args))
    return result


async def test_calendars_are_listed_with_flags(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        out = structured(await client.call_tool("nc_calendar_list_calendars", {}))
    assert set(out) == {"items", "next_cursor", "total"} and out["next_cursor"] is None
    names = {c["name"]: c for c in out["items"]}
    assert "personal" in names and names["personal"]["read_only"] is False
    assert "VEVENT" in names["personal"]["components"] and names["personal"]["etag"]
    assert names["personal"]["display_name"] == "Personal" and names["personal"]["timezone"] is None


async def test_calendar_create_update_delete(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        made = structured(
            await client.call_tool(
                "nc_calendar_create_calendar",
                {"name": "work", "display_name": "Work", "color": "#ff0000", "components": ["VEVENT"]},
            )
        )
        assert made["display_name"] == "Work" and made["components"] == ["VEVENT"] and made["etag"]
        again = await client.call_tool("nc_calendar_create_calendar", {"name": "work", "display_name": "W"})
        assert again.is_error and "already exists" in error_text(again)
        assert "changed" not in error_text(again)
        upd = structured(
            await client.call_tool(
                "nc_calendar_update_calendar", {"calendar": "Work", "display_name": "Job", "etag": made["etag"]}
            )
        )
        assert upd["display_name"] == "Job" and upd["color"].lower() == "#ff0000" and upd["etag"] != made["etag"]
        assert set(upd) == set(made)
        gone = structured(await client.call_tool("nc_calendar_delete_calendar", {"calendar": "job", "confirm": True}))
        assert gone == {"deleted": "the calendar 'Job' (work) with no events", "confirmed_by": "argument"}
        listed = structured(await client.call_tool("nc_calendar_list_calendars", {}))
    assert "work" not in {c["name"] for c in listed["items"]}


async def test_zoned_event_round_trip_keeps_zone_and_vtimezone(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        event = await _create(
            client,
            title="Planning",
            start="2026-03-29T09:00:00",
            end="2026-03-29T10:30:00",
            tz="Europe/Berlin",
            location="Room 1",
            reminders=[15],
            calendar="personal",
        )
        assert event["start"] == "2026-03-29T09:00:00+02:00" and event["tz"] == "Europe/Berlin"
        assert event["tz_source"] == "explicit"
        raw = await _raw_get(control, "personal", event["event_id"])
        assert "DTSTART;TZID=Europe/Berlin:20260329T090000" in raw and "BEGIN:VTIMEZONE" in raw
        got = structured(
            await client.call_tool("nc_calendar_get_event", {"calendar": "personal", "event_id": event["event_id"]})
        )
    assert got["end"] == "2026-03-29T10:30:00+02:00" and got["reminders"] == [15]
    assert got["location"] == "Room 1" and got["etag"]


@pytest.mark.parametrize(
    ("start", "end", "tz", "stored", "read_start", "read_tz"),
    [
        ("2026-07-01T12:00:00Z", None, None, "DTSTART:20260701T120000Z", "2026-07-01T12:00:00Z", "UTC"),
        ("2026-07-01", "2026-07-03", None, "DTSTART;VALUE=DATE:20260701", "2026-07-01", "date"),
        ("2026-07-01T09:00:00", None, "floating", "DTSTART:20260701T090000\r", "2026-07-01T09:00:00", "floating"),
        ("2026-07-01T09:00:00+09:00", None, None, "DTSTART:20260701T000000Z", "2026-07-01T00:00:00Z", "UTC"),
        (
            "2026-10-25T02:30:00",
            None,
            "Europe/Berlin",
            "DTSTART;TZID=Europe/Berlin:20261025T023000",
            "2026-10-25T02:30:00+02:00",
            "Europe/Berlin",
        ),
        (
            "2026-07-01T23:00:00",
            "2026-07-02T01:00:00",
            "Asia/Tokyo",
            "DTEND;TZID=Asia/Tokyo:20260702T010000",
            "2026-07-01T23:00:00+09:00",
            "Asia/Tokyo",
        ),
    ],
    ids=["utc", "all-day", "floating", "foreign-offset", "dst-ambiguous", "midnight-tokyo"],
)
async def test_time_zone_matrix(
    mcp_as: McpFactory,
    control: httpx2.AsyncClient,
    start: str,
    end: str | None,
    tz: str | None,
    stored: str,
    read_start: str,
    read_tz: str,
) -> None:
    args: dict[str, Any] = {"title": "T", "start": start}
    if end:
        args["end"] = end
    if tz:
        args["tz"] = tz
    async with mcp_as("alice") as client:
        event = await _create(client, **args)
        raw = await _raw_get(control, event["calendar"], event["event_id"])
        listed = structured(
            await client.call_tool(
                "nc_calendar_list_events", {"start": "2026-06-01T00:00:00Z", "end": "2026-11-30T00:00:00Z"}
            )
        )["items"]
    assert stored in raw
    (hit,) = [e for e in listed if e["event_id"] == event["event_id"]]
    assert hit["start"] == read_start and hit["tz"] == read_tz
    if read_tz == "date":
        assert hit["end"] == "2026-07-03" and hit["all_day"] is True


async def test_naive_time_uses_the_default_zone_setting(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice", mcp_default_timezone="America/New_York") as client:
        event = await _create(client, title="Call", start="2026-01-15T09:00:00")
    assert event["start"] == "2026-01-15T09:00:00-05:00" and event["tz"] == "America/New_York"
    assert event["tz_source"] == "setting"
    assert "TZID=America/New_York" in await _raw_get(control, "personal", event["event_id"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"start": "2026-03-29T02:30:00", "tz": "Europe/Berlin"}, "does not exist"),
        ({"start": "2026-03-29T10:00:00", "end": "2026-03-29T09:00:00"}, "before the start"),
        ({"start": "2026-03-29T10:00:00", "tz": "Mars/Olympus"}, "Unknown time zone"),
        ({"start": "tomorrow"}, "not ISO 8601"),
        ({"start": "2026-03-29", "end": "2026-03-29T10:00:00"}, "both be dates"),
        ({"start": "2026-03-29", "rrule": "FREQ=SOMETIMES"}, "not a valid RRULE"),
        ({"start": "2026-03-29", "attendees": ["bob"]}, "not an e-mail"),
    ],
)
async def test_bad_input_is_refused_clearly(mcp_as: McpFactory, args: dict[str, Any], message: str) -> None:
    async with mcp_as("alice") as client:
        result = await client.call_tool("nc_calendar_create_event", {"title": "x", **args})
        listed = structured(
            await client.call_tool("nc_calendar_list_events", {"start": "2026-01-01", "end": "2027-01-01"})
        )
    assert result.is_error and message in error_text(result), error_text(result)
    assert listed["items"] == []


async def _series(client: Any) -> dict[str, Any]:
    return await _create(
        client,
        title="Standup",
        start="2026-03-27T09:00:00",
        end="2026-03-27T09:15:00",
        tz="Europe/Berlin",
        rrule="FREQ=DAILY;COUNT=5",
    )


async def _instances(client: Any) -> list[dict[str, Any]]:
    out = structured(await client.call_tool("nc_calendar_list_events", {"start": "2026-03-20", "end": "2026-04-10"}))
    events: list[dict[str, Any]] = out["items"]
    return events


async def test_recurrence_is_expanded_across_dst(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        await _series(client)
        events = await _instances(client)
    assert [e["start"] for e in events] == [
        "2026-03-27T09:00:00+01:00",
        "2026-03-28T09:00:00+01:00",
        "2026-03-29T09:00:00+02:00",
        "2026-03-30T09:00:00+02:00",
        "2026-03-31T09:00:00+02:00",
    ]
    assert all(e["recurring"] and e["recurrence_id"] for e in events)


async def test_edit_this_instance_only(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        series = await _series(client)
        third = (await _instances(client))[2]
        changed = structured(
            await client.call_tool(
                "nc_calendar_update_event",
                {
                    "calendar": "personal",
                    "event_id": series["event_id"],
                    "etag": series["etag"],
                    "scope": "this",
                    "recurrence_id": third["recurrence_id"],
                    "title": "Moved standup",
                    "start": "2026-03-29T11:00:00",
                },
            )
        )
        events = await _instances(client)
    # the object returned is the changed instance, in the shape nc_calendar_get_event returns
    assert changed["recurrence_id"] == "2026-03-29T09:00:00+02:00" and changed["event_id"] == series["event_id"]
    assert changed["start"] == "2026-03-29T11:00:00+02:00" and changed["title"] == "Moved standup"
    assert set(changed) == set(series) and changed["etag"] != series["etag"]
    assert [e["title"] for e in events] == ["Standup", "Standup", "Moved standup", "Standup", "Standup"]
    assert events[2]["start"] == "2026-03-29T11:00:00+02:00" and events[2]["end"] == "2026-03-29T11:15:00+02:00"
    raw = await _raw_get(control, "personal", series["event_id"])
    assert "RECURRENCE-ID;TZID=Europe/Berlin:20260329T090000" in raw


async def test_edit_this_and_following_splits_the_series(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        series = await _series(client)
        fourth = (await _instances(client))[3]
        changed = structured(
            await client.call_tool(
                "nc_calendar_update_event",
                {
                    "calendar": "personal",
                    "event_id": series["event_id"],
                    "force": True,
                    "scope": "following",
                    "recurrence_id": fourth["recurrence_id"],
                    "location": "Room B",
                },
            )
        )
        events = await _instances(client)
        original = structured(
            await client.call_tool("nc_calendar_get_event", {"calendar": "personal", "event_id": series["event_id"]})
        )
    # the object returned is the new series; the original now ends before the instance
    assert changed["event_id"] != series["event_id"] and changed["uid"] != series["uid"]
    assert changed["start"] == "2026-03-30T09:00:00+02:00" and changed["location"] == "Room B"
    assert [(e["start"][:10], e["location"]) for e in events] == [
        ("2026-03-27", None),
        ("2026-03-28", None),
        ("2026-03-29", None),
        ("2026-03-30", "Room B"),
        ("2026-03-31", "Room B"),
    ]
    assert "COUNT=2" in changed["rrule"] and "UNTIL=20260330T065959Z" in original["rrule"]


async def test_edit_all_moves_the_series_and_its_overrides(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        series = await _series(client)
        second = (await _instances(client))[1]
        args = {"calendar": "personal", "event_id": series["event_id"]}
        this = structured(
            await client.call_tool(
                "nc_calendar_update_event",
                {
                    **args,
                    "etag": series["etag"],
                    "scope": "this",
                    "recurrence_id": second["recurrence_id"],
                    "description": "notes",
                },
            )
        )
        structured(
            await client.call_tool(
                "nc_calendar_update_event",
                {**args, "etag": this["etag"], "scope": "all", "title": "Daily", "start": "2026-03-27T10:00:00"},
            )
        )
        events = await _instances(client)
    assert [e["start"][11:16] for e in events] == ["10:00"] * 5
    assert {e["title"] for e in events} == {"Daily"}
    assert events[1]["description"] == "notes"


async def test_delete_scopes(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        series = await _series(client)
        args = {"calendar": "personal", "event_id": series["event_id"]}
        events = await _instances(client)
        this = await client.call_tool(
            "nc_calendar_delete_event", {**args, "scope": "this", "recurrence_id": events[1]["recurrence_id"]}
        )
        assert structured(this)["result"] == "instance removed"
        assert len(await _instances(client)) == 4
        following = await client.call_tool(
            "nc_calendar_delete_event", {**args, "scope": "following", "recurrence_id": events[3]["recurrence_id"]}
        )
        assert structured(following)["result"] == "series ended before this instance"
        assert [e["start"][:10] for e in await _instances(client)] == ["2026-03-27", "2026-03-29"]
        structured(await client.call_tool("nc_calendar_delete_event", {**args, "scope": "all"}))
        assert await _instances(client) == []


async def test_concurrent_update_is_a_conflict_without_lost_update(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    async with mcp_as("alice") as client:
        event = await _create(client, title="Budget", start="2026-05-04T14:00:00Z")
        stale = event["etag"]
        ok = structured(
            await client.call_tool(
                "nc_calendar_update_event",
                {"calendar": "personal", "event_id": event["event_id"], "etag": stale, "title": "Budget v2"},
            )
        )
        assert ok["etag"] != stale
        clash = await client.call_tool(
            "nc_calendar_update_event",
            {"calendar": "personal", "event_id": event["event_id"], "etag": stale, "title": "Budget v3"},
        )
    assert clash.is_error
    text = error_text(clash)
    assert "not the current one" in text and "Budget v2" in text and "Nothing was overwritten" in text
    assert "nc_calendar_get_event" in text
    assert "SUMMARY:Budget v2" in await _raw_get(control, "personal", event["event_id"])
    async with mcp_as("alice") as client:
        refused = await client.call_tool(
            "nc_calendar_delete_event", {"calendar": "personal", "event_id": event["event_id"], "etag": stale}
        )
    assert refused.is_error and "nothing was deleted" in error_text(refused)
    assert "SUMMARY:Budget v2" in await _raw_get(control, "personal", event["event_id"])


async def test_search_and_upcoming(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        for day, title in (("10", "Dentist"), ("11", "Team lunch"), ("12", "Dentist follow-up")):
            await _create(client, title=title, start=f"2026-06-{day}T08:00:00Z")
        found = structured(
            await client.call_tool(
                "nc_calendar_list_events", {"query": "dentist", "start": "2026-06-01", "end": "2026-07-01"}
            )
        )
        upcoming = structured(
            await client.call_tool("nc_calendar_list_events", {"start": "2026-06-01T00:00:00Z", "limit": 2})
        )
        rest = structured(
            await client.call_tool(
                "nc_calendar_list_events",
                {"start": "2027-01-01", "limit": 2, "cursor": upcoming["next_cursor"]},  # the cursor keeps its range
            )
        )
    assert [e["title"] for e in found["items"]] == ["Dentist", "Dentist follow-up"] and found["total"] == 2
    assert [e["title"] for e in upcoming["items"]] == ["Dentist", "Team lunch"] and upcoming["next_cursor"]
    assert upcoming["total"] == 3 and "tz_source" not in upcoming["items"][0]
    assert [e["title"] for e in rest["items"]] == ["Dentist follow-up"] and rest["next_cursor"] is None


async def test_alice_and_bob_are_isolated(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as alice:
        event = await _create(alice, title="Secret", start="2026-06-10T08:00:00Z")
    async with mcp_as("bob") as bob:
        listed = structured(
            await bob.call_tool("nc_calendar_list_events", {"start": "2026-06-01", "end": "2026-07-01"})
        )
        peek = await bob.call_tool("nc_calendar_get_event", {"calendar": "personal", "event_id": event["event_id"]})
    assert listed["items"] == [] and peek.is_error


async def test_ldap_style_user_uses_discovered_homes(fake: FakeNextcloud, mcp_as: McpFactory) -> None:
    fake.fake_state.add_user("carol.login", "carol-secret", uid="7f3a-carol")
    async with mcp_as("carol.login", nextcloud_password="carol-secret") as client:
        event = await _create(client, title="Mine", start="2026-06-10T08:00:00Z")
        listed = structured(
            await client.call_tool("nc_calendar_list_events", {"start": "2026-06-01", "end": "2026-07-01"})
        )
    assert [e["event_id"] for e in listed["items"]] == [event["event_id"]]


async def test_read_only_calendar_is_flagged_and_refused(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await control.post(
        "/__testbed__/seed/calendars",
        json={"user": "alice", "calendars": [{"uri": "holidays", "name": "Holidays", "read_only": True}]},
    )
    assert seeded.status_code == 201, seeded.text
    async with mcp_as("alice") as client:
        listed = structured(await client.call_tool("nc_calendar_list_calendars", {}))
        refused = await client.call_tool(
            "nc_calendar_create_event", {"title": "x", "start": "2026-06-10", "calendar": "holidays"}
        )
    assert {c["name"]: c["read_only"] for c in listed["items"]}["holidays"] is True
    assert (
        refused.is_error and "read-only" in error_text(refused) and "nc_calendar_list_calendars" in error_text(refused)
    )


async def test_free_busy_and_suggested_slot(fake: FakeNextcloud, mcp_as: McpFactory) -> None:
    fake.fake_state.add_user("dave", "dave-secret", email="dave@example.com")
    fake.fake_state.add_user("erin", "erin-secret", email="erin@example.com")
    async with mcp_as("erin", nextcloud_password="erin-secret") as erin:
        await _create(erin, title="Busy", start="2026-06-15T09:00:00Z", end="2026-06-15T11:00:00Z")
    async with mcp_as("dave", nextcloud_password="dave-secret") as dave:
        await _create(dave, title="Mine", start="2026-06-15T11:00:00Z", end="2026-06-15T12:00:00Z")
        out = structured(
            await dave.call_tool(
                "nc_calendar_get_free_busy",
                {
                    "attendees": ["dave", "erin@example.com", "bob", "nobody@example.com"],
                    "start": "2026-06-15T00:00:00Z",
                    "end": "2026-06-16T00:00:00Z",
                    "duration": 60,
                },
            )
        )
    rows = {r["attendee"]: r for r in out["attendees"]}
    assert rows["dave"]["status"] == "ok", rows["dave"]
    assert rows["dave"]["busy"] == [["2026-06-15T11:00:00Z", "2026-06-15T12:00:00Z"]]
    assert rows["erin@example.com"]["status"] == "ok", rows["erin@example.com"]
    assert rows["erin@example.com"]["busy"] == [["2026-06-15T09:00:00Z", "2026-06-15T11:00:00Z"]]
    assert rows["bob"]["status"] == "unknown user or no e-mail address"  # bob has no e-mail in this fake
    assert rows["nobody@example.com"]["status"].startswith("no free/busy")
    assert out["suggested"] == ["2026-06-15T12:00:00Z", "2026-06-15T13:00:00Z"]


async def test_free_busy_of_yourself_without_email_uses_your_calendars(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as alice:
        await _create(alice, title="Mine", start="2026-06-15T09:00:00Z", end="2026-06-15T10:00:00Z")
        out = structured(
            await alice.call_tool(
                "nc_calendar_get_free_busy",
                {"attendees": ["alice"], "start": "2026-06-15T08:00:00Z", "end": "2026-06-15T18:00:00Z"},
            )
        )
    assert out["attendees"][0]["busy"] == [["2026-06-15T09:00:00Z", "2026-06-15T10:00:00Z"]]
    assert out["suggested"] == ["2026-06-15T10:00:00Z", "2026-06-15T10:30:00Z"]


async def test_missing_etag_on_write_is_re_read(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    switched = await control.post("/__testbed__/caldav", json={"omit_etag": True})
    assert switched.status_code == 200, switched.text
    async with mcp_as("alice") as client:
        event = await _create(client, title="No etag", start="2026-05-04T14:00:00Z")
        assert event["etag"]
        updated = structured(
            await client.call_tool(
                "nc_calendar_update_event",
                {"calendar": "personal", "event_id": event["event_id"], "etag": event["etag"], "title": "Still fine"},
            )
        )
    assert updated["etag"] and updated["etag"] != event["etag"]


async def test_search_without_range_looks_a_year_back_and_ahead(mcp_as: McpFactory) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC).replace(microsecond=0)
    async with mcp_as("alice") as client:
        for days, title in ((-200, "Old dentist"), (200, "Future dentist"), (500, "Far dentist")):
            when = (now + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
            await _create(client, title=title, start=when)
        found = structured(await client.call_tool("nc_calendar_list_events", {"query": "DENTIST"}))
    assert [e["title"] for e in found["items"]] == ["Old dentist", "Future dentist"]


async def test_calendars_by_display_name_and_events_by_uid(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        event = await _create(client, title="Review", start="2026-06-10T08:00:00Z", calendar="Personal")
        uid = event["uid"]
        assert event["calendar"] == "personal" and event["event_id"].endswith(".ics")
        got = structured(await client.call_tool("nc_calendar_get_event", {"calendar": "PERSONAL", "event_id": uid}))
        assert got["event_id"] == event["event_id"] and got["etag"] == event["etag"]
        changed = structured(
            await client.call_tool(
                "nc_calendar_update_event",
                {"calendar": "personal", "event_id": uid, "etag": got["etag"], "location": "Room 4"},
            )
        )
        assert changed["location"] == "Room 4" and changed["event_id"] == event["event_id"]
        unknown = await client.call_tool("nc_calendar_get_event", {"calendar": "Work", "event_id": uid})
        missing = await client.call_tool("nc_calendar_get_event", {"calendar": "personal", "event_id": "no-such-uid"})
        listed = structured(await client.call_tool("nc_calendar_list_events", {"calendar": "Personal"}))
        gone = structured(await client.call_tool("nc_calendar_delete_event", {"calendar": "personal", "event_id": uid}))
    assert unknown.is_error and "personal (Personal)" in error_text(unknown)
    assert "nc_calendar_list_calendars" in error_text(unknown)
    assert missing.is_error and "nc_calendar_list_events" in error_text(missing)
    assert listed["total"] == 0 or all(e["calendar"] == "personal" for e in listed["items"])
    assert gone == {"event_id": event["event_id"], "result": "deleted"}


async def test_updates_need_the_etag_read_or_force(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        event = await _create(client, title="Budget", start="2026-05-04T14:00:00Z")
        ref = {"calendar": "personal", "event_id": event["event_id"]}
        blind = await client.call_tool("nc_calendar_update_event", {**ref, "title": "Blind"})
        assert blind.is_error and "nc_calendar_get_event" in error_text(blind) and "force" in error_text(blind)
        assert "SUMMARY:Budget" in await _raw_get(control, "personal", event["event_id"])
        forced = structured(
            await client.call_tool("nc_calendar_update_event", {**ref, "title": "Forced", "force": True})
        )
        assert forced["title"] == "Forced"
        calendars = structured(await client.call_tool("nc_calendar_list_calendars", {}))["items"]
        personal = next(c for c in calendars if c["name"] == "personal")
        no_etag = await client.call_tool("nc_calendar_update_calendar", {"calendar": "personal", "color": "#00ff00"})
        assert no_etag.is_error and "nc_calendar_list_calendars" in error_text(no_etag)
        await _create(client, title="Changes the calendar's etag", start="2026-05-05T14:00:00Z")
        stale = await client.call_tool(
            "nc_calendar_update_calendar", {"calendar": "personal", "color": "#00ff00", "etag": personal["etag"]}
        )
        assert stale.is_error and "changed since you read it" in error_text(stale)
        recoloured = structured(
            await client.call_tool(
                "nc_calendar_update_calendar", {"calendar": "Personal", "color": "#00ff00", "force": True}
            )
        )
    assert recoloured["color"].lower() == "#00ff00"


async def test_create_and_update_return_what_get_returns(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        created = await _create(client, title="Trip", start="2026-07-01", end="2026-07-03")
        ref = {"calendar": created["calendar"], "event_id": created["event_id"]}
        got = structured(await client.call_tool("nc_calendar_get_event", ref))
        updated = structured(
            await client.call_tool("nc_calendar_update_event", {**ref, "etag": got["etag"], "title": "Holiday trip"})
        )
    assert set(created) == set(got) == set(updated)
    assert got["location"] is None and got["all_day"] is True and got["recurring"] is False
    assert (got["start"], got["end"], got["tz"]) == ("2026-07-01", "2026-07-03", "date")
    assert got["tz_source"] is None and created["tz_source"] == "input" and updated["etag"] != got["etag"]


async def test_nextclouds_own_message_is_kept(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        refused = await client.call_tool(
            "nc_calendar_create_calendar", {"name": "contact_birthdays", "display_name": "Birthdays"}
        )
    assert refused.is_error and "reserved name" in error_text(refused)
