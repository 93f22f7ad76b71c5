"""The demo's one temporary folder: every byte of the sandbox lives below it, and it is removed on exit.

Its name carries the demo's process id (`nextcloud-mcp-demo-<pid>-…` in the system's temporary folder), so a later
demo removes what a killed one (SIGKILL, power loss) could not.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["PREFIX", "make_folder", "remove_folder", "sweep_stale"]

PREFIX = "nextcloud-mcp-demo-"


def make_folder(parent: Path | None = None) -> Path:
    """A new private folder for this process's sandbox (after removing those of dead demos)."""
    sweep_stale(parent)
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def sweep_stale(parent: Path | None = None) -> list[Path]:
    """Remove this user's demo folders whose process is gone; returns them."""
    if os.name != "posix":
        return []
    removed = []
    for path in Path(parent or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        pid = path.name.removeprefix(PREFIX).split("-", 1)[0]
        with contextlib.suppress(OSError):
            if path.is_symlink() or not path.is_dir() or path.stat().st_uid != os.getuid():
                continue
            if pid.isdigit() and not _alive(int(pid)):
                remove_folder(path)
                removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
