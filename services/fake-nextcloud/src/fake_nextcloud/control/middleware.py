"""Outermost ASGI layer: applies fault rules before Nextcloud routing and records the request log.

Dropping a connection needs the server's transport. Under uvicorn (the CLI uses the h11 protocol) the
``send`` callable handed to the application is a bound method of the request cycle, which owns the
transport: the connection is aborted without any response bytes, so clients see "server disconnected
without sending a response". In-process (e.g. ``httpx2.ASGITransport``) there is no connection to drop;
the app raises ``ConnectionDropped`` instead, which the ASGI transport re-raises to the caller.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import anyio.lowlevel
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fake_nextcloud.core.auth import parse_basic
from fake_nextcloud.core.context import Family, family_of
from fake_nextcloud.core.faults import FaultRule
from fake_nextcloud.core.requestlog import RequestRecord, redact_query
from fake_nextcloud.core.state import FakeState

__all__ = ["ConnectionDropped", "TestbedMiddleware"]


class ConnectionDropped(Exception):
    """Raised in-process where a fault rule asks to drop the connection (no socket to close)."""


class TestbedMiddleware:
    """Fault injection + request log around the whole application (control paths are exempt)."""

    __test__ = False  # not a pytest test class

    def __init__(self, app: ASGIApp, *, state: FakeState) -> None:
        self.app = app
        self.state = state

    def _claimed_names(self, scope: Scope) -> frozenset[str]:
        headers = dict(scope.get("headers") or [])
        raw = headers.get(b"authorization")
        creds = parse_basic(raw.decode("latin-1") if raw else None)
        if creds is None:
            return frozenset()
        names = {creds.user}
        for user in self.state.users_for_name(creds.user):
            names.update((user.uid, user.login))
        return frozenset(names)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or family_of(scope["path"])[0] is Family.CONTROL:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method: str = scope["method"]
        path: str = scope["path"]
        status: list[int] = []
        rule = self.state.faults.take(method, path, lambda: self._claimed_names(scope)) if self.state.faults else None

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        dropped = False
        try:
            if rule is not None:
                if rule.latency_ms:
                    await anyio.sleep(rule.latency_ms / 1000)
                if rule.drop:
                    dropped = True
                    await self._drop(send)
                    return
                if rule.status is not None:
                    await self._fault_response(rule)(scope, receive, recording_send)
                    return
            await self.app(scope, receive, recording_send)
        finally:
            self._log(scope, method, path, status[0] if status else None, rule, dropped, started)

    @staticmethod
    def _fault_response(rule: FaultRule) -> Response:
        headers = dict(rule.headers)
        if rule.body and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "text/plain; charset=utf-8"
        return Response(rule.body, status_code=rule.status or 500, headers=headers)

    @staticmethod
    async def _drop(send: Send) -> None:
        cycle: Any = getattr(send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is None:
            raise ConnectionDropped("fault rule dropped the connection")
        transport.abort()
        # Let the server notice the lost connection so it does not answer "500" on our behalf.
        # (asyncio schedules connection_lost with call_soon, so a few loop iterations are enough.)
        for _ in range(100):
            if getattr(cycle, "disconnected", True):
                break
            await anyio.lowlevel.checkpoint()

    def _log(
        self,
        scope: Scope,
        method: str,
        path: str,
        status: int | None,
        rule: FaultRule | None,
        dropped: bool,
        started: float,
    ) -> None:
        log = self.state.request_log
        user = scope.get("state", {}).get("fake_nc_user")
        login = scope.get("state", {}).get("fake_nc_login")
        log.append(
            RequestRecord(
                seq=log.next_seq(),
                time=self.state.now(),
                method=method,
                path=path,
                query=redact_query(scope.get("query_string", b"").decode("latin-1")),
                status=status,
                user=user if isinstance(user, str) else None,
                login=login if isinstance(login, str) else None,
                fault=rule.id if rule is not None else None,
                dropped=dropped,
                duration_ms=(time.perf_counter() - started) * 1000,
            )
        )
