"""The Dockerfile's build steps without Docker: its COPY lines into a scratch directory, its `uv` lines (sync
with the lock, build the wheel, install it) in `sh`, then the venv alone (as in the final image) runs the
server, and the HEALTHCHECK command tells a ready server from one whose Nextcloud is gone. The base image
(Python 3.12) is not used: the steps run with this machine's Python (UV_PYTHON).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from stack._support import ROOT, dockerfile_instructions, run
from support.processes import ManagedProcess, free_port, http_ready

DOCKERFILE = ROOT / "services" / "mcp" / "Dockerfile"


def _stages() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for keyword, args in dockerfile_instructions(DOCKERFILE.read_text()):
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, args))
    build, final = stages
    return build, final


def _build(scratch: Path, extras: str = "") -> Path:
    """Run the build stage's COPY and `uv` steps in `scratch` (build argument EXTRAS as given); the venv."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed")
    workdir, venv = scratch / "src", scratch / "venv"
    # The build stage's ENV and ARGs, with /opt/venv moved to the scratch folder.
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "VIRTUAL_ENV": str(venv), "UV_PYTHON_DOWNLOADS": "never"}
    env["PATH"] = f"{Path(uv).parent}{os.pathsep}{env.get('PATH', '')}"
    env["EXTRAS"] = extras
    for name in ("UV_NO_SYNC", "UV_FROZEN", "UV_LOCKED"):
        env.pop(name, None)
    build, _ = _stages()
    for keyword, args in build:
        if keyword == "COPY":  # Docker semantics: a directory's contents go to dest; dest/ takes files
            *sources, dest = args.split()
            target = workdir / dest
            for source in sources:
                src = ROOT / source
                if src.is_dir():
                    shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
                else:
                    into_dir = dest.endswith("/") or len(sources) > 1
                    (target if into_dir else target.parent).mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, target / src.name if into_dir else target)
        elif keyword == "RUN" and args.startswith("uv "):
            result = run(["sh", "-c", args], cwd=workdir, env=env)  # the shell form, as the builder runs it
            assert result.returncode == 0, f"RUN {args}\n{result.stderr}"
    shutil.rmtree(workdir)  # the final image has the venv only
    return venv


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("image"))


@pytest.fixture(scope="module")
def semantic_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("image-semantic"), "semantic")


def test_venv_has_the_server_and_nothing_from_dev(venv: Path) -> None:
    result = run([str(venv / "bin" / "nextcloud-mcp-server"), "--version"], cwd=venv)
    assert result.returncode == 0 and result.stdout.startswith("nextcloud-mcp-server "), result.stderr
    site = {p.name.split("-")[0].lower() for p in venv.glob("lib/python3*/site-packages/*.dist-info")}
    assert "nextcloud_mcp_bridge" in site
    assert not {"fake_nextcloud", "pytest", "ruff", "mypy", "playwright"} & site, site
    installed = run([str(venv / "bin" / "python"), "-c", "import nextcloud_mcp; print(nextcloud_mcp.__file__)"])
    assert "/site-packages/nextcloud_mcp/" in installed.stdout, "not a regular install: " + installed.stdout


def test_venv_has_the_built_wheel(venv: Path) -> None:
    """The server comes from the wheel `uv build` made (what the release publishes), not from the source tree."""
    (dist_info,) = venv.glob("lib/python3*/site-packages/nextcloud_mcp_bridge-*.dist-info")
    origin = json.loads((dist_info / "direct_url.json").read_text())
    assert origin["url"].endswith(f"/dist/{dist_info.name.removesuffix('.dist-info')}-py3-none-any.whl"), origin
    assert "dir_info" not in origin, "installed from a directory, not the wheel"


def test_image_without_extras_has_no_semantic_packages(venv: Path) -> None:
    site = {p.name.split("-")[0].lower() for p in venv.glob("lib/python3*/site-packages/*.dist-info")}
    assert not {"qdrant_client", "wordllama"} & site, site


def test_semantic_extra_build_argument(semantic_venv: Path) -> None:
    """`--build-arg EXTRAS=semantic` (compose.semantic.yaml): the image has qdrant-client and the wordllama model,
    which embeds offline from the wheel's own files."""
    code = (
        "import anyio\n"
        "from nextcloud_mcp.semantic.embedder import WordLlamaEmbedder\n"
        "print(len(anyio.run(WordLlamaEmbedder().embed, ['boiler warranty'])[0]))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = run([str(semantic_venv / "bin" / "python"), "-c", code], cwd=semantic_venv, env=env)
    assert result.returncode == 0 and result.stdout.strip() == "256", result.stderr[-2000:]
    imported = run([str(semantic_venv / "bin" / "python"), "-c", "import qdrant_client"], cwd=semantic_venv)
    assert imported.returncode == 0, imported.stderr[-2000:]


@pytest.mark.e2e
def test_healthcheck_command(venv: Path, tmp_path: Path) -> None:
    _, final = _stages()
    command = json.loads(next(args for keyword, args in final if keyword == "HEALTHCHECK").split(" CMD ", 1)[1])
    assert command[0] == "python"
    command[0] = str(venv / "bin" / "python")
    nc_port, mcp_port = free_port(), free_port()
    fake = ManagedProcess(
        "fake-nextcloud",
        ["fake-nextcloud", "--port", str(nc_port), "--user", "alice:secret"],
        tmp_path,
        ready=http_ready(f"http://127.0.0.1:{nc_port}/status.php"),
    )
    server_env = {
        "NEXTCLOUD_HOST": f"http://127.0.0.1:{nc_port}",
        "NEXTCLOUD_USERNAME": "alice",
        "NEXTCLOUD_PASSWORD": "secret",
        "MCP_TRANSPORT": "streamable-http",
        "MCP_HOST": "127.0.0.1",
        "MCP_PORT": str(mcp_port),
    }
    server = ManagedProcess(
        "mcp-image",
        [str(venv / "bin" / "nextcloud-mcp-server")],
        tmp_path,
        env=server_env,
        ready=http_ready(f"http://127.0.0.1:{mcp_port}/health/live"),
    )
    check_env = {**os.environ, "MCP_PORT": str(mcp_port)}
    with fake, server:
        assert run(command, env=check_env).returncode == 0, server.output()
        fake.stop()
        assert run(command, env=check_env).returncode != 0, "healthy although Nextcloud is gone"
