"""`scripts/bench --quick --only retrieval` completes with sane figures: the small corpus (10 facts, 30 distractors)
is seeded, indexed and searched through the stdio server with both query sets (paraphrased, exact-word); every
recall and MRR lies in [0, 1], hybrid search finds more than unified search, and nothing is indexed twice (the
second update changes nothing)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path

import pytest

from support.processes import ROOT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        importlib.util.find_spec("qdrant_client") is None or importlib.util.find_spec("wordllama") is None,
        reason="the `semantic` extra (qdrant-client, wordllama) is not installed",
    ),
]


def test_quick_retrieval_bench_reports_sane_figures(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / "bench"), "--quick", "--only", "retrieval", "--out", str(tmp_path)],
        env={**os.environ, "BENCH_NO_SYNC": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    ret = json.loads((tmp_path / "performance.json").read_text())["retrieval"]
    corpus = ret["corpus"]
    assert corpus["facts"] == 10 and corpus["objects"] == 40
    assert (
        corpus["paraphrase"] > 0 and corpus["exact"] > 0 and corpus["paraphrase"] + corpus["exact"] == corpus["queries"]
    )
    quality = ret["quality"]
    assert set(quality) == {"unified", "unified_keywords", "hybrid", "dense", "lexical"}
    for method in quality.values():
        assert {"all", "paraphrase", "exact", "notes", "text files", "documents"} <= set(method)
        assert method["paraphrase"]["queries"] + method["exact"]["queries"] == method["all"]["queries"]
        for figures in method.values():
            assert 0 <= figures["recall5"] <= 1 and 0 <= figures["mrr"] <= 1
            assert figures["queries"] > 0
    hybrid = quality["hybrid"]["all"]["recall5"]
    assert hybrid >= quality["unified"]["all"]["recall5"]
    assert hybrid > quality["unified_keywords"]["all"]["recall5"]
    assert quality["hybrid"]["notes"]["recall5"] >= 0.5  # the notes are indexed and found by meaning
    assert quality["lexical"]["exact"]["recall5"] >= 0.5  # BM25 finds a typed rare word
    assert quality["hybrid"]["exact"]["recall5"] >= quality["unified_keywords"]["exact"]["recall5"]
    indexing = ret["indexing"]
    assert indexing["objects_indexed"]["notes"] == ret["corpus"]["notes"]
    assert indexing["docs_per_s"]["median"] > 0 and indexing["second_s"]["max"] < indexing["first_s"]["min"]
    assert ret["index"]["bytes"] > 0 and ret["index"]["chunks"] >= indexing["objects_indexed"]["notes"]
    assert 0 < ret["latency_ms"]["hybrid"]["p50"]["median"] <= ret["latency_ms"]["hybrid"]["p99"]["median"]
    memory = ret["memory_mb"]  # the stdio server's RSS and peak (VmRSS, VmHWM) at each stage
    assert set(memory) == {"started", "indexed", "queried"}
    for stage in memory.values():
        assert 50 < stage["rss"]["median"] <= stage["peak"]["median"] < 4096
    assert memory["queried"]["peak"]["max"] >= memory["started"]["rss"]["min"]
    report = (tmp_path / "performance.md").read_text()
    assert "## 9. Retrieval" in report and "Server RSS after indexing" in report
