"""The server's one error tree.

```
NextcloudMCPError
├── ConfigError            bad settings; raised at start, printed by the CLI, exit 2
├── InvalidInput           a value from the caller that cannot be used (time, zone, rule, field); nothing sent
├── NotConfirmed           a destructive bulk action the user declined or nobody confirmed (core.confirm); nothing sent
├── UnreadableDocument     no text from a document: encrypted, corrupt, too large, too slow (core.extract)
└── NextcloudError         a Nextcloud request failed (.status .method .path; never headers or bodies)
    ├── AuthenticationFailed   401
    ├── Forbidden              403
    ├── NotFound               404
    ├── Conflict               409 / 412 (carries the server's current version when known)
    ├── Locked                 423
    ├── RateLimited            429 (.retry_after)
    ├── InsufficientStorage    507
    ├── Unavailable            5xx, timeouts, connection failures (retryable for idempotent calls)
    │   └── Maintenance        503 with X-Nextcloud-Maintenance-Mode (maintenance mode or a pending upgrade)
    ├── WrongHost              NEXTCLOUD_HOST does not reach Nextcloud's API (a redirect, a page that is not
    │                          Nextcloud's, https/http on the wrong port); `.suggestion` is the value to set
    ├── TLSFailure             the TLS certificate or handshake failed (unknown CA, wrong name, expired)
    ├── BadRequest             any other 4xx
    └── ProtocolError          Nextcloud answered something we cannot parse
```

Every message is written for the model that called the tool: what failed and what to do next.
`core.statuses.raise_for_status` is the only place that maps HTTP statuses to these classes.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthenticationFailed",
    "BadRequest",
    "ConfigError",
    "Conflict",
    "Forbidden",
    "InsufficientStorage",
    "InvalidInput",
    "Locked",
    "Maintenance",
    "NextcloudError",
    "NextcloudMCPError",
    "NotConfirmed",
    "NotFound",
    "ProtocolError",
    "RateLimited",
    "TLSFailure",
    "Unavailable",
    "UnreadableDocument",
    "WrongHost",
]


class NextcloudMCPError(Exception):
    """Base class of every error this server raises on purpose."""


class ConfigError(NextcloudMCPError):
    """Raised at start when the settings are missing, malformed or contradictory."""


class InvalidInput(NextcloudMCPError):
    """A value from the caller (time, zone, rule, contact field) that cannot be used; nothing was sent."""


class NotConfirmed(NextcloudMCPError):
    """A destructive bulk action that was not confirmed (declined, dismissed, or called without confirm=true);
    nothing was deleted. The message says what would have been lost (`core.confirm`)."""


class UnreadableDocument(NextcloudMCPError):
    """A document whose text cannot be extracted (encrypted, corrupt, over a size, time or memory limit)."""


class NextcloudError(NextcloudMCPError):
    """Raised when a request to Nextcloud fails.

    Carries the method, the path (without query string) and the HTTP status, never headers or bodies,
    so it is safe to log and to show to the model.
    """

    hint = "Check the request and try again."

    def __init__(self, message: str, *, method: str = "", path: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status

    def __str__(self) -> str:
        where = f" ({self.method} {self.path} → {self.status})" if self.method and self.status else ""
        return f"{self.message}{where}"


class AuthenticationFailed(NextcloudError):
    """Raised on 401: the credentials were rejected."""


class Forbidden(NextcloudError):
    """Raised on 403: the user may not do this (read-only item, missing share permission, app disabled)."""


class NotFound(NextcloudError):
    """Raised on 404: the item does not exist or is not visible to this user."""


class Conflict(NextcloudError):
    """Raised on 409 and 412: the item changed on the server, or the target already exists.

    `current` holds the server's current version when Nextcloud sent one (Notes answers a 412 with it).
    """

    def __init__(self, message: str, *, current: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.current = current


class Locked(NextcloudError):
    """Raised on 423: the item is locked (being edited or synced elsewhere)."""


class RateLimited(NextcloudError):
    """Raised on 429: Nextcloud throttles this client; `retry_after` is in seconds when known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InsufficientStorage(NextcloudError):
    """Raised on 507: the user's quota is exhausted."""


class Unavailable(NextcloudError):
    """Raised on 5xx, timeouts and connection failures: Nextcloud could not answer."""


class Maintenance(Unavailable):
    """Raised on 503 with `X-Nextcloud-Maintenance-Mode`: maintenance mode is on or an upgrade is pending."""


class WrongHost(NextcloudError):
    """Raised when `NEXTCLOUD_HOST` does not reach Nextcloud's API: the answer is a redirect, a web page that is
    not Nextcloud's, or the scheme does not match the port. Retrying does not help; the setting must change.

    `suggestion` is the `NEXTCLOUD_HOST` value to set when the answer tells it (a redirect's target, a
    probed sub-path, `https://` on a TLS port), else None.
    """

    def __init__(self, message: str, *, suggestion: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.suggestion = suggestion


class TLSFailure(NextcloudError):
    """Raised when the TLS connection to Nextcloud fails: the certificate is not trusted, names another host or
    expired, or the handshake fails. Retrying does not help; the certificate or a setting must change."""


class BadRequest(NextcloudError):
    """Raised on any other 4xx: Nextcloud rejected the request as malformed."""


class ProtocolError(NextcloudError):
    """Raised when Nextcloud's answer cannot be parsed (not JSON, no OCS envelope, unexpected shape)."""
