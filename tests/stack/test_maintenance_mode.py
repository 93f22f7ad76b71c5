"""The configure hooks when occ loads no apps: maintenance mode (a backup, a restore) and a pending upgrade.

The scripted occ (`_fake_occ.py`) answers like nextcloud/server's console: `status` works and reports the
state, other commands print "Nextcloud is in maintenance mode, no apps are loaded." / "Commands provided by
apps are unavailable." (lib/private/Console/Application.php), and `oidc:*` does not exist then. Before the
fix, `occ oidc:list` failed, the hook exited 1, the entrypoint aborted and the container restarted forever.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stack._fake_occ import FakeNextcloud
from stack._support import ROOT, run, tool

APP_COMMANDS = ("app:install", "app:enable", "config:app:set", "oidc:list", "oidc:create", "oidc:remove")


@pytest.fixture
def nextcloud(tmp_path: Path) -> FakeNextcloud:
    tool("php", "apt-get install php-cli")
    return FakeNextcloud(tmp_path)


def test_the_scripted_occ_has_no_app_commands_in_maintenance_mode(nextcloud: FakeNextcloud) -> None:
    """The precondition of the crash loop, as the real occ behaves."""
    nextcloud.update(maintenance=True)
    result = run([str(nextcloud.occ), "oidc:list"], env={"FAKE_OCC_STATE": str(nextcloud.state_file)})
    assert result.returncode == 1
    assert "Commands provided by apps are unavailable." in result.stderr
    assert 'There are no commands defined in the "oidc" namespace.' in result.stderr


@pytest.mark.parametrize("hook", ["before-starting/20-configure.sh", "post-installation/10-configure.sh"])
def test_maintenance_mode_skips_the_configuration_with_a_warning(nextcloud: FakeNextcloud, hook: str) -> None:
    nextcloud.update(maintenance=True)
    code, out = nextcloud.run_hook(hook)
    assert code == 0, out  # the container starts (Apache serves the maintenance page); no restart loop
    assert "WARNING: Nextcloud is in maintenance mode" in out
    assert "occ maintenance:mode --off" in out and "docker compose restart nextcloud" in out
    calls = nextcloud.calls()
    assert [c[0] for c in calls] == ["status"], calls
    assert not [c for c in calls if c[0] in APP_COMMANDS]


def test_pending_upgrade_skips_the_configuration_with_a_warning(nextcloud: FakeNextcloud) -> None:
    nextcloud.update(needsDbUpgrade=True)
    code, out = nextcloud.run_hook("before-starting/20-configure.sh")
    assert code == 0, out
    assert "needs 'occ upgrade'" in out and "WARNING" in out
    assert [c[0] for c in nextcloud.calls()] == ["status"]


def test_documented_restore_order_configures_once_maintenance_is_off(nextcloud: FakeNextcloud) -> None:
    """docs/deployment.md: the restored config.php has maintenance on; it is switched off before the start
    that runs the hooks, so that start configures everything (and an accidental start in maintenance
    mode only warns)."""
    nextcloud.update(maintenance=True)
    assert nextcloud.run_hook("before-starting/20-configure.sh")[0] == 0  # started too early: no harm
    nextcloud.update(maintenance=False, calls=[])
    code, out = nextcloud.run_hook("before-starting/20-configure.sh")
    assert code == 0, out
    assert "configuration done" in out
    assert [c[0] for c in nextcloud.calls() if c[0].startswith("oidc:")] == ["oidc:list", "oidc:create"]


def test_restore_procedure_in_the_docs_turns_maintenance_off_before_waiting_for_health() -> None:
    """`up --wait` waits for the health check, which fails in maintenance mode: `--off` must come first."""
    text = (ROOT / "docs" / "deployment.md").read_text()
    restore = text.split("Restore (", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = [line.strip() for line in restore.splitlines() if line.strip() and not line.startswith("#")]
    off = next(i for i, line in enumerate(lines) if "maintenance:mode --off" in line)
    waits = [i for i, line in enumerate(lines) if "up -d --wait" in line and line.rstrip().endswith("--wait")]
    assert waits, lines
    assert off < waits[-1], f"maintenance mode is switched off after `up --wait`: {lines}"
    assert "--entrypoint" in lines[off] or "run" in lines[off].split(), (
        "the restored volume is in maintenance mode: switch it off without the image's entrypoint (hooks)"
    )
