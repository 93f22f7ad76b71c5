#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# before-starting hook (every container start): apply each patches/*.patch to the Nextcloud code, or
# revert them when NC_PATCHES=off (compose.unpatched.yaml). Every start, because an image upgrade
# replaces the code. Idempotent: "already applied" is detected with a reverse dry run.
# Fails loudly (non-zero exit stops the container) when a patch neither applies nor is already
# applied: the Nextcloud code changed under it, and someone has to look (see patches/README.md).
#
# Environment: NC_PATCHES=on|off (default on), NC_PATCH_DIR (default /opt/nextcloud-mcp/patches),
# NC_ROOT (default /var/www/html), NC_PATCH_TOOL=busybox|gnu (default: busybox, which the image has).
set -eu
# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

patch_dir="${NC_PATCH_DIR:-/opt/nextcloud-mcp/patches}"
mode="${NC_PATCHES:-on}"
case "$mode" in
  on | off) ;;
  *) die "NC_PATCHES must be 'on' or 'off', not '$mode'" ;;
esac

tool="${NC_PATCH_TOOL:-}"
if [ -z "$tool" ]; then
  if command -v busybox >/dev/null 2>&1 && busybox patch --help >/dev/null 2>&1; then
    tool=busybox
  elif command -v patch >/dev/null 2>&1; then
    tool=gnu
  else
    die "neither 'busybox patch' nor 'patch' is available"
  fi
fi
case "$tool" in
  busybox | gnu) ;;
  *) die "NC_PATCH_TOOL must be 'busybox' or 'gnu', not '$tool'" ;;
esac

# patch_run FILE ARGS...: apply FILE in NC_ROOT with -p1, exactly (no fuzz), without prompts or backups.
patch_run() {
  file=$1
  shift
  case "$tool" in
    busybox) (cd "$NC_ROOT" && busybox patch -p1 "$@" -i "$file") ;;
    # --forward: never "assume -R" on a reversed-looking patch; that would hide the state we probe for.
    gnu) (cd "$NC_ROOT" && patch -p1 --batch --forward --fuzz=0 --no-backup-if-mismatch --reject-file=- "$@" -i "$file") ;;
  esac
}

if ! [ -d "$patch_dir" ]; then
  [ "$mode" = off ] && exit 0
  die "no patch directory at $patch_dir: mount ./patches there, or set NC_PATCHES=off"
fi

found=0
for file in "$patch_dir"/*.patch; do
  [ -f "$file" ] || continue
  found=$((found + 1))
  name=$(basename "$file")
  # Reverse first: the patch's one-line context also matches *after* it was applied.
  if patch_run "$file" -R --dry-run >/dev/null 2>&1; then
    state=applied
  elif forward=$(patch_run "$file" --dry-run 2>&1); then
    state=stock
  else
    state=unknown
  fi

  case "$mode:$state" in
    on:applied) log "$name: already applied" ;;
    on:stock)
      patch_run "$file" >/dev/null || die "$name: applying failed after a clean dry run"
      patch_run "$file" -R --dry-run >/dev/null 2>&1 || die "$name: applied, but does not verify"
      log "$name: applied to Nextcloud $(nc_version)"
      ;;
    on:unknown)
      printf '%s\n' "$forward" >&2
      die "$name neither applies to nor is already applied in Nextcloud $(nc_version) at $NC_ROOT." \
        "The patched file changed upstream (or upstream merged a fix, nextcloud/server#55878):" \
        "update the patch (patches/README.md), or start with NC_PATCHES=off."
      ;;
    off:applied)
      patch_run "$file" -R >/dev/null || die "$name: reverting failed"
      log "$name: reverted (NC_PATCHES=off)"
      ;;
    off:stock) log "$name: not applied (NC_PATCHES=off)" ;;
    off:unknown) warn "$name: neither applied nor applicable; NC_PATCHES=off, so the code is left as it is" ;;
  esac
done

[ "$found" -gt 0 ] || [ "$mode" = off ] || die "no *.patch files in $patch_dir"
