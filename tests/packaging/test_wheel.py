"""The server as a user installs it: `uv build` of services/mcp alone, then the wheel in a clean venv (and with
`uv tool install` / `uvx`), with no development tool: `--help`, `--version`, and a stdio `tools/list` against the
fake Nextcloud through the official MCP client. Without the `demo` extra, `nextcloud-mcp-server demo` names the
command that installs it; with it (`uv tool install "./services/mcp[demo]"`, the README's first command), the demo
runs.

The wheel comes from `uv build --package nextcloud-mcp-bridge` unless PACKAGING_DIST names a folder that holds it
(the release workflow tests the very files it publishes). Dependencies are pinned by uv.lock as constraints, so the
run is repeatable and works offline from the uv cache; the release workflow also starts the wheel with the newest
dependencies, as a new user's `uvx` gets them.
"""

from __future__ import annotations

import os
import re
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from stack._support import ROOT, run, tool
from support.processes import ManagedProcess, free_port, http_ready

PROJECT = tomllib.loads((ROOT / "services" / "mcp" / "pyproject.toml").read_text())["project"]
NAME, VERSION = PROJECT["name"], PROJECT["version"]
STEM = f"{NAME.replace('-', '_')}-{VERSION}"
DEV_ONLY = {"pytest", "ruff", "mypy", "playwright", "py-spy", "hypothesis", "testcontainers", "fake-nextcloud",
            "import-linter", "pyinstrument", "openapi-core", "werkzeug"}  # fmt: skip

pytestmark = [pytest.mark.e2e]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


@pytest.fixture(scope="module")
def uv() -> str:
    return tool("uv", "scripts/test installs it")


@pytest.fixture(scope="module")
def dist(uv: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("PACKAGING_DIST")
    if given:
        return (ROOT / given).resolve()
    out = tmp_path_factory.mktemp("dist")
    result = run([uv, "build", "--quiet", "--package", NAME, "--out-dir", str(out)])
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def constraints(uv: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """uv.lock's runtime pins for the server and its extras, as a constraints file (the workspace itself left out)."""
    argv = [uv, "export", "--quiet", "--frozen", "--no-dev", "--no-hashes", "--all-extras", "--package", NAME]
    result = run(argv)
    assert result.returncode == 0, result.stderr
    path = tmp_path_factory.mktemp("pins") / "constraints.txt"
    path.write_text("\n".join(line for line in result.stdout.splitlines() if not line.startswith(("-e", "."))))
    return path


def _install(argv: list[str], env: dict[str, str] | None = None) -> None:
    """Offline from the uv cache when it has everything, else from the index."""
    if run([*argv, "--offline"], env=env).returncode != 0:
        result = run(argv, env=env)
        assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def venv(uv: str, dist: Path, constraints: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "venv"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert run([uv, "venv", "--quiet", "--python", python, str(venv)]).returncode == 0
    wheel = dist / f"{STEM}-py3-none-any.whl"
    _install(
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "-c", str(constraints), str(wheel)]
    )
    return venv


# --- what `uv build` makes ------------------------------------------------------------------------------


def test_build_makes_one_wheel_and_one_sdist_of_the_server(dist: Path) -> None:
    assert sorted(p.name for p in dist.iterdir() if p.suffix in (".whl", ".gz")) == [
        f"{STEM}-py3-none-any.whl",
        f"{STEM}.tar.gz",
    ]


def test_wheel_has_the_server_and_its_runtime_dependencies_only(dist: Path) -> None:
    with zipfile.ZipFile(dist / f"{STEM}-py3-none-any.whl") as wheel:
        names = wheel.namelist()
        metadata = wheel.read(f"{STEM}.dist-info/METADATA").decode()
        entry_points = wheel.read(f"{STEM}.dist-info/entry_points.txt").decode()
    assert all(n.startswith(("nextcloud_mcp/", f"{STEM}.dist-info/")) for n in names), names
    assert "nextcloud_mcp/cli.py" in names and not any("fake_nextcloud" in n or "/tests/" in n for n in names)
    fields = [line.split(": ", 1) for line in metadata.split("\n\n", 1)[0].splitlines() if ": " in line]
    assert ["Name", NAME] in fields and ["Version", VERSION] in fields
    assert ["License-Expression", PROJECT["license"]] in fields
    requires = [value for key, value in fields if key == "Requires-Dist"]
    required = {_name(value) for value in requires if "extra ==" not in value}
    assert required == {_name(r) for r in PROJECT["dependencies"]}
    assert not required & DEV_ONLY
    # the fake Nextcloud only with the demo extra (docs/demo.md); Qdrant and the embedder only with semantic
    extras = {_name(v): v.split("extra == ", 1)[1].strip("'\"") for v in requires if "extra ==" in v}
    assert ["Provides-Extra", "demo"] in fields and ["Provides-Extra", "semantic"] in fields
    assert extras == {"fake-nextcloud": "demo", "qdrant-client": "semantic", "wordllama": "semantic"}
    assert "nextcloud-mcp-server = nextcloud_mcp.cli:main" in entry_points


def test_sdist_holds_what_builds_the_wheel_and_nothing_else(dist: Path) -> None:
    with tarfile.open(dist / f"{STEM}.tar.gz") as sdist:
        names = {n.removeprefix(f"{STEM}/") for n in sdist.getnames()}
    assert {"PKG-INFO", "pyproject.toml", "README.md", "src/nextcloud_mcp/cli.py"} <= names
    metadata = ("PKG-INFO", "pyproject.toml", "README.md", ".gitignore")  # hatchling always adds the VCS ignore file
    assert all(n in metadata or n.startswith("src/nextcloud_mcp/") for n in names), sorted(names)


# --- the clean venv ---------------------------------------------------------------------------------------


def test_clean_venv_runs_help_and_version_without_dev_tools(uv: str, venv: Path) -> None:
    server = venv / "bin" / "nextcloud-mcp-server"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(venv)}
    helped = run([str(server), "--help"], env=env)
    assert helped.returncode == 0 and "usage: nextcloud-mcp-server" in helped.stdout, helped.stderr
    assert run([str(server), "--version"], env=env).stdout.strip() == f"nextcloud-mcp-server {VERSION}"
    listed = run([uv, "pip", "list", "--python", str(venv / "bin" / "python"), "--format", "freeze"]).stdout
    installed = {_name(line) for line in listed.splitlines()}
    assert NAME in installed and not installed & DEV_ONLY, sorted(installed & DEV_ONLY)


def test_clean_venv_demo_without_the_extra_prints_the_install_command(venv: Path, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    result = run([str(venv / "bin" / "nextcloud-mcp-server"), "demo"], env=env)
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert "needs the fake Nextcloud, which comes with the `demo` extra" in result.stderr
    assert 'uv tool install "./services/mcp[demo]"' in result.stderr
    assert not list(tmp_path.glob("nextcloud-mcp-demo-*"))


@pytest.fixture
def fake_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    fake = ManagedProcess(
        "fake-nextcloud",
        ["fake-nextcloud", "--port", str(port), "--user", "alice:secret"],
        tmp_path,
        ready=http_ready(f"http://127.0.0.1:{port}/status.php"),
    )
    with fake:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.anyio
async def test_clean_venv_lists_the_tools_over_stdio(venv: Path, fake_url: str, tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "NEXTCLOUD_HOST": fake_url,
        "NEXTCLOUD_USERNAME": "alice",
        "NEXTCLOUD_PASSWORD": "secret",
        "MCP_CACHE_DIR": str(tmp_path / "cache"),
    }
    params = StdioServerParameters(command=str(venv / "bin" / "nextcloud-mcp-server"), env=env)
    async with Client(stdio_client(params)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert {"nc_notes_list_notes", "nc_files_list_files", "nc_calendar_list_calendars"} <= names, sorted(names)
    assert len(names) > 100


def test_uv_tool_install_and_uvx_run_the_wheel(uv: str, dist: Path, constraints: Path, tmp_path: Path) -> None:
    """The README's two user paths: `uv tool install <wheel>` (command on PATH) and `uvx --from <wheel>`."""
    wheel = str(dist / f"{STEM}-py3-none-any.whl")
    env = {
        **os.environ,
        "UV_TOOL_DIR": str(tmp_path / "tools"),
        "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
        "UV_PYTHON": f"{sys.version_info.major}.{sys.version_info.minor}",
    }
    env.pop("VIRTUAL_ENV", None)
    _install([uv, "tool", "install", "--quiet", "-c", str(constraints), wheel], env=env)
    installed = run([str(tmp_path / "bin" / "nextcloud-mcp-server"), "--version"], env=env)
    assert installed.stdout.strip() == f"nextcloud-mcp-server {VERSION}", installed.stderr
    uvx = [uv, "tool", "run", "--isolated", "-c", str(constraints), "--from", wheel, "nextcloud-mcp-server", "--help"]
    result = run([*uvx[:3], "--offline", *uvx[3:]], env=env)
    if result.returncode != 0:
        result = run(uvx, env=env)
    assert result.returncode == 0 and "usage: nextcloud-mcp-server" in result.stdout, result.stderr


@pytest.mark.anyio
async def test_uv_tool_install_with_the_demo_extra_runs_the_demo(uv: str, constraints: Path, tmp_path: Path) -> None:
    """The README's first command, from this clone: the extra brings the fake from the workspace (no PyPI)."""
    env = {
        **os.environ,
        "UV_TOOL_DIR": str(tmp_path / "tools"),
        "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
        "UV_PYTHON": f"{sys.version_info.major}.{sys.version_info.minor}",
    }
    env.pop("VIRTUAL_ENV", None)
    _install([uv, "tool", "install", "--quiet", "-c", str(constraints), f"{ROOT / 'services' / 'mcp'}[demo]"], env=env)
    (tmp_path / "tmp").mkdir()
    demo_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TMPDIR": str(tmp_path / "tmp")}
    params = StdioServerParameters(command=str(tmp_path / "bin" / "nextcloud-mcp-server"), args=["demo"], env=demo_env)
    with (tmp_path / "demo.err").open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            recipes = await client.call_tool("nc_cookbook_list_recipes", {})
    assert {"nc_cookbook_list_recipes", "nc_deck_get_board"} <= names
    assert recipes.structured_content is not None
    assert {r["name"] for r in recipes.structured_content["items"]} == {"Shakshuka", "Lemon drizzle cake"}
    err = (tmp_path / "demo.err").read_text()
    assert f"claude mcp add nextcloud-demo -- {tmp_path / 'bin' / 'nextcloud-mcp-server'} demo" in err
    assert not list((tmp_path / "tmp").glob("nextcloud-mcp-demo-*"))
