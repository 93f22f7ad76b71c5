"""The real stack: `compose.yaml` (Nextcloud 34 + oidc + user_oidc + patch, PostgreSQL, Redis, this server)
under testcontainers, running the same scenarios as the fake stack (`scenarios.py`).

Needs a Docker engine with the compose plugin; without one every test here is skipped with the reason
(fails instead with COMPOSE_STACK_REQUIRE_DOCKER=1, as in .github/workflows/compose-stack.yml).
On a Docker host: `uv run pytest tests/e2e/test_compose_stack.py` (first run pulls images and installs
Nextcloud apps from the app store, so it needs network and several minutes).

NEXTCLOUD_VERSION picks the Nextcloud image (a release or a major, e.g. 33); COMPOSE_STACK_VARIANT picks the stack:
`patched` (compose.yaml), `unpatched` (+ compose.unpatched.yaml), or `both` (the default: patched, then the
same volumes unpatched).
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx2
import pytest

from e2e import scenarios
from support.browser_login import chromium_login, chromium_path

ROOT = Path(__file__).resolve().parents[2]
USERS = {"alice": "Alice-e2e-" + secrets.token_hex(6), "bob": "Bob-e2e-" + secrets.token_hex(6)}
NEXTCLOUD = "http://localhost:8080"
MCP = "http://localhost:8000/mcp"


def docker_unavailable_reason() -> str | None:
    if not os.environ.get("DOCKER_HOST") and not Path("/var/run/docker.sock").exists():
        return "no Docker engine reachable (no DOCKER_HOST, no /var/run/docker.sock); the compose stack tests need one"
    import docker  # type: ignore[import-untyped]

    try:
        client = docker.from_env(timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # DockerException when the engine does not answer
        return f"no Docker engine reachable ({type(exc).__name__}); the compose stack tests need one"
    if subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode != 0:
        return "the docker compose plugin is not installed"
    if chromium_path() is None:
        return "Debian chromium is needed to log in through Nextcloud's (JavaScript) login page"
    return None


VARIANT = os.environ.get("COMPOSE_STACK_VARIANT", "both")
if VARIANT not in ("patched", "unpatched", "both"):
    raise ValueError(f"COMPOSE_STACK_VARIANT={VARIANT!r}: give patched, unpatched or both")
REQUIRE_DOCKER = os.environ.get("COMPOSE_STACK_REQUIRE_DOCKER") == "1"
REASON = docker_unavailable_reason()
pytestmark = [
    pytest.mark.anyio,
    pytest.mark.e2e,
    pytest.mark.skipif(REASON is not None and not REQUIRE_DOCKER, reason=str(REASON)),
]


@pytest.fixture(autouse=True, scope="module")
def _docker_required() -> None:
    if REASON is not None:  # only reached with COMPOSE_STACK_REQUIRE_DOCKER=1
        pytest.fail(f"COMPOSE_STACK_REQUIRE_DOCKER=1, but {REASON}")


class ComposeStack:
    """`docker compose up --wait` on compose.yaml (+ overrides), users created with occ."""

    def __init__(self, overrides: list[str], env_file: Path) -> None:
        from testcontainers.compose import DockerCompose

        self.compose = DockerCompose(
            str(ROOT), compose_file_name=["compose.yaml", *overrides], build=True, wait=True, env_file=str(env_file)
        )

    @property
    def mcp_url(self) -> str:
        return MCP

    @property
    def users(self) -> Mapping[str, str]:
        return USERS

    def login(self, user: str) -> Callable[[str, str], Awaitable[str]]:
        return chromium_login(user, USERS[user])

    def notes_of(self, user: str) -> list[dict[str, Any]]:
        response = httpx2.get(f"{NEXTCLOUD}/index.php/apps/notes/api/v1/notes", auth=(user, USERS[user]), timeout=30)
        assert response.status_code == 200, response.text
        notes: list[dict[str, Any]] = response.json()
        return notes

    def occ(self, command: str) -> None:
        self.compose.exec_in_container(["su", "-s", "/bin/sh", "www-data", "-c", f"php occ {command}"], "nextcloud")

    def __enter__(self) -> ComposeStack:
        self.compose.start()
        for user, password in USERS.items():
            self.compose.exec_in_container(
                [
                    "su",
                    "-s",
                    "/bin/sh",
                    "www-data",
                    "-c",
                    f"OC_PASS='{password}' php occ user:add --password-from-env {user} || true",
                ],
                "nextcloud",
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self.compose.stop(down=True)


def _env_file(tmp_path: Path) -> Path:
    lines = [line for line in (ROOT / ".env.example").read_text().splitlines() if line and not line.startswith("#")]
    env = dict(line.split("=", 1) for line in lines)
    if os.environ.get("NEXTCLOUD_VERSION"):
        env["NEXTCLOUD_VERSION"] = os.environ["NEXTCLOUD_VERSION"]
    for secret in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "NEXTCLOUD_ADMIN_PASSWORD", "MCP_OIDC_CLIENT_SECRET"):
        env[secret] = secrets.token_hex(24)
    path = tmp_path / ".env"
    path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    return path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeStack]:
    overrides = ["compose.unpatched.yaml"] if VARIANT == "unpatched" else []
    with ComposeStack(overrides, _env_file(tmp_path_factory.mktemp("compose"))) as running:
        yield running


async def test_sdk_client_full_flow(stack: ComposeStack) -> None:
    await scenarios.sdk_login(stack, "alice")


async def test_login_in_chromium(stack: ComposeStack, tmp_path: Path) -> None:
    await scenarios.browser_login(stack, "bob", tmp_path)


async def test_two_users_concurrently(stack: ComposeStack) -> None:
    await scenarios.two_users_at_once(stack, ("alice", "bob"))


async def test_bearer_patch_decides_the_header_less_bearer_call(stack: ComposeStack) -> None:
    """Patched: a Bearer client without OCS-APIRequest gets the Notes API; unpatched: the upstream 401."""
    await scenarios.bearer_patch(stack, "alice", patched=VARIANT != "unpatched")


@pytest.mark.skipif(VARIANT != "both", reason=f"COMPOSE_STACK_VARIANT={VARIANT}: the other variant is a job of its own")
async def test_unpatched_nextcloud_reproduces_the_cors_401(stack: ComposeStack) -> None:
    # Same volumes: the unpatched override reverts the patch at the next start (NC_PATCHES=off).
    stack.compose.stop(down=False)
    unpatched = ComposeStack(["compose.unpatched.yaml"], Path(str(stack.compose.env_file)))
    unpatched.compose.start()
    try:
        await scenarios.bearer_patch(unpatched, "alice", patched=False)
    finally:
        unpatched.compose.stop(down=False)
        stack.compose.start()
