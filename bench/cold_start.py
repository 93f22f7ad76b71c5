"""Cold start: spawn a stdio server, time until its first `tools/list` answer arrives."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Mapping, Sequence

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

__all__ = ["measure"]


async def _once(argv: Sequence[str], env: Mapping[str, str]) -> tuple[float, int]:
    params = StdioServerParameters(command=argv[0], args=list(argv[1:]), env=dict(env))
    started = time.perf_counter()
    async with Client(stdio_client(params)) as client:
        tools = await client.list_tools()
        elapsed = time.perf_counter() - started
    return elapsed, len(tools.tools)


def measure(argv: Sequence[str], env: Mapping[str, str], runs: int) -> dict[str, float]:
    """min/median/max seconds over `runs` spawns (after one warm-up spawn for the OS file cache)."""
    full_env = {**os.environ, **env}
    anyio.run(_once, argv, full_env)
    samples = [anyio.run(_once, argv, full_env)[0] for _ in range(runs)]
    return {"min": min(samples), "median": statistics.median(samples), "max": max(samples), "runs": runs}


if __name__ == "__main__":
    print(measure([sys.executable, "bench/bare_server.py"], {}, 3))
