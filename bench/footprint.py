"""Install footprint: a fresh venv with the server package alone (its runtime dependencies, no dev tools)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from common import ROOT

__all__ = ["measure_footprint"]


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1024**2


def measure_footprint(run_dir: Path) -> dict[str, Any]:
    """`uv venv` + `uv pip install services/mcp` with the versions pinned in uv.lock (offline when the uv
    cache has them); counts the installed distributions and the size of site-packages."""
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is not on PATH")
    venv = run_dir / "footprint-venv"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    subprocess.run([uv, "venv", "--quiet", "--python", python, str(venv)], check=True)
    pins = run_dir / "footprint-requirements.txt"
    exported = subprocess.run(
        [uv, "export", "--quiet", "--frozen", "--no-dev", "--no-hashes", "--package", "nextcloud-mcp-bridge"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pins.write_text("\n".join(line for line in exported.splitlines() if not line.startswith(("-e", "."))))
    install = [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "-r", str(pins)]
    install += [str(ROOT / "services" / "mcp")]
    if subprocess.run([*install, "--offline"], capture_output=True).returncode != 0:
        subprocess.run(install, check=True)
    listed = subprocess.run(
        [uv, "pip", "list", "--format", "json", "--python", str(venv / "bin" / "python")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    packages = sorted(p["name"] for p in json.loads(listed))
    site = next((venv / "lib").glob("python*/site-packages"))
    result = {
        "packages": len(packages),
        "names": packages,
        "site_packages_mb": _size_mb(site),
        "venv_mb": _size_mb(venv),
    }
    shutil.rmtree(venv, ignore_errors=True)
    return result
