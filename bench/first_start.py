"""First start on a cold cache: what a new user's first `uvx --from <wheel> nextcloud-mcp-server --help` downloads
and how long it takes, against the old README path (`uv run nextcloud-mcp-server` from a fresh clone, which
installed the dev group too), and the second start (the cache warm, as every later MCP client launch).

Each cold run gets an empty `UV_CACHE_DIR`. Downloaded = bytes received on the machine's network interfaces
(/proc/net/dev, loopback excluded) during the run; the cache folder's size afterwards is reported too (unpacked,
so larger than what came over the wire).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import ROOT, spread

__all__ = ["measure_first_start"]


def _received_bytes() -> int:
    total = 0
    for line in Path("/proc/net/dev").read_text().splitlines()[2:]:
        name, data = line.split(":", 1)
        if name.strip() != "lo":
            total += int(data.split()[0])
    return total


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1024**2


def _timed(argv: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(seconds, MB received) of one run, which must succeed and print the usage."""
    received = _received_bytes()
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False, timeout=600)
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or "usage: nextcloud-mcp-server" not in result.stdout:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return elapsed, (_received_bytes() - received) / 1024**2


def _clone(run_dir: Path) -> Path:
    """The repository's tracked files, as a fresh clone has them (no .venv)."""
    target = run_dir / "clone"
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in files.splitlines():
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def measure_first_start(run_dir: Path, runs: int) -> dict[str, Any]:
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is not on PATH")
    dist = run_dir / "dist"
    build = [uv, "build", "--quiet", "--package", "nextcloud-mcp-bridge", "--out-dir", str(dist)]
    subprocess.run(build, cwd=ROOT, check=True)
    (wheel,) = dist.glob("*.whl")
    clone = _clone(run_dir)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_"))}
    base.update(UV_PYTHON=os.environ.get("UV_PYTHON", "3.11"), UV_PYTHON_DOWNLOADS="never")
    commands = {
        "uvx_wheel": [uv, "tool", "run", "--from", str(wheel), "nextcloud-mcp-server", "--help"],
        "uv_run_clone": [uv, "run", "--directory", str(clone), "nextcloud-mcp-server", "--help"],
    }
    out: dict[str, Any] = {"wheel": wheel.name, "wheel_kb": wheel.stat().st_size / 1024}
    for name, argv in commands.items():
        seconds, received, cache_mb, warm = [], [], [], []
        for _ in range(runs):
            cache = Path(tempfile.mkdtemp(prefix="uv-cache-", dir=run_dir))
            env = {**base, "UV_CACHE_DIR": str(cache)}
            shutil.rmtree(clone / ".venv", ignore_errors=True)
            elapsed, mb = _timed(argv, env, run_dir)
            seconds.append(elapsed)
            received.append(mb)
            cache_mb.append(_size_mb(cache))
            warm.append(_timed(argv, env, run_dir)[0])
            shutil.rmtree(cache, ignore_errors=True)
        out[name] = {
            "seconds": spread(seconds),
            "received_mb": spread(received),
            "cache_mb": spread(cache_mb),
            "warm_seconds": spread(warm),
        }
    shutil.rmtree(clone / ".venv", ignore_errors=True)
    return out
