"""scripts/_reproduce_bearer.py reads the stack's .env the way `docker compose` does.

Before: `value.strip().strip("'\"")`, so `NEXTCLOUD_ADMIN_PASSWORD=s3cret # rotated 2026-05` logged in with
"s3cret # rotated 2026-05", and an empty NEXTCLOUD_PUBLIC_URL (the .env.example default now) gave no URL.
Rules: docs.docker.com "Syntax for environment files" and compose-spec/compose-go dotenv/parser.go.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from stack._support import ROOT

SCRIPT = ROOT / "scripts" / "_reproduce_bearer.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_reproduce_bearer_dotenv", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# (line in .env, value compose gives the variable)
CASES = [
    ("V=plain", "plain"),
    ("V=s3cret # rotated 2026-05", "s3cret"),  # inline comment: ` #`
    ("V=s3cret    # more blanks", "s3cret"),
    ("V=s3cret\t# a tab is no blank here", "s3cret\t# a tab is no blank here"),  # compose-go cuts at " #" only
    ("V=pa#ss", "pa#ss"),  # no blank before `#`: part of the value
    ("V=http://localhost:8080/#frag", "http://localhost:8080/#frag"),
    ('V="a # b" # comment', "a # b"),  # inside quotes: not a comment
    ("V='a # b'   # comment", "a # b"),
    ('V="say \\"hi\\""', 'say "hi"'),
    ("V='Let\\'s go!'", "Let's go!"),
    ("V='$OTHER'", "$OTHER"),
    ('V="line\\nbreak"', "line\nbreak"),
    ("V=", ""),
    ("V= # x", "# x"),  # blanks after `=` go first, so compose keeps this "comment" as the value
    ("V=  padded  ", "padded"),
    ("export V=exported", "exported"),
    ("  V=indented", "indented"),
]


@pytest.mark.parametrize(("line", "expected"), CASES, ids=[c[0] for c in CASES])
def test_values_as_compose_reads_them(script: ModuleType, tmp_path: Path, line: str, expected: str) -> None:
    env = tmp_path / ".env"
    env.write_text(f"# header\n\n{line}\n#V=commented-out\n")
    assert script.read_dotenv(env) == {"V": expected}


def test_missing_file_is_empty(script: ModuleType, tmp_path: Path) -> None:
    assert script.read_dotenv(tmp_path / ".env") == {}


def test_defaults_follow_the_stack_ports_like_compose(
    script: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(script, "ROOT", tmp_path)
    monkeypatch.setenv("REPRO_PASSWORD", "pw")
    monkeypatch.delenv("REPRO_USER", raising=False)
    example = (ROOT / ".env.example").read_text()
    (tmp_path / ".env").write_text(example.replace("NEXTCLOUD_HTTP_PORT=8080", "NEXTCLOUD_HTTP_PORT=8081 # moved"))
    args = script.parse_args([])
    assert args.url == "http://localhost:8081"
    assert args.resource == "http://localhost:8000/mcp"
    assert args.user == "admin"

    (tmp_path / ".env").write_text(
        "NEXTCLOUD_PUBLIC_URL=https://cloud.example.com/  # behind Caddy\nMCP_PUBLIC_URL='https://mcp.example.com/mcp'\n"
    )
    args = script.parse_args([])
    assert (args.url, args.resource) == ("https://cloud.example.com", "https://mcp.example.com/mcp")

    (tmp_path / ".env").unlink()
    args = script.parse_args([])
    assert (args.url, args.resource) == ("http://localhost:8080", None)
