"""Who a request runs as: the PHP session first, the login chain only when the session is not logged in.

Real Nextcloud keeps a PHP session for API requests too, and a login by credentials sticks to it:

* Every request but ``status.php`` starts (or resumes) a session and answers with its cookies
  (nextcloud/server ``lib/private/Kernel/HttpKernel.php::initSession``, formerly ``lib/base.php``; only
  ``status.php`` returns before ``new \\OC\\Session\\Internal``).
* ``index.php``: ``HttpKernel::doHandle`` calls ``handleLogin`` (Apache backends such as user_oidc's Bearer
  validation, app tokens, then ``tryBasicAuthLogin``) only when ``IUserSession::isLoggedIn()`` is false;
  ``ocs/v1.php`` (also behind ``ocs/v2.php``) does the same (``if (!$userSession->isLoggedIn())
  OC::handleLogin($request)``). So a request that carries a logged-in session's cookie runs as that session's
  user, whatever its ``Authorization`` header says.
* A Basic login (``Session::logClientIn`` -> ``completeLogin``) regenerates the session id and binds the user;
  a Bearer login through user_oidc (``OC_User::loginWithApache``) binds the user to the running session.
* ``remote.php`` (DAV): ``apps/dav/lib/Connector/Sabre/Auth.php::auth`` first refuses a logged-in session
  that fails the CSRF check (``requiresCSRFCheck``: not for GET, always for POST - which logs the session out
  and re-checks the credentials -, not when the session logged in through DAV), then serves the session's
  user if the session did not log in through DAV ("fix for broken webdav clients"), or did and the request
  has no ``Authorization`` header, then tries ``OC_User::handleApacheAuth`` (Bearer), then HTTP Basic, where
  ``validateUserPass`` again accepts a session that logged in through DAV without looking at the
  credentials; a Basic login marks the session ``AUTHENTICATED_TO_DAV_BACKEND``.
* ``CORSMiddleware`` logs such a session out on ``#[CORS]`` routes when the CSRF check fails
  (``core.appframework``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fake_nextcloud.core.auth import Authenticator, AuthFailure, AuthRequest, Login, authenticate
from fake_nextcloud.core.browser import ensure_session, log_in, log_out, set_session_user
from fake_nextcloud.core.context import Family, NcContext
from fake_nextcloud.core.csrf import passes_csrf_check
from fake_nextcloud.core.state import User

__all__ = ["DAV_AUTHENTICATED", "DavRefused", "identify"]

#: ``Auth::DAV_AUTHENTICATED``: the session key naming the user who logged in through DAV.
DAV_AUTHENTICATED = "AUTHENTICATED_TO_DAV_BACKEND"

#: ``IRequest::USER_AGENT_CLIENT_{DESKTOP,ANDROID,IOS}`` (``lib/public/IRequest.php``), exempt from DAV's CSRF check.
_OFFICIAL_CLIENTS = ("mirall/", "Nextcloud-android", "Nextcloud-iOS", "ownCloud-android", "iOs/")


@dataclass(frozen=True)
class DavRefused:
    """``Sabre\\DAV\\Exception\\NotAuthenticated`` thrown by DAV's ``Auth::auth`` before any credential check."""

    message: str


def _session_user(ctx: NcContext) -> User | None:
    """``IUserSession::isLoggedIn``: the session's user, if it still exists and is enabled."""
    if ctx.session is None or ctx.session.uid is None:
        return None
    user = ctx.state.user(ctx.session.uid)
    return user if user is not None and user.enabled else None


def _bind(ctx: NcContext, login: Login) -> None:
    """A successful login by credentials sticks to the session."""
    if login.method == "basic":
        session = log_in(ctx, login.user, login.user.login, remember=False, method="basic")
        # Session::logClientIn: a device token as password -> `$this->session->set('app_password', $password)`
        if ctx.basic is not None and ctx.basic.password in login.user.app_passwords:
            session.set("app_password", ctx.basic.password)
    else:
        set_session_user(ctx, login.user, login.method)


async def _chain(ctx: NcContext, authenticators: Sequence[Authenticator]) -> AuthFailure | None:
    result = await authenticate(ctx.state, AuthRequest(ctx.method, ctx.path, ctx.headers), authenticators)
    if isinstance(result, Login):
        _bind(ctx, result)
        return None
    return result


def _requires_dav_csrf_check(ctx: NcContext, user: User) -> bool:
    """``Auth::requiresCSRFCheck`` for a logged-in session."""
    if ctx.method == "GET" or any(agent in ctx.header("User-Agent") for agent in _OFFICIAL_CLIENTS):
        return False
    if ctx.method == "POST":
        return True
    return ctx.session is None or ctx.session.get(DAV_AUTHENTICATED) != user.uid


async def _dav(
    ctx: NcContext, user: User | None, authenticators: Sequence[Authenticator]
) -> AuthFailure | DavRefused | None:
    """``Auth::auth`` of apps/dav (see the module docstring)."""
    assert ctx.session is not None
    if user is not None and not passes_csrf_check(ctx) and _requires_dav_csrf_check(ctx, user):
        if ctx.method != "POST":
            return DavRefused("CSRF check not passed.")
        log_out(ctx)  # forced logout: the credentials are checked again below
        ensure_session(ctx)
        user = None
    if user is not None:
        dav_user = ctx.session.get(DAV_AUTHENTICATED)
        if dav_user is None or (dav_user == user.uid and not ctx.header("Authorization")):
            ctx.user, ctx.auth_method = user, "session"
            return None
        if dav_user == user.uid and ctx.basic is not None:
            ctx.user, ctx.auth_method = user, "session"  # validateUserPass: the credentials are not looked at
            return None
    failure = await _chain(ctx, authenticators)
    if failure is None and ctx.auth_method == "basic" and ctx.user is not None and ctx.session is not None:
        ctx.session.set(DAV_AUTHENTICATED, ctx.user.uid)
    return failure


async def identify(ctx: NcContext, authenticators: Sequence[Authenticator]) -> AuthFailure | DavRefused | None:
    """Start or resume the session, then set ``ctx.user``/``ctx.auth_method`` as Nextcloud would; return why
    the credentials were refused, if they were (no credentials at all is not a refusal)."""
    ensure_session(ctx)
    user = _session_user(ctx)
    if ctx.family is Family.DAV:
        return await _dav(ctx, user, authenticators)
    if user is not None:
        ctx.user, ctx.auth_method = user, "session"
        return None
    return await _chain(ctx, authenticators)
