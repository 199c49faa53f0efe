"""Seed the demo data set (``synthetic.demo``) through the gateway, as the demo users.

Run by ``scripts/platform.sh up`` unless ``SEED_DEMO=0``. Every request carries a fixed
idempotency key, so seeding again changes nothing; a set already seeded is not even sent
again: a marker in the registry's database (``demo_seed``) says which version it holds, so a
fresh database is seeded whatever the machine seeded before. Going through the gateway means the
seed takes the path real clients take: tokens, scopes, duplicate detection, audit.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from typing import Any

import httpx
from pymongo import MongoClient
from pymongo.collection import Collection

from synthetic import demo

GATEWAY_URL = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")
KEYCLOAK_URL = os.environ.get("KEYCLOAK_URL", "http://127.0.0.1:8080")
TOKEN_URL = f"{KEYCLOAK_URL}/realms/solidarity/protocol/openid-connect/token"
MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")
MONGO_DB_PREFIX = os.environ.get("MONGO_DB_PREFIX", "solidarity_")


def seed_marker(client: MongoClient[dict[str, Any]]) -> Collection[dict[str, Any]]:
    """Where the database says which demo data version it holds (one document, ``_id`` "demo")."""
    return client[f"{MONGO_DB_PREFIX}registry"]["demo_seed"]


def token(client: httpx.Client, user: str, cache: dict[str, str]) -> str:
    """A demo user's token (dev realm: password grant, documented demo password)."""
    if user not in cache:
        form = {"grant_type": "password", "client_id": "agency-console", "username": user, "password": f"demo-{user}"}
        response = client.post(TOKEN_URL, data=form)
        response.raise_for_status()
        cache[user] = response.json()["access_token"]
    return cache[user]


def send(client: httpx.Client, method: str, path: str, payload: Any, headers: dict[str, str]) -> httpx.Response:
    """One request, waiting out the per-user rate limit (429 ``Retry-After``) a few times."""
    for _ in range(5):
        response = client.request(method, path, json=payload, headers=headers)
        if response.status_code != 429:
            break
        time.sleep(float(response.headers.get("Retry-After", "1")))
    return response


def main() -> int:
    database: MongoClient[dict[str, Any]] = MongoClient(MONGO_URI)
    marker = seed_marker(database)
    if marker.find_one({"_id": "demo", "version": demo.VERSION}) is not None:
        print(f"demo data: {demo.VERSION} already seeded")
        return 0
    items = demo.households()
    answers = demo.assessments(items)
    tokens: dict[str, str] = {}
    ids: dict[str, str] = {}
    statuses: Counter[str] = Counter()
    with httpx.Client(base_url=GATEWAY_URL, timeout=30) as client:
        for item in items:
            headers = {"Authorization": f"Bearer {token(client, item.user, tokens)}", "Idempotency-Key": item.key}
            response = send(client, "POST", "/v1/households", item.household, headers)
            if response.status_code != 201:
                print(f"seed: {item.key} refused: {response.status_code} {response.text}", file=sys.stderr)
                return 1
            ids[item.key] = response.json()["id"]
            statuses[response.json()["status"]] += 1
        for key, assessment in answers.items():
            user = next(item.user for item in items if item.key == key)
            headers = {"Authorization": f"Bearer {token(client, user, tokens)}", "Idempotency-Key": f"{key}-assessment"}
            response = send(client, "PUT", f"/v1/households/{ids[key]}/assessment", assessment, headers)
            if response.status_code != 200:
                print(f"seed: assessment of {key} refused: {response.status_code} {response.text}", file=sys.stderr)
                return 1
    held = statuses["held_for_review"]
    print(f"demo data: {len(items)} households ({held} held as probable duplicates), {len(answers)} assessed")
    marker.replace_one({"_id": "demo"}, {"_id": "demo", "version": demo.VERSION}, upsert=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
