"""Helpers for the oidc / user_oidc tests: a cookie-keeping "browser" over plain HTTP that parses the fake's
HTML forms with ``html.parser``, PKCE values, client registration through the control API."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx2
import jwt
from jwt.types import Options

from fake_nextcloud import FakeNextcloud

BASE = "http://nc.test"
CALLBACK = "http://127.0.0.1:1/callback"
AUTHORIZE = "/index.php/apps/oidc/authorize"
TOKEN = "/index.php/apps/oidc/token"
USERINFO = "/index.php/apps/oidc/userinfo"
INTROSPECT = "/index.php/apps/oidc/introspect"
REGISTER = "/index.php/apps/oidc/register"
DISCOVERY = "/index.php/.well-known/openid-configuration"


@dataclass
class Form:
    action: str
    method: str
    id: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> attributes
    buttons: list[dict[str, str]] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.data_attrs: dict[str, dict[str, str]] = {}
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.data_attrs[a["id"]] = {k: v for k, v in a.items() if k.startswith("data-")}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").upper(), a.get("id", ""))
            self.forms.append(self._form)
        elif self._form is not None and tag == "button":
            self._form.buttons.append(a)
        elif self._form is not None and tag == "input" and "name" in a:
            self._form.inputs[a["name"]] = a
            kind = a.get("type", "text")
            if kind in ("hidden", "text", "email", "password") or (kind == "checkbox" and "checked" in a):
                self._form.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def parse(html: str) -> _Parser:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser


def forms(html: str) -> list[Form]:
    return parse(html).forms


def pkce() -> tuple[str, str]:
    """(verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


class Browser:
    """One browser: its own cookie jar, redirects followed by hand (each hop recorded in ``pages``)."""

    def __init__(self, app: FakeNextcloud, base_url: str = BASE) -> None:
        self.http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=base_url)
        self.base_url = base_url
        self.pages: list[str] = []

    async def __aenter__(self) -> Browser:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def request(self, method: str, url: str, data: dict[str, str] | None = None) -> httpx2.Response:
        self.pages.append(f"{method} {url}")
        headers = {"Origin": self.base_url} if method == "POST" else {}
        return await self.http.request(method, url, data=data, headers=headers)

    async def follow(self, response: httpx2.Response, stop: str = CALLBACK) -> httpx2.Response | str:
        """Follow 30x hops until a page (the response) or a URL starting with ``stop`` (returned as str)."""
        while response.is_redirect:
            location = urljoin(str(response.url), response.headers["location"])
            if location.startswith(stop):
                return location
            response = await self.request("GET", location)
        return response

    async def submit(self, form: Form, **overrides: str) -> httpx2.Response:
        data = {**form.fields, **overrides}
        return await self.request(form.method, form.action, data)

    async def login(self, user: str, password: str, response: httpx2.Response) -> httpx2.Response:
        """Fill the login form on ``response`` (the login page) and submit it."""
        [form] = [f for f in forms(response.text) if "password" in f.inputs]
        return await self.submit(form, user=user, password=password)

    async def authorize(
        self, params: dict[str, str], user: str = "alice", password: str = "secret", *, consent: str = "allow"
    ) -> str:
        """Drive authorize -> login -> redirect page -> (consent) until the callback; return its URL."""
        page = await self.follow(await self.request("GET", f"{AUTHORIZE}?{urlencode(params)}"))
        for _ in range(6):
            if isinstance(page, str):
                return page
            parsed = forms(page.text)
            if any("password" in f.inputs for f in parsed):
                page = await self.follow(await self.login(user, password, page))
            elif any(f.action.endswith("/consent/grant") for f in parsed):
                wanted = "/consent/grant" if consent == "allow" else "/consent/deny"
                [form] = [f for f in parsed if f.action.endswith(wanted)]
                page = await self.follow(await self.submit(form))
            elif parsed:
                page = await self.follow(await self.submit(parsed[0]))
            else:
                raise AssertionError(f"stuck at {self.pages[-1]}: {page.status_code} {page.text[:300]}")
        raise AssertionError(f"no callback: {self.pages}")


async def create_client(http: httpx2.AsyncClient, **spec: Any) -> dict[str, Any]:
    body = {"name": "test", "redirect_uris": [CALLBACK], **spec}
    response = await http.post("/__testbed__/oidc/clients", json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def auth_params(client: dict[str, Any], challenge: str | None = None, **extra: str) -> dict[str, str]:
    params = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": CALLBACK, "state": "st-1"}
    if challenge is not None:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return params | extra


async def exchange(
    http: httpx2.AsyncClient, client: dict[str, Any], code: str, verifier: str | None = None, **extra: str
) -> httpx2.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": client["client_id"],
    }
    if client.get("client_secret") and client.get("type", "confidential") != "public":
        data["client_secret"] = client["client_secret"]
    if verifier is not None:
        data["code_verifier"] = verifier
    return await http.post(TOKEN, data=data | extra)


async def token_for(
    app: FakeNextcloud,
    http: httpx2.AsyncClient,
    client: dict[str, Any],
    *,
    user: str = "alice",
    password: str = "secret",
    **params: str,
) -> dict[str, Any]:
    """A complete code flow with PKCE: the token response."""
    verifier, challenge = pkce()
    async with Browser(app) as browser:
        callback = await browser.authorize(auth_params(client, challenge, **params), user, password)
    response = await exchange(http, client, query_of(callback)["code"], verifier)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def jwks_decode(http: httpx2.AsyncClient, token: str, audience: str | None = None) -> dict[str, Any]:
    """Verify an RS256 token against the fake's JWKS with PyJWT."""
    keys = (await http.get("/index.php/apps/oidc/jwks")).json()
    key = jwt.PyJWK(keys["keys"][0]).key
    options: Options = {
        "verify_exp": False,
        "verify_iat": False,
        "verify_nbf": False,
        "verify_aud": audience is not None,
    }
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], audience=audience, options=options)
    return claims
