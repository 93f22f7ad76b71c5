"""Token attack corpus (RFC 9700 §2/§4, MCP authorization spec "Token Handling"): every forged, stale,
misdirected or malformed credential gets a 401 and causes no request to Nextcloud at all.

The corpus is minted by `security.jwt_gate.Corpus` with our own keys; the fake's request log proves that
nothing reached Nextcloud, the IdP mock's log that no attack token was sent upstream.
"""

from __future__ import annotations

import httpx2
import pytest

from security.jwt_gate import HEADERS, LIST_CALL, Gate, b64, gate

pytestmark = pytest.mark.anyio
__all__ = ["gate"]


async def test_the_valid_token_works_so_the_refusals_below_mean_something(gate: Gate) -> None:
    response = await gate.call(gate.corpus.valid())
    assert response.status_code == 200, response.text
    assert not response.json()["result"].get("isError"), response.text
    assert any("/apps/notes/" in r.path for r in gate.nextcloud_requests())


async def test_every_attack_token_is_refused_without_reaching_nextcloud(gate: Gate) -> None:
    corpus = gate.corpus.attacks()
    accepted = {}
    for name, token in corpus.items():
        response = await gate.call(token)
        if response.status_code != 401 or 'error="invalid_token"' not in response.headers.get("www-authenticate", ""):
            accepted[name] = (response.status_code, response.text[:200])
        assert token not in response.text  # the refusal never echoes the token
    assert not accepted, accepted
    assert gate.nextcloud_requests() == []  # not one request reached Nextcloud
    leaked = [r for r in gate.idp_log if any(t in str(r.headers) + str(r.url) for t in corpus.values())]
    assert leaked == []  # and no attack token was sent to the IdP either (JWTs are checked locally)
    assert [r.url.path for r in gate.idp_log].count("/jwks") <= 2  # unknown kid: one rate-limited refetch


@pytest.mark.parametrize(
    ("name", "headers", "params"),
    [
        ("basic_in_oauth_mode", {"Authorization": "Basic " + b64(b"alice:alice-secret")}, None),
        ("bearer_without_token", {"Authorization": "Bearer"}, None),
        ("bearer_punctuation", {"Authorization": "Bearer ,"}, None),
        ("bearer_two_tokens", {"Authorization": "Bearer aaaa.bbbb.cccc dddd.eeee.ffff"}, None),
        ("other_scheme", {"Authorization": "Digest username=alice"}, None),
        ("token_scheme_typo", {"Authorization": "Bearr abc.def.ghi"}, None),
        ("no_header_token_in_query", {}, {"access_token": "VALID"}),
        ("header_and_token_in_query", {"Authorization": "Bearer VALID"}, {"access_token": "VALID"}),
        ("oversize_header", {"Authorization": "Bearer " + "B" * 20000}, None),
    ],
)
async def test_malformed_credentials_are_refused(
    gate: Gate, name: str, headers: dict[str, str], params: dict[str, str] | None
) -> None:
    valid = gate.corpus.valid()
    headers = {k: v.replace("VALID", valid) for k, v in headers.items()}
    params = {k: v.replace("VALID", valid) for k, v in (params or {}).items()} or None
    response = await gate.call(headers=headers, params=params)
    assert response.status_code in (401, 431), (name, response.status_code, response.text)
    if response.status_code == 401:
        assert response.headers["www-authenticate"].startswith("Bearer ")
    assert gate.nextcloud_requests() == []


async def test_duplicate_authorization_headers_are_refused(gate: Gate) -> None:
    valid = gate.corpus.valid()
    raw = [(b"authorization", f"Bearer {valid}".encode()), (b"authorization", b"Bearer forged.token.x")]
    request = gate.http.build_request("POST", "/mcp", json=LIST_CALL, headers=HEADERS)
    request.headers = httpx2.Headers([*request.headers.raw, *raw])
    response = await gate.http.send(request)
    assert response.status_code in (400, 401)  # RFC 6750 §3.1 invalid_request
    assert gate.nextcloud_requests() == []


async def test_lowercase_bearer_scheme_is_accepted(gate: Gate) -> None:
    """RFC 9110 §11.1: the scheme is case-insensitive — a control that the refusals are about the token."""
    response = await gate.call(headers={"Authorization": f"bearer {gate.corpus.valid()}"})
    assert response.status_code == 200, response.text
