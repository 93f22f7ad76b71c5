"""Contact tools (CardDAV) against the fake Nextcloud, through the official MCP client."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio

AUTH = httpx2.BasicAuth("alice", "alice-secret")
BOOK = "/remote.php/dav/addressbooks/users/alice/contacts/"


async def _create(client: Any, **args: Any) -> dict[str, Any]:
    return structured(await client.call_tool("nc_contacts_create_contact", args))


async def test_addressbooks_create_list_delete(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        made = structured(
            await client.call_tool("nc_contacts_create_addressbook", {"name": "work", "display_name": "Work"})
        )
        dup = await client.call_tool("nc_contacts_create_addressbook", {"name": "work", "display_name": "Work"})
        reserved = await client.call_tool(
            "nc_contacts_create_addressbook", {"name": "z-app-generated--x", "display_name": "X"}
        )
        books = structured(await client.call_tool("nc_contacts_list_addressbooks", {}))
        first = structured(await client.call_tool("nc_contacts_list_addressbooks", {"limit": 1}))
        gone = structured(
            await client.call_tool("nc_contacts_delete_addressbook", {"addressbook": "work", "confirm": True})
        )
        after = structured(await client.call_tool("nc_contacts_list_addressbooks", {}))
    assert made == {"name": "work", "display_name": "Work", "read_only": False, "owner": None, "owner_name": None}
    assert {b["name"] for b in books["items"]} >= {"contacts", "work"} and books["total"] == len(books["items"])
    assert len(first["items"]) == 1 and first["next_cursor"] == "1"
    # Sabre's own message is kept, and "already exists" is never confused with "has a reserved name"
    assert dup.is_error and "The resource you tried to create already exists" in error_text(dup)
    assert "nc_contacts_list_addressbooks" in error_text(dup)
    assert reserved.is_error and "reserved name" in error_text(reserved) and "already" not in error_text(reserved)
    assert gone == {"deleted": "the address book 'Work' (work) with no contacts", "confirmed_by": "argument"}
    assert "work" not in {b["name"] for b in after["items"]}


async def test_addressbook_by_display_name_or_refused_with_the_valid_names(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        structured(await client.call_tool("nc_contacts_create_addressbook", {"name": "work", "display_name": "Office"}))
        made = await _create(client, name="Ada", addressbook="Office")
        got = structured(
            await client.call_tool(
                "nc_contacts_get_contact", {"contact_id": made["contact_id"], "addressbook": "office"}
            )
        )
        listed = structured(await client.call_tool("nc_contacts_list_contacts", {"addressbook": "Office"}))
        wrong = await client.call_tool("nc_contacts_list_contacts", {"addressbook": "Büro"})
        wrong_write = await client.call_tool("nc_contacts_create_contact", {"name": "X", "addressbook": "Büro"})
    assert made["addressbook"] == got["addressbook"] == "work" and got["name"] == "Ada"
    assert [c["name"] for c in listed["items"]] == ["Ada"]
    for result in (wrong, wrong_write):
        text = error_text(result)
        assert result.is_error and "'Büro'" in text and "contacts (Contacts)" in text and "work (Office)" in text, text
        assert "nc_contacts_list_addressbooks" in text


async def test_create_writes_vcard3_and_reads_back(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        made = await _create(
            client,
            name="Ada Lovelace",
            emails=["work: ada@example.com"],
            phones=["cell: +44 20 7946 0000"],
            addresses=[{"street": "1 Main St", "city": "London", "country": "UK", "type": "home"}],
            org="Analytical Engines",
            birthday="--12-10",
            groups=["Friends"],
        )
        got = structured(await client.call_tool("nc_contacts_get_contact", {"contact_id": made["contact_id"]}))
    raw = (await control.get(BOOK + made["contact_id"], auth=AUTH)).text
    assert "VERSION:3.0" in raw and "N:Lovelace;Ada;;;" in raw and "EMAIL;TYPE=WORK:ada@example.com" in raw
    assert got["emails"] == ["work: ada@example.com"] and got["phones"] == ["cell: +44 20 7946 0000"]
    assert got["birthday"] == "--12-10" and got["addresses"][0]["city"] == "London" and got["etag"]
    assert made == got  # create returns what get returns
    assert got["groups"] == ["Friends"] and got["title"] is None and got["note"] is None  # absent values are null


async def test_contact_by_uid(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:abc-123\r\nFN:Uma Uid\r\nN:Uid;Uma;;;\r\nEND:VCARD\r\n"
    put = await control.put(
        BOOK + "other-name.vcf", content=card, headers={"Content-Type": "text/vcard", "If-None-Match": "*"}, auth=AUTH
    )
    assert put.status_code == 201, put.text
    async with mcp_as("alice") as client:
        got = structured(await client.call_tool("nc_contacts_get_contact", {"contact_id": "abc-123"}))
        missing = await client.call_tool("nc_contacts_get_contact", {"contact_id": "no-such-uid"})
        updated = structured(
            await client.call_tool(
                "nc_contacts_update_contact", {"contact_id": "abc-123", "etag": got["etag"], "org": "Acme"}
            )
        )
    assert got["contact_id"] == "other-name.vcf" and got["name"] == "Uma Uid"
    assert updated["contact_id"] == "other-name.vcf" and updated["org"] == "Acme"
    assert missing.is_error and "neither a contact_id nor a UID" in error_text(missing)
    assert "nc_contacts_list_contacts" in error_text(missing)


async def test_search_paging_and_groups(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        await _create(client, name="Zoe Zed", emails=["zoe@example.com"], groups=["Family"])
        await _create(client, name="Bob Builder", phones=["+1 555 0100"], groups=["Work", "Family"])
        await _create(client, name="Carla Cruz", emails=["carla@corp.example"], groups=["Work"])
        by_name = structured(await client.call_tool("nc_contacts_list_contacts", {"query": "bob"}))
        by_mail = structured(await client.call_tool("nc_contacts_list_contacts", {"query": "corp.example"}))
        by_phone = structured(await client.call_tool("nc_contacts_list_contacts", {"query": "555-0100"}))
        page = structured(await client.call_tool("nc_contacts_list_contacts", {"limit": 2}))
        page2 = structured(
            await client.call_tool("nc_contacts_list_contacts", {"limit": 2, "cursor": page["next_cursor"]})
        )
        family = structured(await client.call_tool("nc_contacts_list_contacts", {"group": "family"}))
        groups = structured(await client.call_tool("nc_contacts_list_groups", {}))
        bad_cursor = await client.call_tool("nc_contacts_list_contacts", {"cursor": "page-2"})
    assert [c["name"] for c in by_name["items"]] == ["Bob Builder"]
    assert [c["name"] for c in by_mail["items"]] == ["Carla Cruz"]
    assert [c["name"] for c in by_phone["items"]] == ["Bob Builder"]
    assert [c["name"] for c in page["items"]] == ["Bob Builder", "Carla Cruz"] and page["next_cursor"] == "2"
    assert page["total"] == 3 and set(page) == {"items", "next_cursor", "total"}
    assert [c["name"] for c in page2["items"]] == ["Zoe Zed"] and page2["next_cursor"] is None
    assert [c["name"] for c in family["items"]] == ["Bob Builder", "Zoe Zed"]
    assert set(page["items"][0]) == {"contact_id", "etag", "name", "emails", "phones", "org", "groups"}
    assert groups == {
        "items": [{"name": "Family", "contacts": 2}, {"name": "Work", "contacts": 2}],
        "next_cursor": None,
        "total": 2,
    }
    assert bad_cursor.is_error and "cursor" in error_text(bad_cursor)


async def test_update_preserves_photo_and_unknown_properties(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:keep-1\r\nFN:Grace Hopper\r\nN:Hopper;Grace;;;\r\n"
        "EMAIL;TYPE=WORK:grace@navy.example\r\nPHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAf\r\n"
        "X-SOCIALPROFILE;TYPE=github:https://github.com/grace\r\nitem1.X-ABLabel:_$!<Other>!$_\r\nEND:VCARD\r\n"
    )
    put = await control.put(
        BOOK + "keep-1.vcf", content=card, headers={"Content-Type": "text/vcard", "If-None-Match": "*"}, auth=AUTH
    )
    assert put.status_code == 201, put.text
    async with mcp_as("alice") as client:
        got = structured(await client.call_tool("nc_contacts_get_contact", {"contact_id": "keep-1.vcf"}))
        updated = structured(
            await client.call_tool(
                "nc_contacts_update_contact",
                {"contact_id": "keep-1.vcf", "etag": got["etag"], "phones": ["work: +1 202 555 0199"], "note": "COBOL"},
            )
        )
        again = structured(await client.call_tool("nc_contacts_get_contact", {"contact_id": "keep-1.vcf"}))
    raw = (await control.get(BOOK + "keep-1.vcf", auth=AUTH)).text.replace("\r\n ", "")
    assert "PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAf" in raw
    assert "X-SOCIALPROFILE;TYPE=github:https://github.com/grace" in raw and "EMAIL;TYPE=WORK:grace@navy" in raw
    assert updated["phones"] == ["work: +1 202 555 0199"] and updated["note"] == "COBOL"
    assert updated == again and updated["etag"] != got["etag"]  # update returns what get returns, new etag


async def test_stale_etag_is_a_conflict_and_nothing_is_lost(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        made = await _create(client, name="Linus")
        first = structured(
            await client.call_tool(
                "nc_contacts_update_contact", {"contact_id": made["contact_id"], "etag": made["etag"], "org": "Kernel"}
            )
        )
        clash = await client.call_tool(
            "nc_contacts_update_contact", {"contact_id": made["contact_id"], "etag": made["etag"], "title": "BDFL"}
        )
        stale_delete = await client.call_tool(
            "nc_contacts_delete_contact", {"contact_id": made["contact_id"], "etag": made["etag"]}
        )
    assert first["org"] == "Kernel"
    text = error_text(clash)
    assert clash.is_error and "nothing was overwritten" in text and "nc_contacts_get_contact" in text, text
    assert stale_delete.is_error and "nothing was deleted" in error_text(stale_delete)
    raw = (await control.get(BOOK + made["contact_id"], auth=AUTH)).text
    assert "ORG:Kernel" in raw and "TITLE" not in raw


async def test_update_needs_the_etag_or_force(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        made = await _create(client, name="Margaret")
        blind = await client.call_tool("nc_contacts_update_contact", {"contact_id": made["contact_id"], "org": "NASA"})
        forced = structured(
            await client.call_tool(
                "nc_contacts_update_contact", {"contact_id": made["contact_id"], "force": True, "org": "MIT"}
            )
        )
    text = error_text(blind)
    assert blind.is_error and "etag" in text and "force=true" in text and "nc_contacts_get_contact" in text, text
    assert forced["org"] == "MIT"
    assert "ORG:MIT" in (await control.get(BOOK + made["contact_id"], auth=AUTH)).text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"emails": ["not-an-email"]}, "not an e-mail"),
        ({"phones": ["call me"]}, "not a phone"),
        ({"birthday": "1990-02-30"}, "not a real date"),
        ({"birthday": "last spring"}, "YYYY-MM-DD"),
        ({"addresses": [{"planet": "Mars"}]}, "Unknown address keys"),
    ],
)
async def test_bad_values_are_refused(mcp_as: McpFactory, args: dict[str, Any], message: str) -> None:
    async with mcp_as("alice") as client:
        result = await client.call_tool("nc_contacts_create_contact", {"name": "X", **args})
        left = structured(await client.call_tool("nc_contacts_list_contacts", {}))
    assert result.is_error and message in error_text(result), error_text(result)
    assert left["total"] == 0


async def test_delete_and_isolation(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as alice:
        made = await _create(alice, name="Private Person")
    async with mcp_as("bob") as bob:
        assert structured(await bob.call_tool("nc_contacts_list_contacts", {}))["total"] == 0
        peek = await bob.call_tool("nc_contacts_get_contact", {"contact_id": made["contact_id"]})
        assert peek.is_error
    async with mcp_as("alice") as alice:
        gone = structured(await alice.call_tool("nc_contacts_delete_contact", {"contact_id": made["contact_id"]}))
        assert gone == {"addressbook": "contacts", "contact_id": made["contact_id"], "deleted": True}
        assert structured(await alice.call_tool("nc_contacts_list_contacts", {}))["total"] == 0


async def test_ldap_style_user(fake: FakeNextcloud, mcp_as: McpFactory) -> None:
    fake.fake_state.add_user("dan.login", "dan-secret", uid="u-4711")
    async with mcp_as("dan.login", nextcloud_password="dan-secret") as client:
        made = await _create(client, name="Someone")
        listed = structured(await client.call_tool("nc_contacts_list_contacts", {}))
    assert [c["contact_id"] for c in listed["items"]] == [made["contact_id"]]


def _vcf(*lines: str) -> str:
    return "\r\n".join(["BEGIN:VCARD", *lines, "END:VCARD"]) + "\r\n"


#: vCard 4.0 as Nextcloud Contacts or DAVx5 store it; Sabre answers it as vCard 3.0 unless 4.0 is asked for
CARD4 = _vcf(
    "VERSION:4.0", "PRODID:-//Nextcloud Contacts v7.0.0", "UID:rt-4", "FN:Ada Lovelace", "N:Lovelace;Ada;;;",
    "KIND:individual", "TEL;TYPE=cell;PREF=1:+44 20 7946 0000", "TEL;TYPE=work;PREF=2:+44 20 7946 0001",
    "EMAIL;TYPE=work:ada@example.com", "ADR;TYPE=home:;;12 St James's Square;London;;SW1Y 4JH;UK",
    "URL;TYPE=work:https://example.com/ada,lovelace", "BDAY:--1210", "ANNIVERSARY:18350708",
    "PHOTO:data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ", "CATEGORIES:Friends,Math", "X-CUSTOM;X-P=1:hello\\, world",
    "NOTE:old note",
)  # fmt: skip
#: vCard 3.0 as an iPhone stores it; Sabre's conversion to 4.0 would drop LABEL and CLASS
CARD3 = _vcf(
    "VERSION:3.0", "PRODID:-//Apple Inc.//iPhone OS 17.0//EN", "UID:rt-3", "FN:Grace Hopper", "N:Hopper;Grace;;;",
    "item1.EMAIL;type=INTERNET;type=WORK;type=pref:grace@navy.example", "item1.X-ABLabel:_$!<Other>!$_",
    "TEL;type=CELL;type=VOICE:+1 202 555 0199", "item2.ADR;type=HOME:;;1 Navy Yard;Washington;DC;20374;USA",
    "URL;type=WORK:https://example.com/grace", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-09",
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQ==", "LABEL;TYPE=HOME:1 Navy Yard", "CLASS:PUBLIC",
    "CATEGORIES:Navy", "X-SOCIALPROFILE;type=github:https://github.com/grace", "NOTE:old note",
)  # fmt: skip


async def _stored(control: httpx2.AsyncClient, name: str) -> list[str]:
    """The card as stored (PROPFIND address-data is not converted), unfolded into lines."""
    body = (
        '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop>'
        "<card:address-data/></d:prop></d:propfind>"
    )
    found = await control.request("PROPFIND", BOOK + name, content=body, headers={"Depth": "0"}, auth=AUTH)
    text = ET.fromstring(found.content).findtext(".//{urn:ietf:params:xml:ns:carddav}address-data") or ""  # noqa: S314
    return text.replace("\r\n ", "").splitlines()


@pytest.mark.parametrize(
    ("card", "view"),
    [
        (
            CARD4,
            {
                "emails": ["work: ada@example.com"], "phones": ["cell: +44 20 7946 0000", "work: +44 20 7946 0001"],
                "birthday": "--12-10", "groups": ["Friends", "Math"],
                "addresses": [{"street": "12 St James's Square", "city": "London", "code": "SW1Y 4JH", "country": "UK",
                               "type": "home"}],
            },
        ),
        (
            CARD3,
            {
                "emails": ["work: grace@navy.example"], "phones": ["cell: +1 202 555 0199"], "birthday": "--12-09",
                "groups": ["Navy"],
                "addresses": [{"street": "1 Navy Yard", "city": "Washington", "region": "DC", "code": "20374",
                               "country": "USA", "type": "home"}],
            },
        ),
    ],
)  # fmt: skip
async def test_round_trip_keeps_every_field_and_the_version(
    mcp_as: McpFactory, control: httpx2.AsyncClient, card: str, view: dict[str, Any]
) -> None:
    name = card.split("UID:")[1].split("\r\n")[0] + ".vcf"
    put = await control.put(BOOK + name, content=card, headers={"Content-Type": "text/vcard"}, auth=AUTH)
    assert put.status_code == 201, put.text
    async with mcp_as("alice") as client:
        got = structured(await client.call_tool("nc_contacts_get_contact", {"contact_id": name}))
        listed = structured(await client.call_tool("nc_contacts_list_contacts", {}))
        updated = structured(
            await client.call_tool(
                "nc_contacts_update_contact", {"contact_id": name, "etag": got["etag"], "note": "new note"}
            )
        )
        again = structured(await client.call_tool("nc_contacts_get_contact", {"contact_id": name}))
    assert {k: got[k] for k in view} == view and got["note"] == "old note"
    assert {k: v for k, v in listed["items"][0].items() if k != "etag"} == {
        k: got[k] for k in listed["items"][0] if k != "etag"
    }  # the list (Sabre's vCard 3.0 answer) shows what get shows
    assert updated == again and {**got, "note": "new note", "etag": again["etag"]} == again
    stored = await _stored(control, name)
    kept = [line for line in card.splitlines() if not line.startswith(("NOTE:", "END:"))]
    assert [line for line in stored if line in kept] == kept, "\n".join(stored)  # every other line as it was, in order
    assert "NOTE:new note" in stored and stored[1] == card.splitlines()[1]  # the version is the stored one


@pytest.mark.parametrize(("card", "line"), [(CARD4, "BDAY:--0304"), (CARD3, "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-04")])
async def test_a_birthday_without_year_is_written_for_the_cards_version(
    mcp_as: McpFactory, control: httpx2.AsyncClient, card: str, line: str
) -> None:
    name = card.split("UID:")[1].split("\r\n")[0] + ".vcf"
    await control.put(BOOK + name, content=card, headers={"Content-Type": "text/vcard"}, auth=AUTH)
    async with mcp_as("alice") as client:
        args = {"contact_id": name, "force": True, "birthday": "--03-04"}
        updated = structured(await client.call_tool("nc_contacts_update_contact", args))
    assert updated["birthday"] == "--03-04"
    assert line in await _stored(control, name)
