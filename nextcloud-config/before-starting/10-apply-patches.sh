#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# before-starting hook (every container start): apply each patches/*.patch to the Nextcloud code, or
# revert them when NC_PATCHES=off (compose.unpatched.yaml). Every start, because an image upgrade
# replaces the code. Idempotent: "already applied" is detected with a reverse dry run.
#
# After an upgrade a patch can meet code it was not made for; the container starts anyway:
# - its context no longer matches: WARNING, the code is left unpatched (who is affected: the patch's
#   "Needed-by:" header line), and someone updates the patch (patches/README.md);
# - upstream fixed it: the patch's "Fixed-if:" header line is an extended regex that matches the fix in
#   the target file (lines the patch itself adds are not counted); the patch is skipped with a note, and
#   a copy an earlier start added on top of the fix is reverted, so there is never a second early return.
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

# header FIELD PATCH: the rest of the first "FIELD: ..." line of the patch's free-text header.
header() {
  awk -v field="$1:" '/^(diff |--- )/ { exit } index($0, field) == 1 { sub(/^[^:]*:[ \t]*/, ""); print; exit }' "$2"
}

# target PATCH: the file the patch changes, relative to NC_ROOT (its first "+++ b/..." line).
target() {
  awk '/^\+\+\+ / { sub(/^\+\+\+ [^\/]*\//, ""); sub(/\t.*/, ""); print; exit }' "$1"
}

# upstream_fixes PATCH APPLIED: how many lines of the target match the patch's Fixed-if regex, not
# counting the ones this patch added (APPLIED=1); 0 without a Fixed-if line or a target file.
# Run it in $(...): its variables stay in the subshell.
upstream_fixes() {
  regex=$(header Fixed-if "$1")
  path="$NC_ROOT/$(target "$1")"
  if [ -z "$regex" ] || ! [ -f "$path" ]; then
    echo 0
    return
  fi
  hits=$(grep -cE -- "$regex" "$path" || true)
  if [ "$2" = 1 ]; then
    own=$(awk '/^\+\+\+ / { next } /^\+/ { print substr($0, 2) }' "$1" | grep -cE -- "$regex" || true)
    hits=$((hits - own))
  fi
  echo "$hits"
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
  applied=0
  patch_run "$file" -R --dry-run >/dev/null 2>&1 && applied=1
  fixed=$(upstream_fixes "$file" "$applied")
  if [ "$fixed" -gt 0 ] && [ "$applied" = 1 ]; then
    state=duplicate # upstream's fix plus ours on top (an earlier start, before the fix was detected)
  elif [ "$applied" = 1 ]; then
    state=applied
  elif [ "$fixed" -gt 0 ]; then
    state=upstream
  elif forward=$(patch_run "$file" --dry-run 2>&1); then
    state=stock
  else
    state=stale
  fi
  where="$(target "$file") of Nextcloud $(nc_version)"

  case "$mode:$state" in
    on:applied) log "$name: already applied" ;;
    on:stock)
      patch_run "$file" >/dev/null || die "$name: applying failed after a clean dry run"
      patch_run "$file" -R --dry-run >/dev/null 2>&1 || die "$name: applied, but does not verify"
      log "$name: applied to Nextcloud $(nc_version)"
      ;;
    on:upstream)
      log "$name: skipped: $where already has the upstream fix (a line matches its Fixed-if header)." \
        "Nothing to do at runtime; delete the patch once every NEXTCLOUD_VERSION you run has the fix (patches/README.md)."
      ;;
    on:duplicate | off:duplicate)
      patch_run "$file" -R >/dev/null || die "$name: reverting failed"
      log "$name: reverted: $where has the upstream fix, and an earlier start had added this patch on top of it."
      ;;
    on:stale)
      printf '%s\n' "$forward" | grep -v '^[ +-]' | sed 's/^/    /' >&2 # the tool's verdict, not the hunk
      warn "$name neither applies to nor is already applied in Nextcloud $(nc_version) at $NC_ROOT: the code" \
        "around it changed upstream. Starting WITHOUT it. Needs it: $(header Needed-by "$file")." \
        "Update the patch (patches/README.md), or set NC_PATCHES=off to silence this warning."
      ;;
    off:applied)
      patch_run "$file" -R >/dev/null || die "$name: reverting failed"
      log "$name: reverted (NC_PATCHES=off)"
      ;;
    off:stock) log "$name: not applied (NC_PATCHES=off)" ;;
    off:upstream) log "$name: not applied (NC_PATCHES=off); $where has the upstream fix anyway" ;;
    off:stale) warn "$name: neither applied nor applicable; NC_PATCHES=off, so the code is left as it is" ;;
  esac
done

[ "$found" -gt 0 ] || [ "$mode" = off ] || die "no *.patch files in $patch_dir"
