"""Authentication, as ``OC::handleLogin`` (nextcloud/server ``lib/base.php``) performs it before routing.

Authenticators form a chain (``OC::handleLogin``: the Apache-style backends such as user_oidc's Bearer
validation come first, HTTP Basic last): each looks at the request and answers "not for me" (``None``),
"credentials present but wrong" (``AuthFailure``) or the logged-in ``User``; the chain reports which one
logged the user in (``Login.method``). A browser session (cookie) is checked before the chain by the front
controller, as ``handleLogin`` only runs for requests without a logged-in session. Authenticators may be
asynchronous (user_oidc fetches an external provider's JWKS).

HTTP Basic reproduces ``OC\\User\\Session``:

* ``tryBasicAuthLogin`` only tries when ``!empty(PHP_AUTH_USER) && !empty(PHP_AUTH_PW)`` - PHP's ``empty()``
  is true for ``"0"`` - and throws ``LoginException`` when the credentials are wrong.
* ``logClientIn``: a password is checked for the login name, the user id (Database backend) or a unique
  e-mail address; an app password (device token) only for the login name the token was created for
  (``validateTokenLoginName``, case-insensitive) or the account's e-mail address.
"""

from __future__ import annotations

import base64
import binascii
import inspect
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from fake_nextcloud.core.php import php_empty
from fake_nextcloud.core.state import FakeState, User

__all__ = [
    "AuthFailure",
    "AuthRequest",
    "Authenticator",
    "BasicAuthenticator",
    "BasicCredentials",
    "Login",
    "authenticate",
    "check_browser_login",
    "check_client_login",
    "parse_basic",
]


@dataclass(frozen=True)
class BasicCredentials:
    """``PHP_AUTH_USER`` / ``PHP_AUTH_PW`` as PHP would expose them."""

    user: str
    password: str

    def __repr__(self) -> str:  # never print the password
        return f"BasicCredentials(user={self.user!r}, password=***)"


@dataclass(frozen=True)
class AuthFailure:
    """Credentials were sent and rejected. ``message`` is the ``LoginException`` message (empty for a
    wrong password, ``Session::tryBasicAuthLogin``)."""

    message: str = ""


@dataclass(frozen=True)
class AuthRequest:
    """What an authenticator may look at."""

    method: str
    path: str
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Login:
    """A successful login: the user and the mechanism (``"basic"``, ``"bearer"``, ``"session"``)."""

    user: User
    method: str


AuthResult = User | AuthFailure | None


class Authenticator(Protocol):
    """One login mechanism."""

    name: str

    def authenticate(self, state: FakeState, request: AuthRequest) -> AuthResult | Awaitable[AuthResult]: ...


def parse_basic(authorization: str | None) -> BasicCredentials | None:
    """Decode ``Authorization: Basic ...``; ``None`` if absent or malformed (PHP leaves PHP_AUTH_* unset)."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None
    return BasicCredentials(user, password)


def check_client_login(state: FakeState, login: str, password: str) -> User | None:
    """``Session::logClientIn``: the account these credentials log in, or ``None``."""
    candidates = state.users_for_name(login)
    if len(candidates) > 1:  # ambiguous e-mail address: Nextcloud refuses the e-mail login
        candidates = [u for u in candidates if u.login.lower() == login.lower() or u.uid.lower() == login.lower()]
    for user in candidates:
        if password == user.password:
            return user
    lowered = login.lower()
    for user in state.users.values():
        if password in user.app_passwords and (
            user.login.lower() == lowered or (user.email is not None and user.email.lower() == lowered)
        ):
            return user
    return None


def check_browser_login(state: FakeState, login: str, password: str) -> User | None:
    """The login chain of the browser login form (``core/Controller/LoginController::tryLogin`` ->
    ``OC\\Authentication\\Login\\Chain``): ``UidLoginCommand`` checks the password for the login name (or user id
    with the Database backend), ``EmailLoginCommand`` retries with a unique e-mail address. App passwords are
    *not* accepted here (they are device tokens, only ``Session::logClientIn`` takes them)."""
    candidates = state.users_for_name(login)
    if len(candidates) > 1:
        candidates = [u for u in candidates if u.login.lower() == login.lower() or u.uid.lower() == login.lower()]
    for user in candidates:
        if password == user.password:
            return user
    return None


class BasicAuthenticator:
    """HTTP Basic with password or app password."""

    name = "basic"

    def authenticate(self, state: FakeState, request: AuthRequest) -> AuthResult:
        creds = parse_basic(request.headers.get("authorization"))
        if creds is None or php_empty(creds.user) or php_empty(creds.password):
            return None
        user = check_client_login(state, creds.user, creds.password)
        if user is None:
            return AuthFailure("")
        if not user.enabled:
            # Session::completeLogin: "disabled users can not log in" -> DisabledUserException("Account disabled"),
            # a LoginException (nextcloud/server lib/private/User/Session.php)
            return AuthFailure("Account disabled")
        user.last_login = state.time()
        if not user.first_login:
            user.first_login = user.last_login
        return user


DEFAULT_AUTHENTICATORS: Sequence[Authenticator] = (BasicAuthenticator(),)


async def authenticate(
    state: FakeState,
    request: AuthRequest,
    authenticators: Sequence[Authenticator] = DEFAULT_AUTHENTICATORS,
) -> Login | AuthFailure | None:
    """Run the chain; the first authenticator that recognises the request decides."""
    for authenticator in authenticators:
        outcome = authenticator.authenticate(state, request)
        result = await outcome if inspect.isawaitable(outcome) else outcome
        if isinstance(result, AuthFailure):
            return result
        if result is not None:
            return Login(result, authenticator.name)
    return None
