"""Browser sessions: the PHP session behind Nextcloud's cookies, and request tokens (CSRF).

* The session cookie is named after the instance id (``session_name(OC_Util::getInstanceId())`` in
  nextcloud/server ``lib/base.php::initSession``); with it come ``oc_sessionPassphrase``
  (``lib/private/Session/CryptoWrapper.php``) and the same-site marker cookies ``nc_sameSiteCookielax`` /
  ``nc_sameSiteCookiestrict`` (``lib/base.php::sendSameSiteCookies``). A login regenerates the session id
  (``Session::completeLogin`` -> ``ISession::regenerateId``) and sets the remember-me cookies ``nc_username`` and
  ``nc_session_id`` (``Session::createRememberMeToken``; the ``nc_token`` cookie login is not modelled).
* Request tokens: ``CsrfTokenManager`` keeps a 32-character secret per session; each rendered token is
  ``base64(secret XOR pad) ":" base64(pad)`` with a fresh pad (``lib/private/Security/CSRF/CsrfToken.php``), so
  every page shows a different string that validates against the same secret.
* ``Request::passesStrictCookieCheck``: a request that carries a session cookie (and no ``OCS-APIRequest``
  header) only passes the CSRF check if it also carries ``nc_sameSiteCookiestrict=true`` and
  ``nc_sameSiteCookielax=true`` (``lib/private/AppFramework/Http/Request.php``). The ``__Host-`` prefix used
  over https is not modelled.

Every request but ``status.php`` starts a session (``core.identity``), API requests included, as PHP does.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import string
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

__all__ = [
    "LAX_COOKIE",
    "SESSION_COOKIE",
    "STRICT_COOKIE",
    "Session",
    "SessionStore",
    "cookie_header",
    "csrf_token",
    "csrf_valid",
    "parse_cookies",
    "random_string",
]

#: ``OC_Util::getInstanceId()`` of the fake ("oc" + 10 characters, like a real instance id).
SESSION_COOKIE = "ocfakenc0001"
LAX_COOKIE = "nc_sameSiteCookielax"
STRICT_COOKIE = "nc_sameSiteCookiestrict"
_ALNUM = string.ascii_letters + string.digits


def random_string(length: int, alphabet: str = _ALNUM) -> str:
    """``ISecureRandom::generate($length, $characters)`` (from ``os.urandom`` bytes: fast enough for the session every
    cookie-less API request starts; the small modulo bias does not matter to a test double)."""
    return "".join(alphabet[byte % len(alphabet)] for byte in secrets.token_bytes(length))


@dataclass
class Session:
    """One PHP session: its id (cookie value), data (``ISession``), CSRF secret and logged-in user."""

    id: str
    created: float
    csrf_secret: str = field(default_factory=lambda: random_string(32))
    data: dict[str, Any] = field(default_factory=dict)
    uid: str | None = None
    login_name: str | None = None

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value

    def remove(self, key: str) -> None:
        self.data.pop(key, None)


class SessionStore:
    """Server-side sessions of one instance. Like PHP's session garbage collector (``session.gc_maxlifetime``),
    it forgets the oldest sessions, here once more than ``capacity`` exist (every cookie-less API request
    starts one)."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._sessions: dict[str, Session] = {}
        self._capacity = capacity

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str | None) -> Session | None:
        return self._sessions.get(session_id) if session_id else None

    def create(self, now: float) -> Session:
        session = Session(id=random_string(26, string.ascii_lowercase + string.digits), created=now)
        self._sessions[session.id] = session
        while len(self._sessions) > self._capacity:
            del self._sessions[next(iter(self._sessions))]
        return session

    def regenerate(self, session: Session) -> Session:
        """``ISession::regenerateId``: same data under a new id; the old id stops working."""
        self._sessions.pop(session.id, None)
        session.id = random_string(26, string.ascii_lowercase + string.digits)
        self._sessions[session.id] = session
        return session

    def destroy(self, session: Session) -> None:
        self._sessions.pop(session.id, None)

    def for_user(self, uid: str) -> list[Session]:
        return [s for s in self._sessions.values() if s.uid == uid]

    def clear(self) -> None:
        self._sessions.clear()


def parse_cookies(header: str) -> dict[str, str]:
    """The ``Cookie`` request header as a dict (malformed pairs are skipped, as PHP does)."""
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value
    return cookies


def cookie_header(
    name: str,
    value: str,
    *,
    secure: bool = False,
    same_site: str = "Lax",
    expires: str | None = None,
    http_only: bool = True,
) -> str:
    """A ``Set-Cookie`` value with ``path=/`` (Nextcloud's webroot)."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    morsel = cookie[name]
    morsel["path"] = "/"
    morsel["samesite"] = same_site
    if http_only:
        morsel["httponly"] = True
    if secure:
        morsel["secure"] = True
    if expires is not None:
        morsel["expires"] = expires
    return morsel.OutputString()


def csrf_token(session: Session) -> str:
    """A fresh rendering of the session's request token (``CsrfToken::getEncryptedValue``)."""
    secret = session.csrf_secret.encode("ascii")
    pad = secrets.token_bytes(len(secret))
    masked = bytes(a ^ b for a, b in zip(secret, pad, strict=True))
    return base64.b64encode(masked).decode("ascii") + ":" + base64.b64encode(pad).decode("ascii")


def csrf_valid(session: Session, token: str) -> bool:
    """``CsrfTokenManager::isTokenValid``: the unmasked token must equal the session secret."""
    masked_b64, sep, pad_b64 = token.partition(":")
    if not sep or ":" in pad_b64:
        return False
    try:
        masked = base64.b64decode(masked_b64, validate=True)
        pad = base64.b64decode(pad_b64, validate=True)
    except ValueError:
        return False
    if len(masked) != len(pad):
        return False
    decrypted = bytes(a ^ b for a, b in zip(masked, pad, strict=True))
    return hmac.compare_digest(decrypted, session.csrf_secret.encode("ascii"))
