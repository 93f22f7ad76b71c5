"""The oidc app's hooks into core authentication.

* ``SanitizedBasicAuthenticator`` - ``lib/Http/BasicAuthRequestSanitizer.php``: for POSTs whose path ends in
  ``/apps/oidc/token`` or ``/apps/oidc/introspect`` the Basic credentials are hidden from core's login, so
  ``client_secret_basic`` is not mistaken for a (wrong) user login; the controllers still read the header.
* ``validate_token`` - ``lib/Listener/TokenValidationRequestListener.php``, answering user_oidc's
  ``TokenValidationRequestEvent``: a stored access token (opaque or JWT, exact string) is valid while
  ``now <= refreshed + expire_time`` (expired rows are deleted) - **no audience, scope or client check**, so
  any live token of any client authenticates its user. Otherwise the string may be an RS256 JWT signed with
  the app key (an ID token): ``exp``/``nbf`` are checked, ``aud`` must be a known client id and
  ``preferred_username`` an existing user (token-endpoint ID tokens carry no ``preferred_username``, so they
  are refused unless ``always_include_scope_claims`` is on).
"""

from __future__ import annotations

from fake_nextcloud.apps.oidc.keys import verify_rs256
from fake_nextcloud.apps.oidc.models import OidcBackend
from fake_nextcloud.core.auth import AuthRequest, AuthResult, BasicAuthenticator
from fake_nextcloud.core.state import FakeState

__all__ = ["SanitizedBasicAuthenticator", "validate_token"]

_EXEMPT = ("/apps/oidc/token", "/apps/oidc/introspect")


class SanitizedBasicAuthenticator(BasicAuthenticator):
    """HTTP Basic, except for the oidc client-authentication endpoints (while the app is enabled)."""

    def authenticate(self, state: FakeState, request: AuthRequest) -> AuthResult:
        if state.app_enabled("oidc") and request.method == "POST" and request.path.rstrip("/").endswith(_EXEMPT):
            return None
        return super().authenticate(state, request)


def validate_token(state: FakeState, token: str) -> str | None:
    """The user id a token of this instance's oidc app stands for, or ``None``."""
    backend = OidcBackend.of(state)
    row = backend.token_by_access_token(token)
    if row is not None:
        if backend.token_expired(row):
            backend.delete_token(row)
            return None
        return row.user_id
    payload = verify_rs256(state, token)
    if payload is None:
        return None
    now = state.time()
    exp, nbf = payload.get("exp"), payload.get("nbf")
    if (isinstance(exp, int) and now >= exp) or (isinstance(nbf, int) and nbf > now):
        return None
    aud = payload.get("aud", "")
    if not isinstance(aud, str) or backend.client_by_identifier(aud) is None:
        return None
    username = payload.get("preferred_username", "")
    if not isinstance(username, str) or state.user(username) is None:
        return None
    return username
