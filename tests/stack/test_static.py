"""Static checks of the container artefacts: compose files, .env.example, Dockerfile, shell scripts, patches.

No container engine is used. External tools (check-jsonschema, hadolint, shellcheck) come from
`scripts/check-stack`; without them these tests skip, saying which tool is missing (in CI they fail).
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

import pytest

from nextcloud_mcp.config import Settings
from stack._support import (
    COMPOSE_FILES,
    HOOK_DIRS,
    PATCHES,
    ROOT,
    compose_variables,
    dockerfile_instructions,
    env_example,
    git_modes,
    load_yaml,
    run,
    shell_scripts,
    tool,
)

DOCKERFILE = ROOT / "services" / "mcp" / "Dockerfile"
SECRETS = {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "NEXTCLOUD_ADMIN_PASSWORD", "MCP_OIDC_CLIENT_SECRET"}


# --- compose files ------------------------------------------------------------------------------------


def test_compose_files_exist() -> None:
    names = {p.name for p in COMPOSE_FILES}
    assert {"compose.yaml", "compose.basic.yaml", "compose.unpatched.yaml", "compose.semantic.yaml"} <= names


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_file_matches_the_compose_spec(path: Path) -> None:
    result = run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


def _services() -> dict[str, Any]:
    services: dict[str, Any] = load_yaml(ROOT / "compose.yaml")["services"]
    return services


def test_every_service_has_a_health_check_and_waits_for_healthy_dependencies() -> None:
    services = _services()
    assert set(services) == {"db", "redis", "nextcloud", "mcp", "cron"}
    for name, service in services.items():
        if name != "cron":  # crond is the container's process: nothing depends on it (test_compose_services.py)
            assert service["healthcheck"]["test"], f"{name} has no health check"
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert condition == {"condition": "service_healthy"}, f"{name} -> {dependency}: {condition}"
    assert set(services["nextcloud"]["depends_on"]) == {"db", "redis"}
    assert set(services["mcp"]["depends_on"]) == {"nextcloud", "redis"}


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_ports_are_published_on_loopback_only(path: Path) -> None:
    for name, service in load_yaml(path)["services"].items():
        for port in service.get("ports", []):
            assert isinstance(port, str), f"{name}: use the short syntax with 127.0.0.1"
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_images_are_pinned_and_volumes_named() -> None:
    data = load_yaml(ROOT / "compose.yaml")
    for name, service in data["services"].items():
        if "build" in service:
            continue
        image = service["image"]
        tag = image.rsplit(":", 1)[-1]
        assert ":" in image, f"{name}: {image} has no tag"
        assert tag != "latest" and re.search(r"\d", tag), f"{name}: {image} is not pinned to a version"
    declared = set(data["volumes"])
    for name, service in data["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source} is not declared"
    assert {"nextcloud_html", "db_data"} <= declared


def test_nextcloud_service_mounts_the_hooks_and_patches_and_pins_34() -> None:
    nextcloud = _services()["nextcloud"]
    assert nextcloud["image"] == "docker.io/library/nextcloud:${NEXTCLOUD_VERSION:-34.0.2}-apache"
    volumes = nextcloud["volumes"]
    assert "./nextcloud-config:/docker-entrypoint-hooks.d:ro" in volumes
    assert "./patches:/opt/nextcloud-mcp/patches:ro" in volumes
    assert "nextcloud" in nextcloud["environment"]["NEXTCLOUD_TRUSTED_DOMAINS"].split()


def test_nextcloud_environment_covers_what_the_hooks_read() -> None:
    """Every variable the hook scripts read with a default is passed to the nextcloud container."""
    environment = _services()["nextcloud"]["environment"]
    hooks = "".join(p.read_text() for p in (ROOT / "nextcloud-config").rglob("*.sh"))
    read = set(re.findall(r"\$\{((?:NC|OIDC|MCP|NEXTCLOUD)_[A-Z_]+):[-=]", hooks))
    internal = {"NC_OCC", "NC_ROOT", "NC_LIB_DIR", "NC_PATCH_DIR", "NC_PATCH_TOOL", "NC_CONFIGURED_MARKER"}
    internal.add("NC_MCP_CLIENT_NAME")
    assert read - internal <= set(environment), sorted(read - internal - set(environment))


def test_mcp_service_runs_in_oauth_mode_with_known_settings_only() -> None:
    mcp = _services()["mcp"]
    assert mcp["build"] == {"context": ".", "dockerfile": "services/mcp/Dockerfile"}
    environment = mcp["environment"]
    assert environment["MCP_AUTH_MODE"] == "oauth"
    assert environment["NEXTCLOUD_HOST"] == "http://nextcloud"
    assert environment["REDIS_URL"].endswith("@redis:6379/1")
    known = {name.upper() for name in Settings.model_fields}
    for override in COMPOSE_FILES:
        env = load_yaml(override)["services"].get("mcp", {}).get("environment", {})
        unknown = {k for k in env if k.startswith(("MCP_", "NEXTCLOUD_")) and k not in known}
        assert not unknown, f"{override.name}: the server refuses to start with {sorted(unknown)}"


def test_overrides_switch_auth_mode_and_patches() -> None:
    basic = load_yaml(ROOT / "compose.basic.yaml")["services"]
    assert basic["mcp"]["environment"]["MCP_AUTH_MODE"] == "basic"
    assert {"NEXTCLOUD_USERNAME", "NEXTCLOUD_PASSWORD"} <= set(basic["mcp"]["environment"])
    unpatched = load_yaml(ROOT / "compose.unpatched.yaml")["services"]
    assert unpatched["nextcloud"]["environment"]["NC_PATCHES"] == "off"
    for path in COMPOSE_FILES:
        added = {"qdrant"} if path.name == "compose.semantic.yaml" else set()
        assert set(load_yaml(path)["services"]) <= set(_services()) | added, f"{path.name} adds a service"


def test_semantic_override_builds_the_extra_and_points_at_its_qdrant() -> None:
    """compose.semantic.yaml: the image's EXTRAS build argument (services/mcp/Dockerfile) names the extra, the
    server reaches the qdrant service by name with the API key Qdrant is started with, Qdrant publishes no port,
    and its image is the server release of the qdrant-client minor that uv.lock pins."""
    services = load_yaml(ROOT / "compose.semantic.yaml")["services"]
    assert services["mcp"]["build"]["args"]["EXTRAS"] == "semantic"
    assert "ARG EXTRAS" in DOCKERFILE.read_text()
    env = services["mcp"]["environment"]
    assert env["MCP_SEMANTIC"] == "true" and env["MCP_SEMANTIC_QDRANT_URL"] == "http://qdrant:6333"
    key = services["qdrant"]["environment"]["QDRANT__SERVICE__API_KEY"]
    assert key == env["MCP_SEMANTIC_QDRANT_API_KEY"] and key.startswith("${QDRANT_API_KEY:?")
    assert "ports" not in services["qdrant"]
    lock = (ROOT / "uv.lock").read_text()
    client = re.search(r'name = "qdrant-client"\nversion = "(\d+)\.(\d+)\.', lock)
    assert client, "qdrant-client is not in uv.lock"
    image = services["qdrant"]["image"]
    assert image.startswith(f"docker.io/qdrant/qdrant:v{client[1]}.{client[2]}."), image


def test_env_example_documents_every_compose_variable() -> None:
    variables = compose_variables()
    documented = env_example()
    for name, default in variables.items():
        assert name in documented, f"{name} is used in the compose files but missing from .env.example"
        value, comments = documented[name]
        assert comments, f"{name} has no comment in .env.example"
        if default and "${" in default:  # derived from another variable: empty in .env, explained above it
            assert value == "", f".env.example must leave {name} empty: its default follows {default}"
            assert any("Empty:" in line for line in comments), f"{name}: say what an empty value means"
        elif default:
            assert value == default, f".env.example has {name}={value}, the compose default is {default}"
    assert set(documented) <= set(variables), sorted(set(documented) - set(variables))


def test_secrets_are_required_and_never_defaulted() -> None:
    text = "\n".join(p.read_text() for p in COMPOSE_FILES)
    documented = env_example()
    for name in SECRETS:
        assert documented[name][0] == "", f".env.example must not ship a value for {name}"
        assert re.search(rf"\$\{{{name}:\?", text), f"compose must refuse to start without {name}"
        assert not re.search(rf"\$\{{{name}:-", text), f"{name} must not have a default"
    assert documented["MCP_BASIC_PASSWORD"][0] == ""


# --- Dockerfile ---------------------------------------------------------------------------------------


def test_dockerfile_is_hadolint_clean() -> None:
    result = run([tool("hadolint"), "--no-color", str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for keyword, args in dockerfile_instructions(DOCKERFILE.read_text()):
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, args))
    return stages


def test_dockerfile_builds_the_member_with_the_lock_and_runs_unprivileged() -> None:
    text = DOCKERFILE.read_text()
    assert "uv sync --frozen --no-dev --package nextcloud-mcp-bridge" in text
    assert re.search(r"^ARG PYTHON_IMAGE=docker\.io/library/python:3\.1[12]-slim", text, re.M)
    build, final = _stages()
    assert build[0] == ("FROM", "${PYTHON_IMAGE} AS build") and final[0] == ("FROM", "${PYTHON_IMAGE}")
    users = [args for keyword, args in final if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root"), "the server must not run as root"
    healthcheck = [args for keyword, args in final if keyword == "HEALTHCHECK"]
    assert len(healthcheck) == 1
    command = json.loads(healthcheck[0].split(" CMD ", 1)[1])
    assert command[0] == "python" and "/health/ready" in command[-1], command
    runs = " ".join(args for keyword, args in final if keyword == "RUN")
    for build_tool in ("uv ", "pip ", "apt-get", "curl", "gcc"):
        assert build_tool not in runs, f"{build_tool.strip()} in the final image"
    assert ("COPY", "--from=build /opt/venv /opt/venv") in final
    assert ("ENTRYPOINT", '["nextcloud-mcp-server"]') in final


def test_dockerfile_installs_the_built_wheel_and_labels_the_image() -> None:
    """The image holds the wheel `uv build` makes (what the release publishes); OCI labels name the source, the
    version the release passes (its tag, checked against services/mcp/pyproject.toml) and the licence."""
    build, final = _stages()
    runs = [args for keyword, args in build if keyword == "RUN"]
    assert any("uv build --package nextcloud-mcp-bridge --wheel" in r and "uv pip install --no-deps" in r for r in runs)
    labels = dict(
        re.findall(r'(org\.opencontainers\.image\.[a-z]+)="([^"]*)"', " ".join(a for k, a in final if k == "LABEL"))
    )
    project = tomllib.loads((ROOT / "services" / "mcp" / "pyproject.toml").read_text())["project"]
    assert labels["org.opencontainers.image.licenses"] == project["license"]
    assert labels["org.opencontainers.image.version"] == "${VERSION}"
    assert labels["org.opencontainers.image.source"] == "${SOURCE}"
    args = [a.split("=", 1)[0] for k, a in final if k == "ARG"]
    assert {"VERSION", "SOURCE"} <= set(args)


def test_dockerignore_admits_exactly_what_the_dockerfile_copies() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in lines, "start from nothing: exclude everything, then admit what is copied"
    allowed = [line[1:].rstrip("/") for line in lines if line.startswith("!")]
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert source.rstrip("/") in allowed, f".dockerignore hides {source}"
                assert (ROOT / source).exists(), f"COPY {source}: no such file"


# --- shell scripts and hooks --------------------------------------------------------------------------


def test_shellcheck_every_shell_script() -> None:
    scripts = shell_scripts()
    names = {str(p.relative_to(ROOT)) for p in scripts}
    assert {"scripts/check-stack", "scripts/reproduce-bearer-issue", "scripts/test"} <= names
    assert {
        "nextcloud-config/post-installation/10-configure.sh",
        "nextcloud-config/before-starting/10-apply-patches.sh",
        "nextcloud-config/before-starting/20-configure.sh",
        "nextcloud-config/lib/common.sh",
    } <= names
    result = run([tool("shellcheck", "apt-get install shellcheck"), "-x", *map(str, scripts)])
    assert result.returncode == 0, result.stdout + result.stderr


def _executables() -> list[Path]:
    hooks = [p for d in HOOK_DIRS for p in sorted(d.iterdir())]
    return [*hooks, ROOT / "scripts" / "check-stack", ROOT / "scripts" / "reproduce-bearer-issue"]


@pytest.mark.parametrize("path", _executables(), ids=lambda p: str(p.relative_to(ROOT)))
def test_hooks_and_scripts_are_executable(path: Path) -> None:
    """The image runs only executable *.sh hooks; git's index mode counts once the file is tracked."""
    relative = str(path.relative_to(ROOT))
    mode = git_modes().get(relative)
    if mode is not None:
        assert mode == "100755", f"{relative} is tracked as {mode}: git update-index --chmod=+x {relative}"
    else:
        assert path.stat().st_mode & stat.S_IXUSR, f"{relative} is not executable: chmod +x {relative}"
    assert os.access(path, os.X_OK)


@pytest.mark.parametrize("path", [p for d in HOOK_DIRS for p in sorted(d.iterdir())], ids=lambda p: p.name)
def test_hook_scripts_are_strict_posix_sh(path: Path) -> None:
    assert path.suffix == ".sh", "the entrypoint only runs *.sh files"
    lines = path.read_text().splitlines()
    assert lines[0] == "#!/bin/sh"
    assert "set -eu" in lines


# --- patches ------------------------------------------------------------------------------------------


def test_there_is_a_server_patch_and_no_stray_files() -> None:
    assert [p.name for p in PATCHES] == ["nextcloud-server-cors-bearer.patch"]
    assert {p.name for p in (ROOT / "patches").iterdir()} == {"README.md", *(p.name for p in PATCHES)}


@pytest.mark.parametrize("path", PATCHES, ids=lambda p: p.name)
def test_patch_has_its_header(path: Path) -> None:
    header = path.read_text().split("\ndiff --git ", 1)[0]
    for field in ("What:", "Why:", "Upstream:", "Checked:"):
        assert f"\n{field}" in header, f"{path.name}: header lacks {field}"
    for reference in ("nextcloud/server#55878", "nextcloud/server#44365", "nextcloud/user_oidc#1221", "#836"):
        assert reference in header, f"{path.name}: header does not mention {reference}"
    assert not any(line.startswith(("--- ", "+++ ", "@@")) for line in header.splitlines())


@pytest.mark.parametrize("path", PATCHES, ids=lambda p: p.name)
def test_patch_parses(path: Path, tmp_path: Path) -> None:
    """`git apply --numstat` parses the patch without a target (run outside the repository on purpose)."""
    result = run(["git", "apply", "--numstat", str(path)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows and all(row[0].isdigit() and int(row[0]) > 0 for row in rows), result.stdout
    assert all(not row[2].startswith("/") for row in rows)
    with path.open() as f:
        hunks = [line for line in f if line.startswith("@@")]
    assert hunks, "no hunks"
