"""`nextcloud-mcp-server [check | demo]`: parse arguments, load settings, run the server (or the start-up checklist,
or the demo against a sandbox Nextcloud). Heavy imports wait until after `--help`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]


class _Version(argparse.Action):
    """`--version`, reading the installed version only when asked (see `nextcloud_mcp.__init__`)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit", **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        from nextcloud_mcp import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nextcloud-mcp-server",
        description="MCP server for Nextcloud. Settings come from the environment (see docs/configuration.md); "
        "these options override them.",
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["check", "demo"],
        help="check: try the settings against Nextcloud once (reachable, TLS, redirects, web root, version, "
        "credentials, apps; OAuth discovery; Redis), print one line per finding with its fix, and exit "
        "(status 1 when something blocks the server). demo: try the server without a Nextcloud: a sandbox "
        "Nextcloud with sample data runs inside the process and vanishes on exit (needs the `demo` extra; "
        "NEXTCLOUD_* settings are ignored). Without a command: run the server.",
    )
    parser.add_argument("--transport", choices=["stdio", "streamable-http"], help="MCP transport (default: stdio)")
    parser.add_argument("--host", help="interface for streamable HTTP (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port for streamable HTTP (default: 8000)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--oauth",
        dest="auth_mode",
        action="store_const",
        const="oauth",
        help="force OAuth2/OIDC resource-server mode",
    )
    mode.add_argument(
        "--no-oauth",
        dest="auth_mode",
        action="store_const",
        const="basic",
        help="force BasicAuth mode (NEXTCLOUD_USERNAME + NEXTCLOUD_PASSWORD)",
    )
    parser.add_argument(
        "--read-only", action="store_const", const=True, help="offer only read-only tools (MCP_READ_ONLY)"
    )
    parser.add_argument(
        "--dynamic-toolsets",
        action="store_const",
        const=True,
        help="start with the nc_toolsets_* tools only; the model enables toolsets as needed (MCP_DYNAMIC_TOOLSETS)",
    )
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], type=str.upper)
    parser.add_argument("--log-format", choices=["text", "json"])
    parser.add_argument("--version", action=_Version)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo" and args.auth_mode == "oauth":
        parser.error("the demo logs in to its sandbox with a password: drop --oauth")
    from nextcloud_mcp.config import load_settings
    from nextcloud_mcp.core.errors import ConfigError

    overrides: dict[str, Any] = {
        "mcp_transport": args.transport,
        "mcp_host": args.host,
        "mcp_port": args.port,
        "mcp_auth_mode": args.auth_mode,
        "mcp_log_level": args.log_level,
        "mcp_log_format": args.log_format,
        "mcp_read_only": args.read_only,
        "mcp_dynamic_toolsets": args.dynamic_toolsets,
    }
    try:
        if args.command == "demo":
            from nextcloud_mcp.demo.run import run_demo

            return run_demo(overrides)
        settings = load_settings(overrides)
        if args.command == "check":
            from nextcloud_mcp.logging import configure_logging
            from nextcloud_mcp.server.check import run_check

            configure_logging("WARNING", settings.mcp_log_format, _secrets(settings))
            return run_check(settings)
        from nextcloud_mcp.server.run import run

        run(settings)
    except ConfigError as exc:
        print(f"nextcloud-mcp-server: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def _secrets(settings: Any) -> list[str]:
    """The secret values the log redaction must hide."""
    values = (settings.nextcloud_password, settings.mcp_oidc_client_secret, settings.redis_url)
    return [value.get_secret_value() for value in values if value is not None]


if __name__ == "__main__":
    sys.exit(main())
