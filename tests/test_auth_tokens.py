"""Reading token JSON: Korean-time expiries, offsets, expires_in, scopes; the auth variables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runner.auth.tokens import (
    KST,
    Token,
    TokenFormatError,
    format_time,
    parse_scopes,
    parse_time,
    parse_token_response,
)

NOW = datetime(2024, 5, 1, 3, 0, 0, tzinfo=UTC)  # 12:00 in Seoul


def cafe24_answer(**overrides: object) -> dict[str, object]:
    answer: dict[str, object] = {
        "access_token": "0iqR5nM5EJIq0000",
        "expires_at": "2024-05-01T14:00:00.000",
        "refresh_token": "JeTJ7XpnFC0P0000",
        "refresh_token_expires_at": "2024-05-15T12:00:00.000",
        "client_id": "BrIfqEKoPxeE",
        "mall_id": "yourmall",
        "user_id": "test",
        "scopes": ["mall.read_order", "mall.read_product"],
        "issued_at": "2024-05-01T12:00:00.000",
    }
    answer.update(overrides)
    return answer


def test_cafe24_times_without_offset_are_korean_time() -> None:
    token = parse_token_response(cafe24_answer(), now=NOW, naive_zone=KST)
    assert token.expires_at == datetime(2024, 5, 1, 5, 0, tzinfo=UTC)
    assert token.refresh_expires_at == datetime(2024, 5, 15, 3, 0, tzinfo=UTC)
    assert token.expires_at.tzinfo is UTC
    assert token.scopes == ("mall.read_order", "mall.read_product")
    assert (token.mall_id, token.user_id, token.shop_no) == ("yourmall", "test", None)


def test_a_token_that_expired_an_hour_ago_in_korea_does_not_look_valid() -> None:
    now = datetime.now(UTC)
    an_hour_ago_in_seoul = (now - timedelta(hours=1)).astimezone(KST).replace(tzinfo=None)
    answer = cafe24_answer(expires_at=an_hour_ago_in_seoul.isoformat(timespec="milliseconds"))
    token = parse_token_response(answer, now=now, naive_zone=KST)
    assert not token.is_fresh(now)
    assert token.expires_at is not None
    assert abs(token.expires_at - (now - timedelta(hours=1))) < timedelta(seconds=1)
    # Read as UTC, it would have looked valid for eight more hours: the bug this guards.
    assert parse_token_response(answer, now=now, naive_zone=UTC).is_fresh(now)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T14:00:00+09:00", datetime(2024, 5, 1, 5, 0, tzinfo=UTC)),
        ("2024-05-01T05:00:00Z", datetime(2024, 5, 1, 5, 0, tzinfo=UTC)),
        ("2024-05-01T05:00:00.250+00:00", datetime(2024, 5, 1, 5, 0, 0, 250000, tzinfo=UTC)),
        ("2024-05-01T01:00:00-04:00", datetime(2024, 5, 1, 5, 0, tzinfo=UTC)),
        ("2024-05-01 14:00:00", datetime(2024, 5, 1, 5, 0, tzinfo=UTC)),
    ],
)
def test_a_time_with_an_offset_is_honoured(text: str, expected: datetime) -> None:
    assert parse_time(text, KST, "expires_at") == expected


def test_unix_seconds_are_read_as_utc() -> None:
    assert parse_time(1714532400, KST, "expires_at") == datetime(2024, 5, 1, 3, 0, tzinfo=UTC)


def test_malformed_times_name_the_field_not_the_value() -> None:
    with pytest.raises(TokenFormatError, match="'expires_at' is not an ISO 8601 time"):
        parse_token_response(cafe24_answer(expires_at="soon"), now=NOW, naive_zone=KST)
    with pytest.raises(TokenFormatError, match="no 'access_token'"):
        parse_token_response({"token": "x"}, now=NOW, naive_zone=KST)
    with pytest.raises(TokenFormatError, match="not a JSON object"):
        parse_token_response(["x"], now=NOW, naive_zone=KST)


def test_expires_in_from_a_generic_provider() -> None:
    answer = {
        "access_token": "abcd1234",
        "expires_in": 3600,
        "refresh_token": "efgh5678",
        "refresh_expires_in": "86400",
        "scope": "read write",
    }
    token = parse_token_response(answer, now=NOW, naive_zone=UTC)
    assert token.expires_at == NOW + timedelta(hours=1)
    assert token.refresh_expires_at == NOW + timedelta(days=1)
    assert token.scopes == ("read", "write")


def test_expires_in_wins_over_expires_at() -> None:
    answer = cafe24_answer(expires_in=60)
    token = parse_token_response(answer, now=NOW, naive_zone=KST)
    assert token.expires_at == NOW + timedelta(seconds=60)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mall.read_product,mall.read_order", ("mall.read_product", "mall.read_order")),
        ("mall.read_product mall.read_order", ("mall.read_product", "mall.read_order")),
        (" a , b  c ", ("a", "b", "c")),
        (["a", " b "], ("a", "b")),
        (None, ()),
        ("", ()),
    ],
)
def test_scopes_as_list_or_separated_string(value: object, expected: tuple[str, ...]) -> None:
    assert parse_scopes(value) == expected


def test_missing_scope_means_the_requested_ones_or_the_previous_ones() -> None:
    answer = {"access_token": "abcd1234"}
    requested = parse_token_response(answer, now=NOW, naive_zone=UTC, requested_scopes=("x",))
    assert requested.scopes == ("x",)
    previous = Token("old-access", "old-refresh", scopes=("y",), mall_id="m", user_id="u")
    refreshed = parse_token_response(answer, now=NOW, naive_zone=UTC, previous=previous)
    assert refreshed.scopes == ("y",)
    # A provider that does not rotate omits refresh_token: the old one stays.
    assert refreshed.refresh_token == "old-refresh"
    assert (refreshed.mall_id, refreshed.user_id) == ("m", "u")


def test_shop_no_as_number_or_string() -> None:
    assert parse_token_response(cafe24_answer(shop_no=1), now=NOW, naive_zone=KST).shop_no == "1"
    assert parse_token_response(cafe24_answer(shop_no="2"), now=NOW, naive_zone=KST).shop_no == "2"


def test_freshness_margin_is_sixty_seconds() -> None:
    token = Token("access-1", "refresh-1", expires_at=NOW + timedelta(seconds=61))
    assert token.is_fresh(NOW)
    assert not token.is_fresh(NOW + timedelta(seconds=2))
    assert Token("access-1", expires_at=None).is_fresh(NOW)  # unknown lifetime: used until 401
    assert not Token(None, "refresh-1").is_fresh(NOW)
    assert Token(None, "refresh-1").can_refresh(NOW)
    assert not Token(None, "r", refresh_expires_at=NOW).can_refresh(NOW)
    assert not Token("a").can_refresh(NOW)


def test_as_variables_gives_iso_utc_and_leaves_out_unknowns() -> None:
    token = parse_token_response(cafe24_answer(), now=NOW, naive_zone=KST)
    variables = token.as_variables()
    assert variables["access_token"] == "0iqR5nM5EJIq0000"
    assert variables["refresh_token"] == "JeTJ7XpnFC0P0000"
    assert variables["expires_at"] == "2024-05-01T05:00:00Z"
    assert variables["refresh_token_expires_at"] == "2024-05-15T03:00:00Z"
    assert variables["scopes"] == ["mall.read_order", "mall.read_product"]
    assert "shop_no" not in variables
    assert Token("abcd").as_variables().keys() == {"access_token", "scopes", "token_type"}


def test_store_round_trip_and_repr_hides_tokens() -> None:
    token = parse_token_response(cafe24_answer(shop_no="1"), now=NOW, naive_zone=KST)
    assert Token.from_json(token.to_json()) == token
    assert "0iqR5nM5EJIq" not in repr(token)
    assert "JeTJ7XpnFC0P" not in repr(token)
    assert format_time(datetime(2024, 5, 1, 14, 0, tzinfo=KST)) == "2024-05-01T05:00:00Z"
