"""Absolute URLs as Nextcloud builds them from the incoming request.

* ``Request::getServerProtocol``: ``overwriteprotocol`` if set, else the request scheme
  (nextcloud/server ``lib/private/AppFramework/Http/Request.php``).
* ``Request::getServerHost``: ``overwritehost`` if set, else the ``Host`` header (port included). Trusted
  proxies (``X-Forwarded-*``), ``overwritecondaddr`` and the trusted-domain fallback are not modelled.
* ``OC::$WEBROOT`` is ``InstanceConfig.webroot`` (``""`` by default; ``lib/base.php`` ``OC::initPaths`` takes it
  from ``SCRIPT_NAME`` or ``overwritewebroot``). ``IURLGenerator::getBaseUrl`` = protocol + ``://`` + host +
  webroot; ``getAbsoluteURL`` drops a webroot the URL already carries before prepending the base URL
  (``lib/private/URLGenerator.php``); ``linkToRoute``/``linkTo`` yield ``WEBROOT/index.php/...`` (no pretty URLs,
  ``front_controller_active`` is false) = ``link``.
* WebDAV hrefs: ``remote.php`` hands Sabre the base URI ``OC::$WEBROOT . '/remote.php/' . $service . '/'`` and
  Sabre writes every ``d:href`` as that base (``$writer->contextUri``) + the node path (sabre-io/dav
  ``lib/DAV/Server.php::writeMultiStatus``, ``lib/DAV/Xml/Element/Response.php``, ``lib/DAV/Xml/Property/Href.php``
  resolves against it). The fake's DAV code builds server-root-relative hrefs (``/remote.php/dav/...``) and has
  no request at hand where it serialises them, so the webroot of the request being served is kept in a context
  variable (``webroot()``), as ``OC::$WEBROOT`` is a per-request static in PHP.
* ``TrustedDomainHelper::isTrustedUrl``: ``localhost``, ``127.0.0.1`` and ``[::1]`` are always trusted
  (``Request::REGEX_LOCALHOST``); the fake also trusts the request's own host and ``overwritehost``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from fake_nextcloud.core.config import InstanceConfig

__all__ = [
    "absolute_url",
    "base_url",
    "clean_webroot",
    "is_trusted_url",
    "link",
    "server_host",
    "server_protocol",
    "server_root_url",
    "serving_webroot",
    "webroot",
]

_CURRENT_WEBROOT: ContextVar[str] = ContextVar("fake_nextcloud_webroot", default="")
_WEBROOT_SEGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@%-]+")
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


def clean_webroot(value: str) -> str:
    """A web root as ``OC::$WEBROOT`` holds it: ``""`` or ``/a/b`` (``lib/base.php`` adds a missing leading
    slash; a trailing one is dropped so ``WEBROOT . '/remote.php'`` has one slash). ``ValueError`` for anything
    that is not a plain URL path (query, fragment, ``.``/``..`` segments, empty segments)."""
    stripped = value.strip().strip("/")
    if not stripped:
        return ""
    segments = stripped.split("/")
    if any(seg in ("", ".", "..") or not _WEBROOT_SEGMENT.fullmatch(seg) for seg in segments):
        raise ValueError(f"invalid web root {value!r}: give a URL path such as /nextcloud")
    return "/" + stripped


def webroot() -> str:
    """``OC::$WEBROOT`` of the request being served (``""`` outside a request)."""
    return _CURRENT_WEBROOT.get()


@contextmanager
def serving_webroot(value: str) -> Iterator[None]:
    """Set ``webroot()`` for the duration of one request."""
    token = _CURRENT_WEBROOT.set(value)
    try:
        yield
    finally:
        _CURRENT_WEBROOT.reset(token)


def server_root_url(config: InstanceConfig, scheme: str, host_header: str) -> str:
    """protocol + ``://`` + host, without the webroot (what a web server rule at the host root points to)."""
    return f"{server_protocol(config, scheme)}://{server_host(config, host_header)}"


def base_url(config: InstanceConfig, scheme: str, host_header: str) -> str:
    """``IURLGenerator::getBaseUrl`` (also the oidc app's issuer)."""
    return server_root_url(config, scheme, host_header) + config.webroot


def link(config: InstanceConfig, path: str) -> str:
    """``IURLGenerator::linkToRoute``/``linkTo``: ``path`` (``/index.php/...``) under ``OC::$WEBROOT``."""
    return config.webroot + path


def absolute_url(config: InstanceConfig, scheme: str, host_header: str, url: str) -> str:
    """``IURLGenerator::getAbsoluteURL``: the separator is decided first, then a webroot the URL already
    carries (``linkToRoute`` output) is dropped (a plain prefix test, as in PHP)."""
    separator = "" if url.startswith("/") else "/"
    if config.webroot and url.startswith(config.webroot):
        url = url[len(config.webroot) :]
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
