"""``fake-nextcloud`` command line.

::

    fake-nextcloud --host 127.0.0.1 --port 8080 --user alice:secret --user bob=b0b:secret \\
        [--pid-file PATH] [--disable-app notes] [--version 34.0.2] [--no-control] [--webroot /nextcloud] \\
        [--no-dcr] [--no-bearer-validation] [--no-bearer-patch] [--consent] \\
        [--overwritehost HOST[:PORT]] [--overwriteprotocol https|http] [--oidc-token-type opaque|jwt] \\
        [--oidc-expire-time S] [--oidc-client-expire-time S] \\
        [--oidc-provider NAME=DISCOVERY_URL ... --oidc-provider-client-id ID] [--no-audience-check]

``--user`` is repeatable: ``LOGIN:PASSWORD`` or ``LOGIN=UID:PASSWORD`` (login name differing from the user
id, as with LDAP). ``--port 0`` picks a free port. Once the socket accepts connections the PID file is
written and ``fake-nextcloud listening on http://HOST:PORT[WEBROOT]`` is printed to stderr; SIGTERM/SIGINT
stop the server gracefully, remove the PID file and exit with status 0.

``--webroot /nextcloud`` serves the instance under that path, as a Nextcloud installed in a sub-directory (or
behind a proxy with ``overwritewebroot``) is reached: ``http://HOST:PORT/nextcloud/status.php``, hrefs and
redirects carrying ``/nextcloud``; the control API stays at ``/__testbed__``.

By default the oidc and user_oidc apps are installed and configured like the self-hosting stack
(``InstanceConfig.testbed()``); the ``--no-*`` flags switch single pieces off for negative tests, ``--consent``
sets oidc ``allow_user_settings=enabled``. ``--oidc-provider`` adds a user_oidc provider (like
``occ user_oidc:provider NAME --discoveryuri URL --clientid ID --check-bearer=1 --bearer-provisioning=1
--unique-uid=0``).
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

from fake_nextcloud.core.config import InstanceConfig, ProviderSpec
from fake_nextcloud.core.urls import clean_webroot

__all__ = ["config_from_args", "main", "parse_user"]


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
    parser.add_argument(
        "--webroot",
        default="",
        type=_parse_webroot,
        metavar="PATH",
        help="serve the instance under PATH, e.g. /nextcloud (OC::$WEBROOT; default: the server root)",
    )
    oidc = parser.add_argument_group("oidc / user_oidc")
    oidc.add_argument("--no-dcr", action="store_true", help="oidc dynamic_client_registration=false")
    oidc.add_argument(
        "--no-bearer-validation", action="store_true", help="user_oidc oidc_provider_bearer_validation=false"
    )
    oidc.add_argument("--no-bearer-patch", action="store_true", help="stock CORSMiddleware (Bearer -> 401 on #[CORS])")
    oidc.add_argument("--consent", action="store_true", help="oidc allow_user_settings=enabled (consent page)")
    oidc.add_argument("--overwritehost", metavar="HOST[:PORT]", help="system config overwritehost")
    oidc.add_argument("--overwriteprotocol", choices=["https", "http"], help="system config overwriteprotocol")
    oidc.add_argument(
        "--oidc-token-type",
        choices=["opaque", "jwt"],
        default="opaque",
        help="oidc default_token_type (default opaque)",
    )
    oidc.add_argument("--oidc-expire-time", type=int, default=900, metavar="S", help="token lifetime (default 900)")
    oidc.add_argument(
        "--oidc-client-expire-time", type=int, default=3600, metavar="S", help="DCR client lifetime (default 3600)"
    )
    oidc.add_argument(
        "--oidc-provider", action="append", default=[], type=_parse_provider, metavar="NAME=DISCOVERY_URL",
        help="add a user_oidc provider with bearer checking (repeatable)",
    )  # fmt: skip
    oidc.add_argument("--oidc-provider-client-id", default="", metavar="ID", help="client id of the --oidc-provider(s)")
    oidc.add_argument(
        "--no-audience-check",
        "--no-oidc-provider-audience-check",
        dest="no_audience_check",
        action="store_true",
        help="user_oidc selfencoded_bearer_validation_audience_check=false",
    )
    oidc.add_argument("--oidc-provider-unique-uid", action="store_true", help="providers use hashed unique user ids")
    oidc.add_argument("--no-bearer-provisioning", action="store_true", help="providers do not copy name/email claims")
    return parser


def _parse_webroot(value: str) -> str:
    try:
        return clean_webroot(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parse_provider(spec: str) -> tuple[str, str]:
    name, sep, url = spec.partition("=")
    if not sep or not name or not url.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected NAME=DISCOVERY_URL, got {spec!r}")
    return name, url


def config_from_args(args: argparse.Namespace) -> InstanceConfig:
    """The instance configuration the flags describe (testbed defaults otherwise)."""
    config = InstanceConfig.testbed()
    config.set_app_value("oidc", "dynamic_client_registration", "false" if args.no_dcr else "true")
    config.set_user_oidc("oidc_provider_bearer_validation", not args.no_bearer_validation)
    config.bearer_patch = not args.no_bearer_patch
    config.webroot = args.webroot
    if args.consent:
        config.set_app_value("oidc", "allow_user_settings", "enabled")
    for key in ("overwritehost", "overwriteprotocol"):
        if getattr(args, key):
            config.system[key] = getattr(args, key)
    config.set_app_value("oidc", "default_token_type", args.oidc_token_type)
    config.set_app_value("oidc", "expire_time", str(args.oidc_expire_time))
    config.set_app_value("oidc", "client_expire_time", str(args.oidc_client_expire_time))
    if args.no_audience_check:
        config.set_user_oidc("selfencoded_bearer_validation_audience_check", False)
    for name, url in args.oidc_provider:
        config.oidc_providers.append(
            ProviderSpec(
                identifier=name,
                discovery_uri=url,
                client_id=args.oidc_provider_client_id,
                unique_uid=args.oidc_provider_unique_uid,
                bearer_provisioning=not args.no_bearer_provisioning,
            )
        )
    return config


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only then (base_events._set_nodelay);
    # without it every keep-alive response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _run(args: argparse.Namespace, sock: socket.socket) -> None:
    from fake_nextcloud import FakeState, User, build_app
    from fake_nextcloud.serve import serve

    users = [User(uid=uid, login=login, password=password, display_name=uid) for login, uid, password in args.user]
    state = FakeState(users, version=args.version, disabled_apps=args.disable_app, config=config_from_args(args))
    app = build_app(state, control=not args.no_control)

    def ready() -> None:
        host, port = sock.getsockname()[:2]
        if args.pid_file is not None:
            args.pid_file.write_text(f"{os.getpid()}\n")
        url_host = f"[{host}]" if ":" in host else host
        print(f"fake-nextcloud listening on http://{url_host}:{port}{args.webroot}", file=sys.stderr, flush=True)

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
