"""BearerAuth: the token goes to the profile's API host only; a 401 refreshes once, resends once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from test_auth_support import API, MALL, FakeCafe24, cafe24_profile, make_manager

from runner.auth.httpx_auth import BearerAuth
from runner.auth.profiles import profile_from_variables
from runner.auth.store import TokenStore
from runner.auth.tokens import Token, utc_now


@pytest.fixture
def provider() -> FakeCafe24:
    return FakeCafe24()


@pytest.fixture
def auth(provider: FakeCafe24, tmp_path: Path) -> BearerAuth:
    access, refresh = provider.issue_pair()
    token = Token(access, refresh, expires_at=utc_now() + timedelta(hours=1), mall_id=MALL)
    TokenStore(tmp_path / "t.json").put(cafe24_profile(), token)
    return BearerAuth(cafe24_profile(), make_manager(provider, tmp_path / "t.json"))


def test_the_bearer_is_attached_on_the_api_host(provider: FakeCafe24, auth: BearerAuth) -> None:
    with provider.client() as client:
        response = client.get(f"{API}/admin/products", auth=auth)
    assert response.status_code == 200
    (call,) = provider.api_calls
    assert call.headers["authorization"].removeprefix("Bearer ") in provider.access_tokens
    assert provider.token_forms == []


def test_a_request_that_sets_authorization_keeps_it(provider: FakeCafe24, auth: BearerAuth) -> None:
    with provider.client() as client:
        client.get(f"{API}/admin/products", headers={"Authorization": "Bearer mine"}, auth=auth)
    assert provider.api_calls[0].headers["authorization"] == "Bearer mine"


@pytest.mark.parametrize(
    "url",
    [
        "https://other.example.com/api",
        "https://demo.cafe24api.com.evil.example/api",
        "https://evil.cafe24api.com/api",
        "http://demo.cafe24api.com/api/v2/admin/products",  # no token over plain http
    ],
)
def test_the_bearer_never_goes_to_another_host(
    provider: FakeCafe24, auth: BearerAuth, url: str
) -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(record)) as client:
        client.get(url, auth=auth)
    assert "authorization" not in seen[0].headers


def test_a_redirect_to_another_host_does_not_carry_the_bearer(
    provider: FakeCafe24, auth: BearerAuth
) -> None:
    with provider.client() as client:
        response = client.get(f"{API}/away", auth=auth, follow_redirects=True)
    assert response.status_code == 200
    assert response.json() == {"host": "elsewhere.example.com"}
    (foreign,) = provider.other_host_calls
    assert "authorization" not in foreign.headers
    assert provider.token_forms == []


def test_a_redirect_from_another_host_to_the_api_gets_no_bearer_either(
    provider: FakeCafe24, auth: BearerAuth
) -> None:
    # The request was not for the API host: the auth flow never started, so no hop gets it.
    with provider.client() as client:
        response = client.get("https://other.example.com/bounce", auth=auth, follow_redirects=True)
    assert response.status_code == 401
    assert "authorization" not in provider.api_calls[0].headers
    assert provider.token_forms == []  # a 401 for a request we did not authorise: no refresh


def test_following_redirects_hop_by_hop_checks_every_hop(
    provider: FakeCafe24, auth: BearerAuth
) -> None:
    with provider.client() as client:
        first = client.get(f"{API}/away", auth=auth)
        assert first.status_code == 302
        client.get(first.headers["location"], auth=auth)
    assert "authorization" not in provider.other_host_calls[0].headers


def test_a_401_refreshes_once_and_resends_once(provider: FakeCafe24, auth: BearerAuth) -> None:
    provider.access_tokens.clear()  # the provider forgot the stored token (revoked, expired)
    with provider.client() as client:
        response = client.post(f"{API}/admin/products", json={"request": {}}, auth=auth)
    assert response.status_code == 200
    assert provider.refresh_count == 1
    first, second = provider.api_authorizations
    assert first is not None and second is not None and first != second
    assert second.removeprefix("Bearer ") in provider.access_tokens
    assert provider.api_calls[1].content == b'{"request":{}}'
    assert [r.status_code for r in response.history] == [401]


def test_a_second_401_is_returned_without_another_refresh(
    provider: FakeCafe24, auth: BearerAuth
) -> None:
    def always_401(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/v2/oauth/"):
            return provider.handle(request)
        provider.api_calls.append(request)
        return httpx.Response(401, json={"error": {"code": 401, "message": "no"}})

    with httpx.Client(transport=httpx.MockTransport(always_401)) as client:
        response = client.get(f"{API}/admin/products", auth=auth)
    assert response.status_code == 401
    assert provider.refresh_count == 1
    assert len(provider.api_calls) == 2


def test_oauth2_profile_on_loopback_http_and_declared_port(tmp_path: Path) -> None:
    variables = {
        "token_url": "http://127.0.0.1:9/token",
        "client_id": "cid",
        "client_secret": "csecret",
        "api_host": "127.0.0.1:8080",
    }
    profile = profile_from_variables("oauth2", variables.get, None)
    TokenStore(tmp_path / "t.json").put(profile, Token("loopback-token"))
    auth = BearerAuth(profile, make_manager(FakeCafe24(), tmp_path / "t.json"))
    assert auth.applies_to(httpx.URL("http://127.0.0.1:8080/x"))
    assert not auth.applies_to(httpx.URL("http://127.0.0.1:8081/x"))
    assert not auth.applies_to(httpx.URL("http://localhost:8080/x"))
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    transport = httpx.MockTransport(record)
    with httpx.Client(transport=transport) as client:
        client.get("http://127.0.0.1:8080/x", auth=auth)
    assert seen[0].headers["authorization"] == "Bearer loopback-token"
