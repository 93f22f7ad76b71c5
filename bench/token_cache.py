"""Token cache: three server replicas sharing one Redis; upstream validations per token, and hit latency.

Validations are counted twice, independently: by the fake Nextcloud (its request log of
`/apps/oidc/introspect`) and by the replicas themselves (`nextcloud_mcp_token_validations_total` on
`/metrics`). Hit latency is measured in process on `TokenCache` against the same Redis, because over HTTP
a sub-millisecond lookup would drown in request noise.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx2
from common import spread
from oauth_stack import HEADERS, Stack, rpc_body
from prometheus_client.parser import text_string_to_metric_families

from nextcloud_mcp.auth.cache import TokenCache, connect_redis
from nextcloud_mcp.auth.identity import Identity
from support.redis_server import start_redis

__all__ = ["measure_hit_latency", "measure_token_cache"]

USES_PER_REPLICA = 3


def _metric(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def measure_token_cache(run_dir: Path, tokens: int) -> dict[str, Any]:
    redis, port = start_redis(run_dir)
    stack = Stack(run_dir)
    try:
        stack.start(replicas=3, redis_url=f"redis://127.0.0.1:{port}/0")
        minted = await stack.tokens(tokens)
        stack.clear_requests()
        body = rpc_body("nc_notes_list_notes", {})
        errors = 0
        async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:
            for token in minted:
                headers = {**HEADERS, "Authorization": f"Bearer {token}"}
                for replica in stack.replicas:
                    for _ in range(USES_PER_REPLICA):
                        response = await http.post(f"{replica}/mcp", content=body, headers=headers)
                        if response.status_code != 200 or response.json()["result"].get("isError"):
                            errors += 1
            scraped = [(await http.get(f"{replica}/metrics")).text for replica in stack.replicas]
        introspections = stack.requests_to("/apps/oidc/introspect")
        counted = sum(_metric(text, "nextcloud_mcp_token_validations_total") for text in scraped)
        result: dict[str, Any] = {
            "replicas": len(stack.replicas),
            "tokens": tokens,
            "uses_per_token": len(stack.replicas) * USES_PER_REPLICA,
            "upstream_validations": introspections,
            "validations_per_token": introspections / tokens,
            "validations_reported_by_replicas": counted,
            "l1_hits": sum(_metric(t, "nextcloud_mcp_token_cache_lookups_total", result="l1_hit") for t in scraped),
            "redis_hits": sum(
                _metric(t, "nextcloud_mcp_token_cache_lookups_total", result="redis_hit") for t in scraped
            ),
            "redis_errors": sum(_metric(t, "nextcloud_mcp_redis_errors_total") for t in scraped),
            "errors": errors,
        }
        result["hit_latency"] = await measure_hit_latency(port, 200 if tokens >= 10 else 20)
        return result
    finally:
        stack.stop()
        redis.stop()


async def measure_hit_latency(redis_port: int, lookups: int) -> dict[str, Any]:
    """µs per `get_or_validate` answered from L1 (in process) and from Redis (another replica's entry)."""
    writer = TokenCache(3600, connect_redis(f"redis://127.0.0.1:{redis_port}/1"))
    reader = TokenCache(3600, connect_redis(f"redis://127.0.0.1:{redis_port}/1"))

    async def validate(token: str) -> Identity:
        return Identity(
            subject="alice",
            issuer="https://idp",
            client_id="c",
            scopes=frozenset({"notes:read"}),
            expires_at=int(time.time()) + 600,
        )

    try:
        tokens = [f"bench-hit-{i}-" + "x" * 40 for i in range(lookups)]
        for token in tokens:
            await writer.get_or_validate(token, validate)
        await reader.get_or_validate("warm-up-" + "y" * 40, validate)
        redis_us, l1_us = [], []
        for token in tokens:
            started = time.perf_counter()
            await reader.get_or_validate(token, validate)  # L1 empty: Redis answers
            redis_us.append((time.perf_counter() - started) * 1e6)
        for token in tokens:
            started = time.perf_counter()
            await reader.get_or_validate(token, validate)  # now in L1
            l1_us.append((time.perf_counter() - started) * 1e6)
        if reader.stats.validations != 1 or reader.stats.l2_hits != lookups or reader.stats.l1_hits != lookups:
            raise RuntimeError(f"unexpected cache behaviour: {reader.stats}")
        return {"lookups": lookups, "l1_us": spread(l1_us), "redis_us": spread(redis_us)}
    finally:
        await writer.aclose()
        await reader.aclose()
