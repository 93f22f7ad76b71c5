"""The official MCP conformance suite (npm `@modelcontextprotocol/conformance`), run against a server URL.

The node project lives in `tests/support/mcp-conformance/` (pinned in `package.json` + `package-lock.json`;
`node_modules/` is git-ignored and installed by `scripts/test`, or here, with `npm ci`). It pins two releases of
the suite: the stable one (`latest` on npm) and the 0.2 line, the only one that tests protocol 2026-07-28 (the
revision the SDK speaks by default) and validates every message against the spec's JSON schema. The suite needs
Node.js >= 22; the pinned npm package `node` brings that binary along, so a system node 20 only runs `npm`.

    reason = conformance_unavailable()     # None, or why it cannot run (no npm) -> pytest.skip(reason)
    ensure_installed()
    results = run_server_suite(SUITES[0], "http://127.0.0.1:8000/mcp", out_dir)
    results["tools-list"]  -> the checks of that scenario (dicts with id, status, errorMessage, ...)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.processes import npm_ci

__all__ = [
    "SUITES",
    "SUITE_DIR",
    "Check",
    "Suite",
    "conformance_unavailable",
    "ensure_installed",
    "listed_scenarios",
    "run_server_suite",
]

SUITE_DIR = Path(__file__).resolve().parent / "mcp-conformance"
NODE = SUITE_DIR / "node_modules" / "node" / "bin" / "node"
NPM_CI_TIMEOUT = 600.0
SUITE_TIMEOUT = 600.0
_RESULT_DIR = re.compile(r"^server-(?P<scenario>.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$")

Check = dict[str, Any]


@dataclass(frozen=True)
class Suite:
    """One pinned release of the suite: its `node_modules` folder and the `--suite` selection run."""

    package: str  # the dependency's name in package.json (an npm alias for the second release)
    selection: str  # "active" (stable scenarios) or "all" (with the 2026-07-28 drafts and the extensions)

    @property
    def version(self) -> str:
        version: str = json.loads(self._manifest().read_text())["version"]
        return version

    @property
    def pinned(self) -> str:
        spec: str = json.loads((SUITE_DIR / "package.json").read_text())["dependencies"][self.package]
        return spec.rsplit("@", 1)[-1]

    @property
    def cli(self) -> Path:
        return SUITE_DIR / "node_modules" / self.package / "dist" / "index.js"

    def _manifest(self) -> Path:
        return SUITE_DIR / "node_modules" / self.package / "package.json"

    def installed(self) -> bool:
        return self._manifest().exists() and self.version == self.pinned


SUITES = (Suite("@modelcontextprotocol/conformance", "active"), Suite("conformance-next", "all"))


def _node_installed() -> bool:
    return NODE.exists()


def conformance_unavailable() -> str | None:
    """Why the suite cannot run here (to skip with), or None when it can (installing it may still be needed)."""
    if all(suite.installed() for suite in SUITES) and _node_installed():
        return None
    if shutil.which("npm") is None or shutil.which("node") is None:
        return (
            f"node and npm are not installed and {SUITE_DIR}/node_modules is missing: the MCP conformance suite "
            "is an npm package (apt-get install nodejs npm; npm installs the Node.js 22 it needs itself)"
        )
    return None


def ensure_installed(timeout: float = NPM_CI_TIMEOUT) -> None:
    """`npm ci` in `mcp-conformance/` unless the pinned suites and node are already installed there."""
    if all(suite.installed() for suite in SUITES) and _node_installed():
        return
    npm_ci(SUITE_DIR, lambda: all(suite.installed() for suite in SUITES) and _node_installed(), timeout)


def _cli(suite: Suite, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NODE), str(suite.cli), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=SUITE_DIR,
        env={**os.environ, "NO_UPDATE_NOTIFIER": "1"},
        check=False,
    )


def listed_scenarios(suite: Suite) -> set[str]:
    """The server scenarios this release of the suite knows (`list --server`)."""
    out = _cli(suite, "list", "--server", timeout=60.0)
    assert out.returncode == 0, out.stderr
    return set(re.findall(r"^\s+- (\S+)", out.stdout, re.MULTILINE))


def run_server_suite(suite: Suite, url: str, out_dir: Path) -> dict[str, list[Check]]:
    """Run the suite's server scenarios against `url`; each scenario's checks, from the suite's `checks.json`
    files (the exit code only says whether anything failed, which the tests decide per check)."""
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    run = _cli(suite, "server", "--url", url, "--suite", suite.selection, "-o", str(out_dir), timeout=SUITE_TIMEOUT)
    (out_dir / "stdout.txt").write_text(run.stdout + run.stderr)
    results: dict[str, list[Check]] = {}
    for checks in sorted(out_dir.glob("*/checks.json")):
        match = _RESULT_DIR.match(checks.parent.name)
        assert match, f"unexpected result folder {checks.parent.name}"
        results[match["scenario"]] = json.loads(checks.read_text())
    assert results, f"the suite produced no results ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    return results
