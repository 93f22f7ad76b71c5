"""Where secrets go on command lines, and what .env.example says about the OIDC token type.

- `occ oidc:create` takes the MCP server's client secret only as `--client_secret` (H2CK/oidc
  lib/Command/Clients/OIDCCreate.php), so the hooks put it on a command line exactly when they create the
  client, never on a start where it is up to date; docs/deployment.md ("Secrets") says so, with the others.
- DCR clients get the `token_type` of their registration request, `opaque` when they send none, and
  `default_token_type` only for an invalid value (H2CK/oidc lib/Controller/DynamicRegistrationController.php
  @ 4d066371: `string $token_type = 'opaque'`, `if (!in_array($accessTokenType, ['opaque', 'jwt'], true))`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stack._fake_occ import SECRET, FakeNextcloud
from stack._support import ROOT, env_example, tool


@pytest.fixture
def nextcloud(tmp_path: Path) -> FakeNextcloud:
    tool("php", "apt-get install php-cli")
    return FakeNextcloud(tmp_path)


def _with_secret(calls: list[list[str]]) -> list[str]:
    return [c[0] for c in calls if any(SECRET in arg for arg in c)]


def test_client_secret_is_on_a_command_line_only_when_the_client_is_created(nextcloud: FakeNextcloud) -> None:
    code, out = nextcloud.run_hook("before-starting/20-configure.sh")
    assert code == 0, out
    assert _with_secret(nextcloud.calls()) == ["oidc:create"]  # documented: occ offers no other way

    nextcloud.update(calls=[])
    code, out = nextcloud.run_hook("before-starting/20-configure.sh")  # every later start
    assert code == 0, out
    assert _with_secret(nextcloud.calls()) == [], "an up-to-date client must not put the secret on argv"
    assert SECRET not in out


def test_docs_name_every_secret_that_reaches_a_command_line() -> None:
    text = (ROOT / "docs" / "deployment.md").read_text()
    section = text.split("\n## Secrets\n", 1)[1].split("\n## ", 1)[0]
    for needle in (
        "MCP_OIDC_CLIENT_SECRET",
        "oidc:create",
        "--client_secret",
        "REDIS_PASSWORD",
        "--requirepass",
        "NEXTCLOUD_ADMIN_PASSWORD",
        "maintenance:install",
        "`ps`",
        "docker inspect",
    ):
        assert needle in section, f"docs/deployment.md, Secrets: {needle} is not mentioned"
    configure = (ROOT / "nextcloud-config" / "lib" / "configure.sh").read_text()
    assert "--client_secret=" in configure and "ps" in configure.split("oidc:create prints the secret", 1)[1][:400]


def test_env_example_describes_the_token_type_of_dcr_clients_correctly() -> None:
    _, comments = env_example()["OIDC_DEFAULT_TOKEN_TYPE"]
    text = " ".join(line.lstrip("# ") for line in comments)
    assert "DCR clients choose" not in text
    assert "Not for DCR clients" in text
    assert "opaque when they send none" in text
    assert "invalid value falls back" in text
    configure = (ROOT / "nextcloud-config" / "lib" / "configure.sh").read_text()
    assert "DCR clients choose their own" not in configure
