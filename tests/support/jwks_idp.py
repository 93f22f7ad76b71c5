"""A tiny external OpenID provider on loopback for the user_oidc tests: discovery + JWKS served by uvicorn in
the test's event loop, tokens signed locally with PyJWT."""

from __future__ import annotations

import functools
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@functools.cache
def rsa_key(bits: int = 2048, name: str = "main") -> rsa.RSAPrivateKey:
    """A key per (size, name), generated once per test session."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return jwk | {"kid": kid, "use": "sig", "alg": "RS256"}


@dataclass
class Idp:
    """The running provider: its issuer, keys served in the JWKS, and how often each path was fetched."""

    issuer: str = ""
    keys: list[dict[str, Any]] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def token(
        self, claims: dict[str, Any], *, now: float, key: rsa.RSAPrivateKey | None = None, kid: str | None = "k1"
    ) -> str:
        """A signed access token issued at ``now`` (the fake's clock), valid for 5 minutes; claims given as
        ``None`` are left out."""
        payload = {"iss": self.issuer, "iat": int(now), "exp": int(now) + 300} | claims
        payload = {k: v for k, v in payload.items() if v is not None}
        headers = {"kid": kid} if kid is not None else {}
        return jwt.encode(payload, key or rsa_key(), algorithm="RS256", headers=headers)


def _app(idp: Idp) -> Starlette:
    async def discovery(request: Request) -> JSONResponse:
        idp.hits["discovery"] = idp.hits.get("discovery", 0) + 1
        return JSONResponse({"issuer": idp.issuer, "jwks_uri": f"{idp.issuer}/jwks"})

    async def jwks(request: Request) -> JSONResponse:
        idp.hits["jwks"] = idp.hits.get("jwks", 0) + 1
        return JSONResponse({"keys": idp.keys})

    return Starlette(routes=[Route("/.well-known/openid-configuration", discovery), Route("/jwks", jwks)])


@asynccontextmanager
async def running_idp() -> AsyncIterator[Idp]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    idp = Idp(issuer=f"http://127.0.0.1:{sock.getsockname()[1]}", keys=[public_jwk(rsa_key(), "k1")])
    server = uvicorn.Server(uvicorn.Config(_app(idp), log_config=None, access_log=False, lifespan="off"))
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            with anyio.fail_after(10):
                while not server.started:  # noqa: ASYNC110 - uvicorn has no readiness event
                    await anyio.sleep(0.01)
            try:
                yield idp
            finally:
                server.should_exit = True
    finally:
        sock.close()
