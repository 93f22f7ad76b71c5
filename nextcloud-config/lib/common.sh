# shellcheck shell=sh
# Helpers sourced by the hook scripts. The official image runs hooks as the web user (www-data) with
# the container's environment (`su -p`), from /docker-entrypoint-hooks.d/<hook>/. Nothing here prints
# a secret: occ output that can contain one (oidc:list, oidc:create) is never echoed.

NC_ROOT="${NC_ROOT:-/var/www/html}"
NC_LIB_DIR="${NC_LIB_DIR:-$(cd "$(dirname "$0")/../lib" && pwd)}"

log() { printf '[nextcloud-mcp] %s\n' "$*"; }
warn() { printf '[nextcloud-mcp] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[nextcloud-mcp] ERROR: %s\n' "$*" >&2
  exit 1
}

# occ ARGS...: Nextcloud's command line, non-interactive. NC_OCC replaces it in tests.
occ() {
  if [ -n "${NC_OCC:-}" ]; then
    "$NC_OCC" "$@"
  else
    php "$NC_ROOT/occ" --no-interaction --no-ansi "$@"
  fi
}

# nc_version: the version of the code in NC_ROOT, without running PHP ("unknown" if there is none).
nc_version() {
  sed -n "s/^\$OC_VersionString = '\(.*\)';/\1/p" "$NC_ROOT/version.php" 2>/dev/null | grep . || echo unknown
}
