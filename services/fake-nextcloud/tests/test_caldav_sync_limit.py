"""``sync-collection`` with ``<d:limit><d:nresults>`` (RFC 6578 §3.6) as Nextcloud answers it.

Sources: apps/dav/lib/CalDAV/Calendar.php::getChanges and apps/dav/lib/CardDAV/AddressBook.php::getChanges
(UnsupportedLimitOnInitialSyncException, apps/dav/lib/Exception/UnsupportedLimitOnInitialSyncException.php),
nextcloud/server#50092 (initial CardDAV sync truncated instead, Nextcloud >= 32), CalDavBackend /
CardDavBackend getChangesFor* (``setMaxResults``, current token: nextcloud/server#50086), sabre-io/dav
lib/DAV/Sync/Plugin.php (507 response for a truncated result), lib/DAV/Xml/Request/SyncCollectionReport.php.
"""

from __future__ import annotations

import httpx2
import pytest

from fake_nextcloud import FakeState
from support.caldav_xml import DAV, D, error, event, put_ics, xml
from support.fake_support import ALICE

pytestmark = pytest.mark.anyio

PERSONAL = f"{DAV}/calendars/alice/personal/"
CONTACTS = f"{DAV}/addressbooks/users/alice/contacts/"


def sync(token: str = "", limit: int | None = None) -> bytes:
    limit_xml = f"<d:limit><d:nresults>{limit}</d:nresults></d:limit>" if limit is not None else ""
    return (
        f'<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>'
        f"<d:sync-level>1</d:sync-level>{limit_xml}<d:prop><d:getetag/></d:prop></d:sync-collection>"
    ).encode()


async def report(client: httpx2.AsyncClient, url: str, body: bytes) -> httpx2.Response:
    return await client.request("REPORT", url, auth=ALICE, content=body)


def changes(response: httpx2.Response) -> tuple[list[tuple[str, str]], str]:
    """(href, status or '200') per response, and the sync token."""
    assert response.status_code == 207, response.text
    root = xml(response)
    out = []
    for resp in root.findall(f"{D}response"):
        out.append((resp.findtext(f"{D}href") or "", resp.findtext(f"{D}status") or "200"))
    return out, root.findtext(f"{D}sync-token") or ""


async def put_cards(client: httpx2.AsyncClient, *names: str) -> None:
    for name in names:
        body = f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{name}\r\nFN:{name}\r\nEND:VCARD\r\n"
        response = await client.put(
            f"{CONTACTS}{name}.vcf", content=body, auth=ALICE, headers={"Content-Type": "text/vcard"}
        )
        assert response.status_code == 201


async def test_a_limit_on_an_initial_calendar_sync_is_507(client: httpx2.AsyncClient) -> None:
    for uid in ("a", "b"):
        await put_ics(client, f"{PERSONAL}{uid}.ics", event(uid, "20240101T100000Z", "20240101T110000Z"))
    refused = await report(client, PERSONAL, sync(limit=1))
    assert refused.status_code == 507
    assert error(refused) == ("OCA\\DAV\\Exception\\UnsupportedLimitOnInitialSyncException", "")
    assert xml(refused).find(f"{D}number-of-matches-within-limits") is not None
    # nresults 0 is no limit ((int) cast, `!$syncToken && $limit`); without a limit everything comes
    for body in (sync(limit=0), sync()):
        found, token = changes(await report(client, PERSONAL, body))
        assert sorted(href.rsplit("/", 1)[-1] for href, _ in found) == ["a.ics", "b.ics"]
        assert token.startswith("http://sabre.io/ns/sync/")


async def test_the_sync_token_comes_after_the_responses(client: httpx2.AsyncClient) -> None:
    await put_ics(client, f"{PERSONAL}a.ics", event("a", "20240101T100000Z", "20240101T110000Z"))
    root = xml(await report(client, PERSONAL, sync()))
    assert [child.tag for child in root][-1] == f"{D}sync-token"  # sabre-io/dav Xml/Response/MultiStatus


async def test_a_later_sync_with_a_limit_drops_what_is_past_it(client: httpx2.AsyncClient) -> None:
    _, token = changes(await report(client, PERSONAL, sync()))
    for uid in ("a", "b", "c"):
        await put_ics(client, f"{PERSONAL}{uid}.ics", event(uid, "20240101T100000Z", "20240101T110000Z"))
    limited, new_token = changes(await report(client, PERSONAL, sync(token, limit=2)))
    assert len(limited) == 2  # setMaxResults($limit)
    assert all(status == "200" for _, status in limited)  # no 507: result_truncated is never set
    # the token is the calendar's current one, so the third change is never reported (nextcloud/server#50086)
    after, _ = changes(await report(client, PERSONAL, sync(new_token)))
    assert after == []


async def test_an_initial_address_book_sync_with_a_limit_is_paged(client: httpx2.AsyncClient) -> None:
    await put_cards(client, "c1", "c2", "c3")
    seen: list[str] = []
    first, token = changes(await report(client, CONTACTS, sync(limit=2)))
    # nextcloud/server#50092: the first cards by id, a 507 response for the collection, an init_ token
    assert first[-1] == (CONTACTS, "HTTP/1.1 507 Insufficient Storage")
    seen += [href for href, _ in first[:-1]]
    assert token.startswith("http://sabre.io/ns/sync/init_")
    second, final = changes(await report(client, CONTACTS, sync(token, limit=2)))
    assert all(status == "200" for _, status in second)
    seen += [href for href, _ in second]
    assert [h.rsplit("/", 1)[-1] for h in seen] == ["c1.vcf", "c2.vcf", "c3.vcf"]
    # the last page carries the token of the start: a later delta sync works from it
    assert final.rsplit("/", 1)[-1].isdigit()
    await put_cards(client, "c4")
    delta, _ = changes(await report(client, CONTACTS, sync(final)))
    assert [h.rsplit("/", 1)[-1] for h, _ in delta] == ["c4.vcf"]


async def test_before_nextcloud_32_an_address_book_refuses_it_too(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.set_version("31.0.9")
    await put_cards(client, "c1")
    refused = await report(client, CONTACTS, sync(limit=1))
    assert (refused.status_code, error(refused)[0]) == (
        507,
        "OCA\\DAV\\Exception\\UnsupportedLimitOnInitialSyncException",
    )


async def test_an_unknown_init_token_is_invalid(client: httpx2.AsyncClient) -> None:
    refused = await report(client, CONTACTS, sync("http://sabre.io/ns/sync/init_5_999", limit=1))
    assert (refused.status_code, error(refused)[0]) == (403, "Sabre\\DAV\\Exception\\InvalidSyncToken")
