"""OpenAPI validation of Nextcloud requests and responses against the specs vendored with the fake
(`services/fake-nextcloud/openapi/`, provenance in its README), with openapi-core.

`validate` checks a response as the spec states it; `validate_nullable` first rewrites the 3.0-style
`nullable: true` the neon specs use under `openapi: 3.1.0` (a 3.1 validator ignores it, so the nulls real
Nextcloud sends, such as a share's `expiration` or a search `cursor`, would fail).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx2
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

__all__ = ["SPECS_DIR", "HttpxOpenAPIRequest", "HttpxOpenAPIResponse", "load_spec", "validate", "validate_nullable"]

SPECS_DIR = Path(__file__).resolve().parents[2] / "services" / "fake-nextcloud" / "openapi"


class HttpxOpenAPIRequest:
    """openapi-core request protocol for an `httpx2.Request`. `host_url` is mapped to the spec's default server
    (`https://localhost:8080` in the neon specs), whatever host the test used."""

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
    """openapi-core response protocol for an `httpx2.Response`."""

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


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SPECS_DIR / name).read_text(encoding="utf-8"))
    return data


@functools.cache
def load_spec(name: str) -> tuple[Any, str | None]:
    """`OpenAPI` for `<SPECS_DIR>/<name>` and its default server URL, if it declares one."""
    servers = _read(name).get("servers")
    host_url = None
    if servers:
        defaults = {key: var["default"] for key, var in servers[0].get("variables", {}).items()}
        host_url = str(servers[0]["url"]).format(**defaults)
    return OpenAPI.from_file_path(str(SPECS_DIR / name)), host_url


def validate(spec_name: str, response: httpx2.Response) -> None:
    """Validate `response` (for the operation its request addressed) against a spec; raises on mismatch."""
    spec, server_url = load_spec(spec_name)
    url = response.request.url
    host_url = server_url or f"{url.scheme}://{url.netloc.decode('ascii')}"
    spec.validate_response(HttpxOpenAPIRequest(response.request, host_url), HttpxOpenAPIResponse(response))


def _rewrite(node: Any) -> Any:
    if isinstance(node, list):
        return [_rewrite(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _rewrite(value) for key, value in node.items()}
    if out.pop("nullable", False):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        elif out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@functools.cache
def _nullable_spec(name: str) -> Any:
    return OpenAPI.from_dict(_rewrite(_read(name)))


def validate_nullable(spec_name: str, response: httpx2.Response) -> None:
    """Validate `response` against `<SPECS_DIR>/<spec_name>`, nulls allowed where the spec marks them nullable."""
    url = response.request.url
    request = HttpxOpenAPIRequest(response.request, f"{url.scheme}://{url.netloc.decode('ascii')}")
    _nullable_spec(spec_name).validate_response(request, HttpxOpenAPIResponse(response))
