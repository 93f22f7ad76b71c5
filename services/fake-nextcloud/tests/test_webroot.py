"""An instance under a web root (``InstanceConfig.webroot``, ``--webroot``): only paths below it reach Nextcloud,
and every href, Location header and absolute URL it sends back carries it.

Sources: nextcloud/server ``lib/base.php`` (``OC::initPaths``: ``OC::$WEBROOT`` from ``SCRIPT_NAME`` or
``overwritewebroot``; the ``Location: WEBROOT/`` redirect), ``lib/private/URLGenerator.php`` (``getBaseUrl``,
``getAbsoluteURL``, ``linkToRoute``), ``remote.php`` (Sabre's base URI ``OC::$WEBROOT . '/remote.php/' . $service
. '/'``), sabre-io/dav ``lib/DAV/Server.php`` (``writeMultiStatus`` hrefs = base URI + path, ``calculateUri``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from fake_nextcloud import FakeState, ManualClock, build_app
from fake_nextcloud.cli import main
from fake_nextcloud.core.config import InstanceConfig
from fake_nextcloud.core.urls import clean_webroot
from support.caldav_xml import D, hrefs_of, propfind, responses
from support.fake_support import ALICE, OCS_HEADERS, T0, no_cookies

pytestmark = pytest.mark.anyio

ROOT = "/nextcloud"
DAV = f"{ROOT}/remote.php/dav"


@pytest.fixture
def state() -> FakeState:
    config = InstanceConfig.testbed()
    config.webroot = ROOT
    fake = FakeState(clock=ManualClock(T0), config=config)
    fake.add_user("alice", "secret", display_name="Alice A.", email="alice@example.org")
    return fake


@pytest.fixture
async def client(state: FakeState) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=build_app(state))
    async with httpx2.AsyncClient(transport=transport, base_url="http://nc.test", cookies=no_cookies()) as http:
        yield http


async def _seed_files(client: httpx2.AsyncClient, *specs: dict[str, object]) -> None:
    response = await client.post("/__testbed__/seed/files", json={"user": "alice", "files": list(specs)})
    assert response.status_code == 201, response.text


# -- what is served where ----------------------------------------------------------------------------------


async def test_only_paths_below_the_webroot_reach_nextcloud(client: httpx2.AsyncClient) -> None:
    served = await client.get(f"{ROOT}/status.php")
    assert served.status_code == 200
    assert served.json()["installed"] is True
    outside = await client.get("/status.php")  # the web server's own 404: no Nextcloud code ran
    assert outside.status_code == 404
    assert "The requested URL was not found on this server." in outside.text
    assert "X-Fake-Nextcloud" not in outside.headers
    doubled = await client.request("PROPFIND", f"{ROOT}{DAV}/", auth=ALICE, headers={"Depth": "0"})
    assert doubled.status_code == 404  # /nextcloud/nextcloud/remote.php: index.php finds no such route
    bare = await client.get(ROOT)  # lib/base.php: header('Location: ' . OC::$WEBROOT . '/')
    assert bare.status_code == 302
    assert bare.headers["Location"] == f"{ROOT}/"


async def test_control_api_stays_at_the_server_root_and_the_log_has_full_paths(client: httpx2.AsyncClient) -> None:
    assert (await client.get(f"{ROOT}/ocs/v2.php/cloud/user", headers=OCS_HEADERS, auth=ALICE)).status_code == 200
    log = (await client.get("/__testbed__/requests")).json()
    assert [r["path"] for r in log["requests"]][-1] == f"{ROOT}/ocs/v2.php/cloud/user"


# -- DAV hrefs ---------------------------------------------------------------------------------------------


async def test_caldav_discovery_hrefs_carry_the_webroot(client: httpx2.AsyncClient) -> None:
    root = await client.request(
        "PROPFIND", f"{DAV}/", auth=ALICE, headers={"Depth": "0"}, content=propfind("d:current-user-principal")
    )
    found = responses(root)
    assert list(found) == [f"{DAV}/"]
    principal = hrefs_of(found[f"{DAV}/"], f"{D}current-user-principal")
    assert principal == [f"{DAV}/principals/users/alice/"]
    homes = await client.request(
        "PROPFIND",
        principal[0],
        auth=ALICE,
        headers={"Depth": "0"},
        content=propfind("c:calendar-home-set", "card:addressbook-home-set", "c:schedule-outbox-URL"),
    )
    prop = responses(homes)[principal[0]]
    assert hrefs_of(prop, "{urn:ietf:params:xml:ns:caldav}calendar-home-set") == [f"{DAV}/calendars/alice/"]
    assert hrefs_of(prop, "{urn:ietf:params:xml:ns:carddav}addressbook-home-set") == [
        f"{DAV}/addressbooks/users/alice/"
    ]
    assert hrefs_of(prop, "{urn:ietf:params:xml:ns:caldav}schedule-outbox-URL") == [f"{DAV}/calendars/alice/outbox/"]
    listing = await client.request(
        "PROPFIND", f"{DAV}/calendars/alice/", auth=ALICE, headers={"Depth": "1"}, content=propfind("d:displayname")
    )
    hrefs = list(responses(listing))  # Radicale's answer, rewritten
    assert f"{DAV}/calendars/alice/personal/" in hrefs
    assert all(h.startswith(f"{DAV}/calendars/alice/") for h in hrefs), hrefs


async def test_files_hrefs_destination_and_content_location_carry_the_webroot(client: httpx2.AsyncClient) -> None:
    await _seed_files(client, {"path": "a.txt", "content": "a"})
    files = f"{DAV}/files/alice"
    listing = await client.request("PROPFIND", f"{files}/", auth=ALICE, headers={"Depth": "1"})
    assert sorted(responses(listing)) == [f"{files}/", f"{files}/a.txt"]
    outside = await client.request(
        "MOVE", f"{files}/a.txt", auth=ALICE, headers={"Destination": "http://nc.test/remote.php/dav/files/alice/b.txt"}
    )
    assert outside.status_code == 403  # Server::calculateUri: the base URI carries the webroot
    assert f"out of base uri ({files}/)" in outside.text
    moved = await client.request(
        "MOVE", f"{files}/a.txt", auth=ALICE, headers={"Destination": f"http://nc.test{files}/b.txt"}
    )
    assert moved.status_code == 201
    stat = await client.request("PROPFIND", f"{files}/b.txt", auth=ALICE, headers={"Depth": "0"})
    file_id = responses(stat)[f"{files}/b.txt"].findtext("{http://owncloud.org/ns}fileid")
    comment = await client.post(
        f"{DAV}/comments/files/{file_id}",
        auth=ALICE,
        json={"actorType": "users", "verb": "comment", "message": "hi"},
    )
    assert comment.status_code == 201
    assert comment.headers["Content-Location"].startswith(f"{DAV}/comments/files/{file_id}/")


async def test_carddav_multiget_hrefs_are_resolved_against_the_webroot(client: httpx2.AsyncClient) -> None:
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Ann\r\nEND:VCARD\r\n"
    seeded = await client.post(
        "/__testbed__/seed/addressbooks",
        json={"user": "alice", "addressbooks": [{"uri": "contacts", "cards": [{"name": "u1.vcf", "data": card}]}]},
    )
    href = seeded.json()["addressbooks"][0]["cards"][0]["href"]
    assert href == f"{DAV}/addressbooks/users/alice/contacts/u1.vcf"

    def multiget(target: str) -> bytes:
        return (
            '<?xml version="1.0"?><card:addressbook-multiget xmlns:d="DAV:"'
            ' xmlns:card="urn:ietf:params:xml:ns:carddav">'
            f"<d:prop><d:getetag/></d:prop><d:href>{target}</d:href></card:addressbook-multiget>"
        ).encode()

    book = f"{DAV}/addressbooks/users/alice/contacts/"
    found = await client.request("REPORT", book, auth=ALICE, headers={"Depth": "1"}, content=multiget(href))
    assert list(responses(found)) == [href]
    outside = await client.request(
        "REPORT", book, auth=ALICE, headers={"Depth": "1"}, content=multiget(href.removeprefix(ROOT))
    )
    assert outside.status_code == 403


# -- absolute URLs and redirects ---------------------------------------------------------------------------


async def test_absolute_urls_carry_the_webroot(client: httpx2.AsyncClient) -> None:
    await _seed_files(client, {"path": "report.md", "content": "r"})
    share = await client.post(
        f"{ROOT}/ocs/v2.php/apps/files_sharing/api/v1/shares",
        headers=OCS_HEADERS,
        auth=ALICE,
        data={"path": "/report.md", "shareType": "3"},
    )
    data = share.json()["ocs"]["data"]
    assert data["url"] == f"http://nc.test{ROOT}/index.php/s/{data['token']}"
    found = await client.get(
        f"{ROOT}/ocs/v2.php/search/providers/files/search", params={"term": "report"}, headers=OCS_HEADERS, auth=ALICE
    )
    entry = found.json()["ocs"]["data"]["entries"][0]
    assert entry["resourceUrl"].startswith(f"http://nc.test{ROOT}/index.php/f/")
    discovery = (await client.get(f"{ROOT}/index.php/.well-known/openid-configuration")).json()
    assert discovery["issuer"] == f"http://nc.test{ROOT}"
    assert discovery["token_endpoint"] == f"http://nc.test{ROOT}/index.php/apps/oidc/token"
    recipe = await client.post(f"{ROOT}/apps/cookbook/api/v1/recipes", auth=ALICE, json={"name": "Soup"})
    shown = (await client.get(f"{ROOT}/apps/cookbook/api/v1/recipes/{recipe.json()}", auth=ALICE)).json()
    assert shown["imageUrl"].startswith(f"{ROOT}/index.php/apps/cookbook/webapp/recipes/")


async def test_redirects_carry_the_webroot(client: httpx2.AsyncClient) -> None:
    form = await client.get(f"{ROOT}/index.php/login")
    assert f'action="{ROOT}/index.php/login"' in form.text
    failed = await client.post(
        f"{ROOT}/index.php/login", data={"user": "alice", "password": "wrong"}, headers={"Origin": "http://nc.test"}
    )
    assert failed.status_code == 303
    assert failed.headers["Location"].startswith(f"{ROOT}/index.php/login?")
    # the stock .htaccess rule points at the host root, outside a sub-directory install
    well_known = await client.get(f"{ROOT}/.well-known/caldav")
    assert well_known.status_code == 301
    assert well_known.headers["Location"] == "http://nc.test/remote.php/dav/"


# -- configuration -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "kept"), [("", ""), ("/", ""), ("nextcloud", "/nextcloud"), ("/a/b/", "/a/b")])
def test_webroot_is_normalised_like_oc_webroot(given: str, kept: str) -> None:
    assert clean_webroot(given) == kept


@pytest.mark.parametrize("bad", ["/a/../b", "/a//b", "/a?b", "/a#b"])
def test_cli_refuses_a_webroot_that_is_no_path(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--webroot", bad, "--port", "0"])
    assert exited.value.code == 2
    assert "give a URL path such as /nextcloud" in capsys.readouterr().err
