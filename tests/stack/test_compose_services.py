"""compose.yaml as Compose and the containers would run it, without a container engine: the health check
commands run in `sh` against scripted `pg_isready`/`curl`, the environment is interpolated as Compose does
(`_support.interpolate`), and the cron service is checked against what the image's cron runner needs.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from stack._support import ROOT, compose_environment, env_example, interpolate, load_yaml, run

DOTENV = {
    "POSTGRES_PASSWORD": "pg-secret",
    "REDIS_PASSWORD": "redissecret",
    "NEXTCLOUD_ADMIN_PASSWORD": "admin-secret",
    "MCP_OIDC_CLIENT_SECRET": "x" * 40,
}


def _services() -> dict[str, Any]:
    services: dict[str, Any] = load_yaml(ROOT / "compose.yaml")["services"]
    return services


def _dotenv(**overrides: str) -> dict[str, str]:
    """.env.example filled in, as `docker compose` reads it (empty values stay set, but empty)."""
    return {**{name: value for name, (value, _) in env_example().items()}, **DOTENV, **overrides}


def _health_check(service: str, tmp_path: Path, fakes: dict[str, str], **env: str) -> int:
    """Run the service's CMD-SHELL health check like the engine does (`sh -c`), fakes first on PATH."""
    test = _services()[service]["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL", test
    command = interpolate(test[1], _dotenv())  # Compose turns $$ into $ before the engine sees it
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in fakes.items():
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    container_env = compose_environment(service, _dotenv())
    result = run(["sh", "-c", command], env={**container_env, "PATH": f"{bin_dir}:/usr/bin:/bin", **env})
    return result.returncode


# --- db: pg_isready over TCP --------------------------------------------------------------------------

# pg_isready as the postgres image has it, in the two phases of a first start: the temporary server that
# runs initdb's scripts listens on the Unix socket only (listen_addresses=''), the real one on TCP too.
PG_ISREADY = """#!/bin/sh
printf '%s\\n' "$*" > "$PG_ARGS"
host=
while [ $# -gt 0 ]; do
  case "$1" in -h) host=$2; shift ;; esac
  shift
done
if [ -z "$host" ]; then exit 0; fi                       # socket: both servers answer
[ "$host" = 127.0.0.1 ] && [ "$PG_PHASE" = ready ] && exit 0
exit 2                                                   # TCP during init: no response
"""


@pytest.mark.parametrize(("phase", "healthy"), [("init", False), ("ready", True)])
def test_db_health_check_waits_for_the_real_server(tmp_path: Path, phase: str, healthy: bool) -> None:
    args = tmp_path / "args"
    code = _health_check("db", tmp_path, {"pg_isready": PG_ISREADY}, PG_PHASE=phase, PG_ARGS=str(args))
    assert (code == 0) is healthy, f"phase {phase}: exit {code}"
    argv = shlex.split(args.read_text())
    assert argv[argv.index("-h") + 1] == "127.0.0.1"
    environment = _services()["db"]["environment"]
    assert argv[argv.index("-U") + 1] == environment["POSTGRES_USER"] == "nextcloud"
    assert argv[argv.index("-d") + 1] == environment["POSTGRES_DB"] == "nextcloud"


# --- nextcloud: status.php ----------------------------------------------------------------------------


def _status(**fields: bool) -> str:
    """status.php's body: json_encode of installed, maintenance, needsDbUpgrade, ... (no spaces)."""
    values = {"installed": True, "maintenance": False, "needsDbUpgrade": False, **fields}
    body = ",".join(f'"{k}":{str(v).lower()}' for k, v in values.items())
    return "{" + body + ',"version":"34.0.2.2","versionstring":"34.0.2","edition":"","productname":"Nextcloud"}'


@pytest.mark.parametrize(
    ("fields", "healthy"),
    [
        ({}, True),
        ({"installed": False}, False),
        ({"maintenance": True}, False),
        ({"needsDbUpgrade": True}, False),  # an upgrade is pending: the hooks configured nothing
    ],
    ids=["ready", "not-installed", "maintenance", "needs-db-upgrade"],
)
def test_nextcloud_health_check_reads_status_php(tmp_path: Path, fields: dict[str, bool], healthy: bool) -> None:
    curl = f"#!/bin/sh\nprintf '%s' '{_status(**fields)}'\n"
    code = _health_check("nextcloud", tmp_path, {"curl": curl})
    assert (code == 0) is healthy, f"{fields}: exit {code}"


def test_nextcloud_health_check_fails_without_an_answer(tmp_path: Path) -> None:
    assert _health_check("nextcloud", tmp_path, {"curl": "#!/bin/sh\nexit 7\n"}) != 0


# --- cron ---------------------------------------------------------------------------------------------


def test_cron_service_runs_the_images_cron_runner_with_the_redis_settings() -> None:
    services = _services()
    cron, nextcloud = services["cron"], services["nextcloud"]
    assert cron["image"] == nextcloud["image"], "cron.php runs the code of the shared volume: same image"
    assert cron["entrypoint"] == "/cron.sh"  # nextcloud/docker: exec busybox crond -f -L /dev/stdout
    assert "user" not in cron, "crond starts as root and runs www-data's crontab as www-data"
    html = [v for v in nextcloud["volumes"] if v.endswith(":/var/www/html")]
    assert cron["volumes"] == html
    assert cron["restart"] == nextcloud["restart"]
    assert cron["depends_on"]["nextcloud"] == {"condition": "service_healthy"}
    # config/redis.config.php reads REDIS_HOST* at run time; without them cron.php would use other locking
    env, nc_env = compose_environment("cron", _dotenv()), compose_environment("nextcloud", _dotenv())
    redis = {k: v for k, v in nc_env.items() if k.startswith("REDIS_")}
    assert redis == {"REDIS_HOST": "redis", "REDIS_HOST_PASSWORD": "redissecret"}
    assert {k: v for k, v in env.items() if k.startswith("REDIS_")} == redis
    assert not set(env) & {"POSTGRES_PASSWORD", "NEXTCLOUD_ADMIN_PASSWORD", "MCP_OIDC_CLIENT_SECRET"}


def test_docs_describe_the_cron_service_not_a_todo() -> None:
    text = (ROOT / "docs" / "deployment.md").read_text()
    assert "Add a `cron` service" not in text
    assert "`cron` service" in text and "/cron.sh" in text


# --- public URLs follow the host ports ------------------------------------------------------------------


def test_public_url_defaults_follow_the_host_ports() -> None:
    dotenv = _dotenv(NEXTCLOUD_HTTP_PORT="8081", MCP_HTTP_PORT="8001")
    nextcloud, mcp = compose_environment("nextcloud", dotenv), compose_environment("mcp", dotenv)
    assert nextcloud["NEXTCLOUD_PUBLIC_URL"] == mcp["NEXTCLOUD_PUBLIC_URL"] == "http://localhost:8081"
    assert nextcloud["MCP_PUBLIC_URL"] == mcp["MCP_PUBLIC_URL"] == "http://localhost:8001/mcp"
    assert mcp["MCP_ALLOWED_HOSTS"] == "localhost:8001,127.0.0.1:8001,mcp:8000"
    ports = [interpolate(p, dotenv) for s in ("nextcloud", "mcp") for p in _services()[s]["ports"]]
    assert ports == ["127.0.0.1:8081:80", "127.0.0.1:8001:8000"]


def test_public_url_defaults_with_the_example_env_and_an_explicit_url() -> None:
    nextcloud = compose_environment("nextcloud", _dotenv())
    assert nextcloud["NEXTCLOUD_PUBLIC_URL"] == "http://localhost:8080"
    assert nextcloud["MCP_PUBLIC_URL"] == "http://localhost:8000/mcp"
    explicit = compose_environment("mcp", _dotenv(NEXTCLOUD_PUBLIC_URL="https://cloud.example.com"))
    assert explicit["NEXTCLOUD_PUBLIC_URL"] == "https://cloud.example.com"


# --- images ---------------------------------------------------------------------------------------------

# Newest patch releases of the pinned majors in docker-library/official-images (library/postgres and
# library/redis @ 37079fb, 2026-08-21). A pin may be newer, never older, and never change the major.
CURRENT = {"db": ("postgres", (17, 11)), "redis": ("redis", (8, 10, 1))}


@pytest.mark.parametrize("service", sorted(CURRENT))
def test_database_and_cache_images_are_current_patch_releases(service: str) -> None:
    name, minimum = CURRENT[service]
    image = _services()[service]["image"]
    match = re.fullmatch(rf"docker\.io/library/{name}:(\d+(?:\.\d+)+)-alpine", image)
    assert match, f"{image}: pin a full version (major.minor[.patch]-alpine)"
    version = tuple(int(part) for part in match[1].split("."))
    assert len(version) == len(minimum), image
    assert version[0] == minimum[0], f"{image}: a major upgrade needs a migration, not a pin change"
    assert version >= minimum, f"{image} is older than the current patch release {'.'.join(map(str, minimum))}"
