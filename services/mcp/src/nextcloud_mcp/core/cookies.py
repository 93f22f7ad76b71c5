"""A cookie jar that never stores a cookie, for every HTTP client that talks to Nextcloud or its IdP.

Why: this server sends many users' requests through one pooled client. Nextcloud starts a PHP session on API
requests too and answers with its cookies; a Basic or Bearer login leaves that session logged in
(nextcloud/server ``lib/private/Kernel/HttpKernel.php::initSession``, ``lib/private/User/Session.php``,
``OC_User::loginWithApache`` for user_oidc). A later request that carries those cookies is served as the
session's user *whatever its Authorization header says*: ``HttpKernel::doHandle`` and ``ocs/v1.php`` call
``handleLogin`` only when no session is logged in, and DAV's ``Auth::auth`` prefers the session as well. A
cookie kept from user A's answer would run user B's next tool call as A. So no cookie is ever kept: every
request authenticates with its own credentials alone (docs/security.md, "Sessions and cookies").
"""

from __future__ import annotations

from http.cookiejar import CookieJar
from typing import Any

__all__ = ["NoCookies", "cookieless_jar"]


class NoCookies(CookieJar):
    """A cookie jar that takes no cookie from an answer and puts none on a request (it does not even parse the
    `Set-Cookie` headers, which Nextcloud sends with every API answer)."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def add_cookie_header(self, request: Any) -> None:
        return None


def cookieless_jar() -> CookieJar:
    """The jar for `httpx2.AsyncClient(cookies=...)` of every client that talks to Nextcloud or its IdP."""
    return NoCookies()
