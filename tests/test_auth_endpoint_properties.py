"""Whatever a token endpoint answers (any status, any bytes, JSON of any shape or depth), the
exchange gives a token or an AuthError; the client secret never shows, not even in part; a
token that an HTTP header cannot carry is refused when it is read."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_auth_support import CLIENT_SECRET, cafe24_profile

from runner.auth.endpoints import exchange_code, refresh_access_token
from runner.auth.tokens import Token, TokenFormatError, parse_token_response, utc_now
from runner.errors import AuthError

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
# Error shapes that quote the provider, some of them with the secret inside long text.
QUOTING = st.builds(
    lambda pad, where: {"error": "invalid_client", "error_description": pad + where + pad},
    st.text(max_size=400),
    st.sampled_from([CLIENT_SECRET, "", CLIENT_SECRET[:-1]]),
)
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    QUOTING.map(lambda value: json.dumps(value).encode()),
    st.builds(lambda text: (text + CLIENT_SECRET + text).encode(), st.text(max_size=400)),
    st.integers(1, 50_000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.fixed_dictionaries(
        {"access_token": JSON_VALUES | st.text(max_size=20)},
        optional={"refresh_token": JSON_VALUES, "expires_in": JSON_VALUES},
    ).map(lambda value: json.dumps(value).encode()),
)


@settings(max_examples=50, deadline=None)
@given(status=st.sampled_from([200, 400, 401, 500]), body=BODIES, refresh=st.booleans())
def test_any_answer_is_a_token_or_an_auth_error_without_the_secret(
    status: int, body: bytes, refresh: bool
) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=body))
    profile = cafe24_profile()
    with httpx.Client(transport=transport) as client:
        try:
            if refresh:
                token = refresh_access_token(client, profile, Token("a", "r"), now=utc_now())
            else:
                token = exchange_code(client, profile, "the-code", now=utc_now())
        except AuthError as error:
            text = f"{error.message} {error.label} {error.hint}"
            assert CLIENT_SECRET not in text
            # Masked first, clipped after: no clipped tail of the secret survives either.
            assert "cli" + CLIENT_SECRET[3:12] not in text.replace(CLIENT_SECRET[:-1], "")
            return
    assert status == 200 and isinstance(token, Token)


@pytest.mark.parametrize(
    "value", ["abc\r\nX-Injected: 1", "tok en", "t\u00f6ken", "\ud800", "tab\there"]
)
def test_a_token_a_header_cannot_carry_is_refused_when_read(value: str) -> None:
    with pytest.raises(TokenFormatError, match="'access_token' holds characters an HTTP header"):
        parse_token_response({"access_token": value}, now=utc_now(), naive_zone=utc_now().tzinfo)
    with pytest.raises(TokenFormatError, match="'refresh_token' holds characters"):
        Token.from_json({"access_token": "fine", "refresh_token": value})


def test_a_long_refusal_is_masked_before_it_is_clipped() -> None:
    # The secret straddles the 300-character clip: clipping first would show its first half.
    body = {"error": "invalid_client", "error_description": "x" * 290 + CLIENT_SECRET}
    transport = httpx.MockTransport(lambda request: httpx.Response(400, json=body))
    with httpx.Client(transport=transport) as client, pytest.raises(AuthError) as caught:
        exchange_code(client, cafe24_profile(), "the-code", now=utc_now())
    assert CLIENT_SECRET[:10] not in caught.value.message
    assert caught.value.message.endswith("x...")
