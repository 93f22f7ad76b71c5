"""A scripted `occ` for the configure hooks (NC_OCC): records every call and plays Nextcloud's answers.

What it models of the real console (nextcloud/server):
- `occ status --output=json` prints installed/maintenance/needsDbUpgrade (core/Command/Status.php), also in
  maintenance mode;
- in maintenance mode occ loads no apps and says so on stderr for every command but `status` and
  `maintenance:mode` (lib/private/Console/Application.php, writeMaintenanceModeInfo); with an upgrade pending
  it loads none either (NeedsUpdateException: "only a limited number of commands are available");
- commands of an app (here `oidc:*`) exist only when occ loaded the app: otherwise Symfony Console answers
  `There are no commands defined in the "oidc" namespace.` and exits 1.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from stack._support import ROOT, run

FAKE_OCC = r"""
import json, os, sys
state_file = os.environ["FAKE_OCC_STATE"]
state = json.load(open(state_file))
args = sys.argv[1:]
state["calls"].append(args)
code, out = 0, ""
maintenance, upgrade = state.get("maintenance", False), state.get("needsDbUpgrade", False)
apps_loaded = state["installed"] and not maintenance and not upgrade
if maintenance and args[0] not in ("status", "maintenance:mode", "_completion"):
    print("Nextcloud is in maintenance mode, no apps are loaded.", file=sys.stderr)
    print("Commands provided by apps are unavailable.", file=sys.stderr)
elif upgrade and not maintenance and args[0] != "_completion":
    print("Nextcloud or one of the apps require upgrade - only a limited number of commands are available",
          file=sys.stderr)
    print("You may use your browser or the occ upgrade command to do the upgrade", file=sys.stderr)
namespace = args[0].split(":", 1)[0]
if namespace in state.get("app_namespaces", ["oidc"]) and not (apps_loaded and namespace in state["enabled"]):
    print(f'There are no commands defined in the "{namespace}" namespace.', file=sys.stderr)
    code = 1
elif args[0] == "status":
    out = json.dumps({"installed": state["installed"], "version": "33.0.7.1", "versionstring": "33.0.7",
                      "edition": "", "maintenance": maintenance, "needsDbUpgrade": upgrade,
                      "productname": "Nextcloud", "extendedSupport": False}, separators=(",", ":"))
elif args[0] == "maintenance:mode" and ("--on" in args or "--off" in args):
    state["maintenance"] = "--on" in args
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

HOOKS = ROOT / "nextcloud-config"
CLIENT_ID = "nextcloud-mcp-server-introspection"
SECRET = "s3cr3t-0123456789abcdef0123456789abcdef"


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

    def update(self, **changes: object) -> None:
        self.save(**{**self.state, **changes})

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


def commands(calls: list[list[str]], name: str) -> list[list[str]]:
    return [c for c in calls if c[0] == name]
