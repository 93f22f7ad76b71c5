"""The demo's temporary folder: named after its process, swept when that process is gone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nextcloud_mcp.demo.folder import PREFIX, make_folder, remove_folder, sweep_stale


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    return int(child.stdout)


def test_a_new_folder_carries_this_process_id(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    assert folder.parent == tmp_path and folder.name.startswith(f"{PREFIX}{os.getpid()}-")
    (folder / "data").write_text("x")
    remove_folder(folder)
    assert not folder.exists()


def test_folders_of_dead_demos_are_swept_and_live_ones_kept(tmp_path: Path) -> None:
    dead = tmp_path / f"{PREFIX}{_dead_pid()}-abc"
    (dead / "files").mkdir(parents=True)
    alive = tmp_path / f"{PREFIX}{os.getpid()}-def"
    alive.mkdir()
    stranger = tmp_path / f"{PREFIX}not-a-pid"
    stranger.mkdir()
    (tmp_path / f"{PREFIX}link").symlink_to(alive)
    assert sweep_stale(tmp_path) == [dead]
    assert not dead.exists() and alive.exists() and stranger.exists()
    fresh = make_folder(tmp_path)
    assert fresh.exists() and alive.exists()
