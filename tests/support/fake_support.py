"""Constants and helpers of the fake Nextcloud's own suite (services/fake-nextcloud/tests): accounts, headers,
the clock."""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy

#: Unix time the manual clock starts at (2023-11-14 22:13:20 UTC).
T0 = 1_700_000_000

ALICE = ("alice", "secret")
ALICE_APP_PASSWORD = "alice-app-password-0123456789"
#: LDAP-style account: login name ``bob@corp`` , user id ``b0b``.
BOB = ("bob@corp", "bob-secret")
ADMIN = ("admin", "admin-secret")

#: Headers a well-behaved OCS client sends.
OCS_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}
NOTES = "/index.php/apps/notes/api/v1"


def no_cookies() -> CookieJar:
    """A cookie jar that keeps nothing (``allowed_domains=[]`` admits no domain)."""
    return CookieJar(DefaultCookiePolicy(allowed_domains=[]))
