"""All settings of the server, in one typed object read from the environment (and CLI overrides).

`docs/configuration.md` is generated from this class (`scripts/gen-docs`); a test keeps them equal.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from nextcloud_mcp.core.errors import ConfigError

__all__ = ["CLIENT_VARIABLES", "AuthMode", "Settings", "kubernetes_service_variable", "load_settings"]

AuthMode = Literal["basic", "oauth", "loginflow"]


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
    nextcloud_ca_bundle: str | None = Field(
        default=None,
        description="PEM file of the certificate authority that signed Nextcloud's certificate (a private or "
        "self-signed CA); used instead of the system's trust store. Unset: the system's trust store.",
    )
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
        description="`basic`, `oauth` or `loginflow` (this server is the OAuth authorization server and logs users "
        "in with Nextcloud's Login Flow v2; docs/authentication.md). Unset: `basic` when username and password are "
        "set, else `oauth`. CLI: `--no-oauth` / `--oauth`.",
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
    mcp_max_sessions_per_user: int = Field(
        default=20,
        ge=1,
        description="Stateful HTTP: open MCP sessions one user (token identity) may hold; a user over it is "
        "refused alone, everyone else keeps working.",
    )
    mcp_session_idle_timeout: float = Field(
        default=1800.0, gt=0, description="Stateful HTTP: seconds after which an unused MCP session is closed."
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
    mcp_loginflow_key: SecretStr | None = Field(
        default=None,
        description="`loginflow` mode: Fernet key(s) encrypting the stored app passwords, comma-separated (the first "
        'encrypts, all decrypt: rotation). Required in that mode. Make one with `python -c "from '
        'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`. Never logged.',
    )
    mcp_loginflow_access_ttl: int = Field(
        default=3600, ge=60, le=86400, description="`loginflow` mode: lifetime (s) of the access tokens it issues."
    )
    mcp_loginflow_refresh_ttl: int = Field(
        default=30 * 86400,
        ge=300,
        description="`loginflow` mode: a grant unused (not refreshed) this long (s) expires; its app password is then "
        "deleted in Nextcloud.",
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
    mcp_tools_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated tool names or globs (`nc_deck_*`): only these tools of `MCP_APPS` are offered. "
        "An entry that names no tool stops the server. Default: every tool.",
    )
    mcp_tools_deny: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated tool names or globs never offered; wins over `MCP_TOOLS_ALLOW`. An entry that "
        "names no tool stops the server.",
    )
    mcp_read_only: bool = Field(
        default=False,
        description="Offer only read-only tools (`readOnlyHint`); calling any other is refused. CLI: `--read-only`.",
    )
    mcp_dynamic_toolsets: bool = Field(
        default=False,
        description="Start with only the `nc_toolsets_*` tools; the model enables toolsets per session as needed. "
        "Without sessions (stateless HTTP) it calls their tools through `nc_toolsets_call_tool` (docs/tools.md). "
        "CLI: `--dynamic-toolsets`.",
    )
    mcp_semantic: bool = Field(
        default=False,
        description="Offer semantic search (`nc_semantic_*`): an index of the user's notes, text files, documents, "
        "Deck cards, calendar events and tasks, searched by meaning and words together (docs/semantic-search.md). "
        "Needs the `semantic` extra.",
    )
    mcp_semantic_sync_interval: int = Field(
        default=900,
        ge=0,
        description="Seconds between syncs of a user's semantic index. BasicAuth and Login Flow: a background task "
        "syncs every interval; OAuth: a search whose index was last checked longer ago syncs first. With the "
        "activity app, a sync whose activity stream shows nothing new skips the walk. `0`: only on "
        "`nc_semantic_update_index` and a user's first search (docs/semantic-search.md).",
    )
    mcp_semantic_path: str | None = Field(
        default=None,
        description="Folder of the embedded Qdrant index (one machine). Unset: `$XDG_DATA_HOME/nextcloud-mcp/semantic` "
        "or `~/.local/share/nextcloud-mcp/semantic`. "
        "Ignored when `MCP_SEMANTIC_QDRANT_URL` is set.",
    )
    mcp_semantic_qdrant_url: str | None = Field(
        default=None,
        description="URL of a Qdrant server holding the index, for replicas that share it (e.g. `http://qdrant:6333`).",
    )
    mcp_semantic_qdrant_api_key: SecretStr | None = Field(
        default=None, description="API key of that Qdrant server, if it needs one."
    )
    mcp_semantic_embedder: Literal["wordllama", "openai"] = Field(
        default="wordllama",
        description="`wordllama`: a small model shipped inside the `wordllama` package (CPU, no network); `openai`: "
        "an OpenAI-compatible `/embeddings` endpoint (`MCP_SEMANTIC_OPENAI_URL`).",
    )
    mcp_semantic_openai_url: str | None = Field(
        default=None, description="Base URL of the OpenAI-compatible API, e.g. `https://api.openai.com/v1`."
    )
    mcp_semantic_openai_model: str = Field(
        default="text-embedding-3-small", description="Embedding model name for the OpenAI-compatible endpoint."
    )
    mcp_semantic_openai_key: SecretStr | None = Field(
        default=None, description="Bearer key for the OpenAI-compatible endpoint."
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

    mcp_extract_max_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="Largest document (PDF, DOCX/XLSX/PPTX, ODT/ODS/ODP) `nc_files_read_file` extracts text from, "
        "and largest attachment the `nc_*_read_attachment` tools read, in bytes; larger ones get an error saying "
        "what to do instead. See docs/documents.md.",
    )
    mcp_extract_timeout: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="Seconds one document's text extraction may take before its process is killed.",
    )
    mcp_extract_memory_mb: int = Field(
        default=512,
        ge=128,
        description="Address-space cap (MiB) of the process that extracts one document's text (Linux, macOS).",
    )

    _notices: tuple[tuple[int, str], ...] = PrivateAttr(default=())

    @field_validator("mcp_port", mode="before")
    @classmethod
    def _port_number(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip().isdigit():
            if _KUBERNETES_ADDRESS.match(value.strip()):
                raise ValueError(f"{value.strip()!r} is a Kubernetes service address, not a port; give a number")
            raise ValueError("give the port number to listen on, from 1 to 65535, e.g. 8000")
        return value

    @field_validator("mcp_auth_mode", "mcp_log_level", mode="before")
    @classmethod
    def _normalise_case(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value.upper() if value.lower() in {"debug", "info", "warning", "error"} else value.lower()
        return value

    @field_validator(
        "mcp_allowed_hosts", "mcp_allowed_origins", "mcp_apps", "mcp_tools_allow", "mcp_tools_deny", mode="before"
    )
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

    @field_validator(
        "nextcloud_password",
        "mcp_oidc_client_secret",
        "mcp_oidc_client_id",
        "redis_url",
        "mcp_loginflow_key",
        mode="before",
    )
    @classmethod
    def _empty_password_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value == "" else value

    @field_validator("mcp_loginflow_key", mode="after")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        import base64
        import binascii

        for part in value.get_secret_value().split(","):
            try:
                raw = base64.urlsafe_b64decode(part.strip().encode())
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ValueError("not a Fernet key (32 url-safe base64-encoded bytes); see docs/authentication.md")
        return value

    @property
    def environment_notices(self) -> tuple[tuple[int, str], ...]:
        """(log level, message) about environment variables `load_settings` ignored, for `run()` to log once
        logging is configured."""
        return self._notices

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

# Variables MCP clients export for themselves (Claude Code: MCP_TIMEOUT, MCP_TOOL_TIMEOUT,
# MCP_CONNECTION_NONBLOCKING); a server they start inherits them. Not settings of this server, never an error.
CLIENT_VARIABLES = frozenset({"MCP_TIMEOUT", "MCP_TOOL_TIMEOUT", "MCP_CONNECTION_NONBLOCKING"})

# What the kubelet injects for every Service of the namespace (kubernetes/kubernetes,
# pkg/kubelet/envvars/envvars.go: FromServices, makeLinkVariables): for a Service `mcp` with TCP port 8000,
# MCP_SERVICE_HOST, MCP_SERVICE_PORT, MCP_SERVICE_PORT_<PORT NAME>, MCP_PORT=tcp://10.0.0.1:8000,
# MCP_PORT_8000_TCP, MCP_PORT_8000_TCP_PROTO, MCP_PORT_8000_TCP_PORT and MCP_PORT_8000_TCP_ADDR.
_KUBERNETES_NAME = re.compile(
    r"^[A-Z_][A-Z0-9_]*?_(?:SERVICE_HOST|SERVICE_PORT(?:_[A-Z0-9_]+)?|PORT_\d+_(?:TCP|UDP|SCTP)(?:_PROTO|_PORT|_ADDR)?)$"
)
_KUBERNETES_ADDRESS = re.compile(r"^(?:tcp|udp|sctp)://(?:\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+):\d{1,5}$")


def kubernetes_service_variable(name: str, value: str) -> bool:
    """Whether `name=value` has the form Kubernetes gives the variables it sets for a Service."""
    upper = name.upper()
    if _KUBERNETES_NAME.match(upper):
        return True
    return upper.endswith("_PORT") and bool(_KUBERNETES_ADDRESS.match(value.strip()))


def _check_environment(environ: Mapping[str, str], notices: list[tuple[int, str]]) -> set[str]:
    """Reject unknown `MCP_*` variables and likely typos of `NEXTCLOUD_*` ones; returns the names to ignore.

    Other `NEXTCLOUD_*` variables are left alone: the official Nextcloud image reads many
    (`NEXTCLOUD_ADMIN_USER`, …) and a shared `.env` file is common. Variables Kubernetes sets for Services
    (any prefix, e.g. a Service `nextcloud` gives NEXTCLOUD_PORT=tcp://…) and variables of MCP clients are
    ignored and noted at debug level; `MCP_PORT` in Kubernetes' `tcp://host:port` form is ignored too.
    """
    ignored: set[str] = set()
    kubernetes, clients = [], []
    for key, value in environ.items():
        upper = key.upper()
        if not upper.startswith(("MCP_", "NEXTCLOUD_")):
            continue
        if upper == "MCP_PORT" and _KUBERNETES_ADDRESS.match(value.strip()):
            ignored.add(key)
            continue
        if upper in _KNOWN:
            continue
        if upper in CLIENT_VARIABLES:
            clients.append(upper)
            continue
        if kubernetes_service_variable(upper, value):
            kubernetes.append(upper)
            continue
        close = difflib.get_close_matches(upper, _KNOWN, n=1, cutoff=0.85)
        if close:
            raise ConfigError(f"Unknown setting {key}; did you mean {close[0]}? Rename it (docs/configuration.md).")
        if upper.startswith("MCP_"):
            raise ConfigError(
                f"Unknown setting {key}: this server reads no such variable. Fix its name or remove it from the "
                "server's environment; docs/configuration.md lists the settings."
            )
    if kubernetes:
        notices.append(
            (logging.DEBUG, "Ignoring variables Kubernetes sets for Services (not settings): " + ", ".join(kubernetes))
        )
    if clients:
        notices.append(
            (logging.DEBUG, "Ignoring variables MCP clients set for themselves (not settings): " + ", ".join(clients))
        )
    return ignored


def _port_notice(value: str, settings: Settings, port_option: bool) -> str:
    source = "--port" if port_option else "the default; pass --port to choose another"
    return (
        f"MCP_PORT={value.strip()} is the address Kubernetes sets for a Service named `mcp`, not a port: ignored, "
        f"the server listens on port {settings.mcp_port} ({source}). To set the port with MCP_PORT, give it a "
        "number and rename the Service or set `enableServiceLinks: false` in the pod spec."
    )


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from `environ` (default `os.environ`) with CLI `overrides` on top.

    Raises ConfigError naming each bad variable, never echoing a secret value. Variables it ignored are
    described in `Settings.environment_notices`.
    """
    env = os.environ if environ is None else environ
    notices: list[tuple[int, str]] = []
    ignored = _check_environment(env, notices)
    values = {k.lower(): v for k, v in env.items() if k.upper() in _KNOWN and k not in ignored}
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper() or "settings"
            problems.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
        raise ConfigError("Invalid configuration: " + "; ".join(problems)) from None
    for key in ignored:
        port_option = (overrides or {}).get("mcp_port") is not None
        notices.insert(0, (logging.WARNING, _port_notice(env[key], settings, port_option)))
    settings._notices = tuple(notices)
    return settings
