"""Constants and helpers shared by the fake Nextcloud tests."""

from __future__ import annotations

import functools
import json
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx2
import pytest
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

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


# -- OpenAPI validation ------------------------------------------------------------------------------------

#: Specs live in ``shared/`` beside the repository (``/work/shared`` here, a sibling of the clone in CI).
SPECS_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "nextcloud-openapi"


class HttpxOpenAPIRequest:
    """openapi-core request protocol for an ``httpx2.Request``. ``host_url`` is mapped to the spec's
    default server (``https://localhost:8080`` in the neon specs), whatever host the test used."""

    def __init__(self, request: httpx2.Request, host_url: str) -> None:
        self._request = request
        self._host_url = host_url
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return self._host_url

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self._request.content or None

    @property
    def content_type(self) -> str:
        return self._request.headers.get("content-type", "").lower()


class HttpxOpenAPIResponse:
    """openapi-core response protocol for an ``httpx2.Response``."""

    def __init__(self, response: httpx2.Response) -> None:
        self._response = response

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def content_type(self) -> str:
        return self._response.headers.get("content-type", "").lower()

    @property
    def headers(self) -> Headers:
        return Headers(list(self._response.headers.items()))

    @property
    def data(self) -> bytes:
        return self._response.content


@functools.cache
def load_spec(name: str) -> tuple[Any, str | None]:
    """``OpenAPI`` for ``shared/nextcloud-openapi/<name>`` and its default server URL, if it declares one
    (skips the test if the folder is absent)."""
    path = SPECS_DIR / name
    if not path.is_file():
        pytest.skip(f"OpenAPI specs not found at {SPECS_DIR.resolve()} (shared/ must sit beside the repo)")
    servers = json.loads(path.read_text(encoding="utf-8")).get("servers")
    host_url = None
    if servers:
        defaults = {key: var["default"] for key, var in servers[0].get("variables", {}).items()}
        host_url = str(servers[0]["url"]).format(**defaults)
    return OpenAPI.from_file_path(str(path)), host_url


def validate(spec_name: str, response: httpx2.Response) -> None:
    """Validate ``response`` (for the operation its request addressed) against a spec; raises on mismatch."""
    spec, server_url = load_spec(spec_name)
    url = response.request.url
    host_url = server_url or f"{url.scheme}://{url.netloc.decode('ascii')}"
    spec.validate_response(HttpxOpenAPIRequest(response.request, host_url), HttpxOpenAPIResponse(response))
