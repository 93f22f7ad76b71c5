"""``Request::passesStrictCookieCheck`` and ``Request::passesCSRFCheck`` (nextcloud/server
``lib/private/AppFramework/Http/Request.php``), used by the AppFramework middleware, by DAV's ``Auth`` plugin
and by the front controller's same-site cookie protection."""

from __future__ import annotations

from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.session import LAX_COOKIE, SESSION_COOKIE, STRICT_COOKIE, csrf_valid

__all__ = ["passes_csrf_check", "passes_strict_cookie_check"]


def passes_strict_cookie_check(ctx: NcContext) -> bool:
    """``Request::passesStrictCookieCheck``: only requests carrying session cookies (and no
    ``OCS-APIRequest`` header) must also carry both same-site marker cookies."""
    if ctx.header("OCS-APIRequest") or (SESSION_COOKIE not in ctx.cookies and "nc_token" not in ctx.cookies):
        return True
    return ctx.cookies.get(STRICT_COOKIE) == "true" and ctx.cookies.get(LAX_COOKIE) == "true"


def passes_csrf_check(ctx: NcContext) -> bool:
    """``Request::passesCSRFCheck``: strict cookie check, then any non-empty ``OCS-APIRequest`` header, or a
    ``requesttoken`` (query, body, then header) valid for the session (``CsrfTokenManager::isTokenValid``)."""
    if not passes_strict_cookie_check(ctx):
        return False
    if ctx.header("OCS-APIRequest") != "":
        return True
    token = ctx.params.get("requesttoken")
    if not isinstance(token, str):
        token = ctx.headers.get("requesttoken")
    if token is None:
        return False
    return ctx.session is not None and csrf_valid(ctx.session, token)
