"""The sandbox's Admin API: products, orders, errors, scopes and the leaky bucket."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from test_sandbox_support import Env, api_url, running

from runner.sandbox import SandboxSettings
from runner.sandbox.timefmt import api_time

PRICE = re.compile(r"\d+\.\d{2}")
API_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00")


@pytest.fixture
def env() -> Iterator[Env]:
    with running() as started:
        yield started


@pytest.fixture
def token(env: Env) -> str:
    return env.access_token()


def api_error(response: httpx.Response, status: int) -> str:
    """The message of cafe24's nested error envelope, after checking its shape."""
    assert response.status_code == status, response.text
    document = response.json()
    assert set(document) == {"error"}
    assert set(document["error"]) == {"code", "message", "more_info"}
    assert document["error"]["code"] == status
    assert document["error"]["more_info"] == {}
    message: str = document["error"]["message"]
    return message


def body(product: dict[str, Any]) -> dict[str, Any]:
    return {"shop_no": 1, "request": product}


# -- products: reading ----------------------------------------------------------------------


def test_products_list_defaults_to_ten_in_cafe24s_shape(env: Env, token: str) -> None:
    response = env.api("GET", "/products", token)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    products = response.json()["products"]
    assert [p["product_no"] for p in products] == list(range(1, 11))
    first = products[0]
    assert first["shop_no"] == 1
    assert first["product_code"] == "P0000001"
    assert first["product_name"] == "Basic Cotton T-shirt"
    assert first["created_date"] == "2018-01-18T11:19:27+09:00"
    for product in products:
        assert re.fullmatch(r"P[0-9A-Z]{7}", product["product_code"])
        for money in ("price", "retail_price", "supply_price"):
            assert PRICE.fullmatch(product[money])
        assert product["display"] in ("T", "F") and product["selling"] in ("T", "F")
        assert API_DATE.fullmatch(product["created_date"])
        assert API_DATE.fullmatch(product["updated_date"])


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("limit=1", 1),
        ("limit=100", 12),
        ("offset=10", 2),
        ("offset=5000", 0),
        ("limit=3&offset=4", 3),
    ],
)
def test_limit_and_offset_within_bounds(env: Env, token: str, query: str, count: int) -> None:
    response = env.api("GET", f"/products?{query}", token)
    assert response.status_code == 200
    assert len(response.json()["products"]) == count


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("offset=5001", "offset"),
        ("offset=-1", "offset"),
    ],
)
def test_limit_and_offset_beyond_the_caps_are_422(
    env: Env, token: str, query: str, parameter: str
) -> None:
    message = api_error(env.api("GET", f"/products?{query}", token), 422)
    assert message.startswith(f"{parameter} must be a whole number")


def test_fields_selects_fields_in_the_order_asked(env: Env, token: str) -> None:
    response = env.api("GET", "/products?limit=2&fields=price,product_no,no_such_field", token)
    assert response.json() == {
        "products": [
            {"price": "11000.00", "product_no": 1},
            {"price": "59000.00", "product_no": 2},
        ]
    }
    one = env.api("GET", "/products/3?fields=product_name", token)
    assert one.json() == {"product": {"product_name": "Striped Wool Cardigan"}}


def test_since_product_no_pages_past_the_offset_cap(env: Env, token: str) -> None:
    response = env.api("GET", "/products?since_product_no=9&limit=2&embed=variants", token)
    assert [p["product_no"] for p in response.json()["products"]] == [10, 11]
    for extra in ("offset=0", "sort=created_date"):
        refused = env.api("GET", f"/products?since_product_no=9&{extra}", token)
        assert "since_product_no cannot be combined" in api_error(refused, 422)


def test_sort_and_order(env: Env, token: str) -> None:
    response = env.api("GET", "/products?sort=created_date&order=desc&limit=3", token)
    assert [p["product_no"] for p in response.json()["products"]] == [12, 11, 10]
    by_name = env.api("GET", "/products?sort=product_name&limit=100", token).json()["products"]
    names = [p["product_name"] for p in by_name]
    assert names == sorted(names)
    api_error(env.api("GET", "/products?sort=price", token), 422)
    api_error(env.api("GET", "/products?order=up", token), 422)


def test_filters_are_comma_separated_ors(env: Env, token: str) -> None:
    picked = env.api("GET", "/products?product_no=2,5,99", token).json()["products"]
    assert [p["product_no"] for p in picked] == [2, 5]
    hidden = env.api("GET", "/products?display=F", token).json()["products"]
    assert hidden and all(p["display"] == "F" for p in hidden)
    assert env.api("GET", "/products/count?display=F", token).json() == {"count": len(hidden)}
    api_error(env.api("GET", "/products?display=yes", token), 422)
    too_many = ",".join(str(n) for n in range(1, 102))
    api_error(env.api("GET", f"/products?product_no={too_many}", token), 422)


def test_count_and_get_one(env: Env, token: str) -> None:
    assert env.api("GET", "/products/count", token).json() == {"count": 12}
    response = env.api("GET", "/products/7", token)
    assert response.status_code == 200
    product = response.json()["product"]
    assert product["product_no"] == 7
    assert product["product_code"] == "P0000007"


def test_unknown_resources_and_paths_are_404_no_api_found(env: Env, token: str) -> None:
    for path in (
        "/products/999",
        "/products/abc",
        "/products/7/nothing",
        "/customers",
        "/orders/2017",
    ):
        assert api_error(env.api("GET", path, token), 404) == "No API found.", path
    outside = env.client.get("https://demo.cafe24api.com/api/v2/somewhere")
    assert api_error(outside, 404) == "No API found."
    wrong_method = env.api("PATCH", "/products/1", token, json=body({"price": "1.00"}))
    assert api_error(wrong_method, 404) == "No API found."


# -- products: writing ----------------------------------------------------------------------


def test_create_returns_201_and_the_product(env: Env, token: str) -> None:
    env.clock.advance(42)
    response = env.api(
        "POST",
        "/products",
        token,
        json=body({"product_name": "Demo mug", "price": 1100, "display": "F", "unknown": 1}),
    )
    assert response.status_code == 201, response.text
    product = response.json()["product"]
    assert product["product_no"] == 13
    assert product["product_code"] == "P000000D"
    assert (product["product_name"], product["price"], product["display"]) == (
        "Demo mug",
        "1100.00",
        "F",
    )
    assert product["created_date"] == product["updated_date"] == api_time(env.clock.now)
    assert "unknown" not in product
    assert env.api("GET", "/products/13", token).json() == {"product": product}
    assert env.api("GET", "/products/count", token).json() == {"count": 13}


def test_create_needs_the_envelope_json_and_required_fields(env: Env, token: str) -> None:
    no_request = env.api("POST", "/products", token, json={"shop_no": 1, "product_name": "x"})
    assert "request" in api_error(no_request, 400)
    not_json = env.api(
        "POST", "/products", token, content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert api_error(not_json, 400) == "The request body is not valid JSON."
    as_form = env.api("POST", "/products", token, data={"product_name": "x"})
    assert api_error(as_form, 400) == "Content-Type must be application/json."
    missing = env.api("POST", "/products", token, json=body({"product_name": "x"}))
    assert api_error(missing, 422) == "price is required to create a product."
    bad_price = env.api(
        "POST", "/products", token, json=body({"product_name": "x", "price": "cheap"})
    )
    assert "price must be an amount" in api_error(bad_price, 422)
    bad_flag = env.api(
        "POST", "/products", token, json=body({"product_name": "x", "price": 1, "selling": "yes"})
    )
    assert "selling must be T or F" in api_error(bad_flag, 422)
    other_shop = env.api(
        "POST",
        "/products",
        token,
        json={"shop_no": 2, "request": {"product_name": "x", "price": 1}},
    )
    api_error(other_shop, 422)
    assert env.api("GET", "/products/count", token).json() == {"count": 12}


def test_update_changes_fields_and_refuses_identical_content(env: Env, token: str) -> None:
    env.clock.advance(3600)
    response = env.api("PUT", "/products/2", token, json=body({"price": "60000", "selling": "F"}))
    assert response.status_code == 200, response.text
    product = response.json()["product"]
    assert (product["price"], product["selling"]) == ("60000.00", "F")
    assert product["price_excluding_tax"] == "54545.00"
    assert product["updated_date"] == api_time(env.clock.now)
    assert product["created_date"] != product["updated_date"]
    same = env.api("PUT", "/products/2", token, json=body({"price": "60000.00"}))
    assert api_error(same, 409).startswith("Nothing to update")
    assert (
        api_error(env.api("PUT", "/products/99", token, json=body({"price": "1"})), 404)
        == "No API found."
    )
    no_request = env.api("PUT", "/products/2", token, json={"shop_no": 1})
    api_error(no_request, 400)


def test_delete_answers_the_product_no(env: Env, token: str) -> None:
    response = env.api("DELETE", "/products/4", token)
    assert response.status_code == 200
    assert response.json() == {"product": {"product_no": 4}}
    assert api_error(env.api("GET", "/products/4", token), 404) == "No API found."
    assert api_error(env.api("DELETE", "/products/4", token), 404) == "No API found."
    assert env.api("GET", "/products/count", token).json() == {"count": 11}


# -- orders ---------------------------------------------------------------------------------


def test_orders_list_get_and_count(env: Env, token: str) -> None:
    response = env.api("GET", "/orders?limit=100", token)
    assert response.status_code == 200
    orders = response.json()["orders"]
    assert len(orders) == 8
    assert "links" not in response.json()
    first = orders[0]
    assert first["order_id"] == "20170710-0000013"
    assert first["paid"] in ("T", "F") and first["canceled"] in ("T", "F")
    assert PRICE.fullmatch(first["payment_amount"])
    assert API_DATE.fullmatch(first["order_date"])
    assert {"member_id", "order_date", "payment_amount"} <= set(first)
    one = env.api("GET", "/orders/20170710-0000013", token)
    assert one.json() == {"order": first}
    assert env.api("GET", "/orders/count", token).json() == {"count": 8}
    assert api_error(env.api("GET", "/orders/20990101-0000001", token), 404) == "No API found."


def test_orders_date_window(env: Env, token: str) -> None:
    day_one = env.api("GET", "/orders?start_date=2017-07-10&end_date=2017-07-10", token)
    ids = [o["order_id"] for o in day_one.json()["orders"]]
    assert ids == ["20170710-0000013", "20170710-0000014"]
    counted = env.api("GET", "/orders/count?start_date=2017-07-10&end_date=2017-07-10", token)
    assert counted.json() == {"count": 2}
    three_months = env.api("GET", "/orders?start_date=2017-07-10&end_date=2017-10-10", token)
    assert three_months.status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start_date=2017-07-10", "start_date and end_date must be given together."),
        ("end_date=2017-07-10", "start_date and end_date must be given together."),
        ("start_date=2017-07-10&end_date=2017-10-11", "at most 3 months apart"),
        ("start_date=2017-07-10&end_date=2017-07-09", "end_date must not be before start_date."),
        ("start_date=July&end_date=2017-07-09", "start_date must be a date"),
        ("limit=1001", "limit must be a whole number between 1 and 1000"),
        ("offset=15001", "offset must be a whole number between 0 and 15000"),
    ],
)
def test_orders_parameters_are_checked(env: Env, token: str, query: str, message: str) -> None:
    assert message in api_error(env.api("GET", f"/orders?{query}", token), 422)
    if "date" in query:
        assert message in api_error(env.api("GET", f"/orders/count?{query}", token), 422)


def test_orders_pages_link_to_the_next_one(env: Env, token: str) -> None:
    first = env.api("GET", "/orders?limit=5&fields=order_id", token).json()
    assert len(first["orders"]) == 5
    (link,) = first["links"]
    assert link["rel"] == "next"
    assert link["href"].startswith("https://demo.cafe24api.com/api/v2/admin/orders?")
    second = env.client.get(link["href"], headers={"Authorization": f"Bearer {token}"}).json()
    assert [o["order_id"] for o in second["orders"]] == [
        "20170713-0000018",
        "20170713-0000019",
        "20170714-0000020",
    ]
    assert "links" not in second


def test_orders_offset_cap_with_many_orders() -> None:
    with running(SandboxSettings(orders=15_050)) as env:
        token = env.access_token()
        page = env.api("GET", "/orders?offset=15000&limit=1000", token).json()
        assert len(page["orders"]) == 50
        assert "links" not in page
        before = env.api("GET", "/orders?offset=14000&limit=1000", token).json()
        assert "offset=15000" in before["links"][0]["href"]


# -- authentication, scopes, version header ----------------------------------------------------


def test_missing_and_invalid_tokens_are_401(env: Env) -> None:
    missing = env.client.get(api_url("/products"))
    assert "(invalid_token)" in api_error(missing, 401)
    assert missing.headers["x-api-call-limit"] == "0/40"
    basic = env.client.get(api_url("/products"), auth=("admin", "sandbox"))
    assert "(invalid_token)" in api_error(basic, 401)
    wrong = env.api("GET", "/products", "not-a-token")
    assert api_error(wrong, 401) == "Invalid access_token. (invalid_token)"


def test_a_token_works_only_at_its_own_mall(env: Env, token: str) -> None:
    assert api_error(env.api("GET", "/products", token, mall="othermall"), 401) == (
        "Invalid access_token. (invalid_token)"
    )


def test_scopes_are_enforced_per_token(env: Env) -> None:
    reader = env.access_token(scope="mall.read_product")
    assert env.api("GET", "/products", reader).status_code == 200
    writes: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/products", {"json": body({"product_name": "x", "price": 1})}),
        ("PUT", "/products/1", {"json": body({"price": 1})}),
        ("DELETE", "/products/1", {}),
    ]
    for method, path, kwargs in writes:
        message = api_error(env.api(method, path, reader, **kwargs), 403)
        assert (
            message == "The access_token lacks the scope mall.write_product. (insufficient_scope)"
        )
    assert "mall.read_order" in api_error(env.api("GET", "/orders", reader), 403)
    orders_only = env.access_token(scope="mall.read_order")
    assert env.api("GET", "/orders/count", orders_only).status_code == 200
    assert "mall.read_product" in api_error(env.api("GET", "/products/count", orders_only), 403)


def test_the_api_version_header_is_accepted_when_it_is_a_date(env: Env, token: str) -> None:
    dated = env.api("GET", "/products/count", token, headers={"X-Cafe24-Api-Version": "2024-06-01"})
    assert dated.status_code == 200
    for bad in ("latest", "2024-13-01"):
        wrong = env.api("GET", "/products/count", token, headers={"X-Cafe24-Api-Version": bad})
        assert "X-Cafe24-Api-Version must be a date" in api_error(wrong, 422)


# -- the leaky bucket -----------------------------------------------------------------------------


def test_the_bucket_fills_refuses_with_429_and_drains(env: Env, token: str) -> None:
    limits = [
        env.api("GET", "/products/count", token).headers["x-api-call-limit"] for _ in range(40)
    ]
    assert limits[0] == "1/40" and limits[-1] == "40/40"
    refused = env.api("GET", "/products/count", token)
    assert "too_many_requests" in api_error(refused, 429)
    assert refused.headers["x-cafe24-call-remain"] == "1"
    assert refused.headers["x-api-call-limit"] == "40/40"
    assert refused.headers["x-cafe24-call-usage"] == "100"
    assert "retry-after" not in refused.headers
    # Another endpoint group of the same mall has its own bucket.
    other_group = env.api("GET", "/orders/count", token)
    assert other_group.status_code == 200
    assert other_group.headers["x-api-call-limit"] == "1/40"
    assert "x-cafe24-call-remain" not in other_group.headers
    # Two calls a second drain away.
    env.clock.advance(1)
    after = env.api("GET", "/products/count", token)
    assert after.status_code == 200
    assert after.headers["x-api-call-limit"] == "39/40"
    env.clock.advance(60)
    assert env.api("GET", "/products/count", token).headers["x-api-call-limit"] == "1/40"


def test_each_mall_has_its_own_bucket_and_data() -> None:
    with running(SandboxSettings(bucket_capacity=2, bucket_rate=0.25)) as env:
        demo = env.access_token()
        other = env.access_token(mall="othermall")
        created = env.api("POST", "/products", demo, json=body({"product_name": "x", "price": 1}))
        assert created.status_code == 201
        assert env.api("GET", "/products/count", demo).headers["x-api-call-limit"] == "2/2"
        refused = env.api("GET", "/products/count", demo)
        assert refused.status_code == 429
        assert refused.headers["x-cafe24-call-remain"] == "4"
        elsewhere = env.api("GET", "/products/count", other, mall="othermall")
        assert elsewhere.status_code == 200
        assert elsewhere.json() == {"count": 12}
        assert elsewhere.headers["x-api-call-limit"] == "1/2"


def test_every_admin_answer_carries_the_call_limit(env: Env, token: str) -> None:
    answers = [
        env.api("GET", "/products", token),
        env.api("GET", "/products/999", token),
        env.api("GET", "/nothing-here", token),
        env.api("POST", "/products", token, json={}),
        env.client.get(api_url("/orders")),
    ]
    for answer in answers:
        assert re.fullmatch(r"\d+/40", answer.headers["x-api-call-limit"]), answer.request.url
        assert answer.headers["x-cafe24-call-usage"].isdigit()


# -- the default mall ---------------------------------------------------------------------------


def test_the_sandbox_reached_directly_is_the_default_mall() -> None:
    with running(SandboxSettings(mall="shop1")) as env:
        token = env.access_token(mall="shop1")
        direct = httpx.get(
            env.sandbox.base_url + "/api/v2/admin/products/count",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert direct.status_code == 200
        assert direct.json() == {"count": 12}
        assert env.api("GET", "/products/count", token, mall="demo").status_code == 401


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 100_000,  # deeper than Python's recursion limit
        b'{"shop_no": ' + b"9" * 5000 + b', "request": {}}',  # an int too long to convert
        b"\xff{}",
    ],
)
def test_a_hostile_json_body_is_a_400_not_an_internal_error(
    env: Env, token: str, content: bytes
) -> None:
    response = env.api(
        "POST", "/products", token, content=content, headers={"Content-Type": "application/json"}
    )
    assert api_error(response, 400) == "The request body is not valid JSON."


def test_a_long_shop_no_is_clipped_in_the_error(env: Env, token: str) -> None:
    response = env.api("POST", "/products", token, json={"shop_no": "x" * 10_000, "request": {}})
    assert api_error(response, 422) == (
        f"shop_no '{'x' * 36}... does not exist; this mall has shop 1."
    )
