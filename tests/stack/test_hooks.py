"""The Nextcloud hook scripts, run for real outside a container.

10-apply-patches.sh runs against a stand-in of the patched file (made from the patch's own context lines,
no upstream code) with busybox patch (what the image has) and GNU patch. The configure hooks run against a
scripted `occ` (NC_OCC, `_fake_occ.py`) that records the calls and plays Nextcloud's answers; maintenance
mode and pending upgrades are in `test_maintenance_mode.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stack._fake_occ import CLIENT_ID, SECRET, FakeNextcloud, commands
from stack._support import PATCHES, ROOT, run, tool

HOOKS = ROOT / "nextcloud-config"
APPLY = HOOKS / "before-starting" / "10-apply-patches.sh"
SERVER_PATCH = ROOT / "patches" / "nextcloud-server-cors-bearer.patch"
TARGET = "lib/private/AppFramework/Middleware/Security/CORSMiddleware.php"


# --- 10-apply-patches.sh --------------------------------------------------------------------------------


def _hunk(patch: Path) -> tuple[list[str], list[str]]:
    """(context lines, added lines) of a one-hunk patch."""
    body = patch.read_text().split("\n@@", 1)[1].split("\n", 1)[1]
    context = [line[1:] for line in body.splitlines() if line.startswith(" ") or line == ""]
    added = [line[1:] for line in body.splitlines() if line.startswith("+")]
    return context, added


def _stand_in(csrf_check: str) -> str:
    """A syntactically valid PHP file around the patch's context lines, with either CSRF check of upstream."""
    before, after = _hunk(SERVER_PATCH)[0]
    return "\n".join(
        [
            "<?php",
            "// stand-in for CORSMiddleware.php: only the two context lines come from the patch",
            "class CORSMiddleware {",
            "\tpublic function beforeController($controller, $methodName) {",
            "\t\tif ($this->cors) {",
            "\t\t\t$pass = null;",
            before,
            after,
            f"\t\t\tif ({csrf_check}) {{",
            "\t\t\t\treturn;",
            "\t\t\t}",
            "\t\t\tthrow new \\Exception('CORS requires basic auth');",
            "\t\t}",
            "\t}",
            "}",
            "",
        ]
    )


@pytest.fixture(params=["busybox", "gnu"])
def patch_tool(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    tool("busybox" if name == "busybox" else "patch", "apt-get install busybox patch")
    return name


@pytest.fixture(params=["$this->request->passesCSRFCheck()", "$this->csrfValidator->validate($this->request)"])
def nc_root(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    root = tmp_path / "html"
    (root / TARGET).parent.mkdir(parents=True)
    (root / TARGET).write_text(_stand_in(request.param))
    (root / "version.php").write_text("<?php\n$OC_VersionString = '34.0.2';\n")
    return root


def _apply(nc_root: Path, patch_tool: str, **env: str) -> tuple[int, str]:
    full_env = {
        **os.environ,
        "NC_ROOT": str(nc_root),
        "NC_PATCH_DIR": str(ROOT / "patches"),
        "NC_PATCH_TOOL": patch_tool,
        **env,
    }
    result = run([str(APPLY)], env=full_env)
    return result.returncode, result.stdout + result.stderr


def test_patch_applies_once_then_is_recognised_and_reverts_byte_identical(nc_root: Path, patch_tool: str) -> None:
    stock = (nc_root / TARGET).read_text()
    code, out = _apply(nc_root, patch_tool)
    assert code == 0, out
    assert f"{SERVER_PATCH.name}: applied to Nextcloud 34.0.2" in out
    patched = (nc_root / TARGET).read_text()
    for line in _hunk(SERVER_PATCH)[1]:
        assert line in patched.splitlines()
    assert patched.count("'Bearer '") == 1

    code, out = _apply(nc_root, patch_tool)  # every restart
    assert (code, f"{SERVER_PATCH.name}: already applied") == (0, out.strip().split("] ", 1)[1])
    assert (nc_root / TARGET).read_text() == patched, "applied twice"

    code, out = _apply(nc_root, patch_tool, NC_PATCHES="off")
    assert code == 0 and "reverted (NC_PATCHES=off)" in out, out
    assert (nc_root / TARGET).read_text() == stock
    code, out = _apply(nc_root, patch_tool, NC_PATCHES="off")
    assert code == 0 and "not applied (NC_PATCHES=off)" in out, out
    assert sorted(p.name for p in (nc_root / TARGET).parent.iterdir()) == ["CORSMiddleware.php"], "leftovers"


def test_patched_stand_in_is_valid_php(nc_root: Path, patch_tool: str) -> None:
    php = tool("php", "apt-get install php-cli")
    assert _apply(nc_root, patch_tool)[0] == 0
    result = run([php, "-l", str(nc_root / TARGET)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_patch_that_neither_applies_nor_is_applied_warns_and_starts_unpatched(nc_root: Path, patch_tool: str) -> None:
    """Issue 17: a stale patch must not stop the container (more cases in test_patch_upgrades.py)."""
    target = nc_root / TARGET
    target.write_text(target.read_text().replace("CSRF token is provided", "CSRF token is present"))
    stale = target.read_text()
    code, out = _apply(nc_root, patch_tool)
    assert code == 0, out
    assert "WARNING" in out and "neither applies to nor is already applied in Nextcloud 34.0.2" in out
    assert "NC_PATCHES=off" in out
    assert target.read_text() == stale
    code, out = _apply(nc_root, patch_tool, NC_PATCHES="off")  # stock code wanted anyway: warn only
    assert code == 0 and "WARNING" in out, out


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NC_PATCHES": "yes"}, "NC_PATCHES must be 'on' or 'off'"),
        ({"NC_PATCH_DIR": "/nonexistent"}, "no patch directory at /nonexistent"),
        ({"NC_PATCH_TOOL": "quilt"}, "NC_PATCH_TOOL must be 'busybox' or 'gnu'"),
    ],
)
def test_misconfiguration_fails_loudly(nc_root: Path, env: dict[str, str], message: str) -> None:
    tool("busybox", "apt-get install busybox")
    code, out = _apply(nc_root, "busybox", **env)
    assert code == 1 and message in out, out


def test_every_patch_is_one_hunk_with_symmetric_context() -> None:
    """busybox patch has no fuzz and needs as much context after a change as before it."""
    for patch in PATCHES:
        assert patch.read_text().count("\n@@ ") == 1, patch.name
        body = patch.read_text().split("\n@@", 1)[1].splitlines()[1:]
        first = next(i for i, line in enumerate(body) if line[:1] in "+-")
        last = max(i for i, line in enumerate(body) if line[:1] in "+-")
        assert first == len(body) - 1 - last, (
            f"{patch.name}: {first} lines of context before, {len(body) - 1 - last} after"
        )


# --- configure hooks (scripted occ) ------------------------------------------------------------------------


@pytest.fixture
def nextcloud(tmp_path: Path) -> FakeNextcloud:
    tool("php", "apt-get install php-cli")  # the hooks parse occ's JSON with the image's PHP
    return FakeNextcloud(tmp_path)


def test_first_configuration(nextcloud: FakeNextcloud) -> None:
    state = nextcloud.state
    nextcloud.save(**{**state, "broken": ["cookbook"]})
    code, out = nextcloud.run_hook("post-installation/10-configure.sh")
    assert code == 0, out
    calls = nextcloud.calls()
    assert ["app:enable", "notes"] in calls  # downloaded but disabled
    assert ["app:install", "user_oidc"] in calls
    assert not [c for c in calls if c[1:2] == ["oidc"] and c[0].startswith("app:")], "oidc was enabled already"
    assert "could not install/enable the optional app 'cookbook'" in out
    settings = {c[2]: c[3] for c in commands(calls, "config:app:set")}
    assert settings == {
        "dynamic_client_registration": "--value=true",
        "expire_time": "--value=3600",
        "refresh_expire_time": "--value=604800",
        "client_expire_time": "--value=2592000",
        "allow_user_settings": "--value=enabled",
        "default_token_type": "--value=jwt",
    }
    system = [c[1:] for c in commands(calls, "config:system:set")]
    assert ["user_oidc", "oidc_provider_bearer_validation", "--value=true", "--type=boolean"] in system
    assert ["overwritehost", "--value=localhost:8080"] in system
    assert ["overwriteprotocol", "--value=http"] in system
    assert ["overwrite.cli.url", "--value=http://localhost:8080"] in system
    # overwritehost makes Nextcloud skip the trusted-domain check (lib/base.php): no moot entries written
    assert not [c for c in system if c[0] == "trusted_domains"]
    assert "trusted_domains do not apply" in out
    assert commands(calls, "config:system:delete")[0][1:] == ["overwritewebroot"]
    create = commands(calls, "oidc:create")
    assert len(create) == 1
    assert create[0][:3] == ["oidc:create", "nextcloud-mcp-server", "http://localhost:8000/mcp"]
    assert {"--type=confidential", f"--client_id={CLIENT_ID}", "--resource_url=http://localhost:8000/mcp"} <= set(
        create[0]
    )
    assert SECRET not in out, "the client secret was printed"
    assert nextcloud.marker.exists(), "post-installation tells before-starting it is done"

    code, out = nextcloud.run_hook("before-starting/20-configure.sh")  # same entrypoint run
    assert code == 0 and "configured by post-installation just now" in out
    assert not nextcloud.marker.exists()


def test_restart_is_idempotent_and_env_changes_win(nextcloud: FakeNextcloud) -> None:
    assert nextcloud.run_hook("before-starting/20-configure.sh")[0] == 0
    nextcloud.save(**{**nextcloud.state, "calls": []})
    code, out = nextcloud.run_hook("before-starting/20-configure.sh")
    assert code == 0, out
    calls = nextcloud.calls()
    assert not [c for c in calls if c[0] in ("app:install", "app:enable", "oidc:create", "oidc:remove")], calls
    assert "is up to date" in out

    nextcloud.save(**{**nextcloud.state, "calls": []})
    code, out = nextcloud.run_hook("before-starting/20-configure.sh", MCP_OIDC_CLIENT_SECRET="x" * 40)
    assert code == 0, out
    assert [c[0] for c in nextcloud.calls() if c[0].startswith("oidc:")] == ["oidc:list", "oidc:remove", "oidc:create"]
    assert "x" * 40 not in out


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MCP_OIDC_CLIENT_SECRET": "short"}, "MCP_OIDC_CLIENT_SECRET must be 32 to 64 characters long (it is 5)"),
        ({"MCP_OIDC_CLIENT_ID": "a:" + "b" * 40}, "MCP_OIDC_CLIENT_ID must be printable ASCII without ':'"),
        ({"NEXTCLOUD_PUBLIC_URL": "localhost:8080"}, "NEXTCLOUD_PUBLIC_URL must start with http:// or https://"),
    ],
)
def test_bad_settings_stop_the_container(nextcloud: FakeNextcloud, env: dict[str, str], message: str) -> None:
    code, out = nextcloud.run_hook("before-starting/20-configure.sh", **env)
    assert code == 1 and message in out, out


def test_required_app_failure_stops_the_container(nextcloud: FakeNextcloud) -> None:
    nextcloud.save(**{**nextcloud.state, "broken": ["user_oidc"]})
    code, out = nextcloud.run_hook("before-starting/20-configure.sh")
    assert code == 1
    assert "could not install/enable the app 'user_oidc'" in out


def test_basic_auth_stack_needs_no_client_and_public_url_path_sets_webroot(nextcloud: FakeNextcloud) -> None:
    code, out = nextcloud.run_hook(
        "before-starting/20-configure.sh", MCP_OIDC_CLIENT_ID="", NEXTCLOUD_PUBLIC_URL="https://example.org/cloud/"
    )
    assert code == 0, out
    assert "no OIDC client for the MCP server" in out
    system = [c[1:] for c in commands(nextcloud.calls(), "config:system:set")]
    assert ["overwritehost", "--value=example.org"] in system
    assert ["overwritewebroot", "--value=/cloud"] in system
    assert ["overwrite.cli.url", "--value=https://example.org/cloud"] in system


def test_not_installed_yet_does_nothing(nextcloud: FakeNextcloud) -> None:
    nextcloud.save(**{**nextcloud.state, "installed": False})
    code, out = nextcloud.run_hook("before-starting/20-configure.sh")
    assert code == 0 and "not installed yet" in out
    assert [c[0] for c in nextcloud.calls()] == ["status"]


@pytest.mark.parametrize("path", sorted((HOOKS / "lib").glob("*.php")), ids=lambda p: p.name)
def test_hook_php_helpers_are_valid_php(path: Path) -> None:
    result = run([tool("php", "apt-get install php-cli"), "-l", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr
