"""sabre-io/vobject lib/DateTimeParser.php::parseVCardDateTime and the jCard form of vCard dates
(lib/Property/VCard/DateAndOrTime.php::getJsonValue)."""

from __future__ import annotations

import re

__all__ = ["ParseError", "json_date", "parse_vcard_datetime"]


class ParseError(ValueError):
    """sabre-io/vobject ParseException / InvalidDataException."""


_BASIC = re.compile(
    r"^(?:(?:(?:(?P<year>[0-9]{4})(?:-)?|--)(?P<month>[0-9]{2})?|---)(?P<date>[0-9]{2})?)?"
    r"(?:T(?P<hour>[0-9]{2}|-)(?P<minute>[0-9]{2}|-)?(?P<second>[0-9]{2})?(?:\.[0-9]{3})?"
    r"(?P<timezone>Z|(?:\+|-)(?:[0-9]{4}))?)?$"
)
_EXTENDED = re.compile(
    r"^(?:(?:(?P<year>[0-9]{4})-|--)(?P<month>[0-9]{2})-(?P<date>[0-9]{2}))?"
    r"(?:T(?:(?P<hour>[0-9]{2}):|-)(?:(?P<minute>[0-9]{2}):|-)?(?P<second>[0-9]{2})?(?:\.[0-9]{3})?"
    r"(?P<timezone>Z|(?:\+|-)(?:[0-9]{2}:[0-9]{2}))?)?$"
)


def parse_vcard_datetime(value: str) -> dict[str, str | None]:
    """lib/DateTimeParser.php::parseVCardDateTime (``-``/``--``/empty parts are null)."""
    match = _BASIC.match(value) or _EXTENDED.match(value)
    if match is None:
        raise ParseError(f"Invalid vCard date-time string: {value}")
    names = ("year", "month", "date", "hour", "minute", "second", "timezone")
    return {n: None if match.group(n) in (None, "", "-", "--") else match.group(n) for n in names}


def json_date(value: str) -> str:
    """DateAndOrTime::getJsonValue (ISO 8601 extended, ``--MM-DD`` without a year)."""
    p = parse_vcard_datetime(value)
    out = ""
    if p["year"] is not None:
        out += p["year"] + ("-" if p["month"] is not None else "")
    elif p["month"] is not None or p["date"] is not None:
        out += "--"
    if p["month"] is not None:
        out += p["month"] + ("-" if p["date"] is not None else "")
    elif p["date"] is not None:
        out += "-"
    out += p["date"] or ""
    if p["hour"] is None and p["minute"] is None and p["second"] is None:
        return out
    out += "T" + (p["hour"] + (":" if p["minute"] is not None else "") if p["hour"] is not None else "-")
    if p["minute"] is not None:
        out += p["minute"] + (":" if p["second"] is not None else "")
    elif p["second"] is not None:
        out += "-"
    return out + (p["second"] or "") + (p["timezone"] or "")
