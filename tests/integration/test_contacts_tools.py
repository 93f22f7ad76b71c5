"""Contact tools (CardDAV) against the fake Nextcloud, through the official MCP client."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio

AUTH = httpx2.BasicAuth("alice", "alice-secret")
BOOK = "/remote.php/dav/addressbooks/users/alice/contacts/"


async def _create(client: Any, **args: Any) -> dict[str, Any]:
    contact: dict[str, Any] = structured(await client.call_tool("nc_contacts_create", args))["contact"]
    return contact


async def test_addressbooks_create_list_delete(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        structured(await client.call_tool("nc_contacts_create_addressbook", {"name": "work", "display_name": "Work"}))
        dup = await client.call_tool("nc_contacts_create_addressbook", {"name": "work", "display_name": "Work"})
        books = structured(await client.call_tool("nc_contacts_addressbooks", {}))["addressbooks"]
        structured(await client.call_tool("nc_contacts_delete_addressbook", {"name": "work"}))
        after = structured(await client.call_tool("nc_contacts_addressbooks", {}))["addressbooks"]
    assert {b["name"] for b in books} >= {"contacts", "work"}
    assert dup.is_error and "already exists" in error_text(dup)
    assert "work" not in {b["name"] for b in after}


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
            categories=["Friends"],
        )
        got = structured(await client.call_tool("nc_contacts_get", {"contact_id": made["contact_id"]}))["contact"]
    raw = (await control.get(BOOK + made["contact_id"], auth=AUTH)).text
    assert "VERSION:3.0" in raw and "N:Lovelace;Ada;;;" in raw and "EMAIL;TYPE=WORK:ada@example.com" in raw
    assert got["emails"] == ["work: ada@example.com"] and got["phones"] == ["cell: +44 20 7946 0000"]
    assert got["birthday"] == "--12-10" and got["addresses"][0]["city"] == "London" and got["etag"]


async def test_search_paging_and_groups(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        await _create(client, name="Zoe Zed", emails=["zoe@example.com"], categories=["Family"])
        await _create(client, name="Bob Builder", phones=["+1 555 0100"], categories=["Work", "Family"])
        await _create(client, name="Carla Cruz", emails=["carla@corp.example"], categories=["Work"])
        by_name = structured(await client.call_tool("nc_contacts_list", {"query": "bob"}))
        by_mail = structured(await client.call_tool("nc_contacts_list", {"query": "corp.example"}))
        by_phone = structured(await client.call_tool("nc_contacts_list", {"query": "555-0100"}))
        page = structured(await client.call_tool("nc_contacts_list", {"limit": 2}))
        page2 = structured(await client.call_tool("nc_contacts_list", {"limit": 2, "offset": 2}))
        family = structured(await client.call_tool("nc_contacts_list", {"group": "family"}))
        groups = structured(await client.call_tool("nc_contacts_groups", {}))
    assert [c["name"] for c in by_name["contacts"]] == ["Bob Builder"]
    assert [c["name"] for c in by_mail["contacts"]] == ["Carla Cruz"]
    assert [c["name"] for c in by_phone["contacts"]] == ["Bob Builder"]
    assert [c["name"] for c in page["contacts"]] == ["Bob Builder", "Carla Cruz"] and page["next_offset"] == 2
    assert [c["name"] for c in page2["contacts"]] == ["Zoe Zed"] and page2["next_offset"] is None
    assert [c["name"] for c in family["contacts"]] == ["Bob Builder", "Zoe Zed"]
    assert groups["groups"] == {"Family": 2, "Work": 2}


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
        got = structured(await client.call_tool("nc_contacts_get", {"contact_id": "keep-1.vcf"}))["contact"]
        assert got["has_photo"] is True
        updated = structured(
            await client.call_tool(
                "nc_contacts_update",
                {"contact_id": "keep-1.vcf", "etag": got["etag"], "phones": ["work: +1 202 555 0199"], "note": "COBOL"},
            )
        )["contact"]
    raw = (await control.get(BOOK + "keep-1.vcf", auth=AUTH)).text.replace("\r\n ", "")
    assert "PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAf" in raw
    assert "X-SOCIALPROFILE;TYPE=github:https://github.com/grace" in raw and "EMAIL;TYPE=WORK:grace@navy" in raw
    assert updated["phones"] == ["work: +1 202 555 0199"] and updated["note"] == "COBOL"


async def test_stale_etag_is_a_conflict_and_nothing_is_lost(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as client:
        made = await _create(client, name="Linus")
        first = structured(
            await client.call_tool(
                "nc_contacts_update", {"contact_id": made["contact_id"], "etag": made["etag"], "org": "Kernel"}
            )
        )["contact"]
        clash = await client.call_tool(
            "nc_contacts_update", {"contact_id": made["contact_id"], "etag": made["etag"], "title": "BDFL"}
        )
    assert first["org"] == "Kernel"
    assert clash.is_error and "nothing was overwritten" in error_text(clash)
    raw = (await control.get(BOOK + made["contact_id"], auth=AUTH)).text
    assert "ORG:Kernel" in raw and "TITLE" not in raw


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
        result = await client.call_tool("nc_contacts_create", {"name": "X", **args})
        left = structured(await client.call_tool("nc_contacts_list", {}))
    assert result.is_error and message in error_text(result), error_text(result)
    assert left["total"] == 0


async def test_delete_and_isolation(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as alice:
        made = await _create(alice, name="Private Person")
    async with mcp_as("bob") as bob:
        assert structured(await bob.call_tool("nc_contacts_list", {}))["total"] == 0
        peek = await bob.call_tool("nc_contacts_get", {"contact_id": made["contact_id"]})
        assert peek.is_error
    async with mcp_as("alice") as alice:
        structured(await alice.call_tool("nc_contacts_delete", {"contact_id": made["contact_id"]}))
        assert structured(await alice.call_tool("nc_contacts_list", {}))["total"] == 0


async def test_ldap_style_user(fake: FakeNextcloud, mcp_as: McpFactory) -> None:
    fake.fake_state.add_user("dan.login", "dan-secret", uid="u-4711")
    async with mcp_as("dan.login", nextcloud_password="dan-secret") as client:
        made = await _create(client, name="Someone")
        listed = structured(await client.call_tool("nc_contacts_list", {}))
    assert [c["contact_id"] for c in listed["contacts"]] == [made["contact_id"]]
