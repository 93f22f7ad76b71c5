# shellcheck shell=sh
# configure_nextcloud: everything the MCP stack needs from Nextcloud, idempotent (safe on every start).
# Sourced by post-installation/10-configure.sh (first install) and before-starting/20-configure.sh
# (every later start, so .env changes take effect and a first start that failed half-way heals).
# Expects lib/common.sh to be sourced. All settings come from the environment (see .env.example).

: "${NC_REQUIRED_APPS:=oidc user_oidc notes}"                     # failure to install stops the container
: "${NC_OPTIONAL_APPS:=calendar contacts deck tables cookbook}"   # failure only warns
: "${OIDC_DYNAMIC_CLIENT_REGISTRATION:=true}"
: "${OIDC_EXPIRE_TIME:=3600}"             # access/ID token lifetime (s); app default 900
: "${OIDC_REFRESH_EXPIRE_TIME:=604800}"   # refresh token lifetime (s); app default 900
: "${OIDC_CLIENT_EXPIRE_TIME:=2592000}"   # lifetime of DCR clients (s); app default 3600 breaks MCP clients
: "${OIDC_ALLOW_USER_SETTINGS:=enabled}"  # "enabled": consent page; "no": silent consent
: "${OIDC_DEFAULT_TOKEN_TYPE:=jwt}"       # clients created with occ/UI without --token_type (see .env.example)
: "${NC_MCP_CLIENT_NAME:=nextcloud-mcp-server}"

configure_nextcloud() {
  # `occ status` is a core command: it answers in maintenance mode too (nextcloud/server core/Command/Status.php:
  # installed, maintenance, needsDbUpgrade). An empty answer (occ failed) reads as "not installed".
  status=$(occ status --output=json 2>/dev/null) || status=""
  if ! status_is installed; then
    log "Nextcloud is not installed yet: nothing to configure"
    return 0
  fi
  # In maintenance mode, and while an upgrade is pending, occ loads no apps (nextcloud/server
  # lib/private/Console/Application.php: "Nextcloud is in maintenance mode, no apps are loaded." /
  # "Commands provided by apps are unavailable.", or NeedsUpdateException): `occ oidc:list` would fail
  # and stop the container, over and over. Leave the instance as it is and let Apache start.
  if status_is maintenance; then
    warn "Nextcloud is in maintenance mode: occ loads no apps, so nothing was configured on this start" \
      "(apps, oidc settings, the MCP server's OIDC client, public URL); the instance keeps its previous" \
      "configuration and stays unhealthy. When the maintenance is over:" \
      "docker compose exec -u www-data nextcloud php occ maintenance:mode --off;" \
      "then docker compose restart nextcloud applies .env again."
    return 0
  fi
  if status_is needsDbUpgrade; then
    warn "Nextcloud $(nc_version) needs 'occ upgrade' (status: needsDbUpgrade): occ loads no apps, so" \
      "nothing was configured on this start and the instance stays unhealthy. Run:" \
      "docker compose exec -u www-data nextcloud php occ upgrade; then docker compose restart nextcloud."
    return 0
  fi
  log "configuring Nextcloud $(nc_version) for the MCP server"
  configure_apps
  configure_oidc
  configure_mcp_client
  occ config:system:set user_oidc oidc_provider_bearer_validation --value=true --type=boolean >/dev/null
  configure_urls
  log "configuration done"
}

# status_is KEY: whether the JSON of `occ status --output=json` (in $status) has "KEY": true.
status_is() { printf '%s\n' "$status" | grep -q "\"$1\": *true"; }

configure_apps() {
  enabled=$(occ app:list --output=json | php "$NC_LIB_DIR/enabled_apps.php") || die "could not list the apps"
  for app in $NC_REQUIRED_APPS; do
    ensure_app "$app" || die "could not install/enable the app '$app' (the container needs HTTPS to apps.nextcloud.com)"
  done
  for app in $NC_OPTIONAL_APPS; do
    ensure_app "$app" || warn "could not install/enable the optional app '$app'; its MCP tools stay hidden"
  done
}

# ensure_app ID: install from the app store when missing, enable when disabled, else nothing.
ensure_app() {
  case " $enabled " in *" $1 "*) return 0 ;; esac
  if occ app:getpath "$1" >/dev/null 2>&1; then
    occ app:enable "$1"
  else
    occ app:install "$1" # installs and enables
  fi
}

configure_oidc() {
  set_oidc dynamic_client_registration "$OIDC_DYNAMIC_CLIENT_REGISTRATION"
  set_oidc expire_time "$OIDC_EXPIRE_TIME"
  set_oidc refresh_expire_time "$OIDC_REFRESH_EXPIRE_TIME"
  set_oidc client_expire_time "$OIDC_CLIENT_EXPIRE_TIME"
  set_oidc allow_user_settings "$OIDC_ALLOW_USER_SETTINGS"
  set_oidc default_token_type "$OIDC_DEFAULT_TOKEN_TYPE"
}

set_oidc() { occ config:app:set oidc "$1" --value="$2" >/dev/null; }

# The MCP server's own confidential client (token introspection). Its resource_url is the MCP URL, so the
# oidc app lets it introspect tokens issued for that resource. Re-created when .env changed it.
configure_mcp_client() {
  if [ -z "${MCP_OIDC_CLIENT_ID:-}" ]; then
    log "MCP_OIDC_CLIENT_ID is unset: no OIDC client for the MCP server (fine in BasicAuth mode)"
    return 0
  fi
  [ -n "${MCP_PUBLIC_URL:-}" ] || die "MCP_PUBLIC_URL is empty; it is the MCP client's resource_url"
  check_client_credential MCP_OIDC_CLIENT_ID "${MCP_OIDC_CLIENT_ID}"
  check_client_credential MCP_OIDC_CLIENT_SECRET "${MCP_OIDC_CLIENT_SECRET:-}"

  state=$(occ oidc:list | php "$NC_LIB_DIR/oidc_client_state.php") || die "could not read the OIDC clients"
  case "$state" in
    same)
      log "OIDC client '$NC_MCP_CLIENT_NAME' for the MCP server is up to date"
      return 0
      ;;
    changed) occ oidc:remove "$MCP_OIDC_CLIENT_ID" >/dev/null || die "could not remove the outdated MCP client" ;;
    missing) ;;
    *) die "unexpected client state '$state'" ;;
  esac
  # oidc:create prints the secret: keep its output, show only error lines. The secret is on occ's command
  # line for this one call (the oidc app reads it from --client_secret only, H2CK/oidc
  # lib/Command/Clients/OIDCCreate.php), so `ps` on the host shows it for a second when the client is
  # created or re-created; never on a start where it is up to date (docs/deployment.md, "Secrets").
  if ! out=$(occ oidc:create "$NC_MCP_CLIENT_NAME" "$MCP_PUBLIC_URL" --type=confidential \
    --client_id="$MCP_OIDC_CLIENT_ID" --client_secret="$MCP_OIDC_CLIENT_SECRET" \
    --resource_url="$MCP_PUBLIC_URL" 2>&1); then
    printf '%s\n' "$out" | grep -i 'error' >&2 || true
    die "occ oidc:create failed for the MCP server's client"
  fi
  log "OIDC client '$NC_MCP_CLIENT_NAME' for the MCP server $state; created with resource_url $MCP_PUBLIC_URL"
}

# The oidc app accepts ids and secrets of 32-64 printable ASCII characters without ':'.
check_client_credential() {
  case "$2" in *:* | *[![:graph:]]*) die "$1 must be printable ASCII without ':' or spaces" ;; esac
  if [ "${#2}" -lt 32 ] || [ "${#2}" -gt 64 ]; then
    die "$1 must be 32 to 64 characters long (it is ${#2})"
  fi
}

# overwrite*: the issuer and every generated URL is the public URL, also for requests that arrive
# through the internal URL (the MCP server calls http://nextcloud).
# No trusted_domains: with overwritehost set, Nextcloud skips the trusted-domain check (nextcloud/server
# lib/base.php, "overwritehost is always trusted"; TrustedDomainHelper::isTrustedDomain returns true), so
# entries there would change nothing. The image writes NEXTCLOUD_TRUSTED_DOMAINS once, at installation.
configure_urls() {
  url="${NEXTCLOUD_PUBLIC_URL:-}"
  if [ -z "$url" ]; then
    warn "NEXTCLOUD_PUBLIC_URL is unset: the OIDC issuer will follow each request's Host header"
    return 0
  fi
  url=${url%/}
  proto=${url%%://*}
  rest=${url#*://}
  hostport=${rest%%/*}
  case "$proto" in http | https) ;; *) die "NEXTCLOUD_PUBLIC_URL must start with http:// or https://" ;; esac
  occ config:system:set overwritehost --value="$hostport" >/dev/null
  occ config:system:set overwriteprotocol --value="$proto" >/dev/null
  occ config:system:set overwrite.cli.url --value="$url" >/dev/null
  case "$rest" in
    */*) occ config:system:set overwritewebroot --value="/${rest#*/}" >/dev/null ;;
    *) occ config:system:delete overwritewebroot >/dev/null ;;
  esac
  log "public URL $url (overwritehost $hostport: every Host header is accepted, trusted_domains do not apply)"
}
