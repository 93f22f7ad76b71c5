"""BasicAuth mode: one Nextcloud user with a login name and an (app) password from the settings."""

from __future__ import annotations

import hashlib

import httpx2
from pydantic import SecretStr

__all__ = ["BasicCredentials"]


class BasicCredentials:
    """The single user of BasicAuth mode. `key` is a stable, non-secret identifier for caches."""

    def __init__(self, username: str, password: SecretStr) -> None:
        self.auth = httpx2.BasicAuth(username, password.get_secret_value())
        self.key = "basic:" + hashlib.sha256(username.encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"BasicCredentials(key={self.key!r})"
