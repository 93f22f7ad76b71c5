"""Memory: idle RSS against a bare SDK server, and RSS growth while streaming a large file through the tools."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from common import ROOT, StdioRpc, reset_peak_rss, rss_mb, server_argv, spread

__all__ = ["measure_idle", "measure_transfer"]

BLOCK = 1024 * 1024


def _idle_once(name: str, argv: list[str], run_dir: Path, env: Mapping[str, str]) -> float:
    """RSS (MiB) of a server that answered initialize + tools/list (+ one warm call when given)."""
    with StdioRpc(name, argv, run_dir, env) as rpc:
        rpc.initialize()
        rpc.request("tools/list")
        return rss_mb(rpc.pid)[0]


def measure_idle(run_dir: Path, env: Mapping[str, str], runs: int) -> dict[str, Any]:
    ours = [_idle_once("idle-ours", server_argv("--transport", "stdio"), run_dir, env) for _ in range(runs)]
    bare_argv = [sys.executable, str(ROOT / "bench" / "bare_server.py")]
    bare = [_idle_once("idle-bare", bare_argv, run_dir, {}) for _ in range(runs)]
    return {
        "server_mb": spread(ours),
        "bare_mb": spread(bare),
        "ratio": spread(ours)["median"] / spread(bare)["median"],
    }


def _write_file(path: Path, size: int) -> str:
    seed = os.urandom(BLOCK)
    digest = hashlib.sha256()
    with path.open("wb") as f:
        for i in range(size // BLOCK):
            block = i.to_bytes(8, "big") + seed[8:]
            digest.update(block)
            f.write(block)
    return digest.hexdigest()


def measure_transfer(run_dir: Path, env: Mapping[str, str], size: int) -> dict[str, Any]:
    """Upload then download `size` bytes with nc_files_upload_file / nc_files_download_file; peak RSS above the
    RSS after a small warm-up transfer (so the growth is what streaming costs, not first-use imports)."""
    source, back = run_dir / "bench-source.bin", run_dir / "bench-back.bin"
    small = run_dir / "bench-small.bin"
    _write_file(small, BLOCK)
    digest = _write_file(source, size)
    result: dict[str, Any] = {"bytes": size}
    try:
        with StdioRpc("transfer", server_argv("--transport", "stdio"), run_dir, env) as rpc:
            rpc.initialize()
            rpc.call_tool("nc_files_upload_file", {"local_path": str(small), "path": "bench/small.bin"})
            rpc.call_tool("nc_files_download_file", {"path": "bench/small.bin", "local_path": str(back)})
            back.unlink()
            for step, args in (
                ("upload", ("nc_files_upload_file", {"local_path": str(source), "path": "bench/big.bin"})),
                ("download", ("nc_files_download_file", {"path": "bench/big.bin", "local_path": str(back)})),
            ):
                before, _ = rss_mb(rpc.pid)
                if not reset_peak_rss(rpc.pid):
                    raise RuntimeError("cannot reset the peak RSS (/proc/<pid>/clear_refs)")
                name, arguments = args
                structured = rpc.call_tool(name, arguments)["structuredContent"]
                if structured["bytes"] != size:
                    raise RuntimeError(f"{name} moved {structured['bytes']} bytes, not {size}")
                _, peak = rss_mb(rpc.pid)
                result[step] = {"rss_before_mb": before, "peak_mb": peak, "growth_mb": peak - before}
            rpc.call_tool("nc_files_delete_file", {"path": "bench"})
        if _sha256(back) != digest:
            raise RuntimeError("the downloaded file differs from the uploaded one")
    finally:
        for path in (source, back, small):
            path.unlink(missing_ok=True)
    result["growth_mb"] = max(result["upload"]["growth_mb"], result["download"]["growth_mb"])
    return result


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()
