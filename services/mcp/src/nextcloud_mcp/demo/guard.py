"""Whether the demo can run here: the fake Nextcloud comes only with the `demo` extra (docs/demo.md).

`sandbox_class()` imports `nextcloud_mcp.demo.sandbox`, the one module that imports `fake_nextcloud`; without the
extra it raises `DemoUnavailable`, whose text is the exact command that installs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nextcloud_mcp.demo.errors import DemoUnavailable

if TYPE_CHECKING:
    from nextcloud_mcp.demo.sandbox import Sandbox

__all__ = ["INSTALL_FROM_CLONE", "INSTALL_FROM_GIT", "missing_extra", "sandbox_class"]

INSTALL_FROM_CLONE = 'uv tool install "./services/mcp[demo]"'
INSTALL_FROM_GIT = (
    'uv tool install "nextcloud-mcp-bridge[demo] @ git+https://github.com/<owner>/<repo>#subdirectory=services/mcp"'
)


def sandbox_class() -> type[Sandbox]:
    """The sandbox, or DemoUnavailable when the fake Nextcloud (or one of its dependencies) cannot be imported."""
    try:
        from nextcloud_mcp.demo.sandbox import Sandbox
    except ImportError as exc:
        if (exc.name or "").startswith("nextcloud_mcp"):
            raise  # a bug of the demo itself, not a missing extra
        raise DemoUnavailable(missing_extra(exc)) from None
    return Sandbox


def missing_extra(exc: ImportError) -> str:
    return "\n".join(
        [
            "nextcloud-mcp-server demo needs the fake Nextcloud, which comes with the `demo` extra and is not "
            f"installed here ({exc}).",
            "Install the server with the extra (the fake is part of this repository, not on PyPI); from a clone:",
            f"  {INSTALL_FROM_CLONE}",
            "or straight from git (<owner>/<repo>: this repository):",
            f"  {INSTALL_FROM_GIT}",
            "then run `nextcloud-mcp-server demo` again. More in docs/demo.md.",
        ]
    )
