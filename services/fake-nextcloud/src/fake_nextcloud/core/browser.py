"""The PHP session of a request: start it (and send its cookies), log a user into it, log out.

Every request but ``status.php`` has a session (``HttpKernel::initSession``, see ``core.identity``); login pages
and API logins alike bind their user to it. See ``core.session`` for the cookie names and their sources."""

from __future__ import annotations

from urllib.parse import unquote

from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.session import (
    LAX_COOKIE,
    SESSION_COOKIE,
    STRICT_COOKIE,
    Session,
    cookie_header,
    random_string,
)
from fake_nextcloud.core.state import User

__all__ = ["DEFAULT_PAGE", "default_page_url", "ensure_session", "log_in", "log_out", "set_session_user"]

#: The default app's page (``defaultapp`` list: dashboard first).
DEFAULT_PAGE = "/index.php/apps/dashboard/"


def default_page_url(ctx: NcContext) -> str:
    """``IURLGenerator::linkToDefaultPageUrl``: a ``redirect_url`` request parameter without ``@`` wins
    (url-decoded once more); otherwise the default app. Always absolute."""
    redirect_url = ctx.param("redirect_url")
    if isinstance(redirect_url, str) and "@" not in redirect_url:
        return ctx.absolute_url(unquote(redirect_url))
    return ctx.absolute_url(DEFAULT_PAGE)


_FAR_FUTURE = "Fri, 31 Dec 2100 23:59:59 GMT"


def _secure(ctx: NcContext) -> bool:
    return ctx.base_url.startswith("https://")


def _send_session_cookie(ctx: NcContext, session: Session) -> None:
    ctx.set_cookies.append(cookie_header(SESSION_COOKIE, session.id, secure=_secure(ctx)))


def ensure_session(ctx: NcContext) -> Session:
    """The request's session, started (``session_start`` + ``sendSameSiteCookies``) when there is none."""
    if ctx.session is not None:
        return ctx.session
    session = ctx.state.sessions.create(ctx.state.now())
    ctx.session = session
    secure = _secure(ctx)
    _send_session_cookie(ctx, session)
    ctx.set_cookies.append(cookie_header("oc_sessionPassphrase", random_string(128), secure=secure))
    for name, same_site in ((LAX_COOKIE, "Lax"), (STRICT_COOKIE, "Strict")):
        if ctx.cookies.get(name) != "true":
            ctx.set_cookies.append(cookie_header(name, "true", secure=secure, same_site=same_site, expires=_FAR_FUTURE))
    return session


def log_in(ctx: NcContext, user: User, login_name: str, *, remember: bool = True, method: str = "session") -> Session:
    """``Session::completeLogin``: regenerate the session id, bind the user, update the last login. The browser
    login (``remember``) also calls ``createRememberMeToken``, which sets ``nc_username`` and ``nc_session_id``;
    an API login by ``Session::logClientIn`` (HTTP Basic) does not."""
    session = ensure_session(ctx)
    ctx.state.sessions.regenerate(session)
    session.uid = user.uid
    session.login_name = login_name
    _send_session_cookie(ctx, session)
    if remember:
        secure = _secure(ctx)
        ctx.set_cookies.append(cookie_header("nc_username", user.uid, secure=secure, expires=_FAR_FUTURE))
        ctx.set_cookies.append(cookie_header("nc_session_id", session.id, secure=secure, expires=_FAR_FUTURE))
    user.last_login = ctx.state.time()
    if not user.first_login:
        user.first_login = user.last_login
    ctx.user = user
    ctx.auth_method = method
    return session


def set_session_user(ctx: NcContext, user: User, method: str) -> Session:
    """``OC_User::loginWithApache`` (nextcloud/server ``lib/private/legacy/OC_User.php``), the path user_oidc's
    Bearer login takes: ``IUserSession::setUser`` on the running session, without a new session id."""
    session = ensure_session(ctx)
    session.uid = user.uid
    session.login_name = user.uid
    ctx.user = user
    ctx.auth_method = method
    return session


def log_out(ctx: NcContext) -> None:
    """``Session::logout``: destroy the session and expire the login cookies."""
    if ctx.session is not None:
        ctx.state.sessions.destroy(ctx.session)
        ctx.session = None
    ctx.user = None
    ctx.auth_method = None
    for name in ("nc_username", "nc_token", "nc_session_id"):
        ctx.set_cookies.append(cookie_header(name, "", expires="Thu, 01 Jan 1970 00:00:00 GMT"))
