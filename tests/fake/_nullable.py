"""OpenAPI validation that honours ``nullable: true`` in the neon specs.

The specs declare ``openapi: 3.1.0`` but mark nulls the 3.0 way (``nullable: true``), which a 3.1 validator
ignores, so the nulls real Nextcloud sends (share ``expiration``, unified search ``cursor``) would fail.
``validate_nullable`` rewrites them as ``type: [T, "null"]`` (or ``anyOf [..., null]``) before validating.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import httpx2
import pytest
from openapi_core import OpenAPI

from fake._support import SPECS_DIR, HttpxOpenAPIRequest, HttpxOpenAPIResponse

__all__ = ["validate_nullable"]


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
def _spec(name: str) -> Any:
    path = SPECS_DIR / name
    if not path.is_file():
        pytest.skip(f"OpenAPI specs not found at {SPECS_DIR}")
    return OpenAPI.from_dict(_rewrite(json.loads(path.read_text(encoding="utf-8"))))


def validate_nullable(spec_name: str, response: httpx2.Response) -> None:
    """Validate ``response`` against ``shared/nextcloud-openapi/<spec_name>`` (nulls allowed where marked)."""
    url = response.request.url
    request = HttpxOpenAPIRequest(response.request, f"{url.scheme}://{url.netloc.decode('ascii')}")
    _spec(spec_name).validate_response(request, HttpxOpenAPIResponse(response))
