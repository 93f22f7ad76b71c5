"""The authorization servers under test, behind one small abstraction.

A conformance test gets an `IdentityProvider`: its `issuer`, its `discovery` document, the `resource` (the MCP
server URL, RFC 8707) it issues JWT access tokens for, test `users`, a set of optional `features` (tests that
need one the provider lacks are skipped, naming it, or check the provider's documented deviation instead),
`registration_metadata` (non-standard client metadata every test registration sends, e.g. H2CK/oidc's
`token_type`), and `login(client, authorize_url, user, password)`, which plays the user in the provider's HTML
pages and returns the redirect URL (with `code` or `error`) that the provider sends the browser back to the
client with.

`FormLoginProvider` implements `login` for any provider whose pages are plain HTML forms (a login form with a
text and a password input, then any number of forms to continue - e.g. Nextcloud's `<noscript>` redirect form -
and optionally a consent page with Allow and Deny forms), parsed with `html.parser`; redirects are followed by
hand and cookies kept in the caller's client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx2
import pytest

__all__ = [
    "FEATURES",
    "Form",
    "FormLoginProvider",
    "IdentityProvider",
    "LoginFailed",
    "callback_params",
    "origin_of",
    "parse_forms",
    "require",
]

# Optional or standard behaviour a provider may or may not have; tests needing one skip for providers without it,
# or, where the provider's deviation is documented (H2CK/oidc, reference A1), check that behaviour instead.
FEATURES = {
    "rfc8414": "serves RFC 8414 metadata at /.well-known/oauth-authorization-server",
    "iss_response": "returns `iss` in the authorization response (RFC 9207)",
    "consent_page": "shows a consent page with Allow/Deny forms",
    "opaque_resource": "issues opaque, introspectable access tokens for a second resource",
    "audience_restricted_userinfo": "refuses access tokens issued for another resource at userinfo",
    "refresh_rotation": "rotates refresh tokens of public clients and refuses the old one",
    "revoke_on_code_reuse": "revokes tokens already issued when a code is used twice (RFC 6749 §4.1.2)",
    "refresh_without_offline_access": "gives plain OAuth requests (no `openid`) a refresh token",
    "revocation": "has a revocation endpoint (RFC 7009)",
    "cors": "answers CORS requests from loopback origins",
    "pkce_required": "requires PKCE S256: refuses authorization requests without `code_challenge` or with `plain`",
    "public_clients": "registers public clients (`token_endpoint_auth_method: none`) by DCR and advertises `none`",
    "dcr_auth_method": "registers clients with the `token_endpoint_auth_method` they ask for (RFC 7591 §2)",
    "dcr_metadata_validation": "refuses invalid client metadata with RFC 7591 §3.2.2 error codes",
    "resource_scopes_advertised": "lists the MCP resource scopes in `scopes_supported` without any client setup",
    "invalid_target": "refuses unknown resource indicators with `invalid_target` (RFC 8707 §2)",
    "token_redirect_uri_check": "checks `redirect_uri` at the token endpoint (RFC 6749 §4.1.3)",
    "plain_oauth": "grants requests without `openid` as plain OAuth 2.0: no `openid` added, no ID token",
    "userinfo_401": "answers userinfo without a valid token with 401 and `WWW-Authenticate: Bearer` (RFC 6750 §3)",
    "open_introspection": "lets any confidential client introspect tokens issued to other clients",
    "refresh_token_introspection": "introspects refresh tokens (RFC 7662 §2.1)",
    "unique_jti": "gives every access token it issues, refreshed ones too, a new `jti`",
}


def require(idp: IdentityProvider, *features: str) -> None:
    """Skip the calling test unless `idp` has all of `features`."""
    for feature in features:
        assert feature in FEATURES, f"unknown feature {feature}"
        if feature not in idp.features:
            pytest.skip(f"{idp.name} lacks {feature!r}: {FEATURES[feature]}")


class LoginFailed(AssertionError):
    """The provider did not send the browser back to the client (wrong password, error page, loop)."""


class IdentityProvider(Protocol):
    name: str
    issuer: str
    discovery: Mapping[str, Any]
    resource: str
    opaque_resource: str | None
    users: Mapping[str, str]
    features: frozenset[str]
    registration_metadata: Mapping[str, Any]

    async def login(self, client: httpx2.AsyncClient, authorize_url: str, user: str, password: str) -> str: ...


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    text_inputs: list[str] = field(default_factory=list)
    password_inputs: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons: (name, value)

    def is_negative(self) -> bool:
        words = ("deny", "abort", "cancel", "reject", "decline")
        text = " ".join([self.action, *(f"{n} {v}" for n, v in self.buttons)]).lower()
        return any(word in text for word in words)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").upper())
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if form is None or not name:
            return
        kind = a.get("type", "submit" if tag == "button" else "text").lower()
        if tag == "button" or kind in ("submit", "image"):
            form.buttons.append((name, a.get("value", "")))
        elif kind == "password":
            form.password_inputs.append(name)
        elif kind in ("text", "email"):
            form.text_inputs.append(name)
            form.fields[name] = a.get("value", "")
        elif kind in ("checkbox", "radio"):
            if "checked" in a:
                form.fields[name] = a.get("value", "on")
        elif tag in ("input", "textarea", "select"):
            form.fields[name] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _page_error(response: httpx2.Response) -> str:
    return " ".join(response.text.split())[:300]


@dataclass
class FormLoginProvider:
    """An `IdentityProvider` whose login and consent pages are plain HTML forms."""

    name: str
    issuer: str
    discovery: Mapping[str, Any]
    resource: str
    users: Mapping[str, str]
    features: frozenset[str] = frozenset()
    opaque_resource: str | None = None
    registration_metadata: Mapping[str, Any] = field(default_factory=dict)
    origins: frozenset[str] = frozenset()  # origins of the provider's own pages (default: the issuer's)
    consent: str = "allow"  # "allow" or "deny": which consent form to submit
    max_steps: int = 20
    pages: list[str] = field(default_factory=list)  # every URL requested during the last login, for debugging

    def _own(self, url: str) -> bool:
        return origin_of(url) in (self.origins or {origin_of(self.issuer)})

    async def login(self, client: httpx2.AsyncClient, authorize_url: str, user: str, password: str) -> str:
        """Follow redirects and submit forms until the provider redirects to another origin; return that URL."""
        method, url, data = "GET", authorize_url, None
        submitted_password = False
        self.pages = []
        for _ in range(self.max_steps):
            if not self._own(url):
                return url
            self.pages.append(f"{method} {url}")
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
            response = await client.request(method, url, data=data, headers={"Origin": origin} if data else {})
            method, data = "GET", None
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                continue
            if response.status_code >= 400:
                raise LoginFailed(f"HTTP {response.status_code} at {url}: {_page_error(response)}")
            forms = [f for f in parse_forms(response.text) if f.method in ("GET", "POST")]
            login_forms = [f for f in forms if f.password_inputs]
            if login_forms:
                if submitted_password:
                    raise LoginFailed(f"login form shown again at {url}: {_page_error(response)}")
                form = login_forms[0]
                payload = dict(form.fields)
                if form.text_inputs:
                    payload[form.text_inputs[0]] = user
                payload.update(dict.fromkeys(form.password_inputs, password))
                submitted_password = True
            else:
                negative = [f for f in forms if f.is_negative()]
                positive = [f for f in forms if not f.is_negative()]
                # a consent page has both; any other page (a redirect form) is just continued
                wanted = (negative if self.consent == "deny" else positive) if negative and positive else positive
                if not wanted:
                    raise LoginFailed(f"no form to submit at {url}: {_page_error(response)}")
                form = wanted[0]
                payload = dict(form.fields)
            if form.buttons:
                payload.setdefault(*form.buttons[0])
            target = urljoin(url, form.action or url)
            if form.method == "GET":
                url = urljoin(target, "?" + urlencode(payload))
            else:
                method, url, data = "POST", target, payload
        raise LoginFailed(f"no redirect back to the client after {self.max_steps} steps: {self.pages}")


def callback_params(url: str) -> dict[str, str]:
    """The single-valued query parameters of a redirect back to the client."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
