"""The Bearer patch after a Nextcloud upgrade (issue 17, item 3), run for real with busybox and GNU patch.

An image upgrade replaces the code, and 10-apply-patches.sh meets a CORSMiddleware.php the patch was not
made for. Two cases, each on stand-ins written here (no upstream code):

* "upgraded": the lines around the insertion point changed. The hook must warn, say who is affected, and
  start with the code unpatched -- not stop the container (the image restarts it forever).
* "upstream-fixed": upstream merged its own early return for Bearer (the shape of nextcloud/server#55878:
  `str_starts_with($authorizationHeader, 'Bearer ')` before the CSRF comment). The patch's context still
  matches there, so without detection a second early return would be added; the hook must skip it with a
  note, and revert the copy an older hook already added on top of the fix.

The patch header carries what the hook reads: `Needed-by:` (who loses what without it) and `Fixed-if:` (an
extended regex for the upstream fix).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from stack._support import ROOT, run, tool

APPLY = ROOT / "nextcloud-config" / "before-starting" / "10-apply-patches.sh"
PATCH = ROOT / "patches" / "nextcloud-server-cors-bearer.patch"
TARGET = "lib/private/AppFramework/Middleware/Security/CORSMiddleware.php"
VERSION = "35.0.0"  # a release after the ones the patch was checked against

CSRF_COMMENT = "\t\t\t// Allow to use the current session if a CSRF token is provided"
# Upstream's own fix, in the shape of nextcloud/server#55878 (written here, not copied).
UPSTREAM_FIX = [
    "\t\t\t// Bearer tokens come from API clients, not from a browser session",
    "\t\t\t$authorizationHeader = $this->request->getHeader('Authorization');",
    "\t\t\tif (str_starts_with($authorizationHeader, 'Bearer ')) {",
    "\t\t\t\treturn;",
    "\t\t\t}",
    "",
]


def _middleware(before_check: list[str]) -> str:
    """A valid PHP file with CORSMiddleware's beforeController() shape: `before_check` goes between the
    `$pass = ...` line and the CSRF check."""
    return "\n".join(
        [
            "<?php",
            "// stand-in for CORSMiddleware.php (tests/stack/test_patch_upgrades.py)",
            "class CORSMiddleware {",
            "\tpublic function beforeController($controller, $methodName) {",
            "\t\tif ($this->cors) {",
            "\t\t\t$pass = null;",
            *before_check,
            "\t\t\tif ($this->request->passesCSRFCheck()) {",
            "\t\t\t\treturn;",
            "\t\t\t}",
            "\t\t\tthrow new \\Exception('CORS requires basic auth');",
            "\t\t}",
            "\t}",
            "}",
            "",
        ]
    )


STOCK = _middleware(["", CSRF_COMMENT])
UPGRADED = {
    # the comment reworded: the after-context line is gone
    "comment-changed": _middleware(["", "\t\t\t// Keep the session when the request passes the CSRF check"]),
    # the blank line dropped: the before-context line is gone
    "blank-line-dropped": _middleware([CSRF_COMMENT]),
}
UPSTREAM_FIXED = _middleware(["", *UPSTREAM_FIX, CSRF_COMMENT])


@pytest.fixture(params=["busybox", "gnu"])
def patch_tool(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    tool("busybox" if name == "busybox" else "patch", "apt-get install busybox patch")
    return name


def _root(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "html"
    (root / TARGET).parent.mkdir(parents=True)
    (root / TARGET).write_text(text)
    (root / "version.php").write_text(f"<?php\n$OC_VersionString = '{VERSION}';\n")
    return root


def _apply(root: Path, patch_tool: str, **env: str) -> tuple[int, str]:
    full_env = {
        **os.environ,
        "NC_ROOT": str(root),
        "NC_PATCH_DIR": str(PATCH.parent),
        "NC_PATCH_TOOL": patch_tool,
        **env,
    }
    result = run([str(APPLY)], env=full_env)
    return result.returncode, result.stdout + result.stderr


def _bearer_returns(text: str) -> int:
    """Early returns for Bearer in the file: ours (`'Bearer ') === 0`) and upstream's (`'Bearer ')) {`)."""
    return len(re.findall(r"'Bearer '\)", text))


def _header(field: str) -> str:
    header = PATCH.read_text().split("\ndiff --git ", 1)[0]
    match = re.search(rf"^{field}:[ \t]*(.*)$", header, re.MULTILINE)
    assert match, f"{PATCH.name}: no {field}: line in the header"
    return match.group(1)


def _patch(root: Path, patch_tool: str, *, dry_run: bool = True) -> subprocess.CompletedProcess[str]:
    """The patch tool alone on `root`, with the hook's options but none of its logic."""
    if patch_tool == "busybox":
        argv = ["busybox", "patch", "-p1"]
    else:
        argv = ["patch", "-p1", "--batch", "--forward", "--fuzz=0", "--no-backup-if-mismatch"]
    return run([*argv, *(["--dry-run"] if dry_run else []), "-i", str(PATCH)], cwd=root)


# --- upgraded: the context changed -----------------------------------------------------------------------


@pytest.mark.parametrize("variant", sorted(UPGRADED))
def test_upgraded_file_whose_context_changed_starts_unpatched_with_a_warning(
    variant: str, patch_tool: str, tmp_path: Path
) -> None:
    root = _root(tmp_path, UPGRADED[variant])
    assert _patch(root, patch_tool).returncode != 0, "the stand-in must really defeat the patch"

    code, out = _apply(root, patch_tool)
    assert code == 0, f"a stale patch must not stop the container:\n{out}"
    assert "WARNING" in out and f"Nextcloud {VERSION}" in out
    assert "Starting WITHOUT it" in out
    assert _header("Needed-by") in out, "the warning says who loses what"
    assert "patches/README.md" in out and "NC_PATCHES=off" in out
    assert "Bearer tokens (user_oidc)" not in out, "the rejected hunk is not dumped into the log"
    assert (root / TARGET).read_text() == UPGRADED[variant], "the code is left as it is"
    assert sorted(p.name for p in (root / TARGET).parent.iterdir()) == ["CORSMiddleware.php"], "leftovers"

    assert _apply(root, patch_tool) == (code, out), "every restart: the same warning, nothing else"
    code, out = _apply(root, patch_tool, NC_PATCHES="off")
    assert code == 0 and "NC_PATCHES=off" in out, out
    assert (root / TARGET).read_text() == UPGRADED[variant]


# --- upstream-fixed: the early return is already there ---------------------------------------------------


def test_upstream_fix_is_detected_and_no_second_early_return_is_added(patch_tool: str, tmp_path: Path) -> None:
    root = _root(tmp_path, UPSTREAM_FIXED)
    # Why detection is needed: the one-line context (blank line + CSRF comment) still matches after
    # upstream's block, so the patch tool alone would happily add a second early return.
    assert _patch(root, patch_tool).returncode == 0

    code, out = _apply(root, patch_tool)
    assert code == 0, out
    assert "skipped" in out and "already has the upstream fix" in out and f"Nextcloud {VERSION}" in out
    assert "patches/README.md" in out
    assert "WARNING" not in out
    assert (root / TARGET).read_text() == UPSTREAM_FIXED
    assert _bearer_returns(UPSTREAM_FIXED) == 1

    assert _apply(root, patch_tool) == (code, out), "every restart: the same note"
    code, out = _apply(root, patch_tool, NC_PATCHES="off")
    assert code == 0 and "not applied (NC_PATCHES=off)" in out and "upstream fix" in out, out
    assert (root / TARGET).read_text() == UPSTREAM_FIXED


def test_copy_added_on_top_of_an_upstream_fix_by_an_older_hook_is_reverted(patch_tool: str, tmp_path: Path) -> None:
    root = _root(tmp_path, UPSTREAM_FIXED)
    # What the previous hook did on such a file: apply the patch anyway.
    applied = _patch(root, patch_tool, dry_run=False)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert _bearer_returns((root / TARGET).read_text()) == 2

    code, out = _apply(root, patch_tool)
    assert code == 0, out
    assert "reverted" in out and "has the upstream fix" in out
    assert (root / TARGET).read_text() == UPSTREAM_FIXED, "upstream's fix stays, ours goes"
    code, out = _apply(root, patch_tool)
    assert code == 0 and "skipped" in out, out


def test_our_own_early_return_does_not_count_as_an_upstream_fix(patch_tool: str, tmp_path: Path) -> None:
    """`Fixed-if` also matches the lines the patch adds; the hook must not mistake them for upstream's."""
    root = _root(tmp_path, STOCK)
    assert re.search(_header("Fixed-if"), STOCK) is None
    code, out = _apply(root, patch_tool)
    assert code == 0 and "applied to Nextcloud" in out, out
    patched = (root / TARGET).read_text()
    assert re.search(_header("Fixed-if"), patched), "the regex sees our own line..."
    code, out = _apply(root, patch_tool)
    assert (code, out.strip()) == (0, f"[nextcloud-mcp] {PATCH.name}: already applied"), "...but it is not upstream's"
    code, out = _apply(root, patch_tool, NC_PATCHES="off")
    assert code == 0 and "reverted (NC_PATCHES=off)" in out, out
    assert (root / TARGET).read_text() == STOCK


def test_patched_and_upstream_fixed_stand_ins_are_valid_php(patch_tool: str, tmp_path: Path) -> None:
    php = tool("php", "apt-get install php-cli")
    root = _root(tmp_path, UPSTREAM_FIXED)
    assert _apply(root, patch_tool)[0] == 0
    result = run([php, "-l", str(root / TARGET)])
    assert result.returncode == 0, result.stdout + result.stderr


# --- the header fields the hook reads ---------------------------------------------------------------------


def test_fixed_if_is_a_grep_ere_that_matches_upstream_fixes_and_no_stock_file() -> None:
    regex = _header("Fixed-if")
    grep = shutil.which("grep")
    assert grep
    for text, expected in [(STOCK, 1), (UPSTREAM_FIXED, 0), *((t, 1) for t in UPGRADED.values())]:
        result = subprocess.run([grep, "-cE", "--", regex], input=text, capture_output=True, text=True, check=False)
        assert result.returncode == expected, (regex, text)
    # the spellings an upstream fix could take
    for line in [
        "if (str_starts_with($header, 'Bearer ')) {",
        'if (stripos($this->request->getHeader("Authorization"), "Bearer ") === 0) {',
        "if (preg_match('/^Bearer\\s/i', $header)) {",
        "if (str_starts_with(strtolower($h), 'bearer ')) {",
    ]:
        assert re.search(regex, line), line


def test_needed_by_names_who_needs_the_patch_and_who_does_not() -> None:
    needed_by = _header("Needed-by")
    assert "OCS-APIRequest" in needed_by and "#[CORS]" in needed_by
    assert "< 31" in needed_by and ">= 31" in needed_by
    assert len(needed_by) < 140, "one log line"
