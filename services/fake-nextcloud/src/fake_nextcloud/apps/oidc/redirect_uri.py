"""``RedirectUriService::matchRedirectUri`` (H2CK/oidc ``lib/Service/RedirectUriService.php``).

* Schemes must match when both are present (case-insensitive); ``app.example:///cb`` style URIs have no host.
* Host: exact (case-insensitive), ``*`` matches any host, ``*.example.com`` needs at least one label.
* Port: a registered URI **without a port accepts any port**; ``:*`` any port; a number requires that port
  (or the scheme's default when the concrete URI has none).
* Path: exact (repeated slashes collapsed, trailing slash significant), or a prefix with a trailing ``/*``.
  The concrete URI's query is appended to its path (``/cb?x=1``), so a registered URI without that query does
  not match; a fragment likewise.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["match_redirect_uri"]

_PATTERN = re.compile(r"^(?:([a-zA-Z][a-zA-Z0-9+\-.]*)://)?([^/]*)(/.*)?$")


def _norm_path(path: str) -> str:
    return "/" + re.sub(r"/+", "/", path).lstrip("/")


def _concrete(uri: str) -> tuple[str | None, str, int | None, str] | None:
    if ":///" in uri:
        scheme, rest = uri.split(":///", 1)
        return scheme.lower(), "", None, "/" + rest.lstrip("/")
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    path = _norm_path(parts.path or "/")
    if parts.query:
        path = path.rstrip("/") + "?" + parts.query
    if parts.fragment:
        path += "#" + parts.fragment
    return (parts.scheme.lower() or None), parts.hostname.lower(), port, path


def _split_authority(authority: str) -> tuple[str, str | None]:
    authority = re.sub(r"^.*@", "", authority)
    ipv6 = re.match(r"^\[([^\]]+)\](?::(.+))?$", authority)
    if ipv6:
        return ipv6.group(1), ipv6.group(2)
    host, sep, maybe_port = authority.rpartition(":")
    if sep and (maybe_port == "*" or maybe_port.isdigit()):
        return host, maybe_port
    return authority, None


def match_redirect_uri(concrete_uri: str, pattern: str) -> bool:
    concrete = _concrete(concrete_uri)
    match = _PATTERN.match(pattern)
    if concrete is None or match is None:
        return False
    c_scheme, c_host, c_port, c_path = concrete
    p_scheme = match.group(1).lower() if match.group(1) else None
    host_raw, p_port = _split_authority(match.group(2))
    p_host = host_raw.lower()
    p_path = _norm_path(match.group(3) or "/")
    if p_scheme is not None and c_scheme is not None and p_scheme != c_scheme:
        return False
    if p_host == "*":
        pass
    elif p_host == "":
        if c_host != "":
            return False
    elif p_host.startswith("*."):
        base = p_host[2:]
        prefix = c_host[: -len(base) - 1] if c_host.endswith("." + base) else ""
        if not base or not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)*", prefix):
            return False
    elif c_host != p_host:
        return False
    if p_port is not None and p_port != "*":
        expected = int(p_port)
        if c_port is None:
            if not ((c_scheme == "http" and expected == 80) or (c_scheme == "https" and expected == 443)):
                return False
        elif c_port != expected:
            return False
    if p_path.endswith("/*"):
        return c_path.startswith(p_path[:-1] or "/")
    return c_path == p_path
