"""The collections Nextcloud generates: the "Contact birthdays" calendar and the system address book.

Sources: nextcloud/server apps/dav/lib/CalDAV/BirthdayService.php (events, calendar), Listener/BirthdayListener.php,
CalDAV/Calendar.php (getACL, delete), CardDAV/UserAddressBooks.php, SystemAddressbook.php, SyncService.php,
Converter.php, Connector/Sabre/DavAclPlugin.php; stored rows of real instances (birthday events, system cards).
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2
import pytest

from fake_nextcloud import FakeState
from support.caldav_xml import (
    CR,
    DAV,
    NX,
    OC,
    X1,
    D,
    error,
    hrefs_of,
    propfind,
    responses,
)
from support.fake_support import ALICE, BOB, T0

pytestmark = pytest.mark.anyio

CALS = f"{DAV}/calendars/alice/"
BIRTHDAYS = f"{CALS}contact_birthdays/"
BOOKS = f"{DAV}/addressbooks/users/alice/"
CONTACTS = f"{BOOKS}contacts/"
SYSTEM = f"{BOOKS}z-server-generated--system/"
STAMP = f"{datetime.fromtimestamp(T0, UTC):%Y%m%dT%H%M%SZ}"


def card(uid: str, *lines: str, version: str = "3.0") -> str:
    return "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", f"UID:{uid}", *lines, "END:VCARD"]) + "\r\n"


async def put_card(client: httpx2.AsyncClient, url: str, body: str) -> httpx2.Response:
    response = await client.put(url, content=body.encode(), auth=ALICE, headers={"Content-Type": "text/vcard"})
    assert response.status_code in (201, 204), response.text
    return response


def birthday(summary: str, start: str, end: str, uid: str, *extra: str, field: str = "BDAY") -> str:
    """BirthdayService::buildDateFromContact as sabre/vobject serialises it (a stored row of a real instance:
    VERSION, CALSCALE, PRODID, then DTSTAMP ... X-NEXTCLOUD-BC-*, VALARM at PT9H)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "PRODID:-//IDN nextcloud.com//Birthday calendar//EN",
        "BEGIN:VEVENT",
        f"DTSTAMP:{STAMP}",
        f"DTSTART;VALUE=DATE:{start}",
        f"DTEND;VALUE=DATE:{end}",
        f"UID:{uid}",
        *extra[:1],
        f"SUMMARY:{summary}",
        "TRANSP:TRANSPARENT",
        f"X-NEXTCLOUD-BC-FIELD-TYPE:{field}",
        *extra[1:],
        "BEGIN:VALARM",
        "TRIGGER;VALUE=DURATION:PT9H",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{summary}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


# -- the birthday calendar ---------------------------------------------------------------------------------------


async def test_a_card_with_a_birthday_fills_the_birthday_calendar(client: httpx2.AsyncClient) -> None:
    await put_card(client, f"{CONTACTS}jane.vcf", card("jane", "FN:Jane Doe", "N:Doe;Jane;;;", "BDAY:1990-05-15"))
    listing = responses(
        await client.request(
            "PROPFIND",
            CALS,
            auth=ALICE,
            headers={"Depth": "1"},
            content=propfind(
                "d:displayname",
                "x1:calendar-color",
                "d:current-user-privilege-set",
                "c:supported-calendar-component-set",
            ),
        )
    )
    props = listing[BIRTHDAYS]
    # ensureCalendarExists: "Contact birthdays", #E9D859, VEVENT
    assert (props.findtext(f"{D}displayname"), props.findtext(f"{X1}calendar-color")) == (
        "Contact birthdays",
        "#E9D859",
    )
    assert [c.get("name") for c in props.iter("{urn:ietf:params:xml:ns:caldav}comp")] == ["VEVENT"]
    # Calendar::getACL: read + write-properties only; Sabre pops the ACL last first
    privileges = [p[0].tag for p in props.iter(f"{D}privilege")]
    assert privileges == [
        f"{D}write-properties",
        f"{D}read",
        f"{D}read-acl",
        f"{D}read-current-user-privilege-set",
        "{urn:ietf:params:xml:ns:caldav}read-free-busy",
    ]
    got = await client.get(f"{BIRTHDAYS}contacts-jane.vcf.ics", auth=ALICE)
    expected = birthday(
        "🎂 Jane Doe (1990)",
        "19900515",
        "19900516",
        "jane",
        "RRULE:FREQ=YEARLY",
        "X-NEXTCLOUD-BC-UNKNOWN-YEAR:0",
        "X-NEXTCLOUD-BC-YEAR:1990",
    )
    assert (got.status_code, got.text) == (200, expected)


@pytest.mark.parametrize(
    ("lines", "name", "expected"),
    [
        # no year (vCard 4.0 --MMDD, and Apple's 1604 with X-APPLE-OMIT-YEAR in 3.0): the series starts in 1970
        (["FN:Ann", "BDAY:--0412"], "contacts-a.vcf.ics", ("🎂 Ann", "19700412", "FREQ=YEARLY", "1", None)),
        (
            ["FN:Ann", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12"],
            "contacts-a.vcf.ics",
            ("🎂 Ann", "19700412", "FREQ=YEARLY", "1", None),
        ),
        # before 1970: starts in 1970, the real year in SUMMARY and X-NEXTCLOUD-BC-YEAR
        (["FN:Ann", "BDAY:19500101"], "contacts-a.vcf.ics", ("🎂 Ann (1950)", "19700101", "FREQ=YEARLY", "0", "1950")),
        # 29 February without a year: 1972 and the last day of February
        (
            ["FN:Ann", "BDAY:--0229"],
            "contacts-a.vcf.ics",
            ("🎂 Ann", "19720229", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1", "1", None),
        ),
        # anniversaries and deaths get their own events; a comma in the name is escaped
        (
            ["FN:Doe, Ann", "ANNIVERSARY:20010606"],
            "contacts-a.vcf-anniversary.ics",
            ("💍 Doe\\, Ann (2001)", "20010606", "FREQ=YEARLY", "0", "2001"),
        ),
        (
            ["FN:Ann", "DEATHDATE:20200202"],
            "contacts-a.vcf-death.ics",
            ("Death of Ann (2020)", "20200202", "FREQ=YEARLY", "0", "2020"),
        ),
    ],
)
async def test_birthday_event_forms(
    client: httpx2.AsyncClient, lines: list[str], name: str, expected: tuple[str, str, str, str, str | None]
) -> None:
    version = "4.0" if any(line.startswith(("BDAY:--", "ANNIVERSARY", "DEATHDATE")) for line in lines) else "3.0"
    await put_card(client, f"{CONTACTS}a.vcf", card("a", *lines, version=version))
    text = (await client.get(f"{BIRTHDAYS}{name}", auth=ALICE)).text
    summary, start, rrule, unknown, year = expected
    assert f"\r\nSUMMARY:{summary}\r\n" in text
    assert f"\r\nDTSTART;VALUE=DATE:{start}\r\n" in text
    assert f"\r\nRRULE:{rrule}\r\n" in text
    assert f"\r\nX-NEXTCLOUD-BC-UNKNOWN-YEAR:{unknown}\r\n" in text
    assert (f"X-NEXTCLOUD-BC-YEAR:{year}\r\n" in text) if year else ("X-NEXTCLOUD-BC-YEAR" not in text)
    field = {"": "BDAY", "-anniversary": "ANNIVERSARY", "-death": "DEATHDATE"}
    postfix = name.removeprefix("contacts-a.vcf").removesuffix(".ics")
    assert f"\r\nUID:a{postfix}\r\n" in text
    assert f"\r\nX-NEXTCLOUD-BC-FIELD-TYPE:{field[postfix]}\r\n" in text


async def test_no_event_without_a_name_a_date_or_when_excluded(client: httpx2.AsyncClient) -> None:
    await put_card(client, f"{CONTACTS}plain.vcf", card("plain", "FN:No Date"))
    await put_card(
        client, f"{CONTACTS}x.vcf", card("x", "FN:Hidden", "BDAY:19900101", "X-NC-EXCLUDE-FROM-BIRTHDAY-CALENDAR:1")
    )
    await put_card(client, f"{CONTACTS}t.vcf", card("t", "FN:Text", "BDAY;VALUE=text:circa 1900"))
    # any card change creates the calendar (ensureCalendarExists before the dates are looked at)
    listing = responses(await client.request("PROPFIND", BIRTHDAYS, auth=ALICE, headers={"Depth": "1"}))
    assert set(listing) == {BIRTHDAYS}


async def test_events_follow_card_changes(client: httpx2.AsyncClient) -> None:
    url = f"{CONTACTS}jane.vcf"
    await put_card(client, url, card("jane", "FN:Jane", "BDAY:1990-05-15"))
    event = f"{BIRTHDAYS}contacts-jane.vcf.ics"
    first = (await client.get(event, auth=ALICE)).headers["etag"]
    # birthdayEvenChanged: only DTSTART and SUMMARY count, so another e-mail leaves the event alone
    await put_card(client, url, card("jane", "FN:Jane", "BDAY:1990-05-15", "EMAIL:jane@example.org"))
    assert (await client.get(event, auth=ALICE)).headers["etag"] == first
    await put_card(client, url, card("jane", "FN:Jane", "BDAY:1991-05-15"))
    changed = await client.get(event, auth=ALICE)
    assert changed.headers["etag"] != first
    assert "\r\nSUMMARY:🎂 Jane (1991)\r\n" in changed.text
    await put_card(client, url, card("jane", "FN:Jane"))  # the date removed: the event goes
    assert (await client.get(event, auth=ALICE)).status_code == 404
    await put_card(client, url, card("jane", "FN:Jane", "BDAY:1991-05-15"))
    assert (await client.delete(url, auth=ALICE)).status_code == 204
    assert (await client.get(event, auth=ALICE)).status_code == 404


async def test_moving_a_card_and_deleting_an_address_book(client: httpx2.AsyncClient) -> None:
    mkcol = (
        '<?xml version="1.0"?><d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>'
        "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype></d:prop></d:set></d:mkcol>"
    )
    assert (await client.request("MKCOL", f"{BOOKS}work/", auth=ALICE, content=mkcol)).status_code == 201
    await put_card(client, f"{CONTACTS}jane.vcf", card("jane", "FN:Jane", "BDAY:1990-05-15"))
    moved = await client.request(
        "MOVE", f"{CONTACTS}jane.vcf", auth=ALICE, headers={"Destination": f"http://nc.test{BOOKS}work/jane.vcf"}
    )
    assert moved.status_code == 201
    # Sabre copies (CardCreatedEvent: the event of the same UID is replaced) then deletes
    assert (await client.get(f"{BIRTHDAYS}contacts-jane.vcf.ics", auth=ALICE)).status_code == 404
    assert (await client.get(f"{BIRTHDAYS}work-jane.vcf.ics", auth=ALICE)).status_code == 200
    assert (await client.delete(f"{BOOKS}work/", auth=ALICE)).status_code == 204
    assert (await client.get(f"{BIRTHDAYS}work-jane.vcf.ics", auth=ALICE)).status_code == 404


async def test_the_birthday_calendar_is_read_only(client: httpx2.AsyncClient) -> None:
    await put_card(client, f"{CONTACTS}jane.vcf", card("jane", "FN:Jane", "BDAY:1990-05-15"))
    event = f"{BIRTHDAYS}contacts-jane.vcf.ics"
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:n\r\nDTSTAMP:20240101T000000Z\r\n"
    ics += "DTSTART:20240101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    headers = {"Content-Type": "text/calendar"}
    # DavAclPlugin::checkPrivileges: the user owns the calendar, so Sabre's refusal is Forbidden "Access denied"
    for response in (
        await client.put(f"{BIRTHDAYS}new.ics", content=ics, auth=ALICE, headers=headers),
        await client.put(event, content=ics.replace("UID:n", "UID:jane"), auth=ALICE, headers=headers),
        await client.delete(event, auth=ALICE),
        await client.request("MOVE", event, auth=ALICE, headers={"Destination": f"http://nc.test{CALS}personal/x.ics"}),
    ):
        assert (response.status_code, error(response)) == (403, ("Sabre\\DAV\\Exception\\Forbidden", "Access denied"))
    assert (await client.get(event, auth=ALICE)).status_code == 200
    reserved = await client.request("MKCALENDAR", f"{DAV}/calendars/b0b/contact_birthdays/", auth=BOB)
    assert (reserved.status_code, error(reserved)[1]) == (405, "The resource you tried to create has a reserved name")
    # write-properties is granted: the colour can change
    patch = (
        '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:x1="http://apple.com/ns/ical/"><d:set><d:prop>'
        "<x1:calendar-color>#123456</x1:calendar-color></d:prop></d:set></d:propertyupdate>"
    )
    assert (await client.request("PROPPATCH", BIRTHDAYS, auth=ALICE, content=patch)).status_code == 207


async def test_deleting_the_calendar_opts_out(client: httpx2.AsyncClient) -> None:
    await put_card(client, f"{CONTACTS}jane.vcf", card("jane", "FN:Jane", "BDAY:1990-05-15"))
    assert (await client.delete(BIRTHDAYS, auth=ALICE)).status_code == 204
    # Calendar::delete sets generateBirthdayCalendar = no for the user: no calendar on the next card change
    await put_card(client, f"{CONTACTS}joe.vcf", card("joe", "FN:Joe", "BDAY:1980-01-01"))
    assert (await client.request("PROPFIND", BIRTHDAYS, auth=ALICE, headers={"Depth": "0"})).status_code == 404


async def test_switched_off_for_the_instance_and_seeding(client: httpx2.AsyncClient) -> None:
    off = await client.post("/__testbed__/caldav", json={"birthday_calendars": False})
    assert off.json()["birthday_calendars"] is False
    await put_card(client, f"{CONTACTS}jane.vcf", card("jane", "FN:Jane", "BDAY:1990-05-15"))
    assert (await client.request("PROPFIND", BIRTHDAYS, auth=ALICE, headers={"Depth": "0"})).status_code == 404
    await client.post("/__testbed__/caldav", json={"birthday_calendars": True})
    seeded = await client.post(
        "/__testbed__/seed/addressbooks",
        json={
            "user": "alice",
            "addressbooks": [{"uri": "contacts", "cards": [{"data": card("s", "FN:S", "BDAY:20000101")}]}],
        },
    )
    assert seeded.status_code == 201
    assert "\r\nSUMMARY:🎂 S (2000)\r\n" in (await client.get(f"{BIRTHDAYS}contacts-s.vcf.ics", auth=ALICE)).text


# -- the system address book ---------------------------------------------------------------------------------------


async def test_the_system_address_book_is_listed_read_only(client: httpx2.AsyncClient) -> None:
    wanted = propfind(
        "d:displayname",
        "card:addressbook-description",
        "d:current-user-privilege-set",
        "d:owner",
        "oc:owner-principal",
        "nx:owner-displayname",
        "oc:read-only",
    )
    found = await client.request("PROPFIND", BOOKS, auth=ALICE, headers={"Depth": "1"}, content=wanted)
    listing = responses(found)
    assert list(listing) == [BOOKS, CONTACTS, SYSTEM]  # UserAddressBooks::getChildren: own books first
    props = listing[SYSTEM]
    assert props.findtext(f"{D}displayname") == "Accounts"
    assert props.findtext(f"{CR}addressbook-description") == "System address book which holds all accounts"
    assert hrefs_of(props, f"{D}owner") == [f"{DAV}/principals/system/system/"]
    assert props.findtext(f"{OC}owner-principal") == "principals/system/system"
    assert props.findtext(f"{NX}owner-displayname") == "Accounts"
    assert props.findtext(f"{OC}read-only") == "1"
    # SystemAddressbook::getACL: {DAV:}read for {DAV:}authenticated only
    privileges = [p[0].tag for p in props.iter(f"{D}privilege")]
    assert privileges == [f"{D}read", f"{D}read-acl", f"{D}read-current-user-privilege-set"]


async def test_the_system_address_book_holds_the_accounts(state: FakeState, client: httpx2.AsyncClient) -> None:
    found = responses(await client.request("PROPFIND", SYSTEM, auth=ALICE, headers={"Depth": "1"}))
    names = {href.removeprefix(SYSTEM) for href in found if href != SYSTEM}
    assert names == {"Database:alice.vcf", "Database:b0b.vcf", "Database:admin.vcf"}  # SyncService::getCardUri
    bob = await client.get(f"{SYSTEM}Database:b0b.vcf", auth=ALICE)
    # Converter::createCardFromUser, as a stored system card of a real instance is laid out
    assert bob.text == (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Sabre//Sabre VObject 4.5.6//EN\r\nUID:b0b\r\n"
        "FN;X-NC-SCOPE=v2-federated:Bob\r\nN;X-NC-SCOPE=v2-federated:Bob;;;;\r\n"
        "EMAIL;TYPE=OTHER;X-NC-SCOPE=v2-federated:bob@example.org\r\n"
        "X-SOCIALPROFILE;TYPE=NEXTCLOUD;X-NC-SCOPE=v2-published:http://nc.test/index\r\n .php/u/b0b\r\n"
        "CLOUD:b0b@nc.test\r\nEND:VCARD\r\n"
    )
    token = found[SYSTEM].findtext(f"{D}sync-token")
    # an account change rewrites its card; a disabled account leaves (SyncService::updateUser)
    bob_user = state.user("b0b")
    assert bob_user is not None
    bob_user.display_name = "Robert Smith Jr."
    admin = state.user("admin")
    assert admin is not None
    admin.enabled = False
    again = responses(
        await client.request("PROPFIND", SYSTEM, auth=ALICE, headers={"Depth": "1"}, content=propfind("d:sync-token"))
    )
    assert f"{SYSTEM}Database:admin.vcf" not in again
    assert again[SYSTEM].findtext(f"{D}sync-token") != token
    robert = (await client.get(f"{SYSTEM}Database:b0b.vcf", auth=ALICE)).text
    assert "\r\nN;X-NC-SCOPE=v2-federated:Smith;Robert;;;Jr.\r\n" in robert  # splitFullName: suffixes


async def test_writes_to_the_system_address_book_fail(client: httpx2.AsyncClient) -> None:
    def hidden(name: str) -> tuple[int, tuple[str, str]]:
        return 404, ("Sabre\\DAV\\Exception\\NotFound", f"Node with name '{name}' could not be found")

    body = card("x", "FN:X").encode()
    headers = {"Content-Type": "text/vcard"}
    await put_card(client, f"{CONTACTS}x.vcf", card("x", "FN:X"))
    cases = [
        (
            await client.put(f"{SYSTEM}new.vcf", content=body, auth=ALICE, headers=headers),
            hidden("z-server-generated--system"),
        ),
        (
            await client.put(f"{SYSTEM}Database:b0b.vcf", content=body, auth=ALICE, headers=headers),
            hidden("Database:b0b.vcf"),
        ),
        (await client.delete(f"{SYSTEM}Database:b0b.vcf", auth=ALICE), hidden("z-server-generated--system")),
        (await client.request("PROPPATCH", SYSTEM, auth=ALICE, content=b""), hidden("z-server-generated--system")),
        (
            await client.request(
                "MOVE", f"{CONTACTS}x.vcf", auth=ALICE, headers={"Destination": f"http://nc.test{SYSTEM}x.vcf"}
            ),
            hidden("z-server-generated--system"),
        ),
        # the home is the user's, so the ACL lets DELETE through; SystemAddressbook::delete throws Forbidden
        (await client.delete(SYSTEM, auth=ALICE), (403, ("Sabre\\DAV\\Exception\\Forbidden", ""))),
        (
            await client.request("MKCOL", SYSTEM, auth=ALICE),
            (405, ("Sabre\\DAV\\Exception\\MethodNotAllowed", "The resource you tried to create already exists")),
        ),
    ]
    for response, (status, expected) in cases:
        assert (response.status_code, error(response)) == (status, expected)
    assert (await client.get(f"{SYSTEM}Database:b0b.vcf", auth=ALICE)).status_code == 200


async def test_system_address_book_settings(state: FakeState, client: httpx2.AsyncClient) -> None:
    # 'Allow username autocompletion in share dialog' off: only the user's own card
    state.config.set_app_value("core", "shareapi_allow_share_dialog_user_enumeration", "no")
    own = responses(await client.request("PROPFIND", SYSTEM, auth=ALICE, headers={"Depth": "1"}))
    assert set(own) == {SYSTEM, f"{SYSTEM}Database:alice.vcf"}
    # dav/system_addressbook_exposed off: not in the home any more
    off = await client.post("/__testbed__/caldav", json={"system_addressbook": False})
    assert off.json()["system_addressbook"] is False
    assert SYSTEM not in responses(await client.request("PROPFIND", BOOKS, auth=ALICE, headers={"Depth": "1"}))
    assert (await client.request("PROPFIND", SYSTEM, auth=ALICE, headers={"Depth": "0"})).status_code == 404
