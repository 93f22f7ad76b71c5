"""Run an ASGI app with uvicorn on an already-bound socket (used by the CLI)."""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Callable, Iterator
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

__all__ = ["serve"]


class _Server(uvicorn.Server):
    """A ``uvicorn.Server`` that does not re-raise SIGINT/SIGTERM after its graceful shutdown (uvicorn does,
    which would kill the process before the caller can clean up its PID file)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_ready()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        def handler(sig: int, frame: FrameType | None) -> None:
            self.handle_exit(sig, frame)

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)


async def serve(app: ASGIApp, sock: socket.socket, *, log_level: str, on_ready: Callable[[], None]) -> None:
    """Serve until SIGINT/SIGTERM; call ``on_ready`` once the socket accepts connections."""
    config = uvicorn.Config(app, http="h11", lifespan="off", log_level=log_level, access_log=False)
    await _Server(config, on_ready).serve(sockets=[sock])
