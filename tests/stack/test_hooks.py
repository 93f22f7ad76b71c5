"""The Nextcloud hook scripts, run for real outside a container.

10-apply-patches.sh runs against a stand-in of the patched file (made from the patch's own context lines,
no upstream code) with busybox patch (what the image has) and GNU patch. The configure hooks run against a
scripted `occ` (NC_OCC) that records the calls and plays Nextcloud's answers.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from stack._support import PATCHES, ROOT, run, tool

HOOKS = ROOT / "nextcloud-config"
APPLY = HOOKS / "before-starting" / "10-apply-patches.sh"
SERVER_PATCH = ROOT / "patches" / "nextcloud-server-cors-bearer.patch"
TARGET = "lib/private/AppFramework/Middleware/Security/CORSMiddleware.php"
CLIENT_ID = "nextcloud-mcp-server-introspection"
SECRET = "s3cr3t-0123456789abcdef0123456789abcdef"


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


def test_patch_that_neither_applies_nor_is_applied_stops_the_container(nc_root: Path, patch_tool: str) -> None:
    target = nc_root / TARGET
    target.write_text(target.read_text().replace("CSRF token is provided", "CSRF token is present"))
    code, out = _apply(nc_root, patch_tool)
    assert code == 1
    assert "neither applies to nor is already applied in Nextcloud 34.0.2" in out
    assert "NC_PATCHES=off" in out
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

FAKE_OCC = r"""
import json, os, sys
state_file = os.environ["FAKE_OCC_STATE"]
state = json.load(open(state_file))
args = sys.argv[1:]
state["calls"].append(args)
code, out = 0, ""
if args[0] == "status":
    out = json.dumps({"installed": state["installed"], "maintenance": False}, separators=(",", ":"))
elif args[0] == "app:list":
    apps = {k: {a: "1.0" for a in state[k]} for k in ("enabled", "disabled")}
    out = json.dumps(apps, separators=(",", ":"))
elif args[0] == "app:getpath":
    code = 0 if args[1] in state["enabled"] + state["disabled"] else 1
elif args[0] in ("app:install", "app:enable"):
    if args[1] in state["broken"]:
        code, out = 1, f"Could not download app {args[1]}"
    else:
        state["enabled"].append(args[1])
elif args[0] == "oidc:list":
    out = json.dumps(state["clients"], indent=4)
elif args[0] == "oidc:create":
    opts = dict(a[2:].split("=", 1) for a in args if a.startswith("--"))
    state["clients"].append({"client_id": opts["client_id"], "client_secret": opts["client_secret"],
                             "type": opts["type"], "resource_url": opts["resource_url"], "name": args[1]})
    out = json.dumps(state["clients"][-1], indent=4)  # like the real command: prints the secret
elif args[0] == "oidc:remove":
    state["clients"] = [c for c in state["clients"] if c["client_id"] != args[1]]
json.dump(state, open(state_file, "w"))
print(out)
sys.exit(code)
"""


class FakeNextcloud:
    def __init__(self, tmp_path: Path) -> None:
        self.state_file = tmp_path / "occ-state.json"
        self.occ = tmp_path / "occ"
        self.occ.write_text(f"#!{sys.executable}\n{FAKE_OCC}")
        self.occ.chmod(0o755)
        self.root = tmp_path / "html"
        self.root.mkdir()
        (self.root / "version.php").write_text("<?php\n$OC_VersionString = '33.0.7';\n")
        self.marker = tmp_path / "configured"
        self.save(installed=True, enabled=["oidc"], disabled=["notes"], broken=[], clients=[], calls=[])

    def save(self, **state: object) -> None:
        self.state_file.write_text(json.dumps(state))

    @property
    def state(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.state_file.read_text())
        return data

    def calls(self) -> list[list[str]]:
        calls: list[list[str]] = self.state["calls"]  # type: ignore[assignment]
        return calls

    def run_hook(self, hook: str, **env: str) -> tuple[int, str]:
        full_env = {
            "PATH": os.environ["PATH"],
            "NC_OCC": str(self.occ),
            "NC_ROOT": str(self.root),
            "NC_CONFIGURED_MARKER": str(self.marker),
            "FAKE_OCC_STATE": str(self.state_file),
            "NEXTCLOUD_PUBLIC_URL": "http://localhost:8080",
            "NEXTCLOUD_TRUSTED_DOMAINS": "localhost 127.0.0.1 nextcloud",
            "MCP_PUBLIC_URL": "http://localhost:8000/mcp",
            "MCP_OIDC_CLIENT_ID": CLIENT_ID,
            "MCP_OIDC_CLIENT_SECRET": SECRET,
            **env,
        }
        result = run([str(HOOKS / hook)], env=full_env)
        return result.returncode, result.stdout + result.stderr


@pytest.fixture
def nextcloud(tmp_path: Path) -> FakeNextcloud:
    tool("php", "apt-get install php-cli")  # the hooks parse occ's JSON with the image's PHP
    return FakeNextcloud(tmp_path)


def _commands(calls: list[list[str]], name: str) -> list[list[str]]:
    return [c for c in calls if c[0] == name]


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
    settings = {c[2]: c[3] for c in _commands(calls, "config:app:set")}
    assert settings == {
        "dynamic_client_registration": "--value=true",
        "expire_time": "--value=3600",
        "refresh_expire_time": "--value=604800",
        "client_expire_time": "--value=2592000",
        "allow_user_settings": "--value=enabled",
        "default_token_type": "--value=jwt",
    }
    system = [c[1:] for c in _commands(calls, "config:system:set")]
    assert ["user_oidc", "oidc_provider_bearer_validation", "--value=true", "--type=boolean"] in system
    assert ["overwritehost", "--value=localhost:8080"] in system
    assert ["overwriteprotocol", "--value=http"] in system
    assert ["overwrite.cli.url", "--value=http://localhost:8080"] in system
    domains = [c[1:] for c in system if c[0] == "trusted_domains"]
    assert domains == [["1", "--value=localhost"], ["2", "--value=127.0.0.1"], ["3", "--value=nextcloud"]]
    assert _commands(calls, "config:system:delete")[0][1:] == ["overwritewebroot"]
    create = _commands(calls, "oidc:create")
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
    system = [c[1:] for c in _commands(nextcloud.calls(), "config:system:set")]
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
