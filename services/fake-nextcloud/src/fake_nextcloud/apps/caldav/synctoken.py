"""Sync tokens and ctags in Nextcloud's form: ``http://sabre.io/ns/sync/<n>`` (apps/dav CalDavBackend /
CardDavBackend ``getCalendarsForUser``: ``'{http://sabredav.org/ns}sync-token' => $row['synctoken']`` rendered by
sabre-io/dav lib/DAV/Sync/Plugin.php with the ``http://sabre.io/ns/sync/`` prefix; ``cs:getctag`` is the same
string). Radicale's own tokens are hashes; each one the fake shows gets the next number, so tokens grow as
changes happen, and a number maps back to the Radicale token it stands for."""

from __future__ import annotations

import threading

__all__ = ["PREFIX", "SyncTokens"]

PREFIX = "http://sabre.io/ns/sync/"


class SyncTokens:
    """The two-way table between Radicale tokens (and ctags) and Sabre-style numbered tokens."""

    def __init__(self) -> None:
        self._public: dict[str, str] = {}
        self._private: dict[str, str] = {}
        self._lock = threading.Lock()

    def public(self, radicale: str) -> str:
        with self._lock:
            token = self._public.get(radicale)
            if token is None:
                token = f"{PREFIX}{len(self._public) + 1}"
                self._public[radicale] = token
                self._private[token] = radicale
            return token

    def private(self, token: str) -> str | None:
        """The Radicale token behind a numbered one, ``None`` if the fake never issued it."""
        with self._lock:
            return self._private.get(token)
