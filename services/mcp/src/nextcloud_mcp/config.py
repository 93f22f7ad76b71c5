"""All settings of the server, in one typed object read from the environment (and CLI overrides).

`docs/configuration.md` is generated from this class (`scripts/gen-docs`); a test keeps them equal.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from nextcloud_mcp.errors import ConfigError

__all__ = ["AuthMode", "Settings", "load_settings"]

AuthMode = Literal["basic", "oauth"]


class Settings(BaseSettings):
    """Server settings. Every field is read from the environment variable of the same name, upper-cased."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    nextcloud_host: AnyHttpUrl = Field(
        description="Base URL of the Nextcloud instance, e.g. `https://cloud.example.com` (a sub-path is kept)."
    )
    nextcloud_username: str | None = Field(
        default=None, description="Login name for BasicAuth mode (with `NEXTCLOUD_PASSWORD`)."
    )
    nextcloud_password: SecretStr | None = Field(
        default=None, description="App password (recommended) or password for BasicAuth mode. Never logged."
    )
    nextcloud_verify_ssl: bool = Field(default=True, description="Verify Nextcloud's TLS certificate.")
    nextcloud_timeout: float = Field(
        default=30.0, gt=0, description="Seconds to wait for Nextcloud to answer a request (read/write/pool)."
    )
    nextcloud_connect_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a TCP/TLS connection to Nextcloud."
    )
    nextcloud_max_connections: int = Field(
        default=32, ge=1, description="Size of the shared HTTP connection pool to Nextcloud."
    )
    nextcloud_retries: int = Field(
        default=2,
        ge=0,
        le=5,
        description="Retries of idempotent requests after 502/503/504, timeouts or resets.",
    )
    mcp_auth_mode: AuthMode | None = Field(
        default=None,
        description="`basic` or `oauth`. Unset: `basic` when username and password are set, else `oauth`. "
        "CLI: `--no-oauth` / `--oauth`.",
    )
    mcp_transport: Literal["stdio", "streamable-http"] = Field(
        default="stdio", description="`stdio` (local clients) or `streamable-http`. CLI: `--transport`."
    )
    mcp_host: str = Field(default="127.0.0.1", description="Interface to listen on (HTTP). CLI: `--host`.")
    mcp_port: int = Field(default=8000, ge=0, le=65535, description="Port to listen on (HTTP). CLI: `--port`.")
    mcp_path: str = Field(default="/mcp", pattern=r"^/[A-Za-z0-9._~/-]*$", description="URL path of the MCP endpoint.")
    mcp_stateless_http: bool = Field(
        default=False,
        description="Stateless streamable HTTP (no sessions; any replica can answer any request).",
    )
    mcp_json_response: bool = Field(
        default=False, description="Answer streamable HTTP requests with plain JSON instead of SSE streams."
    )
    mcp_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated `Host` values accepted (DNS-rebinding protection), e.g. `mcp.example.com,"
        "mcp:8000`; `name:*` allows any port. Default: loopback names only.",
    )
    mcp_allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated `Origin` values accepted from browsers. Default: loopback origins only.",
    )
    mcp_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Log level (logs go to stderr)."
    )
    mcp_log_format: Literal["text", "json"] = Field(
        default="text", description="`text` or `json` (one object per line)."
    )
    mcp_capabilities_ttl: float = Field(
        default=300.0, ge=0, description="Seconds to cache Nextcloud capabilities (which apps are installed)."
    )

    @field_validator("mcp_auth_mode", "mcp_log_level", mode="before")
    @classmethod
    def _normalise_case(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value.upper() if value.lower() in {"debug", "info", "warning", "error"} else value.lower()
        return value

    @field_validator("mcp_allowed_hosts", "mcp_allowed_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("nextcloud_username", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("nextcloud_password", mode="before")
    @classmethod
    def _empty_password_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value == "" else value

    @property
    def auth_mode(self) -> AuthMode:
        """The effective auth mode: explicit, else BasicAuth when both credentials are set, else OAuth."""
        if self.mcp_auth_mode is not None:
            return self.mcp_auth_mode
        if self.nextcloud_username and self.nextcloud_password:
            return "basic"
        return "oauth"

    @property
    def nextcloud_base_url(self) -> str:
        """`nextcloud_host` without a trailing slash."""
        return str(self.nextcloud_host).rstrip("/")


_KNOWN = {name.upper() for name in Settings.model_fields}


def _check_unknown(environ: Mapping[str, str]) -> None:
    """Reject unknown `MCP_*` variables and likely typos of `NEXTCLOUD_*` ones.

    Other `NEXTCLOUD_*` variables are left alone: the official Nextcloud image reads many
    (`NEXTCLOUD_ADMIN_USER`, …) and a shared `.env` file is common.
    """
    for key in environ:
        upper = key.upper()
        if upper in _KNOWN or not upper.startswith(("MCP_", "NEXTCLOUD_")):
            continue
        close = difflib.get_close_matches(upper, _KNOWN, n=1, cutoff=0.85)
        if upper.startswith("MCP_") or close:
            hint = f"; did you mean {close[0]}?" if close else "; see docs/configuration.md"
            raise ConfigError(f"Unknown setting {key}{hint}")


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from `environ` (default `os.environ`) with CLI `overrides` on top.

    Raises ConfigError naming each bad variable, never echoing a secret value.
    """
    env = os.environ if environ is None else environ
    _check_unknown(env)
    values = {k.lower(): v for k, v in env.items() if k.upper() in _KNOWN}
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper() or "settings"
            problems.append(f"{name}: {err['msg']}")
        raise ConfigError("Invalid configuration: " + "; ".join(problems)) from None
