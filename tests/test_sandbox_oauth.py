"""The sandbox's OAuth endpoints, through real HTTP on 127.0.0.1 with cafe24-looking URLs."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from test_sandbox_support import (
    ALL_SCOPES,
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    Env,
    oauth_url,
    query_of,
    running,
)

from runner.errors import AuthError
from runner.sandbox import SandboxSettings, approve_consent

KST = timezone(timedelta(hours=9))
TOKEN_KEYS = {
    "access_token",
    "expires_at",
    "refresh_token",
    "refresh_token_expires_at",
    "client_id",
    "mall_id",
    "user_id",
    "scopes",
    "issued_at",
    "shop_no",
    "token_type",
}


@pytest.fixture
def env() -> Iterator[Env]:
    with running() as started:
        yield started


def korean_time(text: str) -> float:
    """Read a token-JSON time the way httprun must: no offset, so Korean time."""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", text), text
    return datetime.fromisoformat(text).replace(tzinfo=KST).timestamp()


def exchange(env: Env, code: str, **form: str) -> httpx.Response:
    fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    fields.update(form)
    return env.token_call(fields)


def refresh(env: Env, refresh_token: str) -> httpx.Response:
    return env.token_call({"grant_type": "refresh_token", "refresh_token": refresh_token})


def assert_oauth_error(response: httpx.Response, status: int, error: str, description: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"error": error, "error_description": description}


# -- authorize: the consent page ----------------------------------------------------------


def test_the_consent_page_is_a_login_form_listing_the_scopes(env: Env) -> None:
    page = env.client.get(env.authorize_url())
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    html = page.text
    assert '<form method="post" action="/api/v2/oauth/authorize"' in html
    assert 'name="user_id"' in html and 'type="password" id="password" name="password"' in html
    assert 'value="approve">Approve</button>' in html
    for scope in ALL_SCOPES.split(","):
        assert f"<code>{scope}</code>" in html
    assert '<input type="hidden" name="state" value="state-123">' in html
    assert f'<input type="hidden" name="redirect_uri" value="{REDIRECT_URI}">' in html


def test_the_consent_page_escapes_what_it_echoes(env: Env) -> None:
    state = '"><script>alert(1)</script>'
    html = env.client.get(env.authorize_url(state=state)).text
    assert "<script>" not in html
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_approving_redirects_with_code_and_state(env: Env) -> None:
    location = approve_consent(env.client, env.authorize_url(), user="admin", password="sandbox")
    assert location.startswith(REDIRECT_URI + "?code=")
    query = query_of(location)
    assert set(query) == {"code", "state"}
    assert query["state"] == "state-123"
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", query["code"])


def test_without_state_the_redirect_has_none(env: Env) -> None:
    location = approve_consent(
        env.client, env.authorize_url(state=None), user="admin", password="sandbox"
    )
    assert set(query_of(location)) == {"code"}


def test_a_redirect_uri_with_a_query_keeps_it() -> None:
    settings = SandboxSettings(redirect_uris=("https://app.example/cb?tenant=7",))
    with running(settings) as env:
        url = env.authorize_url(redirect_uri="https://app.example/cb?tenant=7")
        location = approve_consent(env.client, url, user="admin", password="sandbox")
    assert location.startswith("https://app.example/cb?tenant=7&code=")


def test_an_unregistered_redirect_uri_gets_cafe24s_exact_error(env: Env) -> None:
    for redirect_uri in ("https://evil.example/cb", REDIRECT_URI + "/", None):
        response = env.client.get(env.authorize_url(redirect_uri=redirect_uri))
        assert response.status_code == 400
        assert response.text == (
            '{"error":"invalid_request",'
            '"error_description":"The redirect_uri added by Cafe24 Developers is invalid."}'
        )
    with pytest.raises(AuthError, match="The redirect_uri added by Cafe24 Developers is invalid"):
        approve_consent(
            env.client,
            env.authorize_url(redirect_uri="https://evil.example/cb"),
            user="admin",
            password="sandbox",
        )


def test_an_unknown_client_id_is_refused_without_redirecting(env: Env) -> None:
    response = env.client.get(env.authorize_url(client_id="someone-else"))
    assert_oauth_error(response, 400, "invalid_request", "Invalid client_id")


def test_scopes_the_app_lacks_redirect_with_invalid_scope(env: Env) -> None:
    url = env.authorize_url(scope="mall.read_product,mall.read_customer")
    response = env.client.get(url)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?error=invalid_scope&error_description=")
    query = query_of(location)
    assert "mall.read_customer" in query["error_description"]
    assert query["state"] == "state-123"
    # approve_consent hands such a redirect back like a browser would land on it.
    assert approve_consent(env.client, url, user="admin", password="sandbox") == location


def test_a_missing_scope_and_a_wrong_response_type_redirect_with_errors(env: Env) -> None:
    no_scope = env.client.get(env.authorize_url(scope=None)).headers["location"]
    assert query_of(no_scope)["error"] == "invalid_scope"
    token_flow = env.client.get(env.authorize_url(response_type="token")).headers["location"]
    assert query_of(token_flow)["error"] == "unsupported_response_type"


def test_space_separated_scopes_are_accepted(env: Env) -> None:
    document = env.tokens(scope="mall.read_order mall.read_product")
    assert document["scopes"] == ["mall.read_order", "mall.read_product"]


def test_a_wrong_password_is_refused_on_the_page(env: Env) -> None:
    with pytest.raises(AuthError) as raised:
        approve_consent(env.client, env.authorize_url(), user="admin", password="guess-1234")
    assert "Wrong user id or password." in str(raised.value)
    assert "guess-1234" not in str(raised.value)
    page = env.client.post(
        oauth_url("authorize"),
        data={
            **query_of(env.authorize_url()),
            "user_id": "admin",
            "password": "nope",
            "decision": "approve",
        },
    )
    assert page.status_code == 200
    assert 'id="error" role="alert">Wrong user id or password.' in page.text
    assert 'value="admin"' in page.text  # the user id is kept, the password is not


def test_denying_redirects_with_access_denied(env: Env) -> None:
    response = env.client.post(
        oauth_url("authorize"), data={**query_of(env.authorize_url()), "decision": "deny"}
    )
    assert response.status_code == 302
    query = query_of(response.headers["location"])
    assert query["error"] == "access_denied"
    assert query["state"] == "state-123"


# -- token: authorization_code --------------------------------------------------------------


def test_the_token_json_is_cafe24s_with_korean_times(env: Env) -> None:
    response = exchange(env, env.code())
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    document = response.json()
    assert set(document) == TOKEN_KEYS  # and so no expires_in
    assert document["client_id"] == CLIENT_ID
    assert document["mall_id"] == "demo"
    assert document["user_id"] == "admin"
    assert document["scopes"] == ALL_SCOPES.split(",")
    assert (document["shop_no"], document["token_type"]) == ("1", "Bearer")
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", document["access_token"])
    assert document["access_token"] != document["refresh_token"]
    now = env.clock.now
    assert korean_time(document["issued_at"]) == pytest.approx(now, abs=0.001)
    assert korean_time(document["expires_at"]) == pytest.approx(now + 7200, abs=0.001)
    assert korean_time(document["refresh_token_expires_at"]) == pytest.approx(
        now + 1_209_600, abs=0.001
    )
    # 2023-11-14T22:13:20Z is 07:13:20 the next morning in Korea.
    assert document["issued_at"] == "2023-11-15T07:13:20.000"


def test_client_credentials_may_be_form_fields(env: Env) -> None:
    form = {
        "grant_type": "authorization_code",
        "code": env.code(),
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    response = env.token_call(form, basic=False)
    assert response.status_code == 200, response.text


def test_client_credentials_are_checked(env: Env) -> None:
    code = env.code()
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    wrong_secret = env.client.post(oauth_url("token"), data=form, auth=(CLIENT_ID, "nope"))
    assert_oauth_error(wrong_secret, 401, "invalid_grant", "Invalid client_secret")
    wrong_id = env.client.post(oauth_url("token"), data=form, auth=("other", CLIENT_SECRET))
    assert_oauth_error(wrong_id, 401, "invalid_client", "Invalid client_id")
    none = env.token_call(form, basic=False)
    assert none.status_code == 401
    assert none.json()["error"] == "invalid_client"
    garbled = env.client.post(
        oauth_url("token"), data=form, headers={"Authorization": "Basic !!not-base64!!"}
    )
    assert garbled.status_code == 401
    form_secret = env.token_call(
        {**form, "client_id": CLIENT_ID, "client_secret": "x"}, basic=False
    )
    assert_oauth_error(form_secret, 401, "invalid_grant", "Invalid client_secret")
    # None of those used the code up.
    assert exchange(env, code).status_code == 200


def test_basic_credentials_may_be_form_encoded_as_rfc_6749_says() -> None:
    settings = SandboxSettings(client_secret="se cret+/=")
    with running(settings) as env:
        encoded = base64.b64encode(f"{CLIENT_ID}:se+cret%2B%2F%3D".encode()).decode()
        form = {
            "grant_type": "authorization_code",
            "code": env.code(),
            "redirect_uri": REDIRECT_URI,
        }
        response = env.client.post(
            oauth_url("token"), data=form, headers={"Authorization": f"Basic {encoded}"}
        )
    assert response.status_code == 200, response.text


def test_a_code_is_single_use(env: Env) -> None:
    code = env.code()
    assert exchange(env, code).status_code == 200
    again = exchange(env, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_a_code_lives_sixty_seconds(env: Env) -> None:
    code = env.code()
    env.clock.advance(59.9)
    assert exchange(env, code).status_code == 200
    late = env.code()
    env.clock.advance(60)
    assert_oauth_error(exchange(env, late), 400, "invalid_grant", "authorization code time expired")


def test_unknown_codes_and_other_redirect_uris_are_invalid_grants(env: Env) -> None:
    assert_oauth_error(
        exchange(env, "no-such-code"), 400, "invalid_grant", "Invalid authorization code"
    )
    code = env.code()
    mismatch = exchange(env, code, redirect_uri="http://127.0.0.1:8765/callback")
    assert mismatch.status_code == 400
    assert mismatch.json()["error"] == "invalid_grant"


def test_a_code_works_only_at_the_mall_that_issued_it(env: Env) -> None:
    code = env.code(mall="demo")
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    other = env.token_call(form, mall="othermall")
    assert_oauth_error(other, 400, "invalid_grant", "Invalid authorization code")
    assert env.token_call(form, mall="demo").status_code == 200


def test_token_request_errors_are_flat(env: Env) -> None:
    missing_code = env.token_call(
        {"grant_type": "authorization_code", "redirect_uri": REDIRECT_URI}
    )
    assert_oauth_error(missing_code, 400, "invalid_request", "code is required")
    no_grant = env.token_call({})
    assert_oauth_error(no_grant, 400, "invalid_request", "grant_type is required")
    password_grant = env.token_call({"grant_type": "password"})
    assert password_grant.status_code == 400
    assert password_grant.json()["error"] == "unsupported_grant_type"
    as_json = env.client.post(
        oauth_url("token"), json={"grant_type": "refresh_token"}, auth=(CLIENT_ID, CLIENT_SECRET)
    )
    assert_oauth_error(
        as_json, 400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded"
    )


# -- token: refresh_token ---------------------------------------------------------------------


def test_refresh_rotates_the_refresh_token(env: Env) -> None:
    first = env.tokens()
    env.clock.advance(3600)
    response = refresh(env, first["refresh_token"])
    assert response.status_code == 200
    second = response.json()
    assert set(second) == TOKEN_KEYS
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scopes"] == first["scopes"]
    assert korean_time(second["expires_at"]) == pytest.approx(env.clock.now + 7200, abs=0.001)
    assert korean_time(second["refresh_token_expires_at"]) == pytest.approx(
        env.clock.now + 1_209_600, abs=0.001
    )
    # The old refresh token died at once; the new one works (and rotates in turn).
    assert_oauth_error(
        refresh(env, first["refresh_token"]), 400, "invalid_grant", "Invalid refresh_token"
    )
    assert refresh(env, second["refresh_token"]).status_code == 200
    assert env.api("GET", "/products/count", second["access_token"]).status_code == 200


def test_an_expired_refresh_token_says_so(env: Env) -> None:
    document = env.tokens()
    env.clock.advance(1_209_600)
    assert_oauth_error(
        refresh(env, document["refresh_token"]), 400, "invalid_grant", "refresh_token time expired"
    )


def test_a_refresh_token_works_only_at_its_own_mall(env: Env) -> None:
    document = env.tokens()
    other = env.token_call(
        {"grant_type": "refresh_token", "refresh_token": document["refresh_token"]},
        mall="othermall",
    )
    assert_oauth_error(other, 400, "invalid_grant", "Invalid refresh_token")


def test_an_access_token_expires_after_two_hours(env: Env) -> None:
    token = env.access_token()
    env.clock.advance(7199)
    assert env.api("GET", "/products/count", token).status_code == 200
    env.clock.advance(1)
    response = env.api("GET", "/products/count", token)
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": 401,
            "message": "access_token time expired. (invalid_token)",
            "more_info": {},
        }
    }


# -- revoke -----------------------------------------------------------------------------------


def revoke(env: Env, form: dict[str, str]) -> httpx.Response:
    return env.client.post(oauth_url("revoke"), data=form, auth=(CLIENT_ID, CLIENT_SECRET))


def test_revoking_an_access_token(env: Env) -> None:
    document = env.tokens()
    response = revoke(env, {"token": document["access_token"], "token_hint": "access_token"})
    assert response.status_code == 200
    assert response.content == b""
    denied = env.api("GET", "/products/count", document["access_token"])
    assert denied.status_code == 401
    assert denied.json()["error"]["message"] == "Invalid access_token. (invalid_token)"
    # The refresh token of the same grant still works.
    assert refresh(env, document["refresh_token"]).status_code == 200


def test_revoking_a_refresh_token_ends_its_access_tokens_too(env: Env) -> None:
    document = env.tokens()
    other = env.tokens()
    assert (
        revoke(env, {"token": document["refresh_token"], "token_hint": "refresh_token"}).status_code
        == 200
    )
    assert refresh(env, document["refresh_token"]).status_code == 400
    assert env.api("GET", "/products/count", document["access_token"]).status_code == 401
    assert env.api("GET", "/products/count", other["access_token"]).status_code == 200


def test_revoke_needs_the_client_and_a_token(env: Env) -> None:
    document = env.tokens()
    unknown = revoke(env, {"token": "no-such-token"})
    assert (unknown.status_code, unknown.content) == (200, b"")  # RFC 7009: not an error
    assert_oauth_error(revoke(env, {}), 400, "invalid_request", "token is required")
    bad_hint = revoke(env, {"token": document["access_token"], "token_hint": "id_token"})
    assert bad_hint.status_code == 400
    anonymous = env.client.post(oauth_url("revoke"), data={"token": document["access_token"]})
    assert anonymous.status_code == 401
    assert env.api("GET", "/products/count", document["access_token"]).status_code == 200
