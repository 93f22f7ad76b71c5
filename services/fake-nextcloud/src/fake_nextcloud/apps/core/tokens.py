"""Device tokens (app passwords) and the current browser session's token, as the settings page lists them.

nextcloud/server ``lib/private/Authentication/Token/PublicKeyTokenProvider.php`` (``generateToken``,
``getTokenByUser``, ``invalidateTokenById``) and ``PublicKeyToken::jsonSerialize`` (``id``, ``name``,
``lastActivity``, ``type``, ``scope``). Types are ``IToken::TEMPORARY_TOKEN`` (0, browser sessions) and
``IToken::PERMANENT_TOKEN`` (1, app passwords); the default scope is ``{"filesystem": true}``.

The credential itself stays where the login chain looks for it: ``User.app_passwords`` (``core.auth``). This
registry adds what the device list shows (id, name, last activity) and assigns ids lazily to app passwords that
were seeded without one (named ``"App password"``). Removing an app password removes it from both, so the next
request that uses it fails Basic auth (401), as with ``invalidateTokenById``.

Not modelled: ``lastActivity`` updates on use (``updateTokenActivity``), remote wipe, token scopes other than the
default, tokens of other browser sessions than the current one.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import SecurityError
from fake_nextcloud.core.session import Session, random_string
from fake_nextcloud.core.state import FakeState, User

__all__ = [
    "PASSWORD_CONFIRMATION_WINDOW",
    "PERMANENT_TOKEN",
    "TEMPORARY_TOKEN",
    "AuthToken",
    "PasswordNotConfirmed",
    "TokenRegistry",
    "check_password_confirmation",
    "generate_app_password",
    "has_session_token",
    "tokens",
]

TEMPORARY_TOKEN = 0
PERMANENT_TOKEN = 1
#: ``ISecureRandom::CHAR_UPPER . CHAR_LOWER . CHAR_DIGITS``
_ALNUM = string.ascii_uppercase + string.ascii_lowercase + string.digits
#: Session key holding the id of the session's own (temporary) token in the fake.
_SESSION_TOKEN_KEY = "fake.session_token_id"  # noqa: S105 (a session key)


def generate_app_password() -> str:
    """``$this->random->generate(72, CHAR_UPPER . CHAR_LOWER . CHAR_DIGITS)`` (``AppPasswordController::
    getAppPassword``, ``LoginFlowV2Service::flowDone``)."""
    return random_string(72, _ALNUM)


def token_name(name: str) -> str:
    """``PublicKeyTokenProvider::generateToken``: a name longer than 128 characters is cut to 120 plus ``…``."""
    return name[:120] + "…" if len(name) > 128 else name


@dataclass
class AuthToken:
    """One row of ``oc_authtoken`` as the device list sees it."""

    id: int
    uid: str
    login_name: str
    name: str
    type: int
    last_activity: int
    password: str | None = None  # the app password itself (PERMANENT_TOKEN only; the fake keeps it in clear)
    scope: dict[str, Any] = field(default_factory=lambda: {"filesystem": True})

    def to_json(self) -> dict[str, Any]:
        """``PublicKeyToken::jsonSerialize``."""
        return {
            "id": self.id,
            "name": self.name,
            "lastActivity": self.last_activity,
            "type": self.type,
            "scope": dict(self.scope),
        }


class TokenRegistry:
    """The fake's ``oc_authtoken`` (one per instance, cleared by ``FakeState.reset``)."""

    def __init__(self, state: FakeState) -> None:
        self._state = state
        self._tokens: dict[int, AuthToken] = {}
        self._next_id = 1

    def storage_used(self, uid: str) -> int:  # FakeState backends report storage
        return 0

    def _add(self, token: AuthToken) -> AuthToken:
        self._tokens[token.id] = token
        return token

    def _new_id(self) -> int:
        token_id = self._next_id
        self._next_id += 1
        return token_id

    def _sync(self, user: User) -> None:
        """Register seeded app passwords; forget tokens whose password was removed elsewhere."""
        known = {t.password for t in self._tokens.values() if t.uid == user.uid and t.type == PERMANENT_TOKEN}
        for password in user.app_passwords:
            if password not in known:
                self._add(
                    AuthToken(
                        self._new_id(), user.uid, user.login, "App password", PERMANENT_TOKEN, 0, password=password
                    )
                )
        for token in list(self._tokens.values()):
            if token.uid == user.uid and token.type == PERMANENT_TOKEN and token.password not in user.app_passwords:
                del self._tokens[token.id]

    def generate(self, user: User, login_name: str, name: str, *, password: str | None = None) -> tuple[str, AuthToken]:
        """``PublicKeyTokenProvider::generateToken(..., IToken::PERMANENT_TOKEN, IToken::DO_NOT_REMEMBER)``:
        a new app password (``password``, or 72 random characters), usable for Basic auth at once."""
        self._sync(user)
        password = password if password is not None else generate_app_password()
        user.app_passwords.append(password)
        token = AuthToken(
            self._new_id(), user.uid, login_name, token_name(name), PERMANENT_TOKEN, self._state.time(), password
        )
        return password, self._add(token)

    def by_password(self, password: str) -> AuthToken | None:
        """``IProvider::getToken($password)`` for app passwords."""
        for user in self._state.users.values():
            if password in user.app_passwords:
                self._sync(user)
        return next((t for t in self._tokens.values() if t.password == password), None)

    def by_id(self, token_id: int) -> AuthToken | None:
        """``getTokenById``."""
        user_ids = {t.uid for t in self._tokens.values()}
        for uid in user_ids:
            user = self._state.user(uid)
            if user is not None:
                self._sync(user)
        return self._tokens.get(token_id)

    def invalidate(self, uid: str, token_id: int) -> None:
        """``invalidateTokenById($uid, $id)``: the app password stops working."""
        token = self._tokens.get(token_id)
        if token is None or token.uid != uid:
            return
        del self._tokens[token_id]
        user = self._state.user(uid)
        if user is not None and token.password is not None and token.password in user.app_passwords:
            user.app_passwords.remove(token.password)

    def rotate(self, token: AuthToken) -> str:
        """``PublicKeyTokenProvider::rotate``: same token row, new secret; the old password stops working."""
        new_password = generate_app_password()
        user = self._state.user(token.uid)
        if user is not None and token.password in user.app_passwords:
            user.app_passwords[user.app_passwords.index(token.password)] = new_password
        token.password = new_password
        return new_password

    def session_token(self, session: Session, user: User, name: str) -> AuthToken:
        """The temporary token of a browser session (``Session::createSessionToken``), made on first use."""
        token_id = session.get(_SESSION_TOKEN_KEY)
        token = self._tokens.get(token_id) if isinstance(token_id, int) else None
        if token is None or token.uid != user.uid:
            login_name = session.login_name or user.login
            token = self._add(
                AuthToken(self._new_id(), user.uid, login_name, token_name(name), TEMPORARY_TOKEN, self._state.time())
            )
            session.set(_SESSION_TOKEN_KEY, token.id)
        token.last_activity = self._state.time()
        return token

    def for_user(self, user: User) -> list[AuthToken]:
        """``getTokenByUser``, in id order."""
        self._sync(user)
        return sorted((t for t in self._tokens.values() if t.uid == user.uid), key=lambda t: t.id)


def has_session_token(session: Session) -> bool:
    """Whether the session has a session token (``Session::createSessionToken``; the fake makes one on the
    browser login, ``LoginController::tryLogin``)."""
    return isinstance(session.get(_SESSION_TOKEN_KEY), int)


def tokens(state: FakeState) -> TokenRegistry:
    """The instance's token registry."""
    return state.backend("core.authtokens", TokenRegistry)


#: ``PasswordConfirmationMiddleware``: 30 minutes, plus 15 seconds of grace.
PASSWORD_CONFIRMATION_WINDOW = 30 * 60 + 15


class PasswordNotConfirmed(SecurityError):
    """``NotConfirmedException`` (a ``SecurityException``): 403 "Password confirmation is required"."""

    def __init__(self) -> None:
        super().__init__("Password confirmation is required", 403)


def check_password_confirmation(ctx: NcContext) -> None:
    """``#[PasswordConfirmationRequired]`` (non-strict; nextcloud/server ``lib/private/AppFramework/Middleware/
    Security/PasswordConfirmationMiddleware.php::beforeController``): only a session with a session token is
    checked - a browser login (``LoginController::tryLogin`` sets ``last-password-confirm`` and creates the
    token); a cookie-less Basic client has no session token (``Session::logClientIn`` creates one only when
    the client supports cookies), so ``getToken($sessionId)`` fails and the check is skipped. Otherwise the last
    confirmation must be at most 30 minutes (+15 s) old."""
    session = ctx.session
    if session is None:
        return
    if not has_session_token(session):  # getToken($sessionId) fails: "States we do not deal with here."
        return
    last_confirm = session.get("last-password-confirm")
    if int(last_confirm or 0) < ctx.state.time() - PASSWORD_CONFIRMATION_WINDOW:
        raise PasswordNotConfirmed()
