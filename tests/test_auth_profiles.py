"""Profiles from variables: endpoints, API host, seeds, and errors that say how to fix them."""

from __future__ import annotations

import re
from datetime import UTC

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_auth_support import CLIENT_SECRET, cafe24_variables

from runner.auth.profiles import profile_from_variables
from runner.auth.tokens import KST
from runner.errors import AuthError, render_error
from runner.source import Span, remember_source

SPAN = Span.point("requests/products.http", 2, 1, 13)


def test_cafe24_profile_endpoints_and_host() -> None:
    profile = profile_from_variables("cafe24", cafe24_variables(mallid="Demo").get, SPAN)
    base = "https://demo.cafe24api.com/api/v2/oauth"
    assert profile.token_url == f"{base}/token"
    assert profile.authorize_url == f"{base}/authorize"
    assert profile.revoke_url == f"{base}/revoke"
    assert (profile.api_host, profile.api_port) == ("demo.cafe24api.com", None)
    assert profile.mall_id == "demo"
    assert profile.naive_zone is KST
    assert profile.label == "cafe24 (demo)"
    assert profile.client_auth == "basic"
    assert profile.span == SPAN
    assert CLIENT_SECRET not in repr(profile)


def test_oauth2_api_host_defaults_to_the_token_url_host() -> None:
    variables = {
        "token_url": "https://Auth.Example.com:8443/oauth/token",
        "auth_url": "https://auth.example.com/authorize",
        "client_id": "cid",
        "client_secret": "secret-1",
    }
    profile = profile_from_variables("oauth2", variables.get, None)
    assert (profile.api_host, profile.api_port) == ("auth.example.com", None)
    assert profile.naive_zone is UTC
    assert profile.revoke_url is None
    assert profile.label == "oauth2 (auth.example.com)"


@pytest.mark.parametrize(
    ("api_host", "expected"),
    [
        ("api.example.com", ("api.example.com", None)),
        ("API.example.com:8443", ("api.example.com", 8443)),
        ("https://api.example.com", ("api.example.com", None)),
        ("https://api.example.com:9000/", ("api.example.com", 9000)),
    ],
)
def test_oauth2_api_host_variable(api_host: str, expected: tuple[str, int | None]) -> None:
    variables = {
        "token_url": "https://auth.example.com/token",
        "client_id": "cid",
        "client_secret": "secret-1",
        "api_host": api_host,
    }
    profile = profile_from_variables("oauth2", variables.get, None)
    assert (profile.api_host, profile.api_port) == expected


def test_missing_variables_are_each_named_with_how_to_set_them() -> None:
    remember_source(SPAN.path, "@api = x\n# @auth cafe24\nGET <<api>>\n")
    with pytest.raises(AuthError) as caught:
        profile_from_variables("cafe24", {"mallid": "demo"}.get, SPAN)
    error = caught.value
    assert error.span == SPAN
    assert (
        error.message == "the cafe24 auth profile needs the variables client_id and client_secret"
    )
    assert "client_id (the app's Client ID" in error.label
    assert "client_secret (the app's Client Secret Key" in error.label
    assert "--var client_id=" in error.hint
    assert "local.env" in error.hint
    rendered = render_error(error)
    assert "--> requests/products.http:2:1" in rendered
    assert "# @auth cafe24" in rendered


def test_oauth2_missing_variables() -> None:
    with pytest.raises(AuthError, match="needs the variables token_url, client_id and client_sec"):
        profile_from_variables("oauth2", lambda name: None, None)


def test_login_variables_are_checked_when_logging_in() -> None:
    values = cafe24_variables()
    del values["redirect_uri"], values["scope"]
    profile = profile_from_variables("cafe24", values.get, SPAN)  # enough to refresh
    with pytest.raises(AuthError) as caught:
        profile.check_can_log_in()
    assert caught.value.message == (
        "the cafe24 auth profile needs the variables redirect_uri and scope to log in"
    )
    assert "Redirect URL registered" in caught.value.label


def test_lookup_may_raise_key_error_and_values_may_be_numbers() -> None:
    values: dict[str, object] = {"mallid": "demo", "client_id": 12345, "client_secret": "s-1234"}

    def lookup(name: str) -> object:
        return values[name]

    profile = profile_from_variables("cafe24", lookup, None)
    assert profile.client_id == "12345"
    assert profile.seed is None


def test_seed_variables() -> None:
    profile = profile_from_variables(
        "cafe24", cafe24_variables(refresh_token="seeded-refresh").get, None
    )
    assert profile.seed is not None
    assert profile.seed.refresh_token == "seeded-refresh"
    assert profile.seed.access_token is None
    assert "seeded-refresh" not in repr(profile)


@pytest.mark.parametrize(
    ("name", "variables", "message"),
    [
        ("github", {}, "unknown auth profile 'github'"),
        ("cafe24", cafe24_variables(mallid="de mo"), "mallid 'de mo' is not a cafe24 mall ID"),
        ("cafe24", cafe24_variables(client_auth="digest"), "client_auth must be basic or body"),
        (
            "oauth2",
            {"token_url": "ftp://x/token", "client_id": "c", "client_secret": "s"},
            "token_url 'ftp://x/token' is not an http(s) URL",
        ),
        (
            "oauth2",
            {"token_url": "https://x/t", "client_id": "c", "client_secret": "s", "api_host": "/"},
            "api_host '/' is not a host name",
        ),
        (
            "oauth2",
            {"token_url": "http://[::1/t", "client_id": "c", "client_secret": "s"},
            "token_url 'http://[::1/t' is not an http(s) URL httprun can use",
        ),
        # Hosts no resolver takes: were internal errors (exit 70) at the first token request.
        (
            "oauth2",
            {"token_url": "http://a..b/t", "client_id": "c", "client_secret": "s"},
            "token_url 'http://a..b/t' is not an http(s) URL httprun can use",
        ),
        (
            "oauth2",
            {"token_url": "https://xn--/t", "client_id": "c", "client_secret": "s"},
            "token_url 'https://xn--/t' is not an http(s) URL httprun can use",
        ),
        (
            "cafe24",
            cafe24_variables(redirect_uri="http://[::1/cb"),
            "redirect_uri 'http://[::1/cb' is not a URL httprun can use",
        ),
        (
            "cafe24",
            cafe24_variables(redirect_uri="http://[zz]/cb"),
            "redirect_uri 'http://[zz]/cb' is not a URL",
        ),
        (
            "cafe24",
            cafe24_variables(redirect_uri="http://127.0.0.1:99999/cb"),
            "redirect_uri 'http://127.0.0.1:99999/cb' is not a URL",
        ),
        (
            "cafe24",
            cafe24_variables(redirect_uri="http://127.0.0.1:0/cb"),
            "redirect_uri 'http://127.0.0.1:0/cb' is not a URL",
        ),
        (
            "oauth2",
            {"token_url": "https://x/t", "auth_url": "https://x:x/a", "client_id": "c"}
            | {"client_secret": "s"},
            "auth_url 'https://x:x/a' is not an http(s) URL",
        ),
    ],
)
def test_bad_values(name: str, variables: dict[str, str], message: str) -> None:
    with pytest.raises(AuthError, match=re.escape(message)) as caught:
        profile_from_variables(name, variables.get, SPAN)
    assert caught.value.span == SPAN


def test_equal_variables_share_a_store_key_and_seeds_do_not_matter() -> None:
    one = profile_from_variables("cafe24", cafe24_variables().get, None)
    two = profile_from_variables("cafe24", cafe24_variables(refresh_token="r-1234").get, SPAN)
    other_mall = profile_from_variables("cafe24", cafe24_variables(mallid="other").get, None)
    assert one == two
    assert one.store_key == two.store_key
    assert one.store_key != other_mall.store_key


def test_the_client_secret_may_be_left_out_where_it_is_not_needed() -> None:
    variables = {"mallid": "demo", "client_id": "app"}
    with pytest.raises(AuthError, match="needs the variable client_secret"):
        profile_from_variables("cafe24", variables.get)
    profile = profile_from_variables("cafe24", variables.get, require_secret=False)
    assert profile.client_secret == ""
    with_secret = profile_from_variables("cafe24", {**variables, "client_secret": "s"}.get)
    assert profile.store_key == with_secret.store_key  # the same store entry
    with pytest.raises(AuthError, match="needs the variable client_id"):
        profile_from_variables("cafe24", {"mallid": "demo"}.get, require_secret=False)


def test_an_app_scheme_redirect_uri_is_kept_for_pasting() -> None:
    profile = profile_from_variables(
        "cafe24", cafe24_variables(redirect_uri="myapp://oauth/callback").get, SPAN
    )
    assert profile.redirect_uri == "myapp://oauth/callback"


@settings(max_examples=200, deadline=None)
@given(
    url=st.one_of(
        st.text(max_size=40),
        st.builds(
            lambda scheme, host, rest: f"{scheme}://{host}{rest}",
            st.sampled_from(["http", "https", "ftp", "myapp"]),
            st.text(alphabet="[]:0123456789abcdef.%@/zx-", max_size=20),
            st.text(max_size=10),
        ),
    ),
    variable=st.sampled_from(["token_url", "auth_url", "revoke_url", "redirect_uri", "api_host"]),
)
def test_any_url_variable_gives_a_profile_or_a_positioned_auth_error(
    url: str, variable: str
) -> None:
    variables = {"token_url": "https://x/t", "client_id": "c", "client_secret": "s"}
    variables[variable] = url
    try:
        profile_from_variables("oauth2", variables.get, SPAN)
    except AuthError as error:
        assert error.span == SPAN
