"""sabre-io/vobject lib/Parser/MimeDir.php: one vCard read into the ``vcard`` model (``Reader::read``)."""

from __future__ import annotations

import re

from fake_nextcloud.apps.caldav.vcard import Prop, VCard
from fake_nextcloud.apps.caldav.vcardtime import ParseError

__all__ = ["parse"]

#: lib/Parser/MimeDir.php::readProperty (not OPTION_FORGIVING)
_TOKENS = re.compile(
    r"^(?P<name>[A-Z0-9\-.]+)(?=[;:])|(?<=:)(?P<value>.+)$|;(?P<pname>[A-Z0-9\-]+)(?=[=;:])"
    r'|(?:=|,)(?P<pvalue>[^";:,]*|"[^"]+")(?=[;:,])',
    re.IGNORECASE,
)


def _lines(text: str) -> list[str]:
    """MimeDir::readLine: ``\\n``-separated lines without trailing CR/LF, blank lines skipped, a line starting
    with a space or tab continues the previous one."""
    out: list[str] = []
    for raw in text.split("\n"):
        line = raw.rstrip("\r\n")
        if not line:
            continue
        if line[0] in " \t" and out:
            out[-1] += line[1:]
        else:
            out.append(line)
    return out


def parse(text: str) -> VCard:
    """MimeDir::parse of one vCard (``Reader::read``)."""
    lines = _lines(text.removeprefix("\ufeff"))
    if not lines or lines[0].upper() != "BEGIN:VCARD":
        raise ParseError("This parser only supports VCARD and VCALENDAR files")
    card = VCard()
    for number, line in enumerate(lines[1:], start=2):
        if line[:4].upper() == "END:":
            if line[4:].upper() != "VCARD":
                raise ParseError(f'Invalid MimeDir file. expected: "END:VCARD" got: "END:{line[4:].upper()}"')
            return card
        if line[:6].upper() == "BEGIN:":
            raise ParseError("Components inside a vCard are not modelled")
        card.add(_read_property(card, line, number))
    return card  # EofException: the document ends as if END:VCARD followed


def _read_property(card: VCard, line: str, number: int) -> Prop:
    name: str | None = None
    value = ""
    params: dict[str, str | list[str] | None] = {}
    last: str | None = None
    for match in _TOKENS.finditer(line):
        if match.group("pvalue") is not None:
            raw = match.group("pvalue")
            raw = raw[1:-1] if raw.startswith('"') else raw
            item = re.sub(r"\^(\^|n|')", lambda m: {"^": "^", "n": "\n", "'": '"'}[m.group(1)], raw)
            if last is None:
                raise ParseError(
                    f"Invalid Mimedir file. Line starting at {number} did not follow iCalendar/vCard conventions"
                )
            current = params[last]
            if current is None:
                params[last] = item
            elif isinstance(current, list):
                current.append(item)
            elif current != item:
                params[last] = [current, item]
        elif match.group("pname") is not None:
            last = match.group("pname").upper()
            params.setdefault(last, None)
        elif match.group("value") is not None:
            value = match.group("value")
        elif match.group("name"):
            name = match.group("name").upper()
    if not name:
        raise ParseError(f"Invalid Mimedir file. Line starting at {number} did not follow iCalendar/vCard conventions")
    named = {k: v for k, v in params.items() if v is not None}
    prop = card.create(name, None, named)
    for key, val in params.items():
        if val is None:  # vCard 2.1 style: a value without a name (TYPE, ENCODING, VALUE guessed)
            prop.add(None, key)
    prop.set_raw(value)
    return prop
