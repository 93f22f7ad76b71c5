"""Time input rules: offsets kept, naive times zoned, dates all-day, floating only on request, DST gaps refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from nextcloud_mcp.apps.calendar.ical_time import UserZone, format_value, parse_instant, parse_time, zone
from nextcloud_mcp.core.errors import InvalidInput

BERLIN = UserZone("Europe/Berlin", "calendar")
UTC_ZONE = UserZone("UTC", "utc")


@pytest.mark.parametrize(
    ("text", "tz", "default", "iso", "zone_name"),
    [
        ("2026-03-29T09:00:00Z", None, BERLIN, "2026-03-29T09:00:00Z", "UTC"),  # UTC stays UTC
        ("2026-03-29T09:00:00+00:00", None, BERLIN, "2026-03-29T09:00:00Z", "UTC"),
        ("2026-03-29T09:00:00+02:00", None, BERLIN, "2026-03-29T09:00:00+02:00", "Europe/Berlin"),  # matches zone
        ("2026-03-29T09:00:00+05:30", None, BERLIN, "2026-03-29T03:30:00Z", "UTC"),  # other offset: same instant
        ("2026-03-29T09:00:00", None, BERLIN, "2026-03-29T09:00:00+02:00", "Europe/Berlin"),  # naive: user zone
        ("2026-03-28T09:00:00", None, BERLIN, "2026-03-28T09:00:00+01:00", "Europe/Berlin"),  # before DST
        ("2026-03-29T09:00:00", "America/New_York", BERLIN, "2026-03-29T09:00:00-04:00", "America/New_York"),
        ("2026-03-29T09:00:00Z", "Asia/Tokyo", BERLIN, "2026-03-29T18:00:00+09:00", "Asia/Tokyo"),  # converted
        ("2026-03-29T09:00:00", "floating", BERLIN, "2026-03-29T09:00:00", "floating"),
        ("2026-03-29", None, BERLIN, "2026-03-29", "date"),
        ("2026-03-29T09:00:00", None, UTC_ZONE, "2026-03-29T09:00:00Z", "UTC"),
        ("2026-10-25T02:30:00", "Europe/Berlin", UTC_ZONE, "2026-10-25T02:30:00+02:00", "Europe/Berlin"),  # fold 0
    ],
)
def test_time_matrix(text: str, tz: str | None, default: UserZone, iso: str, zone_name: str) -> None:
    value = parse_time(text, tz, default)
    assert format_value(value.value) == iso
    assert value.tz == zone_name


def test_dates_are_dates_not_midnight() -> None:
    value = parse_time("2026-12-24", "Europe/Berlin", BERLIN).value
    assert type(value) is date and value.isoformat() == "2026-12-24"


@pytest.mark.parametrize(
    ("text", "tz", "message"),
    [
        ("2026-03-29T02:30:00", "Europe/Berlin", "does not exist"),  # spring-forward gap
        ("2026-03-08T02:30:00", "America/New_York", "does not exist"),
        ("2026-03-29T09:00", "Europe/Nowhere", "Unknown time zone"),
        ("2026-03-29T09:00", "CEST", "Unknown time zone"),  # abbreviations are ambiguous
        ("2026-02-30", None, "not a valid date"),
        ("next friday", None, "not ISO 8601"),
        ("2026-03-29T09:00:00+02:00", "floating", "drop one of them"),
    ],
)
def test_bad_input_is_refused(text: str, tz: str | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_time(text, tz, BERLIN)


def test_parse_instant_reads_dates_and_naive_times_in_the_user_zone() -> None:
    assert parse_instant("2026-07-01", BERLIN) == datetime(2026, 6, 30, 22, tzinfo=UTC)
    assert parse_instant("2026-07-01T10:00:00", BERLIN) == datetime(2026, 7, 1, 8, tzinfo=UTC)


def test_zone_names() -> None:
    assert zone("utc") is UTC
    assert zone("Europe/Berlin").utcoffset(datetime(2026, 7, 1)) == timedelta(hours=2)


def test_second_pass_of_the_repeated_hour_is_kept_as_utc() -> None:
    value = parse_time("2026-10-25T02:30:00+01:00", None, BERLIN)  # CET, after the clocks went back
    assert (format_value(value.value), value.tz) == ("2026-10-25T01:30:00Z", "UTC")
    first = parse_time("2026-10-25T02:30:00+02:00", None, BERLIN)  # CEST, the first pass
    assert (format_value(first.value), first.tz) == ("2026-10-25T02:30:00+02:00", "Europe/Berlin")
