"""vCard building, reading (3.0 and 4.0) and loss-free updates."""

from __future__ import annotations

import pytest

from nextcloud_mcp.apps.contacts.vcard import (
    ContactFields,
    contact_view,
    new_card,
    parse_card,
    serialize_card,
    update_card,
)
from nextcloud_mcp.core.errors import InvalidInput, ProtocolError

V4 = (
    b"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:x\r\nFN:Bob\r\nTEL;VALUE=uri;TYPE=cell:tel:+1-555-0100\r\n"
    b"item1.EMAIL;TYPE=work:b@x.com\r\nitem1.X-ABLabel:custom\r\nX-FOO:bar\r\n"
    b"PHOTO:data:image/png;base64,iVBORw0KGgo=\r\nBDAY:19900501\r\nEND:VCARD\r\n"
)


def test_new_card_is_vcard3_with_structured_name() -> None:
    card = new_card(
        ContactFields(name="Ada King Lovelace", emails=["work: ada@x.org"], birthday="--12-10", categories=["Friends"])
    )
    data = serialize_card(card).decode()
    assert "VERSION:3.0" in data and "N:Lovelace;Ada King;;;" in data and "EMAIL;TYPE=WORK:ada@x.org" in data
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-10" in data
    view = contact_view(parse_card(data))
    assert view["birthday"] == "--12-10" and view["emails"] == ["work: ada@x.org"]
    assert view["groups"] == ["Friends"]  # vCard CATEGORIES are the tools' groups


def test_vcard4_is_read() -> None:
    view = contact_view(parse_card(V4))
    assert view["phones"] == ["cell: +1-555-0100"] and view["emails"] == ["work: b@x.com"]
    assert view["birthday"] == "1990-05-01" and view["has_photo"] and view["version"] == "4.0"


def test_update_keeps_every_untouched_line() -> None:
    out = update_card(V4, ContactFields(note="hi", name="Bob Builder")).decode()
    for line in ("PHOTO:data:image/png;base64,iVBORw0KGgo=", "X-FOO:bar", "item1.EMAIL;TYPE=work:b@x.com"):
        assert line in out
    assert "VERSION:4.0" in out and "FN:Bob Builder" in out and "NOTE:hi" in out and "FN:Bob\r\n" not in out


def test_update_folds_long_lines_without_splitting_utf8() -> None:
    out = update_card(V4, ContactFields(note="ü" * 100))
    assert all(len(line) <= 75 for line in out.split(b"\r\n"))
    assert contact_view(parse_card(out))["note"] == "ü" * 100


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (ContactFields(name="X", emails=["nope"]), "not an e-mail"),
        (ContactFields(name="X", phones=["call me"]), "not a phone"),
        (ContactFields(name="X", birthday="2026-02-30"), "not a real date"),
        (ContactFields(name="X", addresses=[{"planet": "Mars"}]), "Unknown address keys"),
        (ContactFields(name=""), "needs a name"),
    ],
)
def test_bad_values(fields: ContactFields, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        new_card(fields)


def test_broken_vcard_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        parse_card(b"BEGIN:VCARD\r\nFN:x\r\n")
    with pytest.raises(ProtocolError, match="not a VCARD"):
        parse_card(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")


@pytest.mark.parametrize(
    ("birthday", "line"),
    [("--03-04", "BDAY:--0304"), ("1990-02-03", "BDAY:19900203"), ("--02-29", "BDAY:--0229")],
)
def test_vcard4_birthdays_are_written_in_vcard4_form(birthday: str, line: str) -> None:
    out = update_card(V4, ContactFields(birthday=birthday)).decode()
    assert line + "\r\n" in out and "X-APPLE-OMIT-YEAR" not in out and "BDAY:19900501" not in out
    assert contact_view(parse_card(out))["birthday"] == birthday


def test_vcard3_birthdays_keep_apples_form() -> None:
    v3 = V4.replace(b"VERSION:4.0", b"VERSION:3.0")
    out = update_card(v3, ContactFields(birthday="--03-04")).decode()
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-04" in out
    assert "BDAY:1990-02-03" in update_card(v3, ContactFields(birthday="1990-02-03")).decode()
    with pytest.raises(InvalidInput, match="not a real date"):
        update_card(v3, ContactFields(birthday="--13-45"))


def test_types_are_read_in_every_form() -> None:
    card = (
        b'BEGIN:VCARD\r\nVERSION:4.0\r\nUID:t\r\nFN:T\r\nTEL;VALUE=uri;TYPE="voice,home";PREF=1:tel:+1-555\r\n'
        b"TEL;WORK;VOICE:123\r\nEMAIL;TYPE=INTERNET,pref,work:a@b.c\r\nADR;TYPE=pref,home:;;1 Main St;Town;;;\r\n"
        b"END:VCARD\r\n"
    )
    view = contact_view(parse_card(card))
    assert view["phones"] == ["home: +1-555", "work: 123"] and view["emails"] == ["work: a@b.c"]
    assert view["addresses"] == [{"street": "1 Main St", "city": "Town", "type": "home"}]
