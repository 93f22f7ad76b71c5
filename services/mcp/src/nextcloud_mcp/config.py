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

from nextcloud_mcp.core.errors import ConfigError

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
    mcp_public_url: AnyHttpUrl | None = Field(
        default=None,
        description="Public URL of the MCP endpoint, the OAuth resource id tokens must be issued for, e.g. "
        "`https://mcp.example.com/mcp`. Default: `http://MCP_HOST:MCP_PORT` + `MCP_PATH`.",
    )
    nextcloud_public_url: AnyHttpUrl | None = Field(
        default=None,
        description="Nextcloud's URL as browsers and MCP clients see it, when it differs from `NEXTCLOUD_HOST` "
        "(containers). Discovery endpoints under it are called via `NEXTCLOUD_HOST`.",
    )
    mcp_oidc_issuer: AnyHttpUrl | None = Field(
        default=None,
        description="Issuer of an external OpenID provider (Nextcloud with user_oidc). Default: Nextcloud's own "
        "`oidc` app; its issuer is read from discovery.",
    )
    mcp_oidc_discovery_url: AnyHttpUrl | None = Field(
        default=None,
        description="Where to read the OpenID discovery document. Default: `NEXTCLOUD_HOST/index.php/.well-known/"
        "openid-configuration`, or `MCP_OIDC_ISSUER/.well-known/openid-configuration`.",
    )
    mcp_token_validation: Literal["auto", "jwt", "introspection", "userinfo"] = Field(
        default="auto",
        description="How access tokens are validated. `auto`: JWTs by signature (JWKS), opaque tokens by "
        "introspection when `MCP_OIDC_CLIENT_ID` is set, else by userinfo (needs `MCP_REQUIRE_AUDIENCE=false`).",
    )
    mcp_oidc_client_id: str | None = Field(
        default=None, description="This server's own OAuth client at the IdP, used for token introspection."
    )
    mcp_oidc_client_secret: SecretStr | None = Field(
        default=None, description="Secret of `MCP_OIDC_CLIENT_ID`. Never logged."
    )
    mcp_require_audience: bool = Field(
        default=True,
        description="Accept only tokens issued for `MCP_PUBLIC_URL` (RFC 8707). Turn off only for IdPs that "
        "cannot bind audiences; the server then warns at start.",
    )
    mcp_require_scopes: bool = Field(
        default=True,
        description="Enforce per-app scopes (`notes:read`, `notes:write`, ...). Off: any valid token may use "
        "every tool (for IdPs without custom scopes); the server warns at start.",
    )
    mcp_expect_dcr: bool = Field(
        default=True,
        description="Refuse to start when the IdP offers no dynamic client registration endpoint. Set false "
        "when clients are pre-registered.",
    )
    mcp_token_cache_ttl: int = Field(
        default=3600, ge=1, description="Longest time (s) a validated token is cached; never past its expiry."
    )
    mcp_jwt_leeway: int = Field(default=30, ge=0, le=300, description="Clock skew (s) allowed on `exp`/`nbf`/`iat`.")
    redis_url: SecretStr | None = Field(
        default=None,
        description="Redis URL for the token cache shared by replicas, e.g. `redis://redis:6379/0`. Unset: "
        "in-process cache only.",
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
    mcp_apps: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated apps whose tools are offered, e.g. `notes,files`; default: every app. "
        "Fewer apps: a smaller `tools/list` for the model and a faster start (docs/performance.md).",
    )
    mcp_metrics: bool = Field(
        default=True,
        description="Serve Prometheus metrics at `GET /metrics` on the HTTP port (no token; see "
        "docs/observability.md). stdio never loads them.",
    )
    mcp_cache_dir: str | None = Field(
        default=None,
        description="Folder for the tool schema cache, written at the first start of each version and reused "
        "after (docs/performance.md). Unset: `$XDG_CACHE_HOME/nextcloud-mcp` or `~/.cache/nextcloud-mcp`; `off`: "
        "no cache (every start builds the schemas).",
    )
    mcp_default_timezone: str | None = Field(
        default=None,
        description="IANA zone (e.g. `Europe/Berlin`) for calendar times given without a zone, when the user's "
        "calendars name none. Unset: UTC. See docs/calendar.md.",
    )

    @field_validator("mcp_auth_mode", "mcp_log_level", mode="before")
    @classmethod
    def _normalise_case(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value.upper() if value.lower() in {"debug", "info", "warning", "error"} else value.lower()
        return value

    @field_validator("mcp_allowed_hosts", "mcp_allowed_origins", "mcp_apps", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("mcp_default_timezone", mode="after")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value.strip()

    @field_validator("nextcloud_username", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("nextcloud_password", "mcp_oidc_client_secret", "mcp_oidc_client_id", "redis_url", mode="before")
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

    @property
    def resource_url(self) -> str:
        """This server's OAuth resource identifier (no trailing slash)."""
        if self.mcp_public_url is not None:
            return str(self.mcp_public_url).rstrip("/")
        host = "127.0.0.1" if self.mcp_host in ("0.0.0.0", "::") else self.mcp_host  # noqa: S104
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.mcp_port}{self.mcp_path}".rstrip("/")


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
