"""The sandbox's pure pieces: time formats, the leaky bucket, hosts, scopes, seed data."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from runner.sandbox.data import product_code, seed_orders, seed_products
from runner.sandbox.hosts import mall_for_host
from runner.sandbox.orders import add_months
from runner.sandbox.ratelimit_bucket import LeakyBucket
from runner.sandbox.scopes import KNOWN_SCOPES, split_scopes
from runner.sandbox.timefmt import api_time, token_time

KST = timezone(timedelta(hours=9))


def test_token_time_is_korean_wall_clock_with_milliseconds_and_no_offset() -> None:
    epoch = datetime(2021, 3, 1, 5, 0, 0, 123456, tzinfo=UTC).timestamp()
    assert token_time(epoch) == "2021-03-01T14:00:00.123"


def test_api_time_has_seconds_and_the_korean_offset() -> None:
    epoch = datetime(2018, 1, 18, 2, 19, 27, 900000, tzinfo=UTC).timestamp()
    assert api_time(epoch) == "2018-01-18T11:19:27+09:00"


def test_bucket_fills_refuses_and_drains() -> None:
    bucket = LeakyBucket(capacity=40, rate=2.0, now=0.0)
    states = [bucket.take(0.0) for _ in range(40)]
    assert all(state.allowed for state in states)
    assert [states[0].used, states[-1].used] == [1, 40]
    refused = bucket.take(0.0)
    assert not refused.allowed
    assert (refused.used, refused.capacity, refused.wait_seconds) == (40, 40, 1)
    assert refused.usage_percent == 100
    # A refused call does not pour in: half a second later one drop has drained.
    after = bucket.take(0.5)
    assert after.allowed
    assert after.used == 40
    assert bucket.peek(10.5).used == 20
    assert bucket.peek(100.0).used == 0


def test_bucket_wait_follows_the_drain_rate() -> None:
    bucket = LeakyBucket(capacity=2, rate=0.25, now=0.0)
    bucket.take(0.0)
    bucket.take(0.0)
    assert bucket.take(0.0).wait_seconds == 4
    assert bucket.take(1.0).wait_seconds == 3


def test_bucket_ignores_a_clock_that_goes_back() -> None:
    bucket = LeakyBucket(capacity=1, rate=1.0, now=100.0)
    assert bucket.take(100.0).allowed
    assert not bucket.take(50.0).allowed


@pytest.mark.parametrize(
    ("host", "mall"),
    [
        ("demo.cafe24api.com", "demo"),
        ("Shop2.CAFE24API.com:443", "shop2"),
        ("127.0.0.1:8123", "default"),
        ("localhost", "default"),
        ("[::1]:8000", "default"),
        ("", "default"),
        ("sandbox.internal:8000", "default"),
        ("a.b.cafe24api.com", None),
        ("bad_name.cafe24api.com", None),
    ],
)
def test_the_host_names_the_mall(host: str, mall: str | None) -> None:
    assert mall_for_host(host, "default") == mall


def test_scopes_split_on_commas_and_spaces() -> None:
    assert split_scopes(" mall.read_product, mall.read_order  mall.read_product ") == (
        "mall.read_product",
        "mall.read_order",
    )
    assert "mall.read_salesreport" in KNOWN_SCOPES
    assert "mall.write_salesreport" not in KNOWN_SCOPES
    assert len(KNOWN_SCOPES) == 17 * 2 + 2


def test_product_codes_are_base_36_over_seven_places() -> None:
    assert product_code(1) == "P0000001"
    assert product_code(33) == "P000000X"
    assert product_code(36) == "P0000010"


def test_seed_data_is_deterministic_and_cafe24_shaped() -> None:
    assert seed_products(30) == seed_products(30)
    products = seed_products(100)
    assert len({p["product_name"] for p in products}) == 100
    for product in products:
        assert re.fullmatch(r"P[0-9A-Z]{7}", product["product_code"])
        for money in ("price", "retail_price", "supply_price", "price_excluding_tax"):
            assert re.fullmatch(r"\d+\.\d{2}", product[money])
        assert product["display"] in ("T", "F") and product["selling"] in ("T", "F")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", product["created_date"])
    assert products[0]["created_date"] == "2018-01-18T11:19:27+09:00"
    orders = seed_orders(8)
    assert orders[0]["order_id"] == "20170710-0000013"
    assert len({o["order_id"] for o in seed_orders(500)}) == 500
    assert {o["paid"] for o in orders} == {"T", "F"}


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2017, 7, 10), 3) == date(2017, 10, 10)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2023, 12, 31), 2) == date(2024, 2, 29)
    assert add_months(date(2022, 11, 30), 3) == date(2023, 2, 28)
