"""Per-call overhead and throughput over streamable HTTP (OAuth mode, cached token), against a direct
`httpx` GET of the same note from the same fake Nextcloud."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx2
from common import percentile, spread
from oauth_stack import HEADERS, PROTOCOL, Stack, rpc_body

from nextcloud_mcp.core.cookies import cookieless_jar

__all__ = ["Target", "measure_latency", "measure_throughput", "seed_note", "targets"]

Call = Callable[[httpx2.AsyncClient], Awaitable[bool]]


class Target:
    """One way of reading the note: through the MCP server (`ours`) or straight from the fake (`direct`)."""

    def __init__(self, name: str, call: Call) -> None:
        self.name = name
        self.call = call


async def seed_note(stack: Stack, token: str) -> int:
    """A 500-character note of alice's, readable with `token` straight from the fake."""
    async with httpx2.AsyncClient(base_url=stack.nextcloud, trust_env=False) as control:
        response = await control.post(
            "/__testbed__/seed/notes",
            json={"user": "alice", "notes": [{"title": "Bench", "content": "x" * 500, "category": "bench"}]},
        )
        response.raise_for_status()
        note_id: int = response.json()["notes"][0]["id"]
        check = await control.get(
            f"/index.php/apps/notes/api/v1/notes/{note_id}", headers={"Authorization": f"Bearer {token}"}
        )
        check.raise_for_status()
    return note_id


async def _session(url: str, headers: dict[str, str]) -> dict[str, str]:
    """Open an MCP session (stateful mode): the headers to send with every later request."""
    init = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}},
    }
    async with httpx2.AsyncClient(trust_env=False, timeout=30.0, cookies=cookieless_jar()) as http:
        response = await http.post(url, json=init, headers=headers)
        response.raise_for_status()
        session = {**headers, "Mcp-Session-Id": response.headers["mcp-session-id"]}
        done = await http.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=session)
        done.raise_for_status()
    return session


async def targets(stack: Stack, token: str, note_id: int, floor_url: str, *, stateful: bool) -> list[Target]:
    """Callers (True on success) for: our server, the SDK floor (bare MCPServer), the fake directly.

    All three read the same note with the same Bearer token from the same fake."""
    ids = itertools.count(1)  # JSON-RPC ids must be unique within a (stateful) session
    mcp_headers = {**HEADERS, "Authorization": f"Bearer {token}"}
    direct_url = f"{stack.nextcloud}/index.php/apps/notes/api/v1/notes/{note_id}"
    direct_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    async def through(url: str) -> Call:
        headers = await _session(url, mcp_headers) if stateful else mcp_headers

        async def call(http: httpx2.AsyncClient) -> bool:
            body = rpc_body("nc_notes_get_note", {"note_id": note_id}, next(ids))
            response = await http.post(url, content=body, headers=headers)
            if response.status_code != 200:
                return False
            result = json.loads(response.content).get("result", {})
            return not result.get("isError") and result.get("structuredContent", {}).get("id") == note_id

        return call

    async def direct(http: httpx2.AsyncClient) -> bool:
        response = await http.get(direct_url, headers=direct_headers)
        return response.status_code == 200 and json.loads(response.content).get("id") == note_id

    return [
        Target("ours", await through(stack.replicas[0] + "/mcp")),
        Target("floor", await through(floor_url + "/mcp")),
        Target("direct", direct),
    ]


def _client(concurrency: int) -> httpx2.AsyncClient:
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # No cookies, as our server keeps none: a kept Nextcloud session cookie would let the direct baseline skip the
    # login Nextcloud (and the fake) runs for every cookie-less API request (docs/security.md, sessions).
    return httpx2.AsyncClient(trust_env=False, timeout=30.0, limits=limits, cookies=cookieless_jar())


async def measure_latency(targets: list[Target], calls: int, rounds: int) -> dict[str, Any]:
    """Sequential calls, the targets interleaved (so drift hits all); p50/p99 per round; `added_*` is a
    target's percentile minus the direct one's."""
    per_round: list[dict[str, float]] = []
    async with _client(1) as http:
        for target in targets:  # warm-up: connections, caches, first-use imports
            for _ in range(20):
                if not await target.call(http):
                    raise RuntimeError(f"{target.name} call failed during warm-up")
        for _ in range(rounds):
            samples: dict[str, list[float]] = {t.name: [] for t in targets}
            for _ in range(calls):
                for target in targets:
                    started = time.perf_counter()
                    ok = await target.call(http)
                    samples[target.name].append((time.perf_counter() - started) * 1000)
                    if not ok:
                        raise RuntimeError(f"{target.name} call failed")
            figures = {f"{n}_p{q}": percentile(s, q) for n, s in samples.items() for q in (50, 99)}
            for name in samples:
                if name != "direct":
                    for q in (50, 99):
                        figures[f"{name}_added_p{q}"] = figures[f"{name}_p{q}"] - figures[f"direct_p{q}"]
            per_round.append(figures)
    keys = per_round[0].keys()
    return {"calls_per_round": calls, **{k: spread([r[k] for r in per_round]) for k in keys}}


async def _drive(target: Target, concurrency: int, seconds: float) -> tuple[int, int, float]:
    """`concurrency` clients calling back to back for `seconds`: (successes, errors, elapsed)."""
    done = errors = 0
    async with _client(concurrency) as http:
        for _ in range(concurrency):  # open the connections before the clock starts
            await target.call(http)
        stop = time.perf_counter() + seconds
        started = time.perf_counter()

        async def worker() -> None:
            nonlocal done, errors
            while time.perf_counter() < stop:
                try:
                    ok = await target.call(http)
                except httpx2.HTTPError:
                    ok = False
                if ok:
                    done += 1
                else:
                    errors += 1

        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(worker)
        elapsed = time.perf_counter() - started
    return done, errors, elapsed


async def measure_throughput(
    targets: list[Target], levels: tuple[int, ...], seconds: float, rounds: int
) -> dict[str, Any]:
    """Calls per second at each concurrency level, `rounds` alternating runs of each target; ratios
    against the direct rate of the same round."""
    out: dict[str, Any] = {}
    for level in levels:
        rates: dict[str, list[float]] = {t.name: [] for t in targets}
        ratios: dict[str, list[float]] = {t.name: [] for t in targets if t.name != "direct"}
        errors = dict.fromkeys(rates, 0)
        for _ in range(rounds):
            for target in targets:
                done, failed, elapsed = await _drive(target, level, seconds)
                rates[target.name].append(done / elapsed)
                errors[target.name] += failed
            for name in ratios:
                ratios[name].append(rates[name][-1] / rates["direct"][-1])
        out[str(level)] = {
            **{f"{name}_cps": spread(r) for name, r in rates.items()},
            **{f"{name}_ratio": spread(r) for name, r in ratios.items()},
            "errors": errors,
        }
    return out
