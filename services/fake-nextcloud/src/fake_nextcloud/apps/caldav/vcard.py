"""The vCard object model of sabre-io/vobject 4.5 (what Sabre parses a stored card into before converting it).

Sabre answers a card in another vCard version by parsing it (lib/Parser/MimeDir.php, in ``mimedir``), converting
it (lib/VCardConverter.php, in ``vcardconvert``) and serialising the result (lib/Component.php::serialize,
lib/Property.php::serialize, lib/Parameter.php::serialize) or encoding it as jCard (``jsonSerialize``). The bytes
that come out depend on the property classes (lib/Component/VCard.php ``$valueMap``/``$propertyMap``): how each
class unescapes and escapes its value (lib/Property/Text.php, Uri.php, Binary.php, VCard/DateAndOrTime.php, ...).
This module reproduces those classes as ``kind`` strings on one ``Prop`` class. Components nested in a vCard,
vCard 2.1 quoted-printable values, non-UTF-8 charsets and the jCard form of TIME values are not modelled (a CardDAV
card is 3.0 or 4.0 UTF-8).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

from fake_nextcloud.apps.caldav.vcardtime import ParseError, json_date, parse_vcard_datetime

__all__ = ["DATE_KINDS", "VCARD30", "VCARD40", "Param", "ParseError", "Prop", "VCard", "php_base64_decode"]

VCARD21, VCARD30, VCARD40 = 2, 3, 4
#: lib/Component/VCard.php::$valueMap (VALUE parameter -> class)
VALUE_MAP = {
    "BINARY": "binary", "BOOLEAN": "boolean", "CONTENT-ID": "flat", "DATE": "date", "DATE-TIME": "date-time",
    "DATE-AND-OR-TIME": "date-and-or-time", "FLOAT": "float", "INTEGER": "integer", "LANGUAGE-TAG": "language-tag",
    "PHONE-NUMBER": "phone-number", "TIMESTAMP": "timestamp", "TEXT": "text", "TIME": "time", "UNKNOWN": "unknown",
    "URI": "uri", "URL": "uri", "UTC-OFFSET": "utc-offset",
}  # fmt: skip
_FLAT = (
    "FN LABEL TEL EMAIL MAILER GEO TITLE ROLE NOTE SOUND UID VERSION KEY SORT-STRING PRODID CLASS XML KIND "
    "BIRTHPLACE DEATHPLACE EXPERTISE HOBBY INTEREST ORG-DIRECTORY"
)
#: lib/Component/VCard.php::$propertyMap (property name -> class; anything else is Unknown)
PROPERTY_MAP = {
    **dict.fromkeys(_FLAT.split(), "flat"),
    **dict.fromkeys(["N", "ADR", "ORG", "TZ", "CATEGORIES", "NICKNAME", "CLIENTPIDMAP", "GENDER"], "text"),
    **dict.fromkeys(["PHOTO", "LOGO"], "binary"),
    **dict.fromkeys(["BDAY", "ANNIVERSARY", "DEATHDATE"], "date-and-or-time"),
    **dict.fromkeys(["URL", "FBURL", "CAPURI", "CALURI", "CALADRURI", "IMPP", "SOURCE", "MEMBER", "RELATED"], "uri"),
    "REV": "timestamp",
    "LANG": "language-tag",
}
#: getValueType() of each class
VALUE_TYPES = {
    "text": "TEXT", "flat": "TEXT", "uri": "URI", "binary": "BINARY", "unknown": "UNKNOWN",
    "date-and-or-time": "DATE-AND-OR-TIME", "date": "DATE", "date-time": "DATE-TIME", "timestamp": "TIMESTAMP",
    "language-tag": "LANGUAGE-TAG", "phone-number": "PHONE-NUMBER", "boolean": "BOOLEAN", "integer": "INTEGER",
    "float": "FLOAT", "utc-offset": "UTC-OFFSET", "time": "TIME",
}  # fmt: skip
DATE_KINDS = ("date-and-or-time", "date", "date-time")
_TEXTLIKE = ("text", "flat", "unknown", "phone-number", "timestamp", "utc-offset", "time", "uri")
#: lib/Property/Text.php $structuredValues / $minimumPropertyValues
STRUCTURED = ("N", "ADR", "ORG", "GENDER", "CLIENTPIDMAP", "REQUEST-STATUS")
MINIMUM = {"N": 5, "ADR": 7}
#: lib/Parameter.php::guessParameterNameByValue
_TYPES = (
    "WORK HOME PREF DOM INTL POSTAL PARCEL VOICE FAX MSG CELL PAGER BBS MODEM CAR ISDN VIDEO AOL APPLELINK ATTMAIL "
    "CIS EWORLD INTERNET IBMMAIL MCIMAIL POWERSHARE PRODIGY TLX X400 GIF CGM WMF BMP DIB PICT TIFF PDF PS JPEG MPEG "
    "MPEG2 AVI QTIME WAVE PCM AIFF X509 PGP"
)
_GUESS = {
    **dict.fromkeys(["7-BIT", "QUOTED-PRINTABLE", "BASE64"], "ENCODING"),
    **dict.fromkeys(["INLINE", "URL", "CONTENT-ID", "CID"], "VALUE"),
    **dict.fromkeys(_TYPES.split(), "TYPE"),
}


@dataclass
class Param:
    name: str
    value: str | list[str] | None = None
    no_name: bool = False

    def parts(self) -> list[str]:
        return list(self.value) if isinstance(self.value, list) else [] if self.value is None else [self.value]

    def value_string(self) -> str:
        """Parameter::getValue (several values joined with commas)."""
        return ",".join(self.parts())

    def add_value(self, part: str | list[str]) -> None:
        """Parameter::addValue (array_merge of both as arrays)."""
        if self.value is None:
            self.value = part
        else:
            self.value = self.parts() + (list(part) if isinstance(part, list) else [part])

    def serialize(self) -> str:
        """Parameter::serialize: values with ``\\n " : ; ^ , +`` are quoted with RFC 6868 escapes."""
        parts = self.parts()
        if not parts:
            return f"{self.name}="
        out = []
        for item in parts:
            if re.search(r'[\n":;\^,+]', item):
                item = '"' + item.replace("^", "^^").replace("\n", "^n").replace('"', "^'") + '"'
            out.append(item)
        return f"{self.name}={','.join(out)}"


@dataclass
class Prop:
    """One property; ``kind`` is its sabre class (``text``, ``flat``, ``uri``, ``binary``, ``unknown``, ...)."""

    name: str
    kind: str
    group: str | None = None
    params: dict[str, Param] = field(default_factory=dict)
    value: Any = None

    @property
    def delimiter(self) -> str:
        """``$delimiter`` of the class; Text::__construct makes it ``;`` for structured names."""
        if self.kind in ("text", "flat", "unknown", "uri", "timestamp", "utc-offset", "time"):
            if self.name in STRUCTURED:
                return ";"
            return "," if self.kind in ("text", "flat", "unknown") else ""
        if self.kind == "phone-number":
            return ","  # PhoneNumber: no structured values
        return "" if self.kind == "binary" or self.kind in DATE_KINDS else ";"

    @property
    def value_type(self) -> str:
        return VALUE_TYPES[self.kind]

    def add(self, name: str | None, value: str | list[str] | None = None) -> None:
        """Property::add: a parameter, merged into one of the same name."""
        no_name = name is None
        if name is None:
            name = _GUESS.get((value if isinstance(value, str) else "").upper(), "")
        if name.upper() in self.params:
            if value is not None:
                self.params[name.upper()].add_value(value)
            return
        param = Param(name.upper(), value)
        if not param.name:  # Parameter::__construct: a value without a known name becomes the name
            param = Param(value.upper() if isinstance(value, str) else "", None)
        param.no_name = no_name
        self.params[param.name] = param

    def set_param(self, name: str, value: str) -> None:
        """``$property[$name] = $value`` (Property::offsetSet replaces)."""
        self.params[name.upper()] = Param(name.upper(), value)

    def parts(self) -> list[Any]:
        return [] if self.value is None else list(self.value) if isinstance(self.value, list) else [self.value]

    def get_value(self) -> Any:
        """Property::getValue (one part as itself, several as the raw MIME value)."""
        if isinstance(self.value, list):
            return None if not self.value else self.value[0] if len(self.value) == 1 else self.raw()
        return self.value

    def set_value(self, value: Any) -> None:
        if self.kind == "binary" and isinstance(value, list):
            if len(value) != 1:
                raise ParseError("The argument must either be a string or an array with only one child")
            value = value[0]
        self.value = value

    def set_raw(self, raw: str) -> None:
        """setRawMimeDirValue of each class."""
        if self.kind == "uri":
            # lib/Property/Uri.php: URL only unescapes "\:" (Google), other URIs only "\,"
            if self.name == "URL":
                self.value = re.sub(r"\\\\|\\:", lambda m: ":" if m.group() == "\\:" else m.group(), raw)
            else:
                self.value = raw.replace("\\,", ",")
        elif self.kind in _TEXTLIKE:
            self.value = unescape(raw, self.delimiter)
        elif self.kind == "binary":
            self.value = php_base64_decode(raw)
        elif self.kind == "boolean":
            self.value = raw.upper() == "TRUE"
        elif self.kind == "integer":
            match = re.match(r"\s*[+-]?\d+", raw)
            self.value = int(match.group()) if match else 0
        elif self.kind == "float":
            self.value = [_php_float(p) for p in raw.split(";")]
        else:  # date kinds, language-tag
            self.value = raw

    def raw(self) -> str:
        """getRawMimeDirValue of each class."""
        if self.kind == "uri":
            value = self.value[0] if isinstance(self.value, list) else self.value
            return str(value or "").replace(",", "\\,")
        if self.kind in _TEXTLIKE:
            parts = self.parts()
            if self.name in MINIMUM:
                parts += [""] * (MINIMUM[self.name] - len(parts))
            items = []
            for item in parts:
                subs = item if isinstance(item, list) else [item]
                items.append(",".join("" if s is None else _escape(str(s)) for s in subs))
            return self.delimiter.join(items)
        if self.kind == "binary":
            data = self.value if isinstance(self.value, bytes) else str(self.value or "").encode()
            return base64.b64encode(data).decode()
        if self.kind == "boolean":
            return "TRUE" if self.value else "FALSE"
        if self.kind == "integer":
            return str(self.value)
        if self.kind == "float":
            return ";".join(_php_float_str(v) for v in self.parts())
        if self.kind in DATE_KINDS:
            return "".join(str(p) for p in self.parts())
        return str(self.get_value() or "")

    def serialized_params(self) -> list[Param]:
        """Property::parameters; Uri::parameters adds ``VALUE=URI`` to URL and PHOTO (Apple's clients need it)."""
        params = list(self.params.values())
        if self.kind == "uri" and "VALUE" not in self.params and self.name in ("URL", "PHOTO"):
            params.append(Param("VALUE", "URI"))
        return params

    def serialize(self) -> str:
        head = f"{self.group}.{self.name}" if self.group else self.name
        line = head + "".join(";" + p.serialize() for p in self.serialized_params()) + ":" + self.raw()
        return fold(line)

    def json(self) -> list[Any]:
        """Property::jsonSerialize with each class's getJsonValue."""
        params: dict[str, Any] = {p.name.lower(): p.value for p in self.params.values() if p.name != "VALUE"}
        if self.group:
            params["group"] = self.group
        return [self.name.lower(), params, self.value_type.lower(), *self._json_value()]

    def _json_value(self) -> list[Any]:
        if self.kind == "unknown":
            return [self.raw()]
        if self.kind == "binary":
            return [self.raw()]
        if self.kind in DATE_KINDS:
            return [json_date(str(self.get_value()))]
        if self.kind == "timestamp":
            p = parse_vcard_datetime(str(self.get_value()))
            stamp = f"{p['year'] or ''}-{p['month'] or ''}-{p['date'] or ''}T{p['hour'] or ''}:{p['minute'] or ''}:"
            return [stamp + (p["second"] or "") + (p["timezone"] or "")]
        if self.kind == "integer":
            return [int(self.get_value() or 0)]
        if self.kind == "float":
            values = [float(v) for v in self.parts()]
            return [values] if self.name == "GEO" else list(values)
        if self.kind == "utc-offset":
            return [f"{v[:-2]}:{v[-2:]}" for v in self.parts()]
        if self.kind in ("text", "flat", "uri") and self.name in STRUCTURED:
            return [self.parts()]
        return self.parts()


class VCard:
    """lib/Component/VCard.php: children grouped by property name, in the order each name first appeared."""

    def __init__(self) -> None:
        self.children: dict[str, list[Prop]] = {}
        self._version: int | None = None

    def doc_type(self) -> int:
        """VCard::getDocumentType (cached once VERSION is known)."""
        if self._version is None:
            first = self.children.get("VERSION", [])
            version = {"2.1": VCARD21, "3.0": VCARD30, "4.0": VCARD40}.get(str(first[0].get_value()) if first else "")
            if version is None:
                return 1
            self._version = version
        return self._version

    def props(self) -> list[Prop]:
        return [p for group in self.children.values() for p in group]

    def add(self, prop: Prop) -> Prop:
        self.children.setdefault(prop.name, []).append(prop)
        return prop

    def remove(self, name: str) -> None:
        self.children.pop(name.upper(), None)

    def select(self, name: str) -> list[Prop]:
        """Component::select: ``NAME``, ``GROUP.NAME`` or ``GROUP.`` (group names compared upper-cased)."""
        group, _, prop = name.upper().partition(".") if "." in name else (None, "", name.upper())
        pool = self.children.get(prop, []) if prop else self.props()
        return [p for p in pool if group is None or (p.group or "").upper() == group]

    def create(
        self,
        name: str,
        value: Any = None,
        params: dict[str, str | list[str]] | None = None,
        value_type: str | None = None,
    ) -> Prop:
        """Document::createProperty: the class from ``value_type``, else from VALUE, else from the name (the group
        is what precedes the first dot)."""
        group, _, bare = name.partition(".") if "." in name else ("", "", name)
        bare = bare.upper()
        kind = VALUE_MAP.get(value_type.upper()) if value_type else None
        if kind is None and params and "VALUE" in params:
            given = params["VALUE"]
            given = given[0] if isinstance(given, list) else given
            kind = VALUE_MAP.get(given.upper())
            if kind is None:
                raise ParseError(f'Unsupported VALUE parameter for {bare} property. You supplied "{given}"')
        if kind is None:
            kind = PROPERTY_MAP.get(bare, "unknown")
            if kind == "binary" and self.doc_type() == VCARD40:  # VCard::getClassNameForPropertyName
                kind = "uri"
        prop = Prop(bare, kind, group or None)
        for key, val in (params or {}).items():
            prop.add(key, val)
        if value is not None:
            prop.set_value(value)
        return prop

    def serialize(self) -> str:
        """Component::serialize: VERSION first, then the children in order."""
        props = self.props()
        ordered = [p for p in props if p.name == "VERSION"] + [p for p in props if p.name != "VERSION"]
        return "BEGIN:VCARD\r\n" + "".join(p.serialize() for p in ordered) + "END:VCARD\r\n"

    def json(self) -> str:
        """``json_encode($vcard)`` (VCard::jsonSerialize; PHP escapes ``/`` and non-ASCII)."""
        encoded = json.dumps(["vcard", [p.json() for p in self.props()]], separators=(",", ":"))
        return encoded.replace("/", "\\/")


def fold(line: str) -> str:
    """Property::serialize folding (a PCRE replace without /u or /s): 75 octets on the first line, 74 after the
    leading space, never before a UTF-8 continuation byte; a raw newline in a value is not matched by ``.``, so it
    stays where it is; the last character (the space after the last CRLF) is cut."""
    out = bytearray()
    for index, segment in enumerate(line.encode().split(b"\n")):
        if index:
            out += b"\n"
        pos = 0
        while pos < len(segment):
            end = min(pos + (75 if index == pos == 0 else 74), len(segment))
            while end < len(segment) and 0x80 <= segment[end] <= 0xBF and end > pos + 1:
                end -= 1
            out += segment[pos:end] + b"\r\n "
            pos = end
    return out[:-1].decode()


def unescape(raw: str, delimiter: str) -> str | list[str]:
    """MimeDir::unescapeValue: ``\\\\ \\n \\N \\; \\,`` and the delimiter; other backslashes stay."""
    pattern = r"(\\\\|\\N|\\n|\\;|\\," + (f"|{re.escape(delimiter)})" if delimiter else ")")
    parts, current = [], ""
    for piece in (t for t in re.split(pattern, raw) if t):
        if piece == "\\\\":
            current += "\\"
        elif piece in ("\\n", "\\N"):
            current += "\n"
        elif piece in ("\\;", "\\,"):
            current += piece[1]
        elif delimiter and piece == delimiter:
            parts.append(current)
            current = ""
        else:
            current += piece
    parts.append(current)
    return parts if delimiter else current


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n").replace("\r", "")


def php_base64_decode(raw: str) -> bytes:
    """PHP ``base64_decode`` (not strict): characters outside the alphabet are skipped."""
    clean = re.sub(r"[^A-Za-z0-9+/]", "", raw.split("=", 1)[0] if "=" in raw.rstrip("=") else raw)
    clean = clean[: len(clean) - (len(clean) % 4 == 1)]
    return base64.b64decode(clean + "=" * (-len(clean) % 4))


def _php_float(text: str) -> float:
    match = re.match(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text)
    return float(match.group()) if match else 0.0


def _php_float_str(value: Any) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
