#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# post-installation hook (first start only, right after `occ maintenance:install`): install and enable
# the apps, configure oidc/user_oidc, create the MCP server's OIDC client, set the public URL.
set -eu
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/configure.sh
. "$NC_LIB_DIR/configure.sh"

configure_nextcloud
# before-starting runs moments later in the same entrypoint run; tell it that this is done.
touch "${NC_CONFIGURED_MARKER:-/tmp/nextcloud-mcp-configured}"
