"""SandboxSettings: defaults, HTTPRUN_SANDBOX_* parsing, and clear errors naming the key."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.errors import EnvError
from runner.sandbox import SandboxSettings
from runner.sandbox.timefmt import token_time


def test_defaults_match_the_documented_sandbox_app() -> None:
    settings = SandboxSettings.from_mapping({})
    assert settings == SandboxSettings()
    assert settings.client_id == "sandbox-client-id"
    assert settings.client_secret == "sandbox-client-secret"
    assert settings.redirect_uris == (
        "https://localhost/oauth/callback",
        "http://127.0.0.1:8765/callback",
    )
    assert settings.mall == "demo"
    assert (settings.user, settings.password) == ("admin", "sandbox")
    assert settings.scopes == ("mall.read_product", "mall.write_product", "mall.read_order")
    assert (settings.access_ttl, settings.refresh_ttl, settings.code_ttl) == (7200, 1209600, 60)
    assert (settings.bucket_capacity, settings.bucket_rate) == (40, 2.0)
    assert (settings.products, settings.orders) == (12, 8)


def test_every_key_is_read() -> None:
    settings = SandboxSettings.from_mapping(
        {
            "HTTPRUN_SANDBOX_CLIENT_ID": "app-1",
            "HTTPRUN_SANDBOX_CLIENT_SECRET": "s3cret",
            "HTTPRUN_SANDBOX_REDIRECT_URIS": " https://app.example/cb , http://127.0.0.1:9000/x ",
            "HTTPRUN_SANDBOX_MALL": "shop1",
            "HTTPRUN_SANDBOX_USER": "owner",
            "HTTPRUN_SANDBOX_PASSWORD": "pw",
            "HTTPRUN_SANDBOX_SCOPES": "mall.read_order mall.read_customer,mall.read_order",
            "HTTPRUN_SANDBOX_ACCESS_TTL": "30",
            "HTTPRUN_SANDBOX_REFRESH_TTL": "600",
            "HTTPRUN_SANDBOX_CODE_TTL": "5",
            "HTTPRUN_SANDBOX_BUCKET_CAPACITY": "3",
            "HTTPRUN_SANDBOX_BUCKET_RATE": "0.5",
            "HTTPRUN_SANDBOX_PRODUCTS": "0",
            "HTTPRUN_SANDBOX_ORDERS": "200",
            "PATH": "/usr/bin",  # other keys are none of the sandbox's business
        }
    )
    assert settings == SandboxSettings(
        client_id="app-1",
        client_secret="s3cret",
        redirect_uris=("https://app.example/cb", "http://127.0.0.1:9000/x"),
        mall="shop1",
        user="owner",
        password="pw",
        scopes=("mall.read_order", "mall.read_customer"),
        access_ttl=30,
        refresh_ttl=600,
        code_ttl=5,
        bucket_capacity=3,
        bucket_rate=0.5,
        products=0,
        orders=200,
    )


def test_an_empty_value_means_the_default() -> None:
    settings = SandboxSettings.from_mapping(
        {"HTTPRUN_SANDBOX_MALL": "", "HTTPRUN_SANDBOX_ORDERS": " "}
    )
    assert (settings.mall, settings.orders) == ("demo", 8)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (
            "HTTPRUN_SANDBOX_ACCESS_TTL",
            "two hours",
            "HTTPRUN_SANDBOX_ACCESS_TTL must be a whole number",
        ),
        ("HTTPRUN_SANDBOX_ACCESS_TTL", "0", "HTTPRUN_SANDBOX_ACCESS_TTL must be between 1 and"),
        ("HTTPRUN_SANDBOX_CODE_TTL", "-5", "HTTPRUN_SANDBOX_CODE_TTL must be between 1 and"),
        (
            "HTTPRUN_SANDBOX_BUCKET_CAPACITY",
            "0",
            "HTTPRUN_SANDBOX_BUCKET_CAPACITY must be between 1 and 1000000, got 0",
        ),
        ("HTTPRUN_SANDBOX_BUCKET_RATE", "fast", "HTTPRUN_SANDBOX_BUCKET_RATE must be a number"),
        ("HTTPRUN_SANDBOX_BUCKET_RATE", "0", "HTTPRUN_SANDBOX_BUCKET_RATE must be more than 0"),
        ("HTTPRUN_SANDBOX_BUCKET_RATE", "nan", "HTTPRUN_SANDBOX_BUCKET_RATE must be more than 0"),
        ("HTTPRUN_SANDBOX_PRODUCTS", "-1", "HTTPRUN_SANDBOX_PRODUCTS must be between 0 and"),
        ("HTTPRUN_SANDBOX_ORDERS", "1000001", "HTTPRUN_SANDBOX_ORDERS must be between 0 and"),
        ("HTTPRUN_SANDBOX_MALL", "My Shop", "HTTPRUN_SANDBOX_MALL must be a mall id"),
        (
            "HTTPRUN_SANDBOX_SCOPES",
            "mall.read_products",
            "unknown cafe24 scopes: mall.read_products",
        ),
        ("HTTPRUN_SANDBOX_SCOPES", " , ", "HTTPRUN_SANDBOX_SCOPES must name at least one scope"),
        ("HTTPRUN_SANDBOX_REDIRECT_URIS", "localhost/cb", "not an absolute http(s) URL"),
        ("HTTPRUN_SANDBOX_REDIRECT_URIS", "http://[::1/cb", "not an absolute http(s) URL"),
        ("HTTPRUN_SANDBOX_REDIRECT_URIS", "http://[zz]/cb", "not an absolute http(s) URL"),
        ("HTTPRUN_SANDBOX_REDIRECT_URIS", "http://h:99999/cb", "not an absolute http(s) URL"),
        ("HTTPRUN_SANDBOX_REDIRECT_URIS", "https://a.example/cb#x", "may not have a #fragment"),
        ("HTTPRUN_SANDBOX_REDIRECT_URIS", ",", "must name at least one Redirect URL"),
        (
            "HTTPRUN_SANDBOX_CLIENT_ID",
            "id:with:colons",
            "HTTPRUN_SANDBOX_CLIENT_ID must not contain ':'",
        ),
    ],
)
def test_invalid_values_are_env_errors_naming_the_key(key: str, value: str, expected: str) -> None:
    with pytest.raises(EnvError) as raised:
        SandboxSettings.from_mapping({key: value})
    assert expected in str(raised.value)
    assert key in str(raised.value)


def test_an_unknown_key_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(
        EnvError,
        match=r"unknown sandbox setting HTTPRUN_SANDBOX_ACCES_TTL; "
        r"did you mean HTTPRUN_SANDBOX_ACCESS_TTL\?",
    ):
        SandboxSettings.from_mapping({"HTTPRUN_SANDBOX_ACCES_TTL": "10"})


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(EnvError, match="HTTPRUN_SANDBOX_PASSWORD must be a non-empty value"):
        SandboxSettings(password="")


def test_secrets_stay_out_of_repr() -> None:
    text = repr(SandboxSettings(client_secret="top-secret-value", password="hunter2"))
    assert "top-secret-value" not in text
    assert "hunter2" not in text
    assert "sandbox-client-id" in text


TEN_YEARS = 10 * 365 * 24 * 3600


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (
            "HTTPRUN_SANDBOX_ACCESS_TTL",
            "99999999999999",
            f"HTTPRUN_SANDBOX_ACCESS_TTL must be between 1 and {TEN_YEARS} seconds (10 years), "
            "got 99999999999999",
        ),
        ("HTTPRUN_SANDBOX_REFRESH_TTL", "99999999999999", "must be between 1 and"),
        ("HTTPRUN_SANDBOX_CODE_TTL", str(TEN_YEARS + 1), "must be between 1 and"),
        (
            "HTTPRUN_SANDBOX_BUCKET_CAPACITY",
            "1000001",
            "HTTPRUN_SANDBOX_BUCKET_CAPACITY must be between 1 and 1000000, got 1000001",
        ),
        ("HTTPRUN_SANDBOX_BUCKET_RATE", "1e400", "must be more than 0 and at most 1,000,000"),
        ("HTTPRUN_SANDBOX_BUCKET_RATE", "2000000", "must be more than 0 and at most 1,000,000"),
        ("HTTPRUN_SANDBOX_PRODUCTS", "100001", "must be between 0 and 100000, got 100001"),
    ],
)
def test_numeric_settings_are_bounded(key: str, value: str, expected: str) -> None:
    # Regression: a huge TTL passed validation, then every login failed with HTTP 500 when the
    # expiry time overflowed datetime arithmetic.
    with pytest.raises(EnvError) as raised:
        SandboxSettings.from_mapping({key: value})
    assert key in str(raised.value)
    assert expected in str(raised.value)


def test_the_largest_allowed_values_are_accepted() -> None:
    settings = SandboxSettings.from_mapping(
        {
            "HTTPRUN_SANDBOX_ACCESS_TTL": str(TEN_YEARS),
            "HTTPRUN_SANDBOX_REFRESH_TTL": str(TEN_YEARS),
            "HTTPRUN_SANDBOX_CODE_TTL": str(TEN_YEARS),
            "HTTPRUN_SANDBOX_BUCKET_CAPACITY": "1000000",
            "HTTPRUN_SANDBOX_BUCKET_RATE": "1000000",
        }
    )
    assert settings.access_ttl == settings.refresh_ttl == settings.code_ttl == TEN_YEARS
    assert (settings.bucket_capacity, settings.bucket_rate) == (1_000_000, 1_000_000.0)
    # ... and the expiry times they lead to can still be written in a token response.
    assert token_time(time.time() + TEN_YEARS + TEN_YEARS).startswith("20")


@settings(max_examples=150, deadline=None)
@given(
    uris=st.text(alphabet="[]:/?#@%,.0123456789abcdefhtpsz-", max_size=40),
    key=st.sampled_from(["HTTPRUN_SANDBOX_REDIRECT_URIS", "HTTPRUN_SANDBOX_SCOPES"]),
)
def test_any_text_gives_settings_or_an_env_error(uris: str, key: str) -> None:
    try:
        SandboxSettings.from_mapping({key: uris})
    except EnvError as error:
        assert key in str(error)
