"""A real, OpenID-certified authorization server for tests: panva `oidc-provider` (npm) as a child process.

The node project lives in `tests/support/idp/` (pinned in `package.json` + `package-lock.json`; `node_modules/`
is git-ignored and installed here with `npm ci` when missing). Usage:

    reason = oidc_provider_unavailable()      # None, or why it cannot run (no node / npm) -> pytest.skip(reason)
    with start_oidc_provider(run_dir, resource="http://127.0.0.1:8123/mcp") as idp:
        idp.issuer, idp.discovery_url, idp.pid

The process is a direct child with a PID file in `run_dir`, is stopped by PID (SIGTERM, then SIGKILL) and
listens on 127.0.0.1 only. Its log is `run_dir/<name>.log`.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nextcloud_mcp.apps import APPS
from support.processes import ManagedProcess, http_ready, npm_ci

__all__ = [
    "DEFAULT_USERS",
    "IDP_DIR",
    "RESOURCE_SCOPES",
    "RunningOidcProvider",
    "ensure_installed",
    "oidc_provider_unavailable",
    "pinned_version",
    "start_oidc_provider",
]

IDP_DIR = Path(__file__).resolve().parent / "idp"
DEFAULT_USERS: Mapping[str, str] = {"alice": "alice-secret", "bob": "bob-secret"}
# The scopes the MCP server asks for (one read/write pair per toolset), so its clients can register them.
RESOURCE_SCOPES = tuple(scope for app in APPS for scope in app.scopes)
MIN_NODE = (20, 18)  # oidc-provider 9 uses URL.parse (node >= 20.18 / 22.1); it recommends node 22 LTS
NPM_CI_TIMEOUT = 300.0
_READY = re.compile(r"oidc-provider (?P<version>\S+) ready: issuer=(?P<issuer>\S+) port=(?P<port>\d+)")


def pinned_version() -> str:
    """The exact `oidc-provider` version pinned in `idp/package.json`."""
    manifest = json.loads((IDP_DIR / "package.json").read_text())
    version: str = manifest["dependencies"]["oidc-provider"]
    return version


def _installed_version() -> str | None:
    manifest = IDP_DIR / "node_modules" / "oidc-provider" / "package.json"
    if not manifest.exists():
        return None
    version: str = json.loads(manifest.read_text())["version"]
    return version


def _node_version(node: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v(\d+)\.(\d+)\.(\d+)", out.strip())
    return tuple(int(part) for part in match.groups()) if match else None


@functools.cache
def oidc_provider_unavailable() -> str | None:
    """Why the provider cannot run here (to skip with), or None when it can (installing it may still be needed)."""
    node = shutil.which("node")
    if node is None:
        return (
            f"node is not installed; the oidc-provider test IdP needs Node.js >= {MIN_NODE[0]}.{MIN_NODE[1]} "
            "(22 LTS recommended; Debian 12's own nodejs is 18, too old)"
        )
    version = _node_version(node)
    if version is None:
        return f"cannot tell the version of {node}"
    if version[:2] < MIN_NODE:
        found = ".".join(map(str, version))
        return f"node {found} is too old for oidc-provider {pinned_version()} (needs >= {MIN_NODE[0]}.{MIN_NODE[1]})"
    if _installed_version() != pinned_version() and shutil.which("npm") is None:
        return f"npm is not installed and {IDP_DIR}/node_modules is missing (apt-get install npm)"
    return None


def ensure_installed(timeout: float = NPM_CI_TIMEOUT) -> None:
    """`npm ci` in `idp/` unless the pinned oidc-provider is already installed there (bounded by `timeout`)."""
    if _installed_version() == pinned_version():
        return
    npm_ci(IDP_DIR, lambda: _installed_version() == pinned_version(), timeout)


@dataclass
class RunningOidcProvider:
    """A started provider: where it is and how to stop it."""

    process: ManagedProcess
    issuer: str
    port: int
    resource: str
    version: str
    opaque_resources: tuple[str, ...] = ()
    users: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_USERS))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.process.output()

    def stop(self) -> int | None:
        return self.process.stop()

    def __enter__(self) -> RunningOidcProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_oidc_provider(
    run_dir: Path,
    *,
    resource: str,
    port: int = 0,
    issuer: str | None = None,
    opaque_resources: Sequence[str] = (),
    users: Mapping[str, str] = DEFAULT_USERS,
    consent: str = "prompt",
    clients: Sequence[Mapping[str, Any]] = (),
    access_token_ttl: int = 900,
    name: str = "oidc-provider",
    timeout: float = 20.0,
) -> RunningOidcProvider:
    """Install if needed, start `node idp/server.mjs` and wait for its discovery document.

    `port=0` lets node pick a free port (read back from its readiness line), so there is no port race; an explicit
    `issuer` then needs an explicit `port`. `resource` gets RS256 JWT access tokens (aud = resource);
    `opaque_resources` get opaque, introspectable ones. `consent` is "prompt" (a page with Allow/Deny) or "auto".
    `clients` are statically registered (oidc-provider client metadata), e.g. a confidential resource-server
    client for introspection. Keys persist in `run_dir/<name>-jwks.json` across restarts.
    """
    if issuer is not None and port == 0:
        raise ValueError("an explicit issuer needs an explicit port")
    reason = oidc_provider_unavailable()
    if reason is not None:
        raise RuntimeError(reason)
    ensure_installed()
    node = shutil.which("node")
    assert node is not None
    run_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "IDP_PORT": str(port),
        "IDP_RESOURCE": resource,
        "IDP_OPAQUE_RESOURCES": ",".join(opaque_resources),
        "IDP_USERS": ",".join(f"{user}:{password}" for user, password in users.items()),
        "IDP_CONSENT": consent,
        "IDP_RESOURCE_SCOPES": " ".join(RESOURCE_SCOPES),
        "IDP_CLIENTS": json.dumps(list(clients)),
        "IDP_ACCESS_TOKEN_TTL": str(access_token_ttl),
        "IDP_JWKS_FILE": str(run_dir / f"{name}-jwks.json"),
    }
    if issuer is not None:
        env["IDP_ISSUER"] = issuer
    log_file = run_dir / f"{name}.log"
    offset = log_file.stat().st_size if log_file.exists() else 0  # the log is appended to; read only this run
    found: dict[str, str] = {}

    def ready() -> bool:
        if not found:
            with log_file.open("rb") as log:
                log.seek(offset)
                match = _READY.search(log.read().decode(errors="replace"))
            if match is None:
                return False
            found.update(match.groupdict())
        return http_ready(f"http://127.0.0.1:{found['port']}/.well-known/openid-configuration")()

    process = ManagedProcess(name, [node, str(IDP_DIR / "server.mjs")], run_dir, env=env, ready=ready)
    process.start(timeout=timeout)
    return RunningOidcProvider(
        process=process,
        issuer=found["issuer"],
        port=int(found["port"]),
        resource=resource,
        version=found["version"],
        opaque_resources=tuple(opaque_resources),
        users=dict(users),
    )
