"""`scripts/bench --quick` completes and reports every section (the benchmarks themselves never run in CI).

It runs in the normal test command (`scripts/test`), in about a minute; the figures of a quick run are not
checked against the targets (too few repetitions on a shared CI machine), only that each was measured and
that the correctness parts hold: no failed call, one upstream validation per token, files intact.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from support.processes import ROOT
from support.redis_server import redis_binary

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(redis_binary() is None, reason="redis-server not installed (apt-get install redis-server)"),
]


def test_quick_bench_runs_every_section(tmp_path: Path) -> None:
    env = {**os.environ, "BENCH_NO_SYNC": "1"}
    done = subprocess.run(
        [str(ROOT / "scripts" / "bench"), "--quick", "--out", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads((tmp_path / "performance.json").read_text())
    for section in ("cold_start", "catalogue", "memory", "http", "token_cache", "footprint", "retrieval"):
        assert section in results, section
    assert results["cold_start"]["ratio"] > 0
    assert results["catalogue"]["tools"] >= 30
    dynamic = results["catalogue"]["dynamic"]  # MCP_DYNAMIC_TOOLSETS: ≤ 8 kB (≈ 2k tokens) at start
    assert 0 < dynamic["start_wire_bytes"] <= 8000 and len(dynamic["steps"]) >= 10
    for mode in ("stateful", "stateless"):
        for level in ("1", "8", "32"):
            assert results["http"][mode]["throughput"][level]["errors"] == {"ours": 0, "floor": 0, "direct": 0}
        assert results["http"][mode]["latency_ms"]["ours_p50"]["median"] > 0
    assert results["token_cache"]["validations_per_token"] == 1
    assert results["token_cache"]["errors"] == 0
    assert results["memory"]["transfer"]["growth_mb"] >= 0
    assert results["footprint"]["packages"] > 10
    assert results["retrieval"]["quality"]["hybrid"]["all"]["queries"] > 0  # details: test_bench_retrieval.py
    text = (tmp_path / "performance.md").read_text()
    assert "## Targets" in text
    assert "quick run" in text
