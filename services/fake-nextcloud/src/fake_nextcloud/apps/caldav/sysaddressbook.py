"""The system address book ``z-server-generated--system`` ("Accounts"): the instance's accounts as vCards, listed in
every user's address-book home and read-only for users.

nextcloud/server apps/dav/lib/CardDAV/:

- UserAddressBooks.php::getChildren appends the ``system`` address book of ``principals/system/system`` under the
  URI ``SystemAddressbook::URI_SHARED`` when the app value ``dav/system_addressbook_exposed`` is true (default;
  ConfigLexicon SYSTEM_ADDRESSBOOK_EXPOSED), as a ``SystemAddressbook``: display name "Accounts", description
  "System address book which holds all accounts" (its constructor), owner ``principals/system/system``.
- SyncService::updateUser keeps one card per enabled account, named ``getCardUri``: ``<backend>:<uid>.vcf``
  (``Database:alice.vcf``); disabled accounts are removed. Converter::createCardFromUser writes vCard 3.0:
  ``UID`` = the user id, ``FN``/``N`` (``splitFullName``) and ``EMAIL;TYPE=OTHER`` with their account scope
  (``X-NC-SCOPE=v2-federated`` by default), ``X-SOCIALPROFILE;TYPE=NEXTCLOUD`` (the profile page, scope
  ``v2-published``), ``CLOUD`` (the cloud id ``uid@host``); serialised by sabre/vobject with its ``PRODID`` after
  ``VERSION`` (stored rows of real instances show this order).
- SystemAddressbook::getChildren / getChild filter by the sharing settings (core app values): enumeration off,
  or restricted to phone-book matches, or a guest -> the user's own card; restricted to groups (or "share only
  with group members") -> cards of users sharing a group; otherwise everyone except ``Guests:`` cards.
- Writes: SystemAddressbook::getACL drops ``{DAV:}write`` and ``{DAV:}all``, leaving ``{DAV:}read`` for
  ``{DAV:}authenticated``. Sabre's ACL plugin then refuses PROPPATCH (write-properties), PUT of a card
  (write-content, or bind on the book for a new one), DELETE and MOVE of cards (unbind on the book), and
  DavAclPlugin::checkPrivileges hides the node: the owner is not the user and the class is neither AddressBook nor
  Calendar, so 404 "Node with name '<name>' could not be found". DELETE of the book itself passes the ACL (the
  home is the user's) and SystemAddressbook::delete throws Forbidden (403, empty message).

The fake keeps one copy per user in Radicale (under the user's home), re-synchronised on every DAV request of that
user, so sync tokens and ETags move when an account changes. Not modelled: PHOTO (the avatar), phone, address and
other profile fields, group or phone enumeration limits for ``getMultipleChildren``, federation (trusted servers).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

import anyio

from fake_nextcloud.apps.caldav.engine import SCRIPT_NAMES, CalDavEngine
from fake_nextcloud.apps.caldav.ownership import Owner, system_owner
from fake_nextcloud.apps.caldav.vcard import VCard
from fake_nextcloud.apps.caldav.vcardconvert import SABRE_VOBJECT
from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.core.state import FakeState, User
from fake_nextcloud.core.urls import webroot

__all__ = [
    "DISPLAY_NAME",
    "URI",
    "SystemBooks",
    "card_name",
    "check_write",
    "ensure",
    "exposed",
    "owners",
    "system_card",
    "write_error",
]

URI = "z-server-generated--system"  # SystemAddressbook::URI_SHARED
DISPLAY_NAME = "Accounts"
DESCRIPTION = "System address book which holds all accounts"
#: Converter::NAME_SUFFIXES and NAME_SALUTATIONS
_SUFFIXES = frozenset((
    "i", "ii", "iii", "iv", "v", "senior", "junior", "jr", "sr", "phd", "apr", "rph", "pe", "md", "ma", "msc", "bsc",
    "ba", "bs", "dmd", "cme", "bsn", "mba", "ceo", "cto", "cfo", "coo",
))  # fmt: skip
_SALUTATIONS = frozenset((
    "mr", "mrs", "ms", "miss", "master", "mister", "dr", "rev", "fr", "prof", "herr", "frau", "mme", "mlle", "me", "pr",
))  # fmt: skip


def _bool(value: str) -> bool:
    """IAppConfig::getValueBool of a stored string."""
    return value.strip().lower() in ("1", "yes", "true", "on")


def exposed(state: FakeState) -> bool:
    return _bool(state.config.app_value("dav", "system_addressbook_exposed", "yes"))


def card_name(user: User) -> str:
    """SyncService::getCardUri."""
    return f"{user.backend}:{user.uid}.vcf"


def _words(name: str) -> list[str]:
    return name.split()


def _norm(word: str) -> str:
    """Converter::normalizeNameWord."""
    return re.sub(r"[.,]", "", word.strip()).lower()


def split_full_name(full: str) -> list[str]:
    """Converter::splitFullName: ``[family, given, additional, prefix, suffix]``."""
    prefix: list[str] = []
    suffix: list[str] = []
    cleaned = re.sub(r"\([^()]*\)|\[[^[\]]*\]|\{[^{}]*\}", " ", full)
    cleaned = re.sub(r"\s+", " ", cleaned).strip() or full.strip()
    segments = [s for s in (_words(part) for part in cleaned.split(",")) if s]
    while len(segments) > 1 and all(_norm(w) in _SUFFIXES for w in segments[-1]):
        suffix.insert(0, " ".join(segments.pop()))
    if len(segments) > 1 and len(segments[0]) == 1:
        result = [segments[0][0], "", "", "", ""]
        words = [w for s in segments[1:] for w in s]
    else:
        result = ["", "", "", "", ""]
        words = segments[0] if segments else _words(cleaned)
        if len(segments) > 1:
            suffix.append(", ".join(" ".join(s) for s in segments[1:]))
    while len(words) > 1 and _norm(words[0]) in _SALUTATIONS:
        prefix.append(words.pop(0))
    while len(words) > 1 and _norm(words[-1]) in _SUFFIXES:
        suffix.insert(0, words.pop())
    if result[0]:
        result[1], result[2] = (words[0] if words else ""), " ".join(words[1:])
    elif len(words) > 2:
        result[0], result[1], result[2] = words[-1], words[0], " ".join(words[1:-1])
    elif len(words) == 2:
        result[0], result[1] = words[1], words[0]
    elif len(words) == 1:
        result[0] = words[0]
    result[3], result[4] = " ".join(prefix), ", ".join(s for s in suffix if s)
    return result


def system_card(user: User, base_url: str) -> bytes:
    """Converter::createCardFromUser with the default account scopes; ``base_url`` is
    ``IURLGenerator::getBaseUrl`` (``http://host/webroot``)."""
    card = VCard()
    entries: list[tuple[str, str | list[str] | None, dict[str, str | list[str]]]] = [
        ("PRODID", f"-//Sabre//Sabre VObject {SABRE_VOBJECT}//EN", {}),
        ("VERSION", "3.0", {}),
        ("UID", user.uid, {}),
        ("FN", user.display_name or user.uid, {"X-NC-SCOPE": "v2-federated"}),
        ("N", split_full_name(user.display_name or user.uid), {"X-NC-SCOPE": "v2-federated"}),
        ("EMAIL", user.email, {"TYPE": "OTHER", "X-NC-SCOPE": "v2-federated"}),
        ("X-SOCIALPROFILE", f"{base_url}/index.php/u/{user.uid}", {"TYPE": "NEXTCLOUD", "X-NC-SCOPE": "v2-published"}),
        ("CLOUD", f"{user.uid}@{re.sub(r'^https?://', '', base_url)}", {}),
    ]
    for name, value, params in entries:
        if value:
            card.add(card.create(name, value, params or None))
    return card.serialize().encode()


def _visible(state: FakeState, viewer: User) -> list[User]:
    """The accounts whose cards ``viewer`` sees (SystemAddressbook::getChildren)."""
    accounts = [u for u in state.users.values() if u.enabled]
    core = state.config.app_value
    enumeration = _bool(core("core", "shareapi_allow_share_dialog_user_enumeration", "yes"))
    to_group = _bool(core("core", "shareapi_restrict_user_enumeration_to_group", "no"))
    to_phone = _bool(core("core", "shareapi_restrict_user_enumeration_to_phone", "no"))
    own_groups = _bool(core("core", "shareapi_only_share_with_group_members", "no"))
    if viewer.backend == "Guests" or not enumeration or (not to_group and to_phone):
        return [u for u in accounts if u.uid == viewer.uid]
    if to_group or own_groups:
        groups = set(viewer.groups)
        return [u for u in accounts if u.backend != "Guests" and groups & set(u.groups)]
    return [u for u in accounts if u.backend != "Guests"]


@dataclass
class SystemBooks:
    """Per user: the cards last written to their copy (name -> bytes)."""

    state: FakeState
    synced: dict[str, dict[str, bytes]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, state: FakeState) -> SystemBooks:
        return state.backend("caldav-system-addressbook", cls)

    def storage_used(self, uid: str) -> int:
        return 0


def _mkcol() -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
        "<D:set><D:prop><D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>"
        f"<D:displayname>{escape(DISPLAY_NAME)}</D:displayname>"
        f"<CR:addressbook-description>{escape(DESCRIPTION)}</CR:addressbook-description></D:prop></D:set></D:mkcol>"
    ).encode()


def sync(engine: CalDavEngine, user: User, base_url: str) -> None:
    """Bring ``user``'s copy in line with the accounts (SyncService::updateUser / deleteUser)."""
    books = SystemBooks.of(engine.state)
    path = f"/{quote(user.uid)}/{URI}/"
    with books.lock:
        have = books.synced.get(user.uid)
        if not exposed(engine.state):
            if have is not None:
                engine.call("addressbooks", "DELETE", path, user.uid)
                del books.synced[user.uid]
            return
        if have is None:
            if engine.call("addressbooks", "PROPFIND", path, user.uid, {"Depth": "0"}).status != 207:
                engine.call("addressbooks", "MKCOL", path, user.uid, body=_mkcol())
            have = books.synced[user.uid] = {}
        want: dict[str, bytes] = {}
        for account in _visible(engine.state, user):  # a card is rewritten when its account changed
            fresh, old = system_card(account, base_url), have.get(card_name(account))
            same = old is not None and _account_part(old) == _account_part(fresh)
            want[card_name(account)] = old if same and old is not None else fresh
        for name in [n for n in have if n not in want]:
            engine.call("addressbooks", "DELETE", path + quote(name), user.uid)
            del have[name]
        for name, data in want.items():
            if have.get(name) != data:
                engine.call("addressbooks", "PUT", path + quote(name), user.uid, {"Content-Type": "text/vcard"}, data)
                have[name] = data


def _account_part(card: bytes) -> bytes:
    """A card without the lines that depend on the request's host (the profile link and the cloud id)."""
    return b"".join(line for line in card.splitlines(True) if not line.startswith((b"X-SOCIALPROFILE", b"CLOUD")))


async def ensure(engine: CalDavEngine, user: User, base_url: str) -> None:
    await anyio.to_thread.run_sync(sync, engine, user, base_url)


def owners(state: FakeState, home: str) -> dict[str, Owner]:
    """The system address book's href in the home ``home`` -> its owner (for props.rewrite_multistatus)."""
    return {f"{home}{URI}/": system_owner()} if exposed(state) else {}


def write_error(method: str, parts: list[str], destination: list[str], card_exists: bool) -> DavError | None:
    """The error Nextcloud answers for a write touching the system address book (``parts`` below the address-book
    home, starting with the user id; ``destination`` the MOVE target's parts), ``None`` for other requests."""
    source = len(parts) >= 2 and parts[1] == URI
    target = method == "MOVE" and len(destination) >= 2 and destination[1] == URI
    if not source and not target:
        return None
    hidden = f"Node with name '{URI}' could not be found"
    if source and len(parts) == 2:
        if method == "DELETE":
            return DavError(403, "Forbidden", "")  # SystemAddressbook::delete
        if method == "PROPPATCH":
            return DavError(404, "NotFound", hidden)
        return None
    if source and method in ("PUT", "PROPPATCH") and card_exists:
        return DavError(404, "NotFound", f"Node with name '{parts[2]}' could not be found")  # write-content
    if method in ("PUT", "DELETE", "MOVE") or target:
        return DavError(404, "NotFound", hidden)  # bind / unbind on the address book
    return None


def check_write(engine: CalDavEngine, method: str, destination: str, parts: list[str]) -> None:
    """Raise ``write_error`` for a request of routes.py (``destination``: the MOVE's Destination header)."""
    target: list[str] = []
    prefix = webroot() + SCRIPT_NAMES["addressbooks"] + "/"
    path = unquote(urlsplit(destination).path) if method == "MOVE" else ""
    if path.startswith(prefix):
        target = [p for p in path[len(prefix) :].split("/") if p]
        target = target if target[:1] == parts[:1] else []
    exists = len(parts) >= 3 and engine.cards.get("/" + "/".join(quote(p) for p in parts[:3])) is not None
    error = write_error(method, parts, target, exists)
    if error is not None:
        raise error
