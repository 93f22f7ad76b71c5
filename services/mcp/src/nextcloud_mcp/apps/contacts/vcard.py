"""Contacts ↔ vCard with vobject; imported by the contacts client on first use.

Reads vCard 3.0 and 4.0; new cards are vCard 3.0 (what Nextcloud answers by default, so no conversion touches
them). An update changes only the properties the caller named, in the card's own version, and keeps every other
line byte for byte (PHOTO, URL, X-…, IMPP, groups, the VERSION), so no data is lost. Birthdays without a year are
`--MMDD` in vCard 4.0 (RFC 6350 §6.2.5) and use Apple's `X-APPLE-OMIT-YEAR=1604` in vCard 3.0, which is also what
Sabre's converter writes (sabre-io/vobject lib/VCardConverter.php).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import vobject  # type: ignore[import-untyped]

from nextcloud_mcp import __version__
from nextcloud_mcp.core.errors import InvalidInput, ProtocolError

__all__ = [
    "ContactFields",
    "apply_contact_fields",
    "contact_view",
    "new_card",
    "parse_card",
    "serialize_card",
    "update_card",
]

PRODID = f"-//nextcloud-mcp//{__version__}//EN"
_TYPED = re.compile(r"^(home|work|cell|mobile|fax|other|voice|pager|text|main|internet)\s*:\s*(.+)$", re.I)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_PHONE = re.compile(r"^[+0-9 ()./\-]{3,40}$")
_ADR_KEYS = ("box", "extended", "street", "city", "region", "code", "country")


@dataclass
class ContactFields:
    """Changes from the caller; None leaves a field, [] or "" clears it."""

    name: str | None = None
    emails: list[str] | None = None  # "work: a@b.c" or "a@b.c"
    phones: list[str] | None = None
    addresses: list[dict[str, str]] | None = None  # street, city, region, code, country, type
    org: str | None = None
    title: str | None = None
    birthday: str | None = None  # YYYY-MM-DD or --MM-DD
    note: str | None = None
    categories: list[str] | None = None  # the tools' "groups"


def parse_card(data: str | bytes, what: str = "contact") -> Any:
    """One vCard (3.0 or 4.0); ProtocolError when it cannot be read."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    try:
        card = vobject.readOne(text)
    except Exception as exc:  # vobject raises ParseError, ValueError, AttributeError…
        raise ProtocolError(f"The {what} is not a valid vCard ({type(exc).__name__}).") from exc
    if getattr(card, "name", "").upper() != "VCARD":
        raise ProtocolError(f"The {what} is not a VCARD.")
    return card


def serialize_card(card: Any) -> bytes:
    try:
        out: str = card.serialize()
    except Exception as exc:
        raise InvalidInput(f"The contact cannot be written as a vCard ({exc}).") from exc
    return out.encode()


def _split_typed(value: str) -> tuple[str | None, str]:
    match = _TYPED.match(value.strip())
    return (match.group(1).lower(), match.group(2).strip()) if match else (None, value.strip())


def _replace(card: Any, name: str, values: list[tuple[str | None, Any]]) -> None:
    for old in list(card.contents.get(name, [])):
        card.remove(old)
    for kind, value in values:
        line = card.add(name)
        line.value = value
        if kind:
            line.type_param = kind.upper() if kind != "mobile" else "CELL"


def _name_parts(full: str) -> Any:
    parts = full.strip().split()
    family = parts[-1] if len(parts) > 1 else ""
    given = " ".join(parts[:-1]) if len(parts) > 1 else full.strip()
    return vobject.vcard.Name(family=family, given=given)


def _birthday(card: Any, value: str, version: str) -> None:
    """BDAY in the card's version: `19900415` / `--0415` in 4.0 (RFC 6350 §4.3.1), `1990-04-15` and Apple's
    `1604-04-15;X-APPLE-OMIT-YEAR=1604` in 3.0."""
    for old in list(card.contents.get("bday", [])):
        card.remove(old)
    if not value:
        return
    v4 = version == "4.0"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            datetime.strptime(value, "%Y-%m-%d")
        except ValueError as exc:
            raise InvalidInput(f"birthday {value!r} is not a real date.") from exc
        card.add("bday").value = value.replace("-", "") if v4 else value
        return
    if re.fullmatch(r"--\d{2}-\d{2}", value):
        try:
            datetime.strptime("2000" + value[1:], "%Y-%m-%d")  # a leap year: --02-29 is a birthday
        except ValueError as exc:
            raise InvalidInput(f"birthday {value!r} is not a real date.") from exc
        line = card.add("bday")
        line.value = "--" + value[2:].replace("-", "") if v4 else "1604" + value[1:]
        if not v4:
            line.params["X-APPLE-OMIT-YEAR"] = ["1604"]
        return
    raise InvalidInput(f"birthday {value!r} must be YYYY-MM-DD or --MM-DD (no year).")


def apply_contact_fields(card: Any, fields: ContactFields, version: str = "3.0") -> None:
    """Set the named fields on a vobject vCard of vCard `version`, keeping all other properties."""
    if fields.name is not None:
        if not fields.name.strip():
            raise InvalidInput("name must not be empty.")
        _replace(card, "fn", [(None, fields.name.strip())])
        _replace(card, "n", [(None, _name_parts(fields.name))])
    if fields.emails is not None:
        emails = [_split_typed(e) for e in fields.emails]
        for _, email in emails:
            if not _EMAIL.match(email):
                raise InvalidInput(f"{email!r} is not an e-mail address.")
        _replace(card, "email", emails)
    if fields.phones is not None:
        phones = [_split_typed(p) for p in fields.phones]
        for _, phone in phones:
            if not _PHONE.match(phone):
                raise InvalidInput(f"{phone!r} is not a phone number.")
        _replace(card, "tel", phones)
    if fields.addresses is not None:
        values = []
        for adr in fields.addresses:
            unknown = set(adr) - set(_ADR_KEYS) - {"type"}
            if unknown:
                raise InvalidInput(f"Unknown address keys {sorted(unknown)}; use {', '.join(_ADR_KEYS)}, type.")
            values.append((adr.get("type"), vobject.vcard.Address(**{k: adr.get(k, "") for k in _ADR_KEYS})))
        _replace(card, "adr", values)
    if fields.org is not None:
        _replace(card, "org", [(None, [fields.org])] if fields.org else [])
    for name, value in (("title", fields.title), ("note", fields.note)):
        if value is not None:
            _replace(card, name, [(None, value)] if value else [])
    if fields.birthday is not None:
        _birthday(card, fields.birthday, version)
    if fields.categories is not None:
        _replace(card, "categories", [(None, fields.categories)] if fields.categories else [])
    _replace(card, "rev", [(None, datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))])


def new_card(fields: ContactFields) -> Any:
    """A vCard 3.0 with a fresh UID."""
    if not fields.name:
        raise InvalidInput("A contact needs a name.")
    card = vobject.vCard()
    card.add("version").value = "3.0"
    card.add("prodid").value = PRODID
    card.add("uid").value = str(uuid.uuid4())
    apply_contact_fields(card, fields)
    return card


def _kinds(line: Any) -> list[str]:
    """The TYPE values, lower-case, whatever their form: `TYPE=work,voice`, `TYPE="work,voice"` (4.0), repeated
    `type=` (Apple) or bare `WORK;VOICE` (2.1 style, which Sabre reads as TYPE); without pref/voice/internet."""
    raw = [*line.params.get("TYPE", []), *getattr(line, "singletonparams", [])]
    kinds = [k.strip().lower() for v in raw for k in str(v).split(",") if k.strip()]
    return [k for k in kinds if k not in ("internet", "pref", "voice")]


def _typed(line: Any) -> str:
    value = str(line.value).strip()
    value = value[4:] if value.lower().startswith("tel:") else value
    kinds = _kinds(line)
    return f"{kinds[0]}: {value}" if kinds else value


def _values(card: Any, name: str) -> list[Any]:
    return list(card.contents.get(name, []))


def contact_view(card: Any) -> dict[str, Any]:
    """The fields shown to the model."""
    fn = _values(card, "fn")
    org = _values(card, "org")
    bday = _values(card, "bday")
    birthday = None
    if bday:
        raw = str(bday[0].value)
        if re.fullmatch(r"\d{8}", raw):
            raw = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
        if raw.startswith("--"):
            birthday = raw[:7] if "-" in raw[3:] else f"--{raw[2:4]}-{raw[4:6]}"
        elif "X-APPLE-OMIT-YEAR" in bday[0].params:
            birthday = "--" + raw[5:10]
        else:
            birthday = raw[:10]
    categories: list[str] = []
    for line in _values(card, "categories"):
        categories += [str(c) for c in (line.value if isinstance(line.value, list) else [line.value])]
    addresses = []
    for line in _values(card, "adr"):
        adr = line.value
        entry = {k: str(getattr(adr, k, "") or "") for k in _ADR_KEYS}
        kinds = _kinds(line)
        addresses.append({k: v for k, v in entry.items() if v} | ({"type": kinds[0]} if kinds else {}))
    return {
        "uid": str(_values(card, "uid")[0].value) if _values(card, "uid") else "",
        "name": str(fn[0].value) if fn else "",
        "emails": [_typed(line) for line in _values(card, "email")],
        "phones": [_typed(line) for line in _values(card, "tel")],
        "addresses": addresses,
        "org": ";".join(org[0].value)
        if org and isinstance(org[0].value, list)
        else (str(org[0].value) if org else None),
        "title": str(_values(card, "title")[0].value) if _values(card, "title") else None,
        "birthday": birthday,
        "note": str(_values(card, "note")[0].value) if _values(card, "note") else None,
        "groups": categories,
        "has_photo": bool(_values(card, "photo")),
        "version": str(_values(card, "version")[0].value) if _values(card, "version") else None,
    }


_PROPS = {
    "name": ("FN", "N"),
    "emails": ("EMAIL",),
    "phones": ("TEL",),
    "addresses": ("ADR",),
    "org": ("ORG",),
    "title": ("TITLE",),
    "birthday": ("BDAY",),
    "note": ("NOTE",),
    "categories": ("CATEGORIES",),
}


def _unfold(text: str) -> list[str]:
    return [line for line in re.sub(r"\r?\n[ \t]", "", text).splitlines() if line]


def _prop_name(line: str) -> str:
    head = re.split(r"[;:]", line, maxsplit=1)[0]
    return head.rsplit(".", 1)[-1].upper()  # "item1.EMAIL" -> EMAIL


def _fold(line: str) -> str:
    out, data = [], line.encode()
    while len(data) > 75:
        cut = 75
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # do not split a UTF-8 sequence
            cut -= 1
        out.append(data[:cut].decode())
        data = b" " + data[cut:]
    out.append(data.decode())
    return "\r\n".join(out)


def update_card(original: bytes, fields: ContactFields) -> bytes:
    """Change only the named properties of a stored vCard; every other line is kept byte for byte.

    vobject cannot round-trip every vCard 4.0 value (a `PHOTO:data:…;base64,…` URI loses its data), so the
    untouched lines are copied from the original text instead of being re-serialised.
    """
    card = parse_card(original)
    changed = {prop for key, props in _PROPS.items() if getattr(fields, key) is not None for prop in props}
    changed.add("REV")
    fresh = vobject.vCard()
    version = str(card.version.value).strip() if hasattr(card, "version") else "3.0"
    fresh.add("version").value = version
    apply_contact_fields(fresh, fields, version)
    new_lines = [line for line in _unfold(fresh.serialize(validate=False)) if _prop_name(line) in changed]
    kept = [
        line
        for line in _unfold(original.decode("utf-8", errors="strict"))
        if _prop_name(line) not in changed and line.upper() != "END:VCARD"
    ]
    result = "\r\n".join(_fold(line) for line in [*kept, *new_lines, "END:VCARD"]) + "\r\n"
    parse_card(result)  # the result must still be a readable vCard
    return result.encode()
