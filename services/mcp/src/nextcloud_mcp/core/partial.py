"""What a multi-step tool says when a later step fails: what was already written, the failure (Nextcloud's own
message kept), and what to call next, so a retry never duplicates what was done (docs/troubleshooting.md)."""

from __future__ import annotations

import httpx2

from nextcloud_mcp.core.errors import NextcloudError

__all__ = ["after_write", "unanswered"]

#: Failures to open a connection: nothing was sent (core.http raises these from httpx2's connect errors).
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)


def unanswered(exc: NextcloudError) -> bool:
    """A request that was sent but got no answer (dropped connection, timeout): it may or may not have happened."""
    return exc.status is None and not isinstance(exc.__cause__, _NOT_SENT)


def after_write(exc: NextcloudError, done: str, then: str) -> NextcloudError:
    """`exc` (the failed later step) re-worded: what was already written, what failed, then what to call next.
    The class, method, path and status of the failed request stay."""
    exc.message = f"{done} {exc.message} {then}"
    return exc
