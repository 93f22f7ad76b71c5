"""Who owns a calendar or an address book, as Nextcloud's backends put it in the collection's properties.

- apps/dav/lib/CalDAV/CalDavBackend.php::getCalendarsForUser: every calendar carries
  ``{http://owncloud.org/ns}owner-principal`` (own ones ``principals/users/<uid>``, shared ones the sharer's
  principal, with ``{http://owncloud.org/ns}read-only``), and ``addOwnerPrincipal`` adds
  ``{http://nextcloud.com/ns}owner-displayname``: the ``{DAV:}displayname`` of that principal
  (apps/dav/lib/Connector/Sabre/Principal.php::getPrincipalByPath).
- apps/dav/lib/CardDAV/CardDavBackend.php::getAddressBooksForUser: own address books get only
  ``owner-displayname`` (``addOwnerPrincipal`` looks the owner up by ``principaluri``; ``owner-principal`` is set
  for shared ones only), so PROPFIND answers ``oc:owner-principal`` 404 for them.
- The system address book (apps/dav/lib/CardDAV/UserAddressBooks.php::getChildren, SystemAddressbook.php) belongs to
  ``principals/system/system``, whose display name is "Accounts" (Principal::getPrincipalByPath, prefix
  ``principals/system``), is listed with ``owner-principal`` ``principals/system/system`` and ``read-only`` true,
  and its ``{DAV:}owner`` is that principal (sabre-io/dav lib/DAVACL/Plugin.php::propFind: ``getOwner().'/'``).

These are "real" properties of the node (Sabre's Calendar/AddressBook ``getProperties`` return the info array), so
they come back when asked for by name and with ``allprop``. ``read-only`` true is written ``1`` (sabre/xml writes
``(string) true``), false ``""``.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree as ET

from fake_nextcloud.apps.caldav.cardstore import move_to_ok, propstats
from fake_nextcloud.apps.caldav.ns import DAV, NCAL, OC
from fake_nextcloud.apps.dav.xmlio import q
from fake_nextcloud.core.state import FakeState, User

__all__ = ["SYSTEM_PRINCIPAL", "Owner", "Owners", "system_owner"]

SYSTEM_PRINCIPAL = "principals/system/system"
_PRINCIPAL, _DISPLAY, _READ_ONLY = q(OC, "owner-principal"), q(NCAL, "owner-displayname"), q(OC, "read-only")


@dataclass(frozen=True)
class Owner:
    """The owner of one collection: ``principal`` (``principals/users/bob``), its display name, whether
    ``oc:owner-principal`` is a property of the collection, and the ``oc:read-only`` text (``None``: absent)."""

    principal: str
    display_name: str
    principal_prop: bool = True
    read_only: str | None = None

    @property
    def href(self) -> str:
        """``{DAV:}owner`` (an href under the DAV base URI, with the trailing slash Sabre adds)."""
        return f"/remote.php/dav/{self.principal}/"

    def values(self) -> dict[str, str]:
        out = {_PRINCIPAL: self.principal} if self.principal_prop else {}
        out[_DISPLAY] = self.display_name
        if self.read_only is not None:
            out[_READ_ONLY] = self.read_only
        return out


def system_owner() -> Owner:
    """The system address book's owner (``l10n->t('Accounts')``, English)."""
    return Owner(SYSTEM_PRINCIPAL, "Accounts", principal_prop=True, read_only="1")


class Owners:
    """The owner of each collection of one user's home. ``home`` is the home's href (``/remote.php/dav/calendars/
    alice/``); ``shared`` maps a collection href to its sharer's uid (``None``: the user's own read-only one);
    ``special`` maps collection hrefs to a fixed owner (the system address book)."""

    def __init__(
        self,
        state: FakeState,
        user: User,
        home: str,
        *,
        calendars: bool,
        shared: dict[str, str | None],
        special: dict[str, Owner] | None = None,
    ) -> None:
        self.state, self.user, self.home, self.calendars = state, user, home, calendars
        self.shared, self.special = shared, special or {}

    def collection(self, href: str) -> str | None:
        """The collection href ``href`` is in (or is), when it lies in the home."""
        if not href.startswith(self.home) or href == self.home:
            return None
        name = href[len(self.home) :].split("/", 1)[0]
        return f"{self.home}{name}/"

    def listed_last(self, response: ET.Element) -> bool:
        """Whether the ``d:response`` is one of the ``special`` collections, which follow the user's own."""
        return (response.findtext(q(DAV, "href")) or "") in self.special

    def of(self, collection: str) -> Owner:
        if collection in self.special:
            return self.special[collection]
        sharer = self.shared.get(collection)
        if sharer:
            found = self.state.user(sharer)
            name = found.display_name if found is not None else sharer
            return Owner(f"principals/users/{sharer}", name, read_only="1")
        return Owner(f"principals/users/{self.user.uid}", self.user.display_name, principal_prop=self.calendars)

    def apply(self, response: ET.Element, href: str, *, allprop: bool) -> None:
        """Fill the owner properties of a collection's ``d:response`` that Radicale answered 404 (or, for
        ``allprop``, did not answer at all)."""
        if self.collection(href) != href:
            return
        for tag, text in self.of(href).values().items():
            ok, missing = propstats(response)
            asked = missing.find(tag) if missing is not None else None
            if asked is not None and missing is not None:
                move_to_ok(response, ok, missing, asked).text = text
            elif allprop and (ok is None or ok.find(tag) is None):
                holder = ET.Element(q(DAV, "prop"))  # not in the response: move_to_ok only takes from it
                ET.SubElement(holder, tag).text = text
                move_to_ok(response, ok, holder, holder[0])
