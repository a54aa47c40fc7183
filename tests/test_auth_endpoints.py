"""Token endpoint calls: the forms and client credentials they send, and provider errors."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import httpx
import pytest
from test_auth_support import CLIENT_ID, CLIENT_SECRET, FakeCafe24, cafe24_profile

from runner.auth.endpoints import (
    TokenRefused,
    exchange_code,
    refresh_access_token,
    revoke_token,
)
from runner.auth.profiles import profile_from_variables
from runner.auth.tokens import Token, utc_now
from runner.errors import AuthError


def test_exchange_code_sends_the_code_and_redirect_uri_with_basic_credentials() -> None:
    provider = FakeCafe24()
    profile = cafe24_profile()
    assert profile.redirect_uri is not None
    code = provider.issue_code(profile.redirect_uri)
    token = exchange_code(provider.client(), profile, code, now=utc_now())
    assert provider.token_forms == [
        {"grant_type": "authorization_code", "code": code, "redirect_uri": profile.redirect_uri}
    ]
    assert token.access_token in provider.access_tokens
    assert token.is_fresh(utc_now())
    assert token.mall_id == "demo"
    assert token.scopes == ("mall.read_product", "mall.read_order")


def test_refresh_rotates_the_pair() -> None:
    provider = FakeCafe24()
    access, refresh = provider.issue_pair()
    stale = Token(access, refresh)
    fresh = refresh_access_token(provider.client(), cafe24_profile(), stale, now=utc_now())
    assert provider.token_forms == [{"grant_type": "refresh_token", "refresh_token": refresh}]
    assert fresh.refresh_token != refresh
    assert refresh not in provider.refresh_tokens
    with pytest.raises(TokenRefused) as caught:
        refresh_access_token(provider.client(), cafe24_profile(), stale, now=utc_now())
    assert caught.value.error_code == "invalid_grant"
    assert caught.value.message == (
        "cafe24 (demo) refused the refresh token (HTTP 400): invalid_grant: Invalid refresh_token"
    )


def test_revoke_sends_token_and_token_hint() -> None:
    provider = FakeCafe24()
    access, _ = provider.issue_pair()
    revoke_token(provider.client(), cafe24_profile(), access, "access_token")
    assert provider.revoked == [(access, "access_token")]


def test_client_credentials_as_form_fields_when_asked() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "abcd-1234", "expires_in": 60})

    variables = {
        "token_url": "https://auth.example.com/token",
        "client_id": "cid",
        "client_secret": "csecret",
        "client_auth": "body",
    }
    profile = profile_from_variables("oauth2", variables.get, None)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    refresh_access_token(client, profile, Token(None, "r-1234"), now=utc_now())
    (request,) = seen
    assert "authorization" not in request.headers
    form = parse_qs(request.content.decode())
    assert form["client_id"] == ["cid"]
    assert form["client_secret"] == ["csecret"]


def test_the_client_default_auth_never_reaches_the_token_endpoint() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "abcd-1234"})

    client = httpx.Client(transport=httpx.MockTransport(handler), auth=("someone", "else"))
    refresh_access_token(client, cafe24_profile(), Token(None, "r-1234"), now=utc_now())
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert seen[0].headers["authorization"] == f"Basic {expected}"


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            401,
            {"error": "invalid_client", "error_description": f"bad secret {CLIENT_SECRET}"},
            "refused the refresh token (HTTP 401): invalid_client: bad secret ****",
        ),
        (
            400,
            {"error": "invalid_grant", "error_description": "refresh r-secret-1234 expired"},
            "invalid_grant: refresh **** expired",
        ),
        (
            401,
            {"error": {"code": 401, "message": "No permission", "more_info": {}}},
            "(HTTP 401): 401: No permission",
        ),
        (503, "<html>Service   Unavailable</html>", "http_503: <html>Service Unavailable</html>"),
    ],
)
def test_provider_errors_quote_the_provider_without_secrets(
    status: int, body: object, message: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with pytest.raises(TokenRefused) as caught:
        refresh_access_token(client, cafe24_profile(), Token(None, "r-secret-1234"), now=utc_now())
    assert message in caught.value.message
    assert CLIENT_SECRET not in str(caught.value)
    assert "r-secret-1234" not in str(caught.value)


def test_unreachable_endpoint_and_non_token_answers() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    with pytest.raises(AuthError, match="could not reach cafe24 \\(demo\\)'s endpoint"):
        refresh_access_token(client, cafe24_profile(), Token(None, "r-1234"), now=utc_now())

    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, text="hi")))
    with pytest.raises(AuthError, match="not a token: the answer is not a JSON object") as caught:
        refresh_access_token(client, cafe24_profile(), Token(None, "r-1234"), now=utc_now())
    assert "token_url" in caught.value.hint


@pytest.mark.parametrize("charset", ["rot13", "base64", "idna"])
@pytest.mark.parametrize("status", [200, 400])
def test_a_charset_that_is_no_text_encoding_reads_as_utf8(charset: str, status: int) -> None:
    """Python codecs that are no text encoding made httpx's response.text raise (exit 70)."""
    pair = b'{"access_token": "a-1", "refresh_token": "r-2", "expires_in": 7200}'
    body = pair if status == 200 else b'{"error": "invalid_grant", "error_description": "gone"}'
    headers = {"Content-Type": f"application/json; charset={charset}"}
    client = httpx.Client(
        transport=httpx.MockTransport(
            lambda r: httpx.Response(status, headers=headers, content=body)
        )
    )
    stale = Token(None, "r-1234")
    if status == 200:
        assert (
            refresh_access_token(client, cafe24_profile(), stale, now=utc_now()).access_token
            == "a-1"
        )
    else:
        with pytest.raises(TokenRefused, match="invalid_grant: gone"):
            refresh_access_token(client, cafe24_profile(), stale, now=utc_now())


@pytest.mark.parametrize(
    "body",
    [
        # cafe24's answer to a wrong secret (CAFE24.md): invalid_grant, not invalid_client.
        {"error": "invalid_grant", "error_description": "Invalid client_secret"},
        {"error": "invalid_client", "error_description": "client authentication failed"},
        {"error": "invalid_client"},
        {"error": "invalid_request", "error_description": "Invalid client_id"},
        {"error": "unauthorized_client"},
    ],
)
def test_refused_client_credentials_say_to_check_them(body: dict[str, str]) -> None:
    # Regression: a wrong client_secret got "the grant is expired, used or revoked: log in again".
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(401, json=body)))
    with pytest.raises(TokenRefused) as caught:
        refresh_access_token(client, cafe24_profile(), Token(None, "r-1234"), now=utc_now())
    refusal = caught.value
    assert refusal.blames_client is True
    assert refusal.hint.startswith("check client_id and client_secret in your env files")
    assert "envs/NAME.local.env" in refusal.hint
    assert "log in again" not in refusal.hint
    assert CLIENT_SECRET not in str(refusal) + refusal.hint


def test_a_dead_grant_still_says_to_log_in_again() -> None:
    body = {"error": "invalid_grant", "error_description": "refresh_token time expired"}
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(400, json=body)))
    with pytest.raises(TokenRefused) as caught:
        refresh_access_token(client, cafe24_profile(), Token(None, "r-1234"), now=utc_now())
    assert caught.value.blames_client is False
    assert caught.value.hint.startswith("the grant is expired, used or revoked: log in again")
