"""Prometheus metrics (`GET /metrics` on the HTTP app), off the hot path when disabled.

This module imports nothing heavy: `prometheus_client` is imported by `enable()` only, which the HTTP app
calls when `MCP_METRICS` is on (the default). stdio never calls it, so it never pays for the import.
The instrumented code calls `tool_call`, `nextcloud_request`, which return at once while `RECORDER` is None.

Labels are bounded and never carry tokens, user ids or paths: tool names, outcomes, Nextcloud app names
(derived from the request path by `app_of`, from a fixed vocabulary) and status classes.
Every metric is documented in docs/observability.md.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mcp.server.transport_security import TransportSecuritySettings
    from prometheus_client import CollectorRegistry
    from prometheus_client.metrics_core import Metric
    from starlette.routing import Route

__all__ = [
    "CONTENT_TYPE",
    "Recorder",
    "app_of",
    "enable",
    "nextcloud_request",
    "route",
    "status_class",
    "tool_call",
]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PREFIX = "nextcloud_mcp"
# Latency buckets (s): a tool call or Nextcloud request spans ~1 ms (cached, local) to minutes (1 GiB transfer).
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0)

_APP = re.compile(r"/(?:index\.php/|ocs/v[12]\.php/)?apps/([a-z][a-z0-9_]{0,31})(?:/|$)")
_DAV = re.compile(r"/remote\.php/(?:dav/([^/]*)|webdav)(?:/|$)")
_DAV_KINDS = frozenset(
    {"files", "calendars", "addressbooks", "trashbin", "versions", "uploads", "comments", "systemtags", "principals"}
)
_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")


class _CacheStats(Protocol):
    l1_hits: int
    l2_hits: int
    misses: int
    validations: int
    negative_hits: int
    redis_errors: int


class _HasStats(Protocol):
    @property
    def stats(self) -> _CacheStats: ...


def app_of(path: str) -> str:
    """The Nextcloud app a request path belongs to: `notes`, `files_sharing`, `dav-files`, `core`, ..."""
    match = _APP.match(path)
    if match:
        return match.group(1)
    match = _DAV.match(path)
    if match:
        kind = match.group(1) or "files"
        return f"dav-{kind}" if kind in _DAV_KINDS else "dav"
    return "core"


def status_class(status: int) -> str:
    """`2xx`, `4xx`, ... (bounded), for an HTTP status."""
    return _CLASSES[status // 100 - 1] if 100 <= status < 600 else "other"


class Recorder:
    """The metrics of one process, in their own registry (tests make fresh ones)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self.tool_calls = Counter(
            f"{PREFIX}_tool_calls",
            "MCP tool calls by tool and outcome (ok, error, unavailable).",
            ["tool", "outcome"],
            registry=self.registry,
        )
        self.tool_seconds = Histogram(
            f"{PREFIX}_tool_call_duration_seconds",
            "Wall time of MCP tool calls, Nextcloud round trips included.",
            ["tool"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.nc_requests = Counter(
            f"{PREFIX}_nextcloud_requests",
            "Requests to Nextcloud by app and status class (`error`: no HTTP answer).",
            ["app", "status"],
            registry=self.registry,
        )
        self.nc_seconds = Histogram(
            f"{PREFIX}_nextcloud_request_duration_seconds",
            "Time to the response headers of requests to Nextcloud, by app.",
            ["app"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self._children: dict[tuple[str, ...], Any] = {}
        self._cache_collector: _TokenCacheCollector | None = None

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (metric._name, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def tool_call(self, tool: str, outcome: str, seconds: float) -> None:
        self._child(self.tool_calls, tool, outcome).inc()
        self._child(self.tool_seconds, tool).observe(seconds)

    def nextcloud_request(self, path: str, status: int | None, seconds: float) -> None:
        app = app_of(path)
        self._child(self.nc_requests, app, "error" if status is None else status_class(status)).inc()
        if status is not None:
            self._child(self.nc_seconds, app).observe(seconds)

    def watch_token_cache(self, cache: _HasStats) -> None:
        """Expose the counters of an OAuth `TokenCache` (read at scrape time, nothing on the request path).

        A process has one token cache; watching another replaces it (apps rebuilt in tests)."""
        if self._cache_collector is None:
            self._cache_collector = _TokenCacheCollector(cache)
            self.registry.register(self._cache_collector)
        self._cache_collector.cache = cache

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


class _TokenCacheCollector:
    def __init__(self, cache: _HasStats) -> None:
        self.cache = cache

    def collect(self) -> list[Metric]:
        from prometheus_client.core import CounterMetricFamily

        stats = self.cache.stats
        lookups = CounterMetricFamily(
            f"{PREFIX}_token_cache_lookups",
            "Token cache lookups by result: l1_hit, redis_hit, negative_hit (a cached invalid token), miss.",
            labels=["result"],
        )
        for result, value in (
            ("l1_hit", stats.l1_hits),
            ("redis_hit", stats.l2_hits),
            ("negative_hit", stats.negative_hits),
            ("miss", stats.misses),
        ):
            lookups.add_metric([result], value)
        validations = CounterMetricFamily(
            f"{PREFIX}_token_validations", "Tokens validated upstream (IdP introspection, userinfo or JWKS)."
        )
        validations.add_metric([], stats.validations)
        errors = CounterMetricFamily(f"{PREFIX}_redis_errors", "Failed Redis calls of the token cache.")
        errors.add_metric([], stats.redis_errors)
        return [lookups, validations, errors]

    def describe(self) -> list[Metric]:
        return self.collect()


RECORDER: Recorder | None = None


def enable() -> Recorder:
    """Start recording in this process (idempotent); returns the process-wide recorder."""
    global RECORDER
    if RECORDER is None:
        from prometheus_client import disable_created_metrics

        disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` series: half the scrape size
        RECORDER = Recorder()
    return RECORDER


def route(security: TransportSecuritySettings, token_cache: _HasStats | None = None) -> Route:
    """`GET /metrics`: enables recording and serves it, behind the same Host/Origin checks as the MCP path.

    No token is asked for (Prometheus scrapers rarely speak OAuth and no label names a user); turn it off
    with `MCP_METRICS=false` or keep the path away from the public at the reverse proxy.
    """
    from mcp.server.transport_security import TransportSecurityMiddleware
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    recorder = enable()
    if token_cache is not None:
        recorder.watch_token_cache(token_cache)
    guard = TransportSecurityMiddleware(security)

    async def endpoint(request: Request) -> Response:
        refused = await guard.validate_request(request)
        if refused is not None:
            return refused
        return Response(recorder.render(), media_type=CONTENT_TYPE)

    return Route("/metrics", endpoint, methods=["GET"])


def tool_call(tool: str, outcome: str, started: float) -> None:
    """Record one tool call that began at `started` (`time.perf_counter()`)."""
    if RECORDER is not None:
        RECORDER.tool_call(tool, outcome, time.perf_counter() - started)


def nextcloud_request(path: str, status: int | None, seconds: float) -> None:
    """Record one request to Nextcloud (`status` None: no HTTP answer)."""
    if RECORDER is not None:
        RECORDER.nextcloud_request(path, status, seconds)
