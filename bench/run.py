"""`scripts/bench`: measure, then write docs/performance.md and docs/performance.json.

Every figure is compared with a baseline measured in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from cold_start import measure  # noqa: E402

from support.processes import ManagedProcess, free_port, http_ready  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument("--quick", action="store_true", help="few repetitions; checks that the benchmarks run")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-write", action="store_true", help="print results without updating docs/")
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs

    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.system()}",
    }
    with tempfile.TemporaryDirectory(prefix="nc-bench-") as tmp:
        port = free_port()
        fake = ManagedProcess(
            "fake-nextcloud",
            ["fake-nextcloud", "--port", str(port), "--user", "alice:secret"],
            Path(tmp),
            ready=http_ready(f"http://127.0.0.1:{port}/status.php"),
        )
        with fake:
            env = {
                "NEXTCLOUD_HOST": f"http://127.0.0.1:{port}",
                "NEXTCLOUD_USERNAME": "alice",
                "NEXTCLOUD_PASSWORD": "secret",
                "MCP_LOG_LEVEL": "WARNING",
            }
            ours = measure([sys.executable, "-m", "nextcloud_mcp", "--transport", "stdio"], env, runs)
            bare = measure([sys.executable, str(ROOT / "bench" / "bare_server.py")], {}, runs)
    results["cold_start"] = {"server": ours, "bare_mcpserver": bare, "ratio": ours["median"] / bare["median"]}
    print(json.dumps(results, indent=2))
    if not args.no_write and not args.quick:
        _write(results)
    return 0


def _ms(value: float) -> str:
    return f"{value * 1000:.0f}"


def _write(results: dict[str, Any]) -> None:
    docs = ROOT / "docs"
    (docs / "performance.json").write_text(json.dumps(results, indent=2) + "\n")
    cold = results["cold_start"]
    rows = [
        f"| `nextcloud-mcp-server --transport stdio` | {_ms(cold['server']['min'])} | "
        f"{_ms(cold['server']['median'])} | {_ms(cold['server']['max'])} |",
        f"| bare `MCPServer`, one tool | {_ms(cold['bare_mcpserver']['min'])} | "
        f"{_ms(cold['bare_mcpserver']['median'])} | {_ms(cold['bare_mcpserver']['max'])} |",
    ]
    text = f"""# Performance

Measured by `scripts/bench` on {results["date"]} (Python {results["python"]}, {results["machine"]}); raw figures in
`performance.json`. Each figure is compared with a baseline measured in the same run.

## Cold start: process spawn to first `tools/list` answer (ms, {cold["server"]["runs"]} runs)

| Server | min | median | max |
|---|---|---|---|
{chr(10).join(rows)}

Ratio of medians: **{cold["ratio"]:.2f}x** the bare SDK server. The difference is our imports (pydantic
settings, the tool modules) and the capability check against Nextcloud that filters `tools/list`.
"""
    (docs / "performance.md").write_text(text)


if __name__ == "__main__":
    sys.exit(main())
