"""End-to-end tests against the running platform (``scripts/platform.sh up``).

Tokens come from the real Keycloak realm through the dev-only password grant of the
``agency-console`` client, as a front end's would after its PKCE login.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

GATEWAY_URL = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")
KEYCLOAK_URL = os.environ.get("KEYCLOAK_URL", "http://127.0.0.1:8080")
AMQP_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
TOKEN_URL = f"{KEYCLOAK_URL}/realms/solidarity/protocol/openid-connect/token"

_tokens: dict[str, tuple[str, float]] = {}  # user -> (token, when to fetch a new one)


def token_for(username: str) -> str:
    """A fresh-enough access token of a demo user (password ``demo-<username>``).

    Cached until a minute before it expires: the suite outlasts a token's lifetime.
    """
    token, renew_at = _tokens.get(username, ("", 0.0))
    if time.monotonic() >= renew_at:
        response = httpx.post(
            TOKEN_URL,
            data={
                "grant_type": "password",
                "client_id": "agency-console",
                "username": username,
                "password": f"demo-{username}",
            },
            timeout=10,
        )
        response.raise_for_status()
        body = response.json()
        token = body["access_token"]
        _tokens[username] = (token, time.monotonic() + float(body.get("expires_in", 300)) - 60)
    return token


def auth(username: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(username)}", **extra}


def idem() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def household(area: str, given: str = "Yacine", family: str = "Belkacem") -> dict[str, Any]:
    return {
        "area": area,
        "address": "Cité des 1200 logements, bâtiment 4",
        "members": [
            {
                "given_name_lat": given,
                "family_name_lat": family,
                "given_name_ar": "ياسين",
                "family_name_ar": "بلقاسم",
                "sex": "M",
                "birth_year": 1975,
                "relationship": "head",
            },
            {
                "given_name_lat": "Nadia",
                "family_name_lat": family,
                "sex": "F",
                "birth_date": "1982-11-02",
                "relationship": "spouse",
            },
        ],
    }


@pytest.fixture
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=GATEWAY_URL, timeout=20) as client:
        yield client
