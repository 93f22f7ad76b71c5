"""What Mail's internal (``#[TrapError]``) controller methods share in the fake: the wrapper that answers as
``OCA\\Mail\\Http\\Middleware\\ErrorMiddleware`` does (nextcloud/mail v5.11.2), and the caller's uid."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.core.appframework import Annotations, Endpoint, Handler, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import json_response
from fake_nextcloud.core.php import PhpTypeError

__all__ = ["internal", "internal_no_csrf", "not_found", "uid"]


def internal(handler: Handler, *, no_csrf: bool = False) -> Endpoint:
    """A ``#[TrapError]`` controller method (CSRF checked unless ``no_csrf``; ``ErrorMiddleware`` answers
    errors)."""

    async def wrapped(ctx: NcContext, request: Request) -> Response | OcsResult:
        if not ctx.state.app_enabled("mail"):
            return json_response({"message": "App not enabled"}, 404)
        try:
            return await handler(ctx, request)
        except PhpTypeError:
            return json_response({"status": "error", "message": "Server error", "data": [], "code": 0}, 500)

    return controller(Annotations(no_csrf=no_csrf))(functools.wraps(handler)(wrapped))


def internal_no_csrf(handler: Handler) -> Endpoint:
    return internal(handler, no_csrf=True)


def not_found() -> Response:
    """``ErrorMiddleware::afterException`` for a ``DoesNotExistException``."""
    return json_response({"status": "fail", "data": []}, 404)


def uid(ctx: NcContext) -> str:
    assert ctx.user is not None
    return ctx.user.uid
