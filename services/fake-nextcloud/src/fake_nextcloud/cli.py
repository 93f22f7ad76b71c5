"""``fake-nextcloud`` command line.

::

    fake-nextcloud --host 127.0.0.1 --port 8080 --user alice:secret --user bob=b0b:secret \\
        [--pid-file PATH] [--disable-app notes] [--version 34.0.2] [--no-control]

``--user`` is repeatable: ``LOGIN:PASSWORD`` or ``LOGIN=UID:PASSWORD`` (login name differing from the user
id, as with LDAP). ``--port 0`` picks a free port. Once the socket accepts connections the PID file is
written and ``fake-nextcloud listening on http://HOST:PORT`` is printed to stderr; SIGTERM/SIGINT stop the
server gracefully, remove the PID file and exit with status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "parse_user"]


def parse_user(spec: str) -> tuple[str, str, str]:
    """``LOGIN:PASSWORD`` or ``LOGIN=UID:PASSWORD`` -> (login, uid, password)."""
    ident, sep, password = spec.partition(":")
    if not sep or not ident or not password:
        raise argparse.ArgumentTypeError(f"expected LOGIN:PASSWORD or LOGIN=UID:PASSWORD, got {spec!r}")
    login, eq, uid = ident.partition("=")
    if eq and (not login or not uid):
        raise argparse.ArgumentTypeError(f"empty login or uid in {spec!r}")
    return login, uid or login, password


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fake-nextcloud", description="A fake Nextcloud server for tests.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (0 = pick a free one)")
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        type=parse_user,
        metavar="LOGIN[=UID]:PASSWORD",
        help="add an account (repeatable)",
    )
    parser.add_argument("--pid-file", type=Path, help="write the process id here once ready")
    parser.add_argument("--disable-app", action="append", default=[], metavar="APP", help="start with APP disabled")
    parser.add_argument("--version", default="34.0.2", help="reported Nextcloud version (default 34.0.2)")
    parser.add_argument("--no-control", action="store_true", help="do not mount the /__testbed__ control API")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    return parser


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _run(args: argparse.Namespace, sock: socket.socket) -> None:
    from fake_nextcloud import FakeState, User, build_app
    from fake_nextcloud.serve import serve

    users = [User(uid=uid, login=login, password=password, display_name=uid) for login, uid, password in args.user]
    state = FakeState(users, version=args.version, disabled_apps=args.disable_app)
    app = build_app(state, control=not args.no_control)

    def ready() -> None:
        host, port = sock.getsockname()[:2]
        if args.pid_file is not None:
            args.pid_file.write_text(f"{os.getpid()}\n")
        url_host = f"[{host}]" if ":" in host else host
        print(f"fake-nextcloud listening on http://{url_host}:{port}", file=sys.stderr, flush=True)

    asyncio.run(serve(app, sock, log_level=args.log_level, on_ready=ready))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        print(f"fake-nextcloud: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        _run(args, sock)
    except ValueError as exc:  # invalid --version / --disable-app / duplicate login
        print(f"fake-nextcloud: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover - second Ctrl-C
        pass
    finally:
        sock.close()
        if args.pid_file is not None:
            with contextlib.suppress(FileNotFoundError):
                args.pid_file.unlink()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
