"""The storage engine behind CalDAV/CardDAV: two in-process Radicale applications (one for calendar homes, one for
address-book homes, so the two homes stay separate as in Nextcloud), called through WSGI without a socket.

Radicale authenticates nothing here: the fake's front controller has already logged the user in (user_oidc
Bearer or Basic), and the engine passes the user id to Radicale's ``http_x_remote_user`` backend in a WSGI
environ it builds itself, so a client-sent ``X-Remote-User`` header never reaches Radicale. Rights are
``owner_only``. Storage lives in a temporary directory owned by the backend; ``FakeState.reset()`` drops the
backend and the directory is removed with it (as ``DavBackend`` does for files).
"""

from __future__ import annotations

import io
import logging
import shutil
import sys
import tempfile
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

import anyio
import radicale.config
from radicale.app import Application

from fake_nextcloud.apps.caldav.cardstore import CAL_MOUNT, MOUNT, calendar_store, card_store
from fake_nextcloud.apps.caldav.ns import register_prefixes
from fake_nextcloud.apps.caldav.synctoken import SyncTokens
from fake_nextcloud.core.state import FakeState, User

__all__ = ["KINDS", "SCRIPT_NAMES", "CalDavEngine", "EngineResponse", "Kind", "ReadOnly"]

Kind = Literal["calendars", "addressbooks"]
KINDS: tuple[Kind, Kind] = ("calendars", "addressbooks")
#: Where each Radicale instance is mounted (WSGI ``SCRIPT_NAME``): hrefs come back under Nextcloud's layout.
SCRIPT_NAMES: dict[Kind, str] = {"calendars": CAL_MOUNT, "addressbooks": MOUNT}

#: apps/dav/lib/CalDAV/CalDavBackend.php PERSONAL_CALENDAR_URI / PERSONAL_CALENDAR_NAME, and
#: CardDavBackend.php PERSONAL_ADDRESSBOOK_URI / PERSONAL_ADDRESSBOOK_NAME.
PERSONAL_CALENDAR = ("personal", "Personal")
PERSONAL_ADDRESSBOOK = ("contacts", "Contacts")
#: ThemingDefaults::getColorPrimary() without theming: apps/theming/lib/Service/BackgroundService.php DEFAULT_COLOR.
DEFAULT_COLOR = "#00679e"

logging.getLogger("radicale").setLevel(logging.ERROR)
register_prefixes()


@dataclass
class EngineResponse:
    """A Radicale answer: status, headers (last value wins) and the whole body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class ReadOnly:
    """A read-only calendar of one user: ``owner`` is the sharer's uid for a calendar shared read-only by another
    user, ``None`` for the user's own read-only calendar (as a subscription)."""

    owner: str | None = None


@dataclass
class _Flags:
    omit_etag: bool = False
    provisioned: set[str] = field(default_factory=set)


def _config(folder: Path) -> Any:
    configuration = radicale.config.load()
    configuration.update(
        {
            "auth": {"type": "http_x_remote_user", "delay": "0"},
            "rights": {"type": "owner_only"},
            "storage": {"filesystem_folder": str(folder), "_filesystem_fsync": "False"},
            # Sabre takes any object name (Radicale 3.6+ refuses ":" by default: Database:alice.vcf)
            "server": {"delay_on_error": "0", "validate_path_value": "none"},
            "web": {"type": "none"},
        },
        "fake-nextcloud",
        privileged=True,
    )
    return configuration


def mkcalendar_body(name: str, components: list[str], color: str | None) -> bytes:
    """An RFC 4791 MKCALENDAR body setting displayname, colour and the component set."""
    comps = "".join(f'<C:comp name="{escape(c)}"/>' for c in components)
    color_xml = f"<I:calendar-color>{escape(color)}</I:calendar-color>" if color else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'
        ' xmlns:I="http://apple.com/ns/ical/"><D:set><D:prop>'
        f"<D:displayname>{escape(name)}</D:displayname>{color_xml}"
        f"<C:supported-calendar-component-set>{comps}</C:supported-calendar-component-set>"
        "</D:prop></D:set></C:mkcalendar>"
    ).encode()


def mkcol_addressbook_body(name: str) -> bytes:
    """An RFC 5689 extended MKCOL body creating an address book."""
    return (
        '<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
        "<D:set><D:prop><D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>"
        f"<D:displayname>{escape(name)}</D:displayname></D:prop></D:set></D:mkcol>"
    ).encode()


class CalDavEngine:
    """Per-instance CalDAV/CardDAV state. Use ``CalDavEngine.of(state)``."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.root = Path(tempfile.mkdtemp(prefix="fake-nextcloud-caldav-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.root), True)
        self.apps: dict[Kind, Application] = {kind: Application(_config(self.root / kind)) for kind in KINDS}
        self.read_only: dict[tuple[str, str], ReadOnly] = {}
        self.flags = _Flags()
        self.tokens = SyncTokens()
        # the stored bytes of every card and calendar object (Radicale keeps its own re-serialisation)
        self.cards = card_store()
        self.objects = calendar_store()
        self._lock = threading.Lock()

    @classmethod
    def of(cls, state: FakeState) -> CalDavEngine:
        return state.backend("caldav", cls)

    def storage_used(self, uid: str) -> int:
        return 0  # calendars and contacts do not count against the files quota

    # -- raw calls ---------------------------------------------------------------------------------------

    def call(
        self, kind: Kind, method: str, path: str, uid: str, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> EngineResponse:
        """One request to Radicale as ``uid``; ``path`` is below the kind's mount, URL-encoded
        (``/alice/personal/x.ics``); WSGI wants ``PATH_INFO`` decoded."""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": SCRIPT_NAMES[kind],
            "PATH_INFO": unquote(path),
            "QUERY_STRING": "",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
        }
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                if key == "CONTENT_TYPE":
                    environ[key] = value
                continue
            environ["HTTP_" + key] = value
        environ["HTTP_X_REMOTE_USER"] = uid  # set last: overrides anything a client tried to pass
        captured: dict[str, Any] = {}

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = dict(response_headers)
            return None

        chunks = self.apps[kind](environ, start_response)
        data = b"".join(chunks)
        store = self.cards if kind == "addressbooks" else self.objects
        data = store.observe(method, path, headers or {}, body, captured["status"], data, captured["headers"])
        return EngineResponse(captured["status"], captured["headers"], data)

    async def request(
        self, kind: Kind, method: str, path: str, uid: str, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> EngineResponse:
        return await anyio.to_thread.run_sync(lambda: self.call(kind, method, path, uid, headers, body))

    async def exists(self, kind: Kind, uid: str, path: str) -> bool:
        """Whether ``path`` (below the kind's mount) exists for ``uid``."""
        return (await self.request(kind, "PROPFIND", path, uid, {"Depth": "0"}, b"")).status == 207

    # -- provisioning ------------------------------------------------------------------------------------

    async def ensure(self, user: User) -> None:
        """``ensure_defaults`` off the event loop (a no-op once the user is provisioned)."""
        if user.uid not in self.flags.provisioned:
            await anyio.to_thread.run_sync(self.ensure_defaults, user)

    def ensure_defaults(self, user: User) -> None:
        """The ``personal`` calendar and ``contacts`` address book, created once per user, as
        apps/dav/lib/Listener/UserEventsListener.php::firstLogin (formerly HookManager::firstLogin) does:
        ``createCalendar(principal, 'personal', {displayname: 'Personal', calendar-color: primary colour,
        components: 'VEVENT'})`` when the user has no calendar, ``createAddressBook(principal, 'contacts',
        {displayname: 'Contacts'})`` when the user has no address book."""
        with self._lock:
            if user.uid in self.flags.provisioned:
                return
            self.flags.provisioned.add(user.uid)
            uid, home_path = user.uid, f"/{quote(user.uid)}/"
            home = self.call("calendars", "PROPFIND", home_path, uid, {"Depth": "1"})
            if home.body.count(b"<response>") <= 1:
                uri, name = PERSONAL_CALENDAR
                self.call(
                    "calendars",
                    "MKCALENDAR",
                    f"{home_path}{uri}/",
                    uid,
                    body=mkcalendar_body(name, ["VEVENT"], DEFAULT_COLOR),
                )
            books = self.call("addressbooks", "PROPFIND", home_path, uid, {"Depth": "1"})
            if books.body.count(b"<response>") <= 1:
                uri, name = PERSONAL_ADDRESSBOOK
                self.call("addressbooks", "MKCOL", f"{home_path}{uri}/", uid, body=mkcol_addressbook_body(name))
