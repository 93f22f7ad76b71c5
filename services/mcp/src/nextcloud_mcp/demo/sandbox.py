"""The demo's sandbox Nextcloud: the fake Nextcloud (`fake_nextcloud`, the `demo` extra) served by uvicorn in a
thread of this process, on a free port of 127.0.0.1, with its data below one temporary folder.

This is the only module of the server that imports `fake_nextcloud` (the import-linter contract "The server never
imports the fake" in pyproject.toml allows this one edge; docs/architecture.md). `nextcloud_mcp.demo.guard` imports
it, so a missing extra gives the install command instead of a traceback.

The MCP server reaches the sandbox over the loopback port, exactly as it reaches a real Nextcloud. The port serves
Nextcloud only: the control API (`/__testbed__`) that seeds the data is used in-process, before the port opens, and
is never served, so nothing else on the machine can reset or fault the sandbox. Every account has a random
password.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import tempfile
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from pathlib import Path

import httpx2
import uvicorn

from fake_nextcloud import FakeNextcloud, FakeState, User, build_app
from nextcloud_mcp.demo.errors import SandboxError
from nextcloud_mcp.demo.folder import remove_folder
from nextcloud_mcp.demo.samples import Person

__all__ = ["Sandbox", "Seeder"]

Seeder = Callable[[httpx2.AsyncClient], Awaitable[None]]

_THREAD = "demo-nextcloud"
_UVICORN = logging.getLogger("uvicorn.error")  # both uvicorns log here: the MCP server's and the sandbox's


def _not_the_sandbox(record: logging.LogRecord) -> bool:
    """Keep the sandbox's uvicorn quiet below warnings, so "Uvicorn running on …" is only ever the MCP server."""
    return record.threadName != _THREAD or record.levelno >= logging.WARNING


class _Server(uvicorn.Server):
    """Tells the starting thread when the socket accepts connections (uvicorn leaves signals to the main thread:
    `capture_signals` does nothing in another thread)."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._ready.set()


class Sandbox:
    """One sandbox Nextcloud. `start()` seeds and serves it; `close()` stops it and deletes `folder`.

    `close()` is idempotent and may run again from a signal handler while a first call is under way.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.url = ""
        self._previous_tempdir = tempfile.tempdir
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def start(
        self, people: Sequence[Person], passwords: Mapping[str, str], app_passwords: Mapping[str, str], seeder: Seeder
    ) -> None:
        """Create the accounts, seed them with `seeder` (over the in-process control API), then open the port."""
        # The fake keeps file contents and calendars in folders from tempfile.mkdtemp (apps/dav, apps/caldav):
        # point the process's temporary folder into the sandbox, so that removing it removes everything.
        tempfile.tempdir = str(self.folder)
        users = [
            User(
                uid=p.login,
                login=p.login,
                password=passwords[p.login],
                display_name=p.display_name,
                email=p.email,
                app_passwords=[app_passwords[p.login]] if p.login in app_passwords else [],
            )
            for p in people
        ]
        state = FakeState(users)
        self._socket = _bind()
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(
            build_app(state, control=False),
            http="h11",
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=2,
        )
        server = self._server = _Server(config, self._ready)
        control = build_app(state)  # the same instance with /__testbed__, only for seeding in-process
        work = self._serve(control, seeder, server, self._socket)
        _UVICORN.addFilter(_not_the_sandbox)
        self._thread = threading.Thread(target=self._main, args=(work,), name=_THREAD, daemon=True)
        self._thread.start()
        if not self._ready.wait(120):
            raise SandboxError("the sandbox Nextcloud did not start within 120 s")
        if self._error is not None:
            raise SandboxError(f"the sandbox Nextcloud failed to start: {self._error}") from self._error
        if not server.started:
            raise SandboxError(f"the sandbox Nextcloud could not serve {self.url}")

    def close(self) -> None:
        """Stop the server (open requests get 2 s), delete the folder, restore the temporary folder."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10)
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
        remove_folder(self.folder)
        tempfile.tempdir = self._previous_tempdir
        _UVICORN.removeFilter(_not_the_sandbox)

    def _main(self, work: Coroutine[None, None, None]) -> None:
        try:
            asyncio.run(work)
        except BaseException as exc:  # handed to start(), which raises it in the main thread
            self._error = exc
        finally:
            self._ready.set()

    async def _serve(self, control: FakeNextcloud, seeder: Seeder, server: _Server, sock: socket.socket) -> None:
        transport = httpx2.ASGITransport(app=control)
        async with httpx2.AsyncClient(transport=transport, base_url=self.url) as client:
            await seeder(client)
        await server.serve(sockets=[sock])


def _bind() -> socket.socket:
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only then (fake_nextcloud.cli._bind).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock
