"""`tools/list` size with every tool enabled: bytes on the wire, per tool, and what that costs a model; and with
dynamic toolsets (`MCP_DYNAMIC_TOOLSETS`): at start, and as each toolset is enabled."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
from common import StdioRpc, server_argv

__all__ = ["BYTES_PER_TOKEN", "measure_catalogue", "measure_dynamic"]

BYTES_PER_TOKEN = 4  # the usual rough figure for English and JSON
LIST_TOOL = "nc_notes_list_notes"
LIST_NOTES = 20  # a typical page: twenty notes


def measure_catalogue(run_dir: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """`tools/list` of a stdio server against the fake, as sent on the wire; and every registered tool
    (no capability filter) rendered in process, which is what a Nextcloud with every app installed lists."""
    _seed_notes(env)
    with StdioRpc("catalogue", server_argv("--transport", "stdio"), run_dir, env) as rpc:
        rpc.initialize()
        answer, wire = rpc.request("tools/list")
        listed_page, page_wire = rpc.request("tools/call", {"name": LIST_TOOL, "arguments": {"limit": LIST_NOTES}})
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
        "list_result": _list_result(listed_page, page_wire),
        "dynamic": measure_dynamic(run_dir, env),
    }


def measure_dynamic(run_dir: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """A stdio server in dynamic mode against the fake (protocol 2025-11-25): the `tools/list` answer at start, the
    `nc_toolsets_list_toolsets` answer, then each toolset enabled in turn (one session, so the list grows): the
    enable answer and the `tools/list` answer after it, all as sent on the wire."""
    argv = server_argv("--transport", "stdio", "--dynamic-toolsets")
    with StdioRpc("dynamic", argv, run_dir, env) as rpc:
        rpc.initialize()
        start, start_wire = rpc.request("tools/list")
        listing, listing_wire = rpc.request("tools/call", {"name": "nc_toolsets_list_toolsets", "arguments": {}})
        toolsets = [item["toolset"] for item in listing["result"]["structuredContent"]["items"]]
        steps: list[dict[str, Any]] = []
        previous = start_wire
        for toolset in toolsets:
            arguments = {"toolsets": [toolset]}
            _, enable_wire = rpc.request("tools/call", {"name": "nc_toolsets_enable_toolsets", "arguments": arguments})
            listed, wire = rpc.request("tools/list")
            steps.append(
                {
                    "toolset": toolset,
                    "tools": len(listed["result"]["tools"])
                    - len(start["result"]["tools"])
                    - sum(step["tools"] for step in steps),
                    "added_bytes": wire - previous,
                    "enable_answer_bytes": enable_wire,
                    "list_bytes": wire,
                }
            )
            previous = wire
    return {
        "start_tools": [t["name"] for t in start["result"]["tools"]],
        "start_wire_bytes": start_wire,
        "start_tokens": round(start_wire / BYTES_PER_TOKEN),
        "list_toolsets_answer_bytes": listing_wire,
        "steps": steps,
    }


def _seed_notes(env: Mapping[str, str]) -> None:
    """Twenty notes of a realistic size for the user of `env`, through the fake's control API."""
    host = env.get("NEXTCLOUD_HOST")
    if not host:
        return
    import httpx2

    notes = [{"title": f"Meeting notes {i}", "content": "x" * 400, "category": "Work"} for i in range(LIST_NOTES)]
    user = env.get("NEXTCLOUD_USERNAME", "alice")
    httpx2.post(f"{host}/__testbed__/seed/notes", json={"user": user, "notes": notes}, trust_env=False)


def _list_result(answer: dict[str, Any], wire: int) -> dict[str, Any]:
    """Bytes of one list page on the wire, and what an indented second text copy (the SDK's default) adds."""
    structured = answer["result"].get("structuredContent") or {}
    indented = len(json.dumps(structured, indent=2, ensure_ascii=False).encode())
    compact = len(json.dumps(structured, separators=(",", ":"), ensure_ascii=False).encode())
    return {
        "tool": LIST_TOOL,
        "items": len(structured.get("items", [])),
        "wire_bytes": wire,
        "with_indented_text_copy": wire - compact + indented,
    }


async def _all_tools(env: Mapping[str, str]) -> list[dict[str, Any]]:
    from nextcloud_mcp.config import load_settings
    from nextcloud_mcp.server.build import build_server

    server = build_server(load_settings(environ=dict(env)))
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in await server.list_tools()]


if __name__ == "__main__":
    print(json.dumps(measure_catalogue(Path(sys.argv[1]), {}), indent=2))
