"""VFREEBUSY request/answer handling and the meeting-slot suggestion."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from nextcloud_mcp.apps.calendar.freebusy import busy_periods, freebusy_request, merge, parse_hours, suggest_slot
from nextcloud_mcp.apps.calendar.ical import parse_ics
from nextcloud_mcp.core.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


def test_request_names_organizer_attendees_and_utc_range() -> None:
    data = freebusy_request("mailto:a@x.org", ["mailto:b@x.org"], _at(15, 0), _at(16, 0)).decode()
    cal = parse_ics(data)
    assert str(cal["METHOD"]) == "REQUEST"
    assert "DTSTART:20260615T000000Z" in data and "ATTENDEE:mailto:b@x.org" in data
    assert "ORGANIZER:mailto:a@x.org" in data


def test_busy_periods_parse_end_and_duration_forms_and_skip_free() -> None:
    answer = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VFREEBUSY\r\nUID:1\r\n"
        "FREEBUSY:20260615T090000Z/20260615T100000Z,20260615T120000Z/PT30M\r\n"
        "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260615T095000Z/20260615T103000Z\r\n"
        "FREEBUSY;FBTYPE=FREE:20260615T140000Z/20260615T150000Z\r\n"
        "END:VFREEBUSY\r\nEND:VCALENDAR\r\n"
    )
    assert busy_periods(answer) == [(_at(15, 9), _at(15, 10, 30)), (_at(15, 12), _at(15, 12, 30))]


def test_merge_joins_overlaps_and_touching() -> None:
    assert merge([(_at(1, 10), _at(1, 11)), (_at(1, 9), _at(1, 10)), (_at(1, 13), _at(1, 14))]) == [
        (_at(1, 9), _at(1, 11)),
        (_at(1, 13), _at(1, 14)),
    ]


def test_slot_respects_working_hours_in_the_zone() -> None:
    busy = [(_at(15, 7), _at(15, 9, 10))]  # 09:00-11:10 Berlin
    slot = suggest_slot(busy, _at(15, 0), _at(16, 0), timedelta(hours=1), BERLIN, (time(9), time(17)))
    assert slot == (_at(15, 9, 15), _at(15, 10, 15))  # 11:15 Berlin, rounded up to the quarter


def test_slot_skips_weekends_and_full_days() -> None:
    friday_full = [(_at(19, 7), _at(19, 15))]  # Fri 2026-06-19 09:00-17:00 Berlin
    slot = suggest_slot(friday_full, _at(19, 0), _at(23, 0), timedelta(minutes=30), BERLIN, (time(9), time(17)))
    assert slot == (_at(22, 7), _at(22, 7, 30))  # Monday 09:00 Berlin
    assert suggest_slot(friday_full, _at(19, 0), _at(20, 0), timedelta(minutes=30), BERLIN, (time(9), time(17))) is None


@pytest.mark.parametrize("text", ["9-5", "17:00-09:00", "nine to five"])
def test_bad_working_hours(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_hours(text)
