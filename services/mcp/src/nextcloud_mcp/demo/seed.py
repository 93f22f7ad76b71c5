"""Put the sample data (`samples.py`, `samples_dav.py`) into a fresh sandbox Nextcloud.

Speaks HTTP only: the fake's control API (`/__testbed__/seed/…`) for each app's data, and Nextcloud's own OCS
Share API, as the sharer, for the shares. `client` reaches a fake built with its control API; the demo hands it one
in-process (`sandbox.py`), so the control API is never on the loopback port.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import httpx2

from nextcloud_mcp.demo import samples, samples_dav
from nextcloud_mcp.demo.errors import SeedError

__all__ = ["seed"]

_SHARES = "/ocs/v2.php/apps/files_sharing/api/v1/shares"


async def seed(client: httpx2.AsyncClient, passwords: Mapping[str, str], today: date) -> None:
    """Seed every app for `today`; `passwords` maps each person's login to their password (for the shares)."""
    seeds: list[tuple[str, dict[str, Any]]] = [
        ("/__testbed__/seed/notes", samples.notes()),
        *(("/__testbed__/seed/files", body) for body in samples.files()),
        ("/__testbed__/seed/calendars", samples_dav.calendars(today)),
        ("/__testbed__/seed/addressbooks", samples_dav.addressbooks(today)),
        ("/__testbed__/seed/deck", samples.deck(today)),
        ("/__testbed__/seed/tables", samples.tables()),
        ("/__testbed__/seed/cookbook", samples.cookbook()),
    ]
    boards: list[int] = []
    for path, body in seeds:
        response = await client.post(path, json=body)
        _check(response, path)
        if path.endswith("/deck"):
            boards = [board["id"] for board in response.json()["boards"]]
    for board in boards:  # bob may edit alice's board, so he shows up as a member
        _check(await client.post("/__testbed__/deck/share", json={"board": board, "user": "bob", "edit": True}), "deck")
    for sharer, path, recipient, permissions, note in samples.SHARES:
        form = {"path": f"/{path}", "shareType": "0", "shareWith": recipient, "permissions": str(permissions)}
        response = await client.post(
            _SHARES,
            data={**form, "note": note},
            headers={"OCS-APIRequest": "true", "Accept": "application/json"},
            auth=httpx2.BasicAuth(sharer, passwords[sharer]),
        )
        _check(response, f"share {path}")
        client.cookies.clear()  # Nextcloud's session cookie would log the next sharer in as this one


def _check(response: httpx2.Response, what: str) -> None:
    if response.status_code >= 300:
        raise SeedError(f"seeding {what} failed: {response.status_code} {response.text[:300]}")
