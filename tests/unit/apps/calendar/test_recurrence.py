"""iCalendar building and the recurrence edit/delete scopes, without a server."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from nextcloud_mcp.apps.calendar.ical import (
    EventFields,
    apply_event_fields,
    event_view,
    master,
    new_calendar,
    new_component,
    parse_ics,
    serialize,
)
from nextcloud_mcp.apps.calendar.ical_time import UserZone, parse_time
from nextcloud_mcp.apps.calendar.recurrence import (
    delete_instance,
    edit_all,
    edit_following,
    edit_this,
    expand,
    find_instance,
)
from nextcloud_mcp.core.errors import InvalidInput, ProtocolError

BERLIN = UserZone("Europe/Berlin", "calendar")
WIDE = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def _series(start: str = "2026-03-27T09:00:00", rule: str = "FREQ=DAILY;COUNT=5", end: str | None = None):  # type: ignore[no-untyped-def]
    comp = new_component()
    fields = EventFields(
        summary="Standup",
        start=parse_time(start, None, BERLIN),
        end=parse_time(end, None, BERLIN) if end else None,
        rrule=rule,
    )
    apply_event_fields(comp, fields)
    cal = new_calendar()
    cal.add_component(comp)
    return parse_ics(serialize(cal))


def _starts(cal) -> list[str]:  # type: ignore[no-untyped-def]
    return [event_view(c)["start"] for c in expand(cal, *WIDE)]


def test_zoned_event_carries_tzid_and_vtimezone() -> None:
    data = serialize(_series()).decode()
    assert "DTSTART;TZID=Europe/Berlin:20260327T090000" in data
    assert data.index("BEGIN:VTIMEZONE") < data.index("BEGIN:VEVENT")
    assert "DTEND;TZID=Europe/Berlin:20260327T100000" in data  # default one hour


def test_expansion_follows_dst() -> None:
    assert _starts(_series())[1:4] == [
        "2026-03-28T09:00:00+01:00",
        "2026-03-29T09:00:00+02:00",
        "2026-03-30T09:00:00+02:00",
    ]


def test_broken_ics_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="not valid iCalendar"):
        parse_ics(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\nEND:VEVENT\r\n")
    with pytest.raises(ProtocolError, match="no VEVENT"):
        master(parse_ics(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"))


def test_bad_rule_and_reversed_times_are_refused() -> None:
    comp = new_component()
    with pytest.raises(InvalidInput, match="RRULE"):
        apply_event_fields(comp, EventFields(start=parse_time("2026-01-01", None, BERLIN), rrule="FREQ=OFTEN"))
    with pytest.raises(InvalidInput, match="before the start"):
        apply_event_fields(
            comp,
            EventFields(start=parse_time("2026-01-02", None, BERLIN), end=parse_time("2026-01-01", None, BERLIN)),
        )


def test_edit_this_adds_an_override() -> None:
    cal = _series()
    original = find_instance(cal, "2026-03-29T07:00:00Z", BERLIN)  # same instant, given in UTC
    edit_this(cal, original, EventFields(summary="Moved", start=parse_time("2026-03-29T11:00:00", None, BERLIN)))
    cal = parse_ics(serialize(cal))
    views = [event_view(c) for c in expand(cal, *WIDE)]
    assert [v["title"] for v in views] == ["Standup", "Standup", "Moved", "Standup", "Standup"]
    assert views[2]["start"] == "2026-03-29T11:00:00+02:00" and views[2]["end"] == "2026-03-29T12:00:00+02:00"
    assert views[2]["recurrence_id"] == "2026-03-29T09:00:00+02:00"


def test_edit_following_splits_with_until_and_remaining_count() -> None:
    cal = _series()
    edit_this(cal, find_instance(cal, "2026-03-31T09:00:00+02:00", BERLIN), EventFields(summary="Last"))
    new, uid = edit_following(cal, find_instance(cal, "2026-03-30T09:00:00+02:00", BERLIN), EventFields(location="B"))
    assert "UNTIL=20260330T065959Z" in serialize(cal).decode()
    assert _starts(cal) == ["2026-03-27T09:00:00+01:00", "2026-03-28T09:00:00+01:00", "2026-03-29T09:00:00+02:00"]
    views = [event_view(c) for c in expand(new, *WIDE)]
    assert [(v["start"], v["title"], v["location"]) for v in views] == [
        ("2026-03-30T09:00:00+02:00", "Standup", "B"),
        ("2026-03-31T09:00:00+02:00", "Last", None),  # the override moved to the new series
    ]
    assert all(v["uid"] == uid for v in views) and "COUNT=2" in serialize(new).decode()


def test_edit_following_on_all_day_series_uses_a_date_until() -> None:
    cal = _series("2026-06-01", "FREQ=WEEKLY")
    edit_following(cal, find_instance(cal, "2026-06-15", BERLIN), EventFields(summary="New"))
    assert "UNTIL=20260614" in serialize(cal).decode()
    assert _starts(cal) == ["2026-06-01", "2026-06-08"]


def test_edit_all_shifts_overrides_and_exdates() -> None:
    cal = _series()
    edit_this(cal, find_instance(cal, "2026-03-28T09:00:00+01:00", BERLIN), EventFields(description="x"))
    delete_instance(cal, find_instance(cal, "2026-03-30T09:00:00+02:00", BERLIN), "this")
    edit_all(cal, EventFields(summary="Daily", start=parse_time("2026-03-27T10:00:00", None, BERLIN)))
    views = [event_view(c) for c in expand(cal, *WIDE)]
    assert [v["start"][5:16] for v in views] == ["03-27T10:00", "03-28T10:00", "03-29T10:00", "03-31T10:00"]
    assert [v["title"] for v in views] == ["Daily"] * 4 and views[1]["description"] == "x"


def test_delete_scopes() -> None:
    cal = _series()
    assert not delete_instance(cal, find_instance(cal, "2026-03-28T09:00:00+01:00", BERLIN), "this")
    assert len(_starts(cal)) == 4
    assert not delete_instance(cal, find_instance(cal, "2026-03-30T09:00:00+02:00", BERLIN), "following")
    assert _starts(cal) == ["2026-03-27T09:00:00+01:00", "2026-03-29T09:00:00+02:00"]
    assert delete_instance(cal, find_instance(cal, "2026-03-27T09:00:00+01:00", BERLIN), "following")


def test_unknown_instance_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no instance"):
        find_instance(_series(), "2026-03-29T10:00:00+02:00", BERLIN)
    with pytest.raises(InvalidInput, match="date-time"):
        find_instance(_series(), "2026-03-29", BERLIN)


def test_all_day_event_is_dates_with_exclusive_end() -> None:
    comp = new_component()
    apply_event_fields(comp, EventFields(summary="Trip", start=parse_time("2026-07-01", None, BERLIN)))
    view = event_view(comp)
    assert (view["start"], view["end"], view["all_day"], view["tz"]) == ("2026-07-01", "2026-07-02", True, "date")
    assert isinstance(comp.decoded("DTEND"), date) and not isinstance(comp.decoded("DTEND"), datetime)


def test_default_hour_is_an_exact_hour_in_the_fall_back_night() -> None:
    comp = new_component()
    apply_event_fields(comp, EventFields(summary="x", start=parse_time("2026-10-25T02:30:00", None, BERLIN)))
    view = event_view(comp)
    assert (view["start"], view["end"]) == ("2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00")
    assert "DURATION" in comp and "DTEND" not in comp  # DTEND 02:30 local would mean the first pass
    cal = new_calendar()
    cal.add_component(comp)
    again = event_view(master(parse_ics(serialize(cal))))
    assert again["end"] == "2026-10-25T02:30:00+01:00"


def test_broken_values_from_the_server_are_protocol_errors_not_crashes() -> None:
    bad_start = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART:notadate\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(ProtocolError, match="DTSTART"):
        event_view(master(parse_ics(bad_start)))
    bad_rule = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART:20260101T100000Z\r\n"
        b"RRULE:FREQ=DAILY;BYDAY=XX\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(ProtocolError, match="cannot be expanded"):
        expand(parse_ics(bad_rule), *WIDE)


def test_all_day_and_floating_series_instances_can_be_edited() -> None:
    weekly = _series("2026-06-01", "FREQ=WEEKLY;COUNT=3")
    edit_this(weekly, find_instance(weekly, "2026-06-08", BERLIN), EventFields(summary="Holiday"))
    assert "RECURRENCE-ID;VALUE=DATE:20260608" in serialize(weekly).decode()
    assert [event_view(c)["title"] for c in expand(weekly, *WIDE)] == ["Standup", "Holiday", "Standup"]
    comp = new_component()
    start = parse_time("2026-06-01T09:00:00", "floating", BERLIN)
    apply_event_fields(comp, EventFields(summary="Gym", start=start, rrule="FREQ=DAILY;COUNT=2"))
    floating = new_calendar()
    floating.add_component(comp)
    edit_this(floating, find_instance(floating, "2026-06-02T09:00:00", BERLIN), EventFields(summary="Rest"))
    assert "RECURRENCE-ID:20260602T090000\r\n" in serialize(floating).decode()


def test_expanded_instances_keep_an_exact_duration() -> None:
    comp = new_component()
    apply_event_fields(comp, EventFields(summary="x", start=parse_time("2026-10-25T02:30:00", None, BERLIN)))
    cal = new_calendar()
    cal.add_component(comp)
    (instance,) = expand(parse_ics(serialize(cal)), *WIDE)
    assert event_view(instance)["end"] == "2026-10-25T02:30:00+01:00"
