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

from http.cookiejar import CookieJar, DefaultCookiePolicy

__all__ = ["cookieless_jar"]


def cookieless_jar() -> CookieJar:
    """A jar for ``httpx2.AsyncClient(cookies=...)`` that stores no ``Set-Cookie`` and sends no ``Cookie``:
    with an empty ``allowed_domains`` list, ``DefaultCookiePolicy`` accepts and returns cookies of no domain."""
    return CookieJar(DefaultCookiePolicy(allowed_domains=[]))
