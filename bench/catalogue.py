"""`tools/list` size with every tool enabled: bytes on the wire, per tool, and what that costs a model."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
from common import StdioRpc, server_argv

__all__ = ["BYTES_PER_TOKEN", "measure_catalogue"]

BYTES_PER_TOKEN = 4  # the usual rough figure for English and JSON


def measure_catalogue(run_dir: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """`tools/list` of a stdio server against the fake, as sent on the wire; and every registered tool
    (no capability filter) rendered in process, which is what a Nextcloud with every app installed lists."""
    with StdioRpc("catalogue", server_argv("--transport", "stdio"), run_dir, env) as rpc:
        rpc.initialize()
        answer, wire = rpc.request("tools/list")
    listed: list[dict[str, Any]] = answer["result"]["tools"]
    tools = anyio.run(_all_tools, env)
    sizes = {t["name"]: len(json.dumps(t, separators=(",", ":"), ensure_ascii=False).encode()) for t in tools}
    total = sum(sizes.values())
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
    return {
        "tools": len(tools),
        "listed_by_fake": len(listed),
        "listed_wire_bytes": wire,
        "wire_bytes": total + len('{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}') + len(tools) - 1,
        "tool_bytes": total,
        "per_tool_mean": total / len(tools),
        "per_tool_max": largest[0][1],
        "largest": [{"name": n, "bytes": b} for n, b in largest],
        "approx_tokens": round(total / BYTES_PER_TOKEN),
        "apps": sorted({str(t["name"]).split("_")[1] for t in tools}),
    }


async def _all_tools(env: Mapping[str, str]) -> list[dict[str, Any]]:
    from nextcloud_mcp.config import load_settings
    from nextcloud_mcp.server.build import build_server

    server = build_server(load_settings(environ=dict(env)))
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in await server.list_tools()]


if __name__ == "__main__":
    print(json.dumps(measure_catalogue(Path(sys.argv[1]), {}), indent=2))
