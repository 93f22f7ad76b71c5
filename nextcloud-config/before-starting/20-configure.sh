#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# before-starting hook (every start): re-apply the configuration of post-installation/10-configure.sh,
# so that .env changes take effect and an interrupted first start (e.g. app store unreachable) heals.
# Skipped right after a fresh install, which post-installation has just configured.
set -eu
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/configure.sh
. "$NC_LIB_DIR/configure.sh"

marker="${NC_CONFIGURED_MARKER:-/tmp/nextcloud-mcp-configured}"
if [ -e "$marker" ]; then
  rm -f "$marker"
  log "configured by post-installation just now"
  exit 0
fi
configure_nextcloud
