"""Time values for calendars: ISO 8601 input → iCalendar values, iCalendar values → ISO output. No icalendar import.

The rules (docs/calendar.md): an offset or `Z` keeps its instant (UTC stays UTC; an offset equal to the
user's zone at that instant is stored in that zone, any other offset is stored as UTC); a naive time takes the
explicit IANA `tz`, else the user's default zone; a date is all-day (`VALUE=DATE`); a floating time is written
only when asked for with `tz="floating"`. Local times that do not exist (spring-forward gap) are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nextcloud_mcp.core.errors import InvalidInput

__all__ = [
    "FLOATING",
    "TimeValue",
    "UserZone",
    "format_value",
    "parse_instant",
    "parse_time",
    "round_trips",
    "to_utc",
    "zone",
    "zone_name",
]

FLOATING = "floating"


@dataclass(frozen=True)
class UserZone:
    """The zone a naive time is read in, and where it came from (`calendar`, `setting` or `utc`)."""

    name: str
    source: str


@dataclass(frozen=True)
class TimeValue:
    """A parsed input: `value` is a `date` (all-day), a zoned/UTC `datetime`, or a naive one (floating)."""

    value: date | datetime
    tz: str  # IANA name, "UTC", "floating" or "date"

    @property
    def all_day(self) -> bool:
        return not isinstance(self.value, datetime)


def zone(name: str) -> tzinfo:
    """The `ZoneInfo` for an IANA name (`UTC` included); InvalidInput for anything else."""
    if name.upper() in ("UTC", "Z", "ETC/UTC"):
        return UTC
    try:
        if "/" not in name and name not in ("GMT",):
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"Unknown time zone {name!r}; give an IANA name such as 'Europe/Berlin' or 'UTC'.") from exc


def zone_name(tz: tzinfo | None) -> str:
    """The name shown for a zone: IANA key, `UTC`, or `floating` for None."""
    if tz is None:
        return FLOATING
    if tz is UTC or getattr(tz, "key", None) in ("UTC", "Etc/UTC"):
        return "UTC"
    key = getattr(tz, "key", None)
    return str(key) if key else str(tz.tzname(None) or tz)


def round_trips(value: datetime) -> bool:
    """False for the second pass of a repeated local hour, which a TZID local time cannot express."""
    if value.tzinfo is None or value.fold == 0:
        return True
    return value.replace(fold=0).astimezone(UTC) == value.astimezone(UTC)


def _in_zone(value: datetime, target: tzinfo) -> TimeValue:
    """An aware input moved into `target`, or kept in UTC when that local time would read back an hour off."""
    local = value.astimezone(target)
    return TimeValue(local, zone_name(target)) if round_trips(local) else TimeValue(value.astimezone(UTC), "UTC")


def _localize(naive: datetime, tz: tzinfo, where: str) -> datetime:
    aware = naive.replace(tzinfo=tz)
    if tz is UTC:
        return aware
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != naive:
        raise InvalidInput(
            f"{where} {naive.isoformat()} does not exist in {zone_name(tz)} (the clocks skip it for daylight "
            "saving time); choose a time outside the gap."
        )
    return aware


def parse_time(text: str, tz: str | None, default: UserZone, *, where: str = "The time") -> TimeValue:
    """Parse an ISO 8601 date or date-time from the caller following the module's rules."""
    raw = text.strip()
    if len(raw) == 10 and raw.count("-") == 2:
        try:
            return TimeValue(date.fromisoformat(raw), "date")
        except ValueError as exc:
            raise InvalidInput(f"{where} {text!r} is not a valid date (YYYY-MM-DD).") from exc
    try:
        parsed = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError as exc:
        raise InvalidInput(
            f"{where} {text!r} is not ISO 8601; use e.g. 2026-03-29T09:00:00, 2026-03-29T09:00:00+02:00 or 2026-03-29."
        ) from exc
    parsed = parsed.replace(microsecond=0)
    if tz is not None and tz.lower() == FLOATING:
        if parsed.tzinfo is not None:
            raise InvalidInput(f"{where} {text!r} has an offset but tz='floating' was asked for; drop one of them.")
        return TimeValue(parsed, FLOATING)
    if parsed.tzinfo is not None:
        offset = parsed.utcoffset()
        if tz is not None:
            return _in_zone(parsed, zone(tz))
        if offset == timedelta(0):
            return TimeValue(parsed.astimezone(UTC), "UTC")
        home = zone(default.name)
        if parsed.astimezone(home).utcoffset() == offset:
            return _in_zone(parsed, home)
        return TimeValue(parsed.astimezone(UTC), "UTC")
    target = zone(tz if tz is not None else default.name)
    return TimeValue(_localize(parsed, target, where), zone_name(target))


def parse_instant(text: str, default: UserZone, *, where: str = "The time") -> datetime:
    """An absolute instant (UTC) from a date, naive or zoned input (dates and naive times in the user's zone)."""
    value = parse_time(text, None, default, where=where).value
    return to_utc(value, zone(default.name))


def to_utc(value: date | datetime, floating_zone: tzinfo = UTC) -> datetime:
    """The instant of an iCalendar value in UTC; dates start at midnight and floating times use `floating_zone`."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=floating_zone)
    return value.astimezone(UTC)


def format_value(value: date | datetime) -> str:
    """ISO output: `YYYY-MM-DD` for dates, `…Z` for UTC, `…+02:00` for zoned, no offset only when floating."""
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is not None and value.utcoffset() == timedelta(0) and zone_name(value.tzinfo) == "UTC":
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.replace(microsecond=0).isoformat()
