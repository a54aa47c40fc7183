"""Shared helpers for the sandbox tests (no tests here): a movable clock, a running sandbox
reached through SandboxTransport, and the OAuth steps every test needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from runner.sandbox import Sandbox, SandboxSettings, SandboxTransport, approve_consent

CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"
REDIRECT_URI = "https://localhost/oauth/callback"
ALL_SCOPES = "mall.read_product,mall.write_product,mall.read_order"
# 2023-11-14T22:13:20Z, which is 2023-11-15T07:13:20 in Korea.
START = 1_700_000_000.0


def oauth_url(endpoint: str, mall: str = "demo") -> str:
    return f"https://{mall}.cafe24api.com/api/v2/oauth/{endpoint}"


def api_url(path: str, mall: str = "demo") -> str:
    return f"https://{mall}.cafe24api.com/api/v2/admin{path}"


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Env:
    sandbox: Sandbox
    client: httpx.Client
    clock: FakeClock

    def authorize_url(self, mall: str = "demo", **overrides: str | None) -> str:
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "state": "state-123",
            "redirect_uri": REDIRECT_URI,
            "scope": ALL_SCOPES,
        }
        params.update(overrides)
        given = {name: value for name, value in params.items() if value is not None}
        return oauth_url("authorize", mall) + "?" + urlencode(given)

    def code(self, mall: str = "demo", **overrides: str | None) -> str:
        location = approve_consent(
            self.client, self.authorize_url(mall, **overrides), user="admin", password="sandbox"
        )
        return query_of(location)["code"]

    def token_call(
        self, form: dict[str, str], mall: str = "demo", basic: bool = True
    ) -> httpx.Response:
        if basic:
            return self.client.post(
                oauth_url("token", mall), data=form, auth=(CLIENT_ID, CLIENT_SECRET)
            )
        return self.client.post(oauth_url("token", mall), data=form)

    def tokens(self, mall: str = "demo", scope: str = ALL_SCOPES) -> dict[str, Any]:
        code = self.code(mall, scope=scope)
        response = self.token_call(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}, mall
        )
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    def access_token(self, mall: str = "demo", scope: str = ALL_SCOPES) -> str:
        token: str = self.tokens(mall, scope)["access_token"]
        return token

    def api(
        self, method: str, path: str, token: str, mall: str = "demo", **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return self.client.request(method, api_url(path, mall), headers=headers, **kwargs)


@contextmanager
def running(settings: SandboxSettings | None = None) -> Iterator[Env]:
    clock = FakeClock()
    with Sandbox(settings, clock=clock) as sandbox:
        base_url = sandbox.start()
        # The sandbox speaks plain HTTP: skip loading CA certificates (30 ms a client).
        transport = SandboxTransport(base_url, inner=httpx.HTTPTransport(verify=False))
        with httpx.Client(transport=transport, timeout=10) as client:
            yield Env(sandbox, client, clock)
