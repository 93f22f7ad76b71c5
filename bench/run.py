"""`scripts/bench`: measure everything in one run on this machine, then write docs/performance.{md,json}.

Every figure is compared with a baseline measured in the same run (these machines are noisy), and
repeated measurements are reported as min/median/max. `--quick` runs each benchmark briefly (CI checks
that they complete) and writes nothing unless `--out` is given.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import anyio
from catalogue import measure_catalogue
from cold_start import measure
from common import ROOT, server_argv, start_fake
from first_start import measure_first_start
from footprint import measure_footprint
from http_calls import measure_latency, measure_throughput, seed_note, targets
from memory import measure_idle, measure_transfer
from oauth_stack import Stack
from report import write_report
from retrieval import measure_retrieval
from token_cache import measure_token_cache

SECTIONS = ("cold_start", "catalogue", "memory", "http", "token_cache", "footprint", "first_start", "retrieval")
# Downloads from the package index on cold caches (~100 MB a run): never in --quick (CI) unless asked by --only.
NETWORK_SECTIONS = ("first_start",)


@dataclass(frozen=True)
class Plan:
    """How much of each benchmark to run."""

    cold_runs: int
    idle_runs: int
    transfer_bytes: int
    latency_calls: int
    latency_rounds: int
    levels: tuple[int, ...]
    seconds: float
    throughput_rounds: int
    tokens: int
    first_runs: int
    retrieval_facts: int
    retrieval_distractors: int
    retrieval_rounds: int


FULL = Plan(15, 5, 1024**3, 500, 5, (1, 8, 32), 3.0, 3, 10, 3, 60, 300, 3)
QUICK = Plan(1, 1, 16 * 1024**2, 30, 1, (1, 8, 32), 0.3, 1, 2, 1, 10, 30, 1)


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument("--quick", action="store_true", help="brief runs; checks that every benchmark works")
    parser.add_argument("--only", action="append", choices=SECTIONS, help="run only these sections (repeatable)")
    parser.add_argument("--skip", action="append", choices=SECTIONS, default=[], help="skip a section (repeatable)")
    parser.add_argument("--runs", type=int, help="spawns per cold-start/idle-RSS figure (default 15/5)")
    parser.add_argument("--out", type=Path, help="write performance.md/.json here (default: docs/, not in --quick)")
    parser.add_argument("--no-write", action="store_true", help="print the results only")
    parser.add_argument("--render", type=Path, metavar="JSON", help="only re-render the report from a results file")
    args = parser.parse_args()
    if args.render:
        write_report(json.loads(args.render.read_text()), args.out or ROOT / "docs")
        return 0
    plan = QUICK if args.quick else FULL
    if args.runs:
        plan = replace(plan, cold_runs=args.runs, idle_runs=args.runs)
    default = [s for s in SECTIONS if not (args.quick and s in NETWORK_SECTIONS)]
    chosen = [s for s in (args.only or default) if s not in args.skip]
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.system()}, {_cpus()} CPUs",
        "quick": args.quick,
    }
    with tempfile.TemporaryDirectory(prefix="nc-bench-") as tmp:
        run_dir = Path(tmp)
        steps: dict[str, Callable[[], Any]] = {
            "cold_start": lambda: _cold_start(run_dir, plan),
            "catalogue": lambda: _with_fake(run_dir, lambda env: measure_catalogue(run_dir, env)),
            "memory": lambda: _with_fake(run_dir, lambda env: _memory(run_dir, env, plan)),
            "http": lambda: anyio.run(_http, run_dir, plan),
            "token_cache": lambda: anyio.run(measure_token_cache, run_dir, plan.tokens),
            "footprint": lambda: measure_footprint(run_dir),
            "first_start": lambda: measure_first_start(run_dir, plan.first_runs),
            "retrieval": lambda: _with_fake(run_dir, lambda env: _retrieval(run_dir, env, plan)),
        }
        for section in chosen:
            started = time.monotonic()
            print(f"== {section}", file=sys.stderr, flush=True)
            results[section] = steps[section]()
            print(f"   {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))
    out = args.out or (None if args.quick else ROOT / "docs")
    if out is not None and not args.no_write:
        out.mkdir(parents=True, exist_ok=True)
        write_report(_merged(results, chosen, out) if args.only else results, out)
    return 0


def _merged(results: dict[str, Any], chosen: list[str], out: Path) -> dict[str, Any]:
    """`--only`: the previous report with the re-run sections replaced, each dated (the header keeps the full run's)."""
    previous = out / "performance.json"
    if not previous.exists():
        return results
    merged: dict[str, Any] = json.loads(previous.read_text())
    for section in chosen:
        merged[section] = {**results[section], "measured": results["date"]}
    return merged


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


def _basic_env(url: str) -> dict[str, str]:
    return {
        "NEXTCLOUD_HOST": url,
        "NEXTCLOUD_USERNAME": "alice",
        "NEXTCLOUD_PASSWORD": "alice-secret",
        "NEXTCLOUD_TIMEOUT": "300",
        "MCP_LOG_LEVEL": "WARNING",
    }


def _with_fake(run_dir: Path, body: Callable[[dict[str, str]], Any]) -> Any:
    fake, url = start_fake(run_dir, {"alice": "alice-secret"})
    try:
        return body(_basic_env(url))
    finally:
        fake.stop()


def _cold_start(run_dir: Path, plan: Plan) -> dict[str, Any]:
    def both(fake_env: dict[str, str]) -> dict[str, Any]:
        bench = ROOT / "bench"
        env = {**fake_env, "MCP_CACHE_DIR": str(run_dir / "schema-cache")}  # written by the warm-up spawn
        figures = measure(
            {
                "server": (server_argv("--transport", "stdio"), env),
                "server_notes_only": (server_argv("--transport", "stdio"), {**env, "MCP_APPS": "notes"}),
                "server_no_cache": (server_argv("--transport", "stdio"), {**env, "MCP_CACHE_DIR": "off"}),
                "bare_mcpserver": ([sys.executable, str(bench / "bare_server.py")], {}),
                "bare_same_tools": ([sys.executable, str(bench / "bare_catalogue_server.py")], {}),
            },
            plan.cold_runs,
        )
        ours = figures["server"]["median"]
        return {
            **figures,
            "ratio": ours / figures["bare_mcpserver"]["median"],
            "ratio_same_tools": ours / figures["bare_same_tools"]["median"],
        }

    result: dict[str, Any] = _with_fake(run_dir, both)
    return result


def _memory(run_dir: Path, env: dict[str, str], plan: Plan) -> dict[str, Any]:
    return {
        "idle": measure_idle(run_dir, env, plan.idle_runs),
        "transfer": measure_transfer(run_dir, env, plan.transfer_bytes),
    }


def _retrieval(run_dir: Path, env: dict[str, str], plan: Plan) -> dict[str, Any]:
    facts, distractors, rounds = plan.retrieval_facts, plan.retrieval_distractors, plan.retrieval_rounds
    return measure_retrieval(run_dir, env, facts, distractors, rounds)


async def _http(run_dir: Path, plan: Plan) -> dict[str, Any]:
    """Both streamable HTTP modes, JSON responses: stateful (the default) and stateless (for replicas)."""
    out: dict[str, Any] = {}
    for mode in ("stateful", "stateless"):
        with Stack(run_dir).start(stateless=mode == "stateless") as stack:
            token = (await stack.tokens(1))[0]
            note_id = await seed_note(stack, token)
            floor = stack.start_floor(token, mode)
            callers = await targets(stack, token, note_id, floor, stateful=mode == "stateful")
            latency = await measure_latency(callers, plan.latency_calls, plan.latency_rounds)
            throughput = await measure_throughput(callers, plan.levels, plan.seconds, plan.throughput_rounds)
        out[mode] = {"latency_ms": latency, "throughput": throughput}
    return out


if __name__ == "__main__":
    sys.exit(main())
