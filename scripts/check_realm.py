#!/usr/bin/env python3
"""Check the `solidarity` Keycloak realm against a running Keycloak.

For every dev demo user of deploy/keycloak/solidarity-realm.json this gets an
access token with the password grant on the public client `agency-console`,
decodes it (no signature check: this is a smoke test of the realm, not of the
gateway) and checks:

* header `alg` is RS256;
* `iss` is `<url>/realms/<realm>` (or `--issuer`);
* `aud` (a string or a list) contains `gateway`;
* `realm_access.roles` holds the user's role and no other application role;
* `area` is the user's one group full path (Keycloak emits a one-element list).

It also checks that a wrong password is refused with HTTP 401. That check runs
first, so the successful logins that follow clear the brute-force counter.
Do not run it twice within one second: two failed logins less than
`quickLoginCheckMilliSeconds` (1000 ms) apart lock the user for 60 s.

Prints one line per check and exits 0 if all pass, 1 on any mismatch, 2 when
Keycloak cannot be reached. Python 3.11 standard library only.
"""

import argparse
import base64
import binascii
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8080"
DEFAULT_REALM = "solidarity"
CLIENT_ID = "agency-console"
AUDIENCE = "gateway"
ALGORITHM = "RS256"
JWT_PARTS = 3

APP_ROLES = frozenset(
    {
        "national-officer",
        "wilaya-director",
        "wilaya-agent",
        "cell-coordinator",
        "social-worker",
        "donor",
        "auditor",
    }
)


@dataclass(frozen=True)
class DemoUser:
    """A dev demo user of the realm and what its token must carry."""

    username: str
    role: str
    area: str

    @property
    def password(self) -> str:
        """Documented dev password: `demo-<username>`."""
        return f"demo-{self.username}"


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("national.officer", "national-officer", "/DZ"),
    DemoUser("director.16", "wilaya-director", "/DZ/16"),
    DemoUser("director.31", "wilaya-director", "/DZ/31"),
    DemoUser("agent.16", "wilaya-agent", "/DZ/16"),
    DemoUser("worker.1601", "social-worker", "/DZ/16/1601"),
    DemoUser("worker.1602", "social-worker", "/DZ/16/1602"),
    DemoUser("worker.3101", "social-worker", "/DZ/31/3101"),
    DemoUser("coordinator.1601", "cell-coordinator", "/DZ/16/1601"),
    DemoUser("donor.demo", "donor", "/DZ"),
    DemoUser("donor2.demo", "donor", "/DZ"),
    DemoUser("auditor.demo", "auditor", "/DZ"),
)


class UnreachableError(Exception):
    """Keycloak did not answer at all (connection refused, timeout...)."""


def request_token(token_url: str, username: str, password: str, timeout: float) -> tuple[int, dict[str, Any]]:
    """POST a password grant; return the HTTP status and the JSON body."""
    body = urllib.parse.urlencode(
        {
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "username": username,
            "password": password,
        }
    ).encode()
    request = urllib.request.Request(token_url, data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status: int = response.status
            raw: bytes = response.read()
    except urllib.error.HTTPError as error:
        status = error.code
        raw = error.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise UnreachableError(f"{token_url}: {error}") from error
    try:
        payload = json.loads(raw or b"{}")
    except json.JSONDecodeError:
        payload = {"raw": raw[:200].decode(errors="replace")}
    if not isinstance(payload, dict):
        payload = {"raw": payload}
    return status, payload


def decode_segment(segment: str) -> dict[str, Any]:
    """Decode one base64url JWT segment (header or payload) to a dict."""
    padded = segment + "=" * (-len(segment) % 4)
    decoded = json.loads(base64.urlsafe_b64decode(padded))
    if not isinstance(decoded, dict):
        raise TypeError("JWT segment is not a JSON object")
    return decoded


def as_list(value: object) -> list[object]:
    """Return a claim that may be one value or a list as a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def check_token(token: str, user: DemoUser, issuer: str) -> list[str]:
    """Return the list of mismatches of one access token (empty if fine)."""
    parts = token.split(".")
    if len(parts) != JWT_PARTS:
        return [f"access token has {len(parts)} parts, expected {JWT_PARTS}"]
    try:
        header = decode_segment(parts[0])
        claims = decode_segment(parts[1])
    except (ValueError, TypeError, binascii.Error) as error:
        return [f"cannot decode access token: {error}"]

    problems: list[str] = []
    if header.get("alg") != ALGORITHM:
        problems.append(f"alg={header.get('alg')!r}, expected {ALGORITHM}")
    if claims.get("iss") != issuer:
        problems.append(f"iss={claims.get('iss')!r}, expected {issuer!r}")
    audiences = as_list(claims.get("aud"))
    if AUDIENCE not in audiences:
        problems.append(f"aud={claims.get('aud')!r} lacks {AUDIENCE!r}")
    realm_access = claims.get("realm_access")
    roles = as_list(realm_access.get("roles") if isinstance(realm_access, dict) else None)
    app_roles = sorted(str(role) for role in roles if role in APP_ROLES)
    if app_roles != [user.role]:
        problems.append(f"realm_access.roles={roles!r}, expected app role {user.role!r}")
    area = claims.get("area")
    if as_list(area) != [user.area]:
        problems.append(f"area={area!r}, expected [{user.area!r}]")
    return problems


def check_user(token_url: str, user: DemoUser, issuer: str, timeout: float) -> str | None:
    """Log one user in and check its token; return None if fine, else why not."""
    status, body = request_token(token_url, user.username, user.password, timeout)
    if status != HTTPStatus.OK:
        reason = f"{body.get('error')} {body.get('error_description', '')}"
        return f"HTTP {status}: {reason.strip()}"
    token = body.get("access_token")
    if not isinstance(token, str):
        return "no access_token in the response"
    problems = check_token(token, user, issuer)
    return "; ".join(problems) if problems else None


def check_wrong_password(token_url: str, user: DemoUser, timeout: float) -> str | None:
    """Check that a wrong password gets 401; return None if so, else why not."""
    status, body = request_token(token_url, user.username, f"wrong-{user.password}", timeout)
    if status != HTTPStatus.UNAUTHORIZED:
        return f"HTTP {status} ({body.get('error')}), expected 401"
    return None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command line: --url, --realm, --issuer, --timeout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", default=DEFAULT_URL, help=f"Keycloak base URL ({DEFAULT_URL})")
    parser.add_argument("--realm", default=DEFAULT_REALM, help=f"realm ({DEFAULT_REALM})")
    parser.add_argument(
        "--issuer",
        default=None,
        help="expected iss (default: <url>/realms/<realm>)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="per request, seconds")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run every check, print one line each, return the exit code."""
    args = parse_args(argv)
    base = str(args.url).rstrip("/")
    realm_url = f"{base}/realms/{args.realm}"
    issuer = str(args.issuer) if args.issuer else realm_url
    token_url = f"{realm_url}/protocol/openid-connect/token"
    timeout = float(args.timeout)

    failures = 0
    try:
        probe = DEMO_USERS[0]
        problem = check_wrong_password(token_url, probe, timeout)
        label = f"wrong password for {probe.username}"
        detail = problem or "refused with 401"
        print(f"{'FAIL' if problem else 'OK  '} {label:<32} {detail}")
        failures += problem is not None

        for user in DEMO_USERS:
            problem = check_user(token_url, user, issuer, timeout)
            detail = problem or f"role={user.role} area={user.area}"
            print(f"{'FAIL' if problem else 'OK  '} {user.username:<32} {detail}")
            failures += problem is not None
    except UnreachableError as error:
        print(f"FAIL keycloak unreachable: {error}", file=sys.stderr)
        return 2

    print(f"summary: {len(DEMO_USERS) + 1 - failures} checks ok, {failures} failing")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
