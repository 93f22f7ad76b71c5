"""Docker Engine and Compose minimums (issue 17, item 2): stated in docs/deployment.md, checked by
`scripts/check-stack` when a docker CLI is present.

compose.yaml's `healthcheck.start_interval` needs Docker Engine 25.0 (API 1.44; Dockerfile reference,
HEALTHCHECK, moby/buildkit frontend/dockerfile/docs/reference.md) and Compose 2.20.2 (docker/docs
content/reference/compose-file/services.md, healthcheck); the `!reset` of the replicas example needs
Compose 2.24.0. No engine runs here: `scripts/check-stack --versions-only` is run against a scripted
`docker` that answers like a real CLI with or without an engine, with or without the Compose plugin.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from stack._support import COMPOSE_FILES, ROOT, load_yaml, run

CHECK_STACK = ROOT / "scripts" / "check-stack"
DEPLOYMENT = ROOT / "docs" / "deployment.md"

# Answers of the docker CLI: `docker version` fails without an engine (exit 1, "Cannot connect to the
# Docker daemon" on stderr); `docker compose` without the plugin is an unknown command (exit 125).
FAKE_DOCKER = r"""#!/bin/sh
case "$*" in
  --version) echo "Docker version ${FAKE_CLIENT:-28.2.2}, build e6534b4" ;;
  "version --format {{.Server.Version}}")
    [ -n "${FAKE_ENGINE:-}" ] || { echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2
                                   exit 1; }
    echo "$FAKE_ENGINE" ;;
  "compose version --short")
    [ -n "${FAKE_COMPOSE:-}" ] || { echo "docker: unknown command: docker compose" >&2; exit 125; }
    echo "$FAKE_COMPOSE" ;;
  *) echo "fake docker: unexpected arguments: $*" >&2; exit 2 ;;
esac
"""
FAKE_STANDALONE_COMPOSE = r"""#!/bin/sh
[ "$*" = "version --short" ] && echo "$FAKE_STANDALONE" && exit 0
exit 2
"""


def _minimums() -> dict[str, str]:
    text = CHECK_STACK.read_text()
    return dict(re.findall(r"^(MIN_[A-Z_]+)=(\S+)$", text, re.MULTILINE))


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A PATH with only what check-stack's version check runs (no real docker, no docker-compose)."""
    path = tmp_path / "bin"
    path.mkdir()
    for name in ("bash", "env", "dirname", "timeout"):
        found = shutil.which(name)
        assert found, name
        (path / name).symlink_to(found)
    return path


def _check(bin_dir: Path, docker: bool = True, standalone: str | None = None, **fake: str) -> tuple[int, str]:
    if docker:
        (bin_dir / "docker").write_text(FAKE_DOCKER)
        (bin_dir / "docker").chmod(0o755)
    if standalone is not None:
        (bin_dir / "docker-compose").write_text(FAKE_STANDALONE_COMPOSE)
        (bin_dir / "docker-compose").chmod(0o755)
        fake["FAKE_STANDALONE"] = standalone
    env = {"PATH": str(bin_dir), "HOME": str(bin_dir.parent), **fake}
    result = run([str(bin_dir / "bash"), str(CHECK_STACK), "--versions-only"], env=env)
    return result.returncode, result.stdout + result.stderr


def test_minimums_follow_what_the_compose_files_use() -> None:
    minimums = _minimums()
    assert minimums == {"MIN_ENGINE": "25.0", "MIN_COMPOSE": "2.20.2", "MIN_COMPOSE_RESET": "2.24.0"}
    texts = "\n".join(p.read_text() for p in COMPOSE_FILES)
    assert "start_interval:" in texts, "without start_interval the minimums could drop (issue 17, item 2)"
    assert "!reset" not in texts and "!override" not in texts, "the shipped files stay below Compose 2.24"
    assert "!reset" in DEPLOYMENT.read_text(), "MIN_COMPOSE_RESET is for the docs' replicas example"


def test_every_start_interval_comes_with_a_start_period() -> None:
    """Current Compose refuses `start_interval` without `start_period` at `up` (not at `config`): "healthcheck.
    start_interval requires healthcheck.start_period to be set" (docker/compose#12795, pkg/e2e start_interval)."""
    for path in COMPOSE_FILES:
        for name, service in (load_yaml(path).get("services") or {}).items():
            check = service.get("healthcheck") or {}
            if "start_interval" in check:
                assert check.get("start_period"), f"{path.name}: {name} has start_interval without start_period"


def test_docs_state_the_same_minimums() -> None:
    text = DEPLOYMENT.read_text()
    requirements = text.split("## Requirements", 1)[1].split("\n## ", 1)[0]
    minimums = _minimums()
    assert f"Docker Engine {minimums['MIN_ENGINE']}" in requirements
    assert f"Compose {minimums['MIN_COMPOSE']}" in requirements
    assert f"Compose {minimums['MIN_COMPOSE_RESET']}" in requirements
    assert "scripts/check-stack" in requirements
    assert "start_interval" in requirements and "!reset" in requirements


def test_client_only_host_is_reported_as_not_checked(bin_dir: Path) -> None:
    """This machine: the docker CLI exists, no engine answers, no Compose plugin."""
    code, out = _check(bin_dir)
    assert code == 0, out
    assert "docker CLI: Docker version 28.2.2" in out
    assert "Docker Engine: not reachable" in out and "not checked; needs >= 25.0" in out
    assert "Docker Compose: not installed" in out and "needs >= 2.20.2" in out


def test_no_docker_cli_is_not_a_failure(bin_dir: Path) -> None:
    code, out = _check(bin_dir, docker=False)
    assert code == 0 and "no docker CLI on PATH" in out and "not checked" in out, out


@pytest.mark.parametrize(
    ("engine", "compose", "ok", "expected"),
    [
        ("28.2.2", "2.39.1", True, "Docker Compose: 2.39.1 (>= 2.24.0: ok)"),
        ("25.0.0", "v2.20.2", True, "Docker Compose: 2.20.2 (>= 2.20.2: ok; the !reset of the replicas example"),
        ("25.0.3+azure-1", "2.24.7-desktop.1", True, "Docker Engine: 25.0.3 (>= 25.0: ok)"),
        ("29.0.1", "5.0.0", True, "Docker Compose: 5.0.0 (>= 2.24.0: ok)"),
        ("24.0.9", "2.29.1", False, "Docker Engine: 24.0.9 is too old: healthcheck.start_interval"),
        ("26.1.4", "2.18.1", False, "Docker Compose: 2.18.1 is too old: healthcheck.start_interval"),
        ("20.10.24", "2.9.0", False, "Docker Engine: 20.10.24 is too old"),
    ],
)
def test_engine_and_compose_versions_are_compared_numerically(
    bin_dir: Path, engine: str, compose: str, ok: bool, expected: str
) -> None:
    code, out = _check(bin_dir, FAKE_ENGINE=engine, FAKE_COMPOSE=compose)
    assert (code == 0) is ok, out
    assert expected in out, out


def test_standalone_docker_compose_is_checked_when_the_plugin_is_missing(bin_dir: Path) -> None:
    code, out = _check(bin_dir, standalone="1.29.2", FAKE_ENGINE="27.5.1")
    assert code == 1 and "Docker Compose: 1.29.2 is too old" in out, out
    code, out = _check(bin_dir, standalone="2.30.3", FAKE_ENGINE="27.5.1")
    assert code == 0 and "Docker Compose: 2.30.3 (>= 2.24.0: ok)" in out, out


def test_podman_is_named_and_not_failed(bin_dir: Path) -> None:
    """Podman's `docker` reports Podman's own version numbers; comparing them with Docker's means nothing."""
    podman = bin_dir / "docker"
    podman.write_text('#!/bin/sh\n[ "$*" = --version ] && echo "podman version 5.4.2"\nexit 0\n')
    podman.chmod(0o755)
    code, out = _check(bin_dir, docker=False)
    assert code == 0 and "is Podman" in out and "not checked" in out, out


def test_check_stack_runs_the_version_check_before_pytest() -> None:
    text = CHECK_STACK.read_text()
    check = text.index('check_docker_versions >&2 || { log "FAILED')
    assert check < text.index('exec uv run --quiet pytest tests/stack "$@"')
    assert text.index('"--install-only" ] && exit 0') < check, "--install-only needs no docker"
