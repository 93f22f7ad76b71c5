"""Shared helpers: repository paths, the external tools (`scripts/check-stack` installs them), YAML loading."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML, via openapi-core; no stubs installed

ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = ROOT / ".run" / "tools" / "bin"
COMPOSE_FILES = sorted([ROOT / "compose.yaml", *ROOT.glob("compose.*.yaml")])
HOOK_DIRS = [ROOT / "nextcloud-config" / "post-installation", ROOT / "nextcloud-config" / "before-starting"]
PATCHES = sorted((ROOT / "patches").glob("*.patch"))
# In CI a missing tool is a failure, never a skip (scripts/check-stack installs them all).
REQUIRE_TOOLS = os.environ.get("STACK_REQUIRE_TOOLS") == "1" or os.environ.get("CI") == "true"


def tool(name: str, how: str = "run scripts/check-stack --install-only") -> str:
    """Path of an external tool; skips (fails in CI) with the reason when it is not installed."""
    path = shutil.which(name) or shutil.which(name, path=str(TOOLS_BIN))
    if path is None:
        message = f"`{name}` is not installed ({how})"
        if REQUIRE_TOOLS:
            pytest.fail(message)
        pytest.skip(message)
    return path


def run(argv: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)


def load_yaml(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def git_modes() -> dict[str, str]:
    """Index modes ('100755', '100644') of the tracked files, by repository path."""
    out = run(["git", "ls-files", "-s"]).stdout
    return {line.split("\t", 1)[1]: line.split()[0] for line in out.splitlines() if "\t" in line}


def repo_files() -> list[Path]:
    """Tracked and untracked-but-not-ignored files of the repository."""
    out = run(["git", "ls-files", "-co", "--exclude-standard"]).stdout
    return [ROOT / line for line in out.splitlines() if (ROOT / line).is_file()]


_SHEBANG = re.compile(rb"^#!\s*(/usr/bin/env\s+(-S\s+)?)?\S*\b(sh|bash|dash)\b")


def shell_scripts() -> list[Path]:
    """Every shell script: *.sh files and files whose shebang names sh, bash or dash."""
    found = []
    for path in repo_files():
        if path.suffix == ".sh":
            found.append(path)
            continue
        with path.open("rb") as f:
            if _SHEBANG.match(f.readline()):
                found.append(path)
    return sorted(found)


def _references(text: str) -> list[tuple[str, str, str, int, int]]:
    """Top-level `${...}` references in `text` as (name, operator, operand, start, end); `$$` is a literal `$`.

    Operands may hold references themselves (compose-spec 12-interpolation.md: "Interpolation can also be
    nested: ${VARIABLE:-${FOO}}"); braces are matched, so the operand is whole.
    """
    found = []
    i = 0
    while i < len(text):
        if text.startswith("$$", i):
            i += 2
            continue
        if not text.startswith("${", i):
            i += 1
            continue
        depth, j = 1, i + 2
        while depth and j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?", text[i + 2 : j - 1], re.S)
        if match is None:
            raise ValueError(f"not a compose variable reference: {text[i:j]}")
        found.append((match[1], match[2] or "", match[3] or "", i, j))
        i = j
    return found


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation of `text` with `env` (the subset of compose-spec 12-interpolation.md used here:
    `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`, nesting, `$$`)."""
    out, last = [], 0
    for name, op, operand, start, end in _references(text):
        out.append(text[last:start].replace("$$", "$"))
        value = env.get(name)
        if op in (":-", "-"):
            if value is None or (op == ":-" and value == ""):
                value = interpolate(operand, env)
        elif op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise KeyError(f"{name}: {interpolate(operand, env)}")
        out.append(value or "")
        last = end
    out.append(text[last:].replace("$$", "$"))
    return "".join(out)


def compose_variables() -> dict[str, str | None]:
    """`${VAR}`, `${VAR:-default}` and `${VAR:?err}` references in the compose files (nested ones too): name ->
    default, as written (a default may refer to another variable)."""
    found: dict[str, str | None] = {}

    def collect(text: str) -> None:
        for name, op, operand, _, _ in _references(text):
            default = operand if op in ("-", ":-") else None
            if found.get(name) is None:
                found[name] = default
            collect(operand)

    for path in COMPOSE_FILES:
        collect(path.read_text())
    return found


def compose_environment(service: str, env: dict[str, str], path: Path | None = None) -> dict[str, str]:
    """The `environment` of a service in compose.yaml as the container gets it, for `env` as .env."""
    data = load_yaml(path or ROOT / "compose.yaml")
    return {k: interpolate(str(v), env) for k, v in data["services"][service].get("environment", {}).items()}


def env_example() -> dict[str, tuple[str, list[str]]]:
    """.env.example: name -> (value, the comment lines right above it)."""
    entries: dict[str, tuple[str, list[str]]] = {}
    comments: list[str] = []
    previous: list[str] = []  # consecutive variables share the comment above the first
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("#"):
            comments.append(line)
        elif "=" in line:
            name, _, value = line.partition("=")
            previous = comments or previous
            entries[name] = (value, previous)
            comments = []
        else:
            comments, previous = [], []
    return entries


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip("\\").strip() + " " if line.endswith("\\") else line.strip()
        if not line.endswith("\\"):
            keyword, _, args = current.partition(" ")
            instructions.append((keyword.upper(), args.strip()))
            current = ""
    return instructions
