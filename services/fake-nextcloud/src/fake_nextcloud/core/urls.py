"""Absolute URLs as Nextcloud builds them from the incoming request.

* ``Request::getServerProtocol``: ``overwriteprotocol`` if set, else the request scheme
  (nextcloud/server ``lib/private/AppFramework/Http/Request.php``).
* ``Request::getServerHost``: ``overwritehost`` if set, else the ``Host`` header (port included). Trusted
  proxies (``X-Forwarded-*``), ``overwritecondaddr`` and the trusted-domain fallback are not modelled.
* ``IURLGenerator::getBaseUrl`` = protocol + ``://`` + host + webroot; the fake's webroot is ``""``.
  ``linkToRoute`` yields ``/index.php/...`` (no pretty URLs, ``front_controller_active`` is false).
* ``TrustedDomainHelper::isTrustedUrl``: ``localhost``, ``127.0.0.1`` and ``[::1]`` are always trusted
  (``Request::REGEX_LOCALHOST``); the fake also trusts the request's own host and ``overwritehost``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fake_nextcloud.core.config import InstanceConfig

__all__ = ["WEBROOT", "absolute_url", "base_url", "is_trusted_url", "server_host", "server_protocol"]

WEBROOT = ""
_LOCALHOST = ("127.0.0.1", "localhost", "[::1]")


def server_protocol(config: InstanceConfig, scheme: str) -> str:
    overwrite = config.system_value("overwriteprotocol")
    if isinstance(overwrite, str) and overwrite:
        return overwrite
    return "https" if scheme == "https" else "http"


def server_host(config: InstanceConfig, host_header: str) -> str:
    overwrite = config.system_value("overwritehost")
    if isinstance(overwrite, str) and overwrite:
        return overwrite
    return host_header


def base_url(config: InstanceConfig, scheme: str, host_header: str) -> str:
    """``IURLGenerator::getBaseUrl`` (also the oidc app's issuer)."""
    return f"{server_protocol(config, scheme)}://{server_host(config, host_header)}{WEBROOT}"


def absolute_url(config: InstanceConfig, scheme: str, host_header: str, url: str) -> str:
    """``IURLGenerator::getAbsoluteURL``."""
    separator = "" if url.startswith("/") else "/"
    return base_url(config, scheme, host_header) + separator + url


def _host_only(host: str) -> str:
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_trusted_url(config: InstanceConfig, host_header: str, url: str) -> bool:
    """``TrustedDomainHelper::isTrustedUrl`` with ``trusted_domains`` = the request host (and overwritehost)."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return False
    if not netloc:
        return False
    host = netloc.rsplit("@", 1)[-1].lower()
    if _host_only(host) in _LOCALHOST:
        return True
    trusted = {host_header.lower()}
    overwrite = config.system_value("overwritehost")
    if isinstance(overwrite, str) and overwrite:
        trusted.add(overwrite.lower())
    return host in trusted or _host_only(host) in {_host_only(t) for t in trusted if ":" not in t}
