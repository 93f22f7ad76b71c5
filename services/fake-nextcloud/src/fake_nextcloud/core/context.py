"""What a Nextcloud controller sees of one request (``NcContext``), and which entry point serves a path.

The front controller (``core.front``) builds the context; route handlers read it with ``get_context``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request

from fake_nextcloud.core.auth import BasicCredentials
from fake_nextcloud.core.session import Session
from fake_nextcloud.core.state import FakeState, User
from fake_nextcloud.core.urls import absolute_url, base_url, link

__all__ = ["Family", "NcContext", "family_of", "get_context"]


class Family(Enum):
    """Which entry point of a real server would handle a path."""

    INDEX = "index"  # index.php and pretty URLs
    OCS = "ocs"  # ocs/v1.php, ocs/v2.php
    STATUS = "status"  # status.php
    DAV = "dav"  # remote.php (apps/dav), public.php (not implemented yet)
    CONTROL = "control"  # /__testbed__ (not Nextcloud)


def family_of(path: str) -> tuple[Family, int]:
    """The family of ``path`` and, for OCS, its version (1 or 2; 0 otherwise)."""
    for prefix, version in (("/ocs/v1.php", 1), ("/ocs/v2.php", 2)):
        if path == prefix or path.startswith(prefix + "/"):
            return Family.OCS, version
    if path == "/status.php":
        return Family.STATUS, 0
    if path.startswith(("/remote.php", "/public.php")):
        return Family.DAV, 0
    if path == "/__testbed__" or path.startswith("/__testbed__/"):
        return Family.CONTROL, 0
    return Family.INDEX, 0


@dataclass
class NcContext:
    """What a Nextcloud controller can see of the request: merged parameters (``Request::getParams``:
    query, then body), headers, the logged-in user (and how: ``auth_method``), the raw Basic credentials
    (re-checked by ``CORSMiddleware``), cookies and the PHP session. ``set_cookies`` collects ``Set-Cookie``
    values the controller wants sent."""

    state: FakeState
    family: Family
    ocs_version: int
    method: str
    path: str  # below the webroot (``/index.php/...``, ``/remote.php/...``): what the routes match
    headers: Headers
    params: dict[str, Any] = field(default_factory=dict)
    basic: BasicCredentials | None = None
    user: User | None = None
    auth_method: str | None = None
    scheme: str = "http"
    host: str = ""
    client_ip: str = ""
    query: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    session: Session | None = None
    set_cookies: list[str] = field(default_factory=list)
    decoding_failed: bool = False
    args: Mapping[str, Any] = field(default_factory=dict)  # bound by core.signature.php_method

    @property
    def base_url(self) -> str:
        """``IURLGenerator::getBaseUrl`` (honours ``overwritehost``/``overwriteprotocol``)."""
        return base_url(self.state.config, self.scheme, self.host)

    def absolute_url(self, url: str) -> str:
        """``IURLGenerator::getAbsoluteURL`` (``url`` with or without the webroot)."""
        return absolute_url(self.state.config, self.scheme, self.host, url)

    def link(self, path: str) -> str:
        """``IURLGenerator::linkToRoute``: ``path`` (``/index.php/...``) under the webroot, as Location headers
        and form actions carry it."""
        return link(self.state.config, path)

    def header(self, name: str) -> str:
        """``IRequest::getHeader`` (empty string when absent)."""
        return self.headers.get(name, "")

    def param(self, name: str, default: Any = None) -> Any:
        """``IRequest::getParam``: ``isset()`` semantics, so an explicit ``null`` counts as absent."""
        value = self.params.get(name)
        return default if value is None else value


def get_context(request: Request) -> NcContext:
    """The context the front controller attached to this request."""
    ctx = request.scope.get("state", {}).get("nc")
    if not isinstance(ctx, NcContext):
        raise RuntimeError("request did not pass through FrontControllerMiddleware")
    return ctx
