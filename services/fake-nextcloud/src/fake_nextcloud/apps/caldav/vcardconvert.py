"""Sabre's vCard version negotiation and conversion (what a card read over CardDAV looks like).

sabre-io/dav lib/CardDAV/Plugin.php (4e433ee9) answers every card in the version the request negotiates, not as it
was stored: ``httpAfterGet`` (lines 708-725) for GET from the ``Accept`` header, ``addressbookMultiGetReport``
(210-243) and ``addressbookQueryReport`` (384-457) from the ``address-data`` element's ``content-type`` and
``version`` attributes (lib/CardDAV/Xml/Filter/AddressData.php: defaults ``text/vcard`` and ``3.0``).
``negotiateVCard`` (742-778) picks vCard 3.0 unless vCard 4.0 or jCard is asked for; ``convertVCard`` (788-837)
returns the stored text untouched when it already is the target version, else sabre-io/vobject's
``VCard::convert`` (lib/VCardConverter.php) output. The query report also drops the properties the
``address-data`` element does not list (``card:prop name=``, case-sensitive, UID/VERSION/FN always kept).
"""

from __future__ import annotations

import base64
import re
from typing import NamedTuple

from fake_nextcloud.apps.caldav.mimedir import parse
from fake_nextcloud.apps.caldav.vcard import DATE_KINDS, VCARD30, VCARD40, Param, Prop, VCard, php_base64_decode
from fake_nextcloud.apps.caldav.vcardtime import ParseError, parse_vcard_datetime

__all__ = ["SABRE_VOBJECT", "ConversionError", "convert", "convert_vcard", "negotiate_content_type", "negotiate_vcard"]

#: sabre-io/vobject lib/Version.php of the release Nextcloud ships (VCard::getDefaults writes it into PRODID)
SABRE_VOBJECT = "4.5.6"
_ANNIVERSARY = "_$!<Anniversary>!$_"
#: CardDAV Plugin::negotiateVCard, in order
VCARD_TYPES = [
    "text/x-vcard",
    "text/vcard",
    "text/vcard; version=4.0",
    "text/vcard; version=3.0",
    "application/vcard+json",
]


class ConversionError(Exception):
    """An exception Sabre does not catch (PHP class name, message): the request ends with 500."""

    def __init__(self, exception: str, message: str) -> None:
        super().__init__(message)
        self.exception = exception
        self.message = message


class _Mime(NamedTuple):
    type: str
    subtype: str
    quality: int | float  # an int unless a q parameter sets a float (negotiateContentType compares with ===)
    params: dict[str, str]


def _mime(text: str) -> _Mime:
    """sabre/http lib/functions.php::parseMimeType (a parameter's value is the whole ``name=value`` part)."""
    parts = text.split(";")
    mime = parts[0].strip()
    mime = "*/*" if mime == "*" else mime
    pieces = mime.split("/")
    if len(pieces) != 2:
        raise ConversionError("InvalidArgumentException", f"Not a valid mime-type: {text}")
    params: dict[str, str] = {}
    quality: int | float = 1
    for part in parts[1:]:
        part = part.strip()
        name, value = part.split("=", 1) if part.find("=") > 0 else (part, None)
        if name == "q":
            match = re.match(r"\s*[+-]?(\d+\.?\d*|\.\d+)", value or "")
            quality = float(match.group()) if match else 0.0
            break
        params[name] = part
    return _Mime(pieces[0], pieces[1], quality, params)


def negotiate_content_type(accept: str | None, options: list[str]) -> str | None:
    """sabre/http lib/functions.php::negotiateContentType: highest quality, then the most specific match, then the
    earliest option; no header means the first option."""
    if not accept:
        return options[0]
    proposals = [_mime(p) for p in accept.split(",")]
    parsed = [_mime(o) for o in options]
    best_quality: int | float = 0
    best_specificity, best_index, choice = 0, 0, None
    for proposal in proposals:
        quality = proposal.quality
        if quality < best_quality:
            continue
        for index, option in enumerate(parsed):
            if proposal.type not in ("*", option.type) or proposal.subtype not in ("*", option.subtype):
                continue
            if any(proposal.params.get(name) != value for name, value in option.params.items()):
                continue  # "Any parameters appearing on the options must appear on proposals."
            specificity = (20 if proposal.type != "*" else 0) + (10 if proposal.subtype != "*" else 0)
            specificity += len(option.params)
            same = type(quality) is type(best_quality) and quality == best_quality  # PHP ===: 1 !== 1.0
            if (
                quality > best_quality
                or (same and specificity > best_specificity)
                or (same and specificity == best_specificity and index < best_index)
            ):
                best_quality, best_specificity, best_index, choice = quality, specificity, index, options[index]
    return choice


def negotiate_vcard(accept: str | None) -> tuple[str, str]:
    """Plugin::negotiateVCard: (``vcard3``/``vcard4``/``jcard``, the response's mime type)."""
    result = negotiate_content_type(accept, VCARD_TYPES)
    if result == "text/vcard; version=4.0":
        return "vcard4", result
    if result == "application/vcard+json":
        return "jcard", result
    return "vcard3", "text/vcard"


def convert_vcard(data: str, target: str, properties: list[str] | None = None) -> str:
    """Plugin::convertVCard; VObject's exceptions become ``ConversionError`` (Sabre answers them with 500)."""
    try:
        card = parse(data)
        if properties:
            keep = ["UID", "VERSION", "FN", *properties]  # array_diff: compared as given, case-sensitively
            for name in [n for n in card.children if n not in keep]:
                card.remove(name)
            data = card.serialize()
        if target == "vcard4":
            return data if card.doc_type() == VCARD40 else convert(card, VCARD40).serialize()
        if target == "jcard":
            return convert(card, VCARD40).json()
        return data if card.doc_type() == VCARD30 else convert(card, VCARD30).serialize()
    except ParseError as exc:
        raise ConversionError("Sabre\\VObject\\ParseException", str(exc)) from None


def convert(card: VCard, target: int) -> VCard:
    """sabre-io/vobject lib/VCardConverter.php::convert: a new card (VERSION, Sabre's PRODID) with every property
    converted in the order of ``children()`` (grouped by name)."""
    if card.doc_type() == target:
        return card
    if card.doc_type() not in (2, VCARD30, VCARD40):
        raise ConversionError(
            "InvalidArgumentException", "Only vCard 2.1, 3.0 and 4.0 are supported for the input data"
        )
    output = VCard()
    output.add(output.create("VERSION", "4.0" if target == VCARD40 else "3.0"))
    output.add(output.create("PRODID", f"-//Sabre//Sabre VObject {SABRE_VOBJECT}//EN"))
    for prop in card.props():
        _convert_property(card, output, prop, target)
    return output


def _convert_property(card: VCard, output: VCard, prop: Prop, target: int) -> None:
    """VCardConverter::convertProperty."""
    if prop.name in ("VERSION", "PRODID"):
        return
    params = dict(prop.params)
    value_param = params.pop("VALUE", None)
    value_type = ",".join(value_param.parts()) if value_param is not None else ""
    value_type = value_type or prop.value_type
    if target != VCARD30 and value_type == "PHONE-NUMBER":
        value_type = ""
    created = output.create(prop.name, prop.parts(), {}, value_type or None)
    new = _to_30(output, prop, created) if target == VCARD30 else _to_40(card, output, prop, created, params)
    if new is None:
        return
    new.group = prop.group
    if target == VCARD40:
        _parameters_40(new, params)
    else:
        _parameters_30(new, params)
    # "Lastly, we need to see if there's a need for a VALUE parameter."
    if output.create(new.name).value_type != new.value_type:
        new.set_param("VALUE", new.value_type)
    output.add(new)


def _date_parts(prop: Prop) -> dict[str, str | None]:
    return parse_vcard_datetime(str(prop.get_value() or ""))


def _to_30(output: VCard, prop: Prop, new: Prop) -> Prop | None:
    if prop.kind == "uri" and prop.name in ("PHOTO", "LOGO", "SOUND"):
        return _uri_to_binary(output, new)
    if prop.kind in DATE_KINDS:
        # "choosing 1604 for the birth year, because that's what apple uses"
        parts = _date_parts(prop)
        if parts["year"] is None:
            new.set_value(f"1604-{parts['month'] or ''}-{parts['date'] or ''}")
            new.set_param("X-APPLE-OMIT-YEAR", "1604")
        if new.name == "ANNIVERSARY":
            new.name = "X-ANNIVERSARY"
            index = 1
            while output.select(f"ITEM{index}."):
                index += 1
            output.add(output.create(f"ITEM{index}.X-ABDATE", new.get_value(), {"VALUE": "DATE-AND-OR-TIME"}))
            output.add(output.create(f"ITEM{index}.X-ABLABEL", _ANNIVERSARY))
        return new
    if prop.name == "KIND":
        kind = str(prop.get_value() or "").lower()
        if kind == "org":
            return output.create("X-ABSHOWAS", "COMPANY")
        if kind == "individual":
            return None
        if kind == "group":
            return output.create("X-ADDRESSBOOKSERVER-KIND", "GROUP")
        return new
    if prop.name == "MEMBER":
        return output.create("X-ADDRESSBOOKSERVER-MEMBER", prop.get_value())
    return new


def _to_40(card: VCard, output: VCard, prop: Prop, new: Prop, params: dict[str, Param]) -> Prop | None:
    if prop.name in ("NAME", "MAILER", "LABEL", "CLASS"):
        return None  # "These properties were removed in vCard 4.0"
    if prop.kind == "binary":
        new = _binary_to_uri(output, new, params)
    elif prop.kind in DATE_KINDS and "X-APPLE-OMIT-YEAR" in params:
        parts = _date_parts(prop)
        if parts["year"] == params["X-APPLE-OMIT-YEAR"].value_string():
            new.set_value(f"--{parts['month'] or ''}-{parts['date'] or ''}")
        del params["X-APPLE-OMIT-YEAR"]
    value = str(prop.get_value() or "")
    if prop.name == "X-ABSHOWAS" and value.upper() == "COMPANY":
        return output.create("KIND", "ORG")
    if prop.name == "X-ADDRESSBOOKSERVER-KIND" and value.upper() == "GROUP":
        return output.create("KIND", "GROUP")
    if prop.name == "X-ADDRESSBOOKSERVER-MEMBER":
        return output.create("MEMBER", prop.get_value())
    if prop.name == "X-ANNIVERSARY":
        new.name = "ANNIVERSARY"
        return None if _has_anniversary(output, new) else new
    if prop.name == "X-ABDATE" and prop.group:
        labels = card.select(f"{prop.group}.X-ABLABEL")
        if not labels or labels[0].get_value() != _ANNIVERSARY:
            return new
        if _has_anniversary(output, new):
            return None
        new.name = "ANNIVERSARY"
        return new
    if prop.name == "X-ABLABEL" and new.get_value() == _ANNIVERSARY:
        return None
    return new


def _has_anniversary(output: VCard, new: Prop) -> bool:
    return any(a.get_value() == new.get_value() for a in output.select("ANNIVERSARY"))


def _binary_to_uri(output: VCard, new: Prop, params: dict[str, Param]) -> Prop:
    """VCardConverter::convertBinaryToUri: a ``data:`` URI, the TYPE image formats becoming its media type."""
    data = new.get_value()
    uri = output.create(new.name, None, {}, "URI")
    mime = "application/octet-stream"
    if "TYPE" in params:
        kept = []
        for part in params["TYPE"].parts():
            if part.upper() in ("JPEG", "PNG", "GIF"):
                mime = "image/" + part.lower()
            else:
                kept.append(part)
        if kept:
            params["TYPE"] = Param("TYPE", kept)
        else:
            del params["TYPE"]
    raw = data if isinstance(data, bytes) else str(data or "").encode()
    uri.set_value(f"data:{mime};base64," + base64.b64encode(raw).decode())
    return uri


def _uri_to_binary(output: VCard, new: Prop) -> Prop:
    """VCardConverter::convertUriToBinary: only ``data:`` URIs, with ``ENCODING=b`` and the image TYPE."""
    value = str(new.get_value() or "")
    if not value.startswith("data:"):
        return new
    binary = output.create(new.name, None, {}, "BINARY")
    comma = value.find(",")
    mime = value[5:comma] if comma >= 0 else value[5:-5]
    rest = value[comma + 1 :] if comma >= 0 else value[1:]
    if mime.find(";") > 0:  # strpos: a ";" at 0 does not count
        mime = mime[: mime.find(";")]
        binary.set_value(php_base64_decode(rest))
    else:
        binary.set_value(rest.encode())
    binary.set_param("ENCODING", "b")
    image = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF"}.get(mime)
    if image:
        binary.set_param("TYPE", image)
    return binary


def _parameters_40(new: Prop, params: dict[str, Param]) -> None:
    """VCardConverter::convertParameters40: TYPE=PREF becomes PREF=1, ENCODING and CHARSET are dropped."""
    for param in params.values():
        if param.name == "TYPE":
            for part in param.parts():
                if part.upper() == "PREF":
                    new.add("PREF", "1")
                else:
                    new.add("TYPE", part)
        elif param.name not in ("ENCODING", "CHARSET"):
            new.add(param.name, param.parts())


def _parameters_30(new: Prop, params: dict[str, Param]) -> None:
    """VCardConverter::convertParameters30: PREF=1 becomes TYPE=PREF, other PREF values are dropped."""
    for param in params.values():
        if param.name == "ENCODING":
            if param.value_string().upper() != "QUOTED-PRINTABLE":
                new.add(param.name, param.parts())
        elif param.name == "PREF":
            if _php_equals_one(param.value_string()):
                new.add("TYPE", "PREF")
        else:
            new.add(param.name, param.parts())


def _php_equals_one(value: str) -> bool:
    """``'1' == $value`` in PHP 8: numeric strings compare as numbers."""
    if re.fullmatch(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*", value):
        return float(value) == 1.0
    return value == "1"
