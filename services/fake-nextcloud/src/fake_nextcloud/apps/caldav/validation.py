"""Sabre's checks of iCalendar and vCard data before it is stored, with its repairs.

sabre-io/dav lib/CalDAV/Plugin.php::validateICalendar and lib/CardDAV/Plugin.php::validateVCard parse the body
with sabre-io/vobject (lib/Parser/MimeDir.php), then run ``validate(PROFILE_CALDAV|PROFILE_CARDDAV [|REPAIR])``
(lib/Component.php, lib/Component/VCalendar.php, VEvent.php, VTodo.php, VCard.php). Level-3 messages reject the
write (415 ``Validation error in iCalendar: …``); level-1 messages are repairs (a missing ``DTSTAMP``, ``PRODID``,
``VERSION``, ``UID``, ``FN``...) that mark the data modified, and a modified write gets no ``ETag`` back. With
``Prefer: handling=strict`` nothing is repaired. This module re-implements those rules on a small MimeDir parser;
the repaired data is the original text with the added lines.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field

from fake_nextcloud.apps.caldav.errors import component_type_error
from fake_nextcloud.apps.dav.models import DavError

__all__ = ["validate_icalendar", "validate_vcard"]

_LINE = re.compile(
    r'^(?:[A-Za-z0-9-]+\.)?(?P<name>[A-Za-z0-9-]+)(?P<params>(?:;[A-Za-z0-9-]+(?:=(?:"[^"]*"|[^";:]*))?)*):(?P<value>.*)$',
    re.DOTALL,
)
_SABRE_VERSION = "4.5.6"


class ParseError(Exception):
    """sabre-io/vobject ParseException."""


@dataclass
class Prop:
    name: str
    raw: str  # the unfolded line without the group prefix normalisation

    @property
    def value(self) -> str:
        match = _LINE.match(self.raw)
        return match.group("value") if match else ""


@dataclass
class Component:
    name: str
    props: list[Prop] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def count(self, name: str) -> int:
        return sum(1 for p in self.props if p.name == name)

    def first(self, name: str) -> str | None:
        return next((p.value for p in self.props if p.name == name), None)

    def serialize(self) -> list[str]:
        lines = [f"BEGIN:{self.name}", *(p.raw for p in self.props)]
        for child in self.children:
            lines += child.serialize()
        return [*lines, f"END:{self.name}"]


def _unfold(text: str) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + raw[1:])
        elif raw != "":
            lines.append((number, raw))
    return lines


def parse(text: str) -> Component:
    """sabre-io/vobject lib/Parser/MimeDir.php::parseDocument (messages as there)."""
    lines = _unfold(text.lstrip("\ufeff"))
    if not lines:
        raise ParseError("No input provided to parse")
    first = lines[0][1].upper()
    if first not in ("BEGIN:VCALENDAR", "BEGIN:VCARD"):
        raise ParseError("This parser only supports VCARD and VCALENDAR files")
    root = Component(first[6:])
    stack = [root]
    for number, line in lines[1:]:
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            if upper[6:] == root.name:
                raise ParseError(f'Invalid MimeDir file. Unexpected component: "{line}" in document type {root.name}')
            child = Component(upper[6:])
            stack[-1].children.append(child)
            stack.append(child)
        elif upper.startswith("END:"):
            name = upper[4:]
            if name != stack[-1].name:
                raise ParseError(f'Invalid MimeDir file. expected: "END:{stack[-1].name}" got: "END:{name}"')
            stack.pop()
            if not stack:
                return root
        else:
            match = _LINE.match(line)
            if match is None:
                raise ParseError(
                    f"Invalid Mimedir file. Line starting at {number} did not follow iCalendar/vCard conventions"
                )
            stack[-1].props.append(Prop(match.group("name").upper(), line))
    if len(stack) > 1:
        # MimeDir::parseLine keeps reading past the end of the input: EofException inside a component
        raise ParseError("End of document reached prematurely")
    return root  # MimeDir::parseDocument: the end of the input closes the root component


# (level, message) in sabre-io/vobject's order; repairs are applied to the component as a side effect.
Message = tuple[int, str]

_EVENT_ONCE = ["CLASS", "CREATED", "DESCRIPTION", "GEO", "LAST-MODIFIED", "LOCATION", "ORGANIZER", "PRIORITY"]
_EVENT_ONCE += ["SEQUENCE", "STATUS", "SUMMARY", "TRANSP", "URL", "RECURRENCE-ID", "RRULE", "DTEND", "DURATION"]
_TODO_ONCE = ["CLASS", "COMPLETED", "CREATED", "DESCRIPTION", "DTSTART", "GEO", "LAST-MODIFIED", "LOCATION"]
_TODO_ONCE += ["ORGANIZER", "PERCENT-COMPLETE", "PRIORITY", "RECURRENCE-ID", "SEQUENCE", "STATUS", "SUMMARY", "URL"]
_TODO_ONCE += ["RRULE", "DUE", "DURATION"]


def _rules(component: Component, parent: Component | None) -> dict[str, str]:
    """getValidationRules() of the vobject component classes used here."""
    if component.name == "VEVENT":
        has_method = parent is not None and parent.count("METHOD") > 0
        return {"UID": "1", "DTSTAMP": "1", "DTSTART": "?" if has_method else "1", **dict.fromkeys(_EVENT_ONCE, "?")}
    if component.name == "VTODO":
        return {"UID": "1", "DTSTAMP": "1", **dict.fromkeys(_TODO_ONCE, "?")}
    if component.name == "VJOURNAL":
        return {"UID": "1", "DTSTAMP": "1", "DTSTART": "?", "SUMMARY": "?", "STATUS": "?", "RECURRENCE-ID": "?"}
    if component.name == "VCALENDAR":
        return {"PRODID": "1", "VERSION": "1", "CALSCALE": "?", "METHOD": "?"}
    if component.name == "VTIMEZONE":
        return {"TZID": "1", "LAST-MODIFIED": "?", "TZURL": "?"}
    if component.name == "VALARM":
        return {"ACTION": "1", "TRIGGER": "1", "DURATION": "?", "REPEAT": "?"}
    if component.name == "VCARD":
        return {"N": "?", "PRODID": "?", "REV": "?", "VERSION": "1", "UID": "?", "BDAY": "?", "GENDER": "?"}
    return {}


def _defaults(component: Component, now: int) -> dict[str, str]:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    if component.name in ("VEVENT", "VTODO", "VJOURNAL"):
        return {"UID": f"sabre-vobject-{uuid.uuid4()}", "DTSTAMP": stamp}
    if component.name == "VCALENDAR":
        return {"VERSION": "2.0", "PRODID": f"-//Sabre//Sabre VObject {_SABRE_VERSION}//EN", "CALSCALE": "GREGORIAN"}
    if component.name == "VCARD":
        return {"VERSION": "4.0", "PRODID": f"-//Sabre//Sabre VObject {_SABRE_VERSION}//EN", "UID": str(uuid.uuid4())}
    return {}


def _component_messages(component: Component, parent: Component | None, repair: bool, now: int) -> list[Message]:
    """sabre-io/vobject lib/Component.php::validate."""
    messages: list[Message] = []
    for child in component.children:
        messages += _validate_child(child, component, repair, now)
    defaults = _defaults(component, now)
    for name, rule in _rules(component, parent).items():
        count = component.count(name)
        if rule == "1" and count != 1:
            repaired = repair and name in defaults
            if repaired:
                _add(component, name, defaults[name])
            messages.append((1 if repaired else 3, f"{name} MUST appear exactly once in a {component.name} component"))
        elif rule == "?" and count > 1:
            level = 3
            if repair and len({p.raw for p in component.props if p.name == name}) == 1:
                keep = next(p for p in component.props if p.name == name)
                component.props = [p for p in component.props if p.name != name or p is keep]
                level = 1
            messages.append((level, f"{name} MUST NOT appear more than once in a {component.name} component"))
    return messages


def _validate_child(child: Component, parent: Component, repair: bool, now: int) -> list[Message]:
    return _component_messages(child, parent, repair, now)


def _calendar_messages(root: Component, repair: bool, now: int) -> list[Message]:
    """sabre-io/vobject lib/Component/VCalendar.php::validate with PROFILE_CALDAV."""
    messages = _component_messages(root, None, repair, now)
    version = root.first("VERSION")
    if version is not None and version != "2.0":
        messages.append((3, "Only iCalendar version 2.0 as defined in rfc5545 is supported."))
    uids: dict[str, int] = {}
    types: list[str] = []
    for child in root.children:
        if child.name not in ("VEVENT", "VTODO", "VJOURNAL"):
            continue
        types.append(child.name)
        uid = child.first("UID") or ""
        master = child.count("RECURRENCE-ID") == 0
        if uid in uids and master and uids[uid]:
            messages.append((3, f"More than one master object was found for the object with UID {uid}"))
        uids[uid] = uids.get(uid, 0) + int(master)
    if not root.children:
        messages.append((3, "An iCalendar object must have at least 1 component."))
    if len(uids) > 1:
        messages.append((3, "A calendar object on a CalDAV server may only have components with the same UID."))
    if not types:
        messages.append(
            (3, "A calendar object on a CalDAV server must have at least 1 component (VTODO, VEVENT, VJOURNAL).")
        )
    if len(set(types)) > 1:
        messages.append(
            (3, "A calendar object on a CalDAV server may only have 1 type of component (VEVENT, VTODO or VJOURNAL).")
        )
    if root.count("METHOD"):
        messages.append((3, "A calendar object on a CalDAV server MUST NOT have a METHOD property."))
    return messages


def _judge(messages: list[Message], prefix: str) -> bool:
    """The loop of validateICalendar/validateVCard: level 3 throws, level 1 marks the data modified."""
    modified = False
    for level, message in messages:
        if level == 1:
            modified = True
        elif level == 3:
            raise DavError(415, "UnsupportedMediaType", f"{prefix}{message}")
    return modified


def _decode(data: bytes, kind: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DavError(415, "UnsupportedMediaType", f"This resource only supports valid {kind} data.") from None


def validate_icalendar(data: bytes, components: list[str], *, strict: bool, now: int) -> tuple[bytes, bool]:
    """The data to store and whether Sabre modified it (sabre-io/dav lib/CalDAV/Plugin.php::validateICalendar)."""
    text = _decode(data, "iCalendar 2.0")
    try:
        root = parse(text)
    except ParseError as exc:
        raise DavError(
            415, "UnsupportedMediaType", f"This resource only supports valid iCalendar 2.0 data. Parse error: {exc}"
        ) from None
    if root.name != "VCALENDAR":
        raise DavError(415, "UnsupportedMediaType", "This collection can only support iCalendar objects.")
    found = None
    for child in root.children:
        if child.name in ("VEVENT", "VTODO", "VJOURNAL"):
            found = child.name
    if found is None or found not in components:
        raise component_type_error("iCalendar objects must at least have a component of type " + ", ".join(components))
    modified = _judge(_calendar_messages(root, not strict, now), "Validation error in iCalendar: ")
    if not modified and _terminated(text):
        return data, False
    return ("\r\n".join(root.serialize()) + "\r\n").encode("utf-8"), modified


def validate_vcard(data: bytes, *, strict: bool) -> tuple[bytes, bool]:
    """The data to store and whether Sabre modified it (sabre-io/dav lib/CardDAV/Plugin.php::validateVCard)."""
    text = _decode(data, "vCard or jCard")
    try:
        root = parse(text)
    except ParseError as exc:
        raise DavError(
            415, "UnsupportedMediaType", f"This resource only supports valid vCard or jCard data. Parse error: {exc}"
        ) from None
    if root.name != "VCARD":
        raise DavError(415, "UnsupportedMediaType", "This collection can only support vcard objects.")
    repair = not strict
    own: list[Message] = []  # sabre-io/vobject lib/Component/VCard.php::validate
    version = root.first("VERSION") if root.count("VERSION") == 1 else None
    if version is not None and version not in ("2.1", "3.0", "4.0"):
        own.append(
            (3, "Only vcard version 4.0 (RFC6350), version 3.0 (RFC2426) or version 2.1 (icm-vcard-2.1) are supported.")
        )
    if version == "2.1":
        own.append((3, "CardDAV servers are not allowed to accept vCard 2.1."))
    if root.count("UID") == 0:
        if repair:
            _add(root, "UID", str(uuid.uuid4()))
        own.append((1 if repair else 3, "vCards on CardDAV servers MUST have a UID property."))
    if root.count("FN") != 1:
        repaired = False
        if repair and root.count("FN") == 0:
            source = next((n for n in ("N", "ORG", "NICKNAME", "EMAIL") if root.count(n)), None)
            if source is not None:
                value = root.first(source) or ""
                if source == "N":
                    parts = value.split(";")
                    value = f"{parts[1]} {parts[0]}" if len(parts) > 1 and parts[1] else parts[0]
                _add(root, "FN", value)
                repaired = True
        own.append((1 if repaired else 3, "The FN property must appear in the VCARD component exactly 1 time"))
    messages = _component_messages(root, None, repair, 0) + own
    modified = _judge(messages, "Validation error in vCard: ")
    if not modified and _terminated(text):
        return data, False
    return ("\r\n".join(root.serialize()) + "\r\n").encode("utf-8"), modified


def _terminated(text: str) -> bool:
    """Whether the input ends its root component itself (if not, the stored data gets the ``END:`` line, as
    Sabre's parser accepted it; that is not a repair, so the ETag is still sent)."""
    lines = _unfold(text)
    return bool(lines) and lines[-1][1].upper().startswith("END:")


def _add(component: Component, name: str, value: str) -> None:
    component.props.append(Prop(name, f"{name}:{value}"))
