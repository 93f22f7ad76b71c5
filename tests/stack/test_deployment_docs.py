"""What the stack's docs promise about the Bearer patch (issue 17, item 3) and the reverse proxy (item 6).

Item 3: since Nextcloud 31 any `OCS-APIRequest` header passes the CSRF check that `CORSMiddleware` applies to
Bearer sessions on `#[CORS]` routes (nextcloud/server#46760), and this server sends it; so the docs must name
who needs the patch (clients without the header; every Bearer client on Nextcloud < 31) and who does not
(this server's tools on >= 31), instead of claiming that every Bearer call fails unpatched.

Item 6: the nextcloud image's Apache takes the client address from `X-Real-IP` for requests from 10.0.0.0/8,
172.16.0.0/12 and 192.168.0.0/16 (`RemoteIPHeader X-Real-IP`, `RemoteIPInternalProxy`; nextcloud/docker
Dockerfile-debian.template), and Caddy passes a client's own `X-Real-IP` through (caddyserver/website,
reverse_proxy "Defaults"). The example must set it from the connection, or switch the rewrite off
(`APACHE_DISABLE_REWRITE_IP`, nextcloud/docker docker-entrypoint.sh) and set `TRUSTED_PROXIES`.
"""

from __future__ import annotations

import re

import yaml  # type: ignore[import-untyped]  # PyYAML, via openapi-core; no stubs installed

from stack._support import ROOT

DEPLOYMENT = (ROOT / "docs" / "deployment.md").read_text()
AUTHENTICATION = (ROOT / "docs" / "authentication.md").read_text()
PATCHES_README = (ROOT / "patches" / "README.md").read_text()
UNPATCHED = (ROOT / "compose.unpatched.yaml").read_text()


def _section(text: str, heading: str) -> str:
    """From the heading line `heading` (with its #s) to the next heading of the same or a higher level;
    `#` lines inside code blocks are not headings."""
    level = len(heading.split(" ", 1)[0])
    lines: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        is_heading = not fenced and re.match(rf"#{{1,{level}}} ", line) is not None
        if lines and is_heading:
            break
        if lines or line == heading:
            lines.append(line)
    assert lines, f"no heading {heading!r}"
    return "\n".join(lines) + "\n"


def _blocks(text: str, lang: str) -> list[str]:
    """Bodies of the fenced code blocks tagged `lang` ("" for untagged ones)."""
    blocks: list[str] = []
    current: list[str] | None = None
    tag = ""
    for line in text.splitlines():
        if line.startswith("```") and current is None:
            current, tag = [], line[3:].strip()
        elif line.startswith("```"):
            if tag == lang and current is not None:
                blocks.append("\n".join(current) + "\n")
            current = None
        elif current is not None:
            current.append(line)
    return blocks


# --- item 3: who needs the Bearer patch ---------------------------------------------------------------------


def _names_both_groups(text: str, where: str) -> None:
    flat = " ".join(text.split())
    assert "OCS-APIRequest" in flat, f"{where}: does not say which header makes the difference"
    assert re.search(r"(< ?31|older than 31)", flat), f"{where}: does not name Nextcloud < 31"
    assert re.search(r"(>= ?31|31 or later|since Nextcloud 31)", flat), f"{where}: does not name Nextcloud >= 31"
    assert "#[CORS]" in flat, f"{where}: does not say which routes"


def test_compose_unpatched_says_who_notices_and_who_does_not() -> None:
    comment = "\n".join(line for line in UNPATCHED.splitlines() if line.startswith("#"))
    _names_both_groups(comment, "compose.unpatched.yaml")
    flat = " ".join(comment.split())
    assert "MCP server's tools keep working" in flat
    assert "reproduce-bearer-issue" in flat and "without the header" in flat
    assert "Bearer tokens get 401" not in flat, "the old claim that every Bearer call fails"
    assert "nextcloud/server#46760" in flat


def test_deployment_guide_has_the_who_needs_it_table() -> None:
    section = _section(DEPLOYMENT, "## The Bearer patch: who needs it")
    _names_both_groups(section, "docs/deployment.md")
    assert section.count("**needs the patch**") == 2
    assert "this MCP server's tools" in section and "work: every app API call sends `OCS-APIRequest: true`" in section
    assert "NC_PATCHES=off" in section and "compose.unpatched.yaml" in section
    assert "Bearer calls to Notes/Deck/Tables/Cookbook then fail with 401" not in DEPLOYMENT, "old claim"


def test_upgrade_section_describes_the_warning_and_the_upstream_fix() -> None:
    section = _section(DEPLOYMENT, "## Upgrading Nextcloud (with the patches)")
    flat = " ".join(section.split())
    assert "neither stops the container" in flat
    assert "Starting WITHOUT it" in flat and "already has the upstream fix" in flat
    assert "the container stops with" not in flat, "the old behaviour"
    assert "Fixed-if:" in flat and "nextcloud/server#55878" in flat


def test_patches_readme_and_authentication_name_both_groups() -> None:
    _names_both_groups(_section(PATCHES_README, "## Who needs the Bearer patch"), "patches/README.md")
    _names_both_groups(_section(AUTHENTICATION, "### The Bearer patch (`#[CORS]` routes)"), "docs/authentication.md")
    assert "**stops the container**" not in PATCHES_README, "the old behaviour"
    for field in ("Needed-by:", "Fixed-if:"):
        assert f"`{field}`" in PATCHES_README, f"patches/README.md does not explain {field}"


# --- item 6: the reverse-proxy example ----------------------------------------------------------------------


def _caddy_site(name: str) -> str:
    for block in _blocks(_section(DEPLOYMENT, "## TLS reverse proxy"), ""):
        match = re.search(rf"^{re.escape(name)} \{{\n(.*?)^\}}$", block, re.MULTILINE | re.DOTALL)
        if match:
            return match.group(1)
    raise AssertionError(f"no Caddy site {name} in the TLS reverse proxy section")


def test_caddy_example_sets_x_real_ip_from_the_connection() -> None:
    site = _caddy_site("cloud.example.com")
    assert "reverse_proxy nextcloud:80" in site
    # Caddyfile placeholder {remote_host}: the address of the peer that opened the connection
    assert re.search(r"^\s*header_up X-Real-IP \{remote_host\}", site, re.MULTILINE), site


def test_reverse_proxy_section_explains_why_and_the_alternative() -> None:
    section = " ".join(_section(DEPLOYMENT, "## TLS reverse proxy").split())
    assert "proxy_set_header X-Real-IP $remote_addr;" in section, "the nginx equivalent"
    for fact in ("RemoteIPHeader X-Real-IP", "RemoteIPInternalProxy", "172.16.0.0/12", "brute-force"):
        assert fact in section, fact
    assert "nextcloud/docker" in section, "the source of the image's behaviour"
    overrides = [yaml.safe_load(b) for b in _blocks(_section(DEPLOYMENT, "## TLS reverse proxy"), "yaml")]
    alternative = next(o for o in overrides if "APACHE_DISABLE_REWRITE_IP" in str(o))
    env = alternative["services"]["nextcloud"]["environment"]
    proxy_ip = alternative["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    assert env == {"APACHE_DISABLE_REWRITE_IP": "1", "TRUSTED_PROXIES": proxy_ip}
    subnet = alternative["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert proxy_ip.rsplit(".", 1)[0] == subnet.split("/")[0].rsplit(".", 1)[0], "the fixed address is in the subnet"
