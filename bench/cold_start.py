"""Cold start: spawn a stdio server, time until its first `tools/list` answer arrives."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping, Sequence

import anyio
from common import spread
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

__all__ = ["measure"]

Command = tuple[Sequence[str], Mapping[str, str]]


async def _once(argv: Sequence[str], env: Mapping[str, str]) -> tuple[float, int]:
    params = StdioServerParameters(command=argv[0], args=list(argv[1:]), env=dict(env))
    started = time.perf_counter()
    async with Client(stdio_client(params)) as client:
        tools = await client.list_tools()
        elapsed = time.perf_counter() - started
    return elapsed, len(tools.tools)


def measure(commands: Mapping[str, Command], runs: int) -> dict[str, dict[str, float]]:
    """min/median/max seconds over `runs` spawns of each command, interleaved (one of each in turn, so
    load changes on a shared machine hit all alike), after one warm-up spawn each for the OS file cache."""
    full = {name: (argv, {**os.environ, **env}) for name, (argv, env) in commands.items()}
    for argv, env in full.values():
        anyio.run(_once, argv, env)
    samples: dict[str, list[float]] = {name: [] for name in full}
    for _ in range(runs):
        for name, (argv, env) in full.items():
            samples[name].append(anyio.run(_once, argv, env)[0])
    return {name: spread(values) for name, values in samples.items()}


if __name__ == "__main__":
    print(measure({"bare": ([sys.executable, "bench/bare_server.py"], {})}, 3))
