"""``/api/v2/admin/products``: list, count, read one, create, update, delete.

Rules from docs/CAFE24.md: ``limit`` 1–100 (default 10), ``offset`` at most 5000,
``since_product_no`` for going further (not with ``offset`` or ``sort``), ``fields=a,b``; bodies
wrapped as ``{"shop_no": 1, "request": {...}}``; an update that changes nothing is 409.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .admin import AdminCall
from .data import Resource, make_product, price_excluding_tax
from .messages import ApiError, Response, json_response, not_found
from .params import (
    flag_param,
    int_param,
    list_param,
    money_value,
    parse_int,
    read_envelope,
    select_fields,
    text_param,
)
from .timefmt import api_time

MAX_LIMIT = 100
MAX_OFFSET = 5000
SORT_KEYS = ("created_date", "updated_date", "product_name", "product_no")
_CONDITIONS = ("N", "B", "R", "U", "E", "F", "S")


def _text(limit: int, *, empty: bool = True) -> Callable[[str, Any], str]:
    def check(name: str, value: Any) -> str:
        if not isinstance(value, str) or len(value) > limit or (not empty and not value.strip()):
            need = "text" if empty else "non-empty text"
            raise ApiError(422, f"{name} must be {need} of at most {limit} characters.")
        return value

    return check


def _flag(name: str, value: Any) -> str:
    if value not in ("T", "F"):
        raise ApiError(422, f"{name} must be T or F, got {value!r}.")
    return str(value)


def _condition(name: str, value: Any) -> str:
    if value not in _CONDITIONS:
        raise ApiError(422, f"{name} must be one of {', '.join(_CONDITIONS)}, got {value!r}.")
    return str(value)


# The fields a client may write, each with its check. Others are ignored, as cafe24 does.
WRITABLE: dict[str, Callable[[str, Any], str]] = {
    "product_name": _text(250, empty=False),
    "eng_product_name": _text(250),
    "custom_product_code": _text(40),
    "model_name": _text(100),
    "price": money_value,
    "retail_price": money_value,
    "supply_price": money_value,
    "display": _flag,
    "selling": _flag,
    "product_condition": _condition,
    "summary_description": _text(255),
}


def _writable_fields(request: Mapping[str, Any]) -> dict[str, str]:
    return {name: check(name, request[name]) for name, check in WRITABLE.items() if name in request}


def _filtered(call: AdminCall) -> list[Resource]:
    """The mall's products that pass the request's filters (comma lists are ORs)."""
    query = call.request.query
    products = list(call.mall.products.values())
    numbers = list_param(query, "product_no")
    if numbers is not None:
        wanted = {parse_int("product_no", item, low=1) for item in numbers}
        products = [p for p in products if p["product_no"] in wanted]
    codes = list_param(query, "product_code")
    if codes is not None:
        products = [p for p in products if p["product_code"] in codes]
    names = list_param(query, "product_name")
    if names is not None:
        lowered = [name.lower() for name in names]
        products = [p for p in products if any(n in p["product_name"].lower() for n in lowered)]
    for flag in ("display", "selling"):
        value = flag_param(query, flag)
        if value is not None:
            products = [p for p in products if p[flag] == value]
    return products


def list_products(call: AdminCall) -> Response:
    query = call.request.query
    limit = int_param(query, "limit", default=10, low=1, high=MAX_LIMIT)
    since_text = text_param(query, "since_product_no")
    products = _filtered(call)
    if since_text is not None and since_text != "":
        if text_param(query, "offset") is not None or text_param(query, "sort") is not None:
            raise ApiError(422, "since_product_no cannot be combined with offset or sort.")
        since = parse_int("since_product_no", since_text, low=0)
        page = sorted(
            (p for p in products if p["product_no"] > since), key=lambda p: p["product_no"]
        )[:limit]
    else:
        offset = int_param(query, "offset", default=0, low=0, high=MAX_OFFSET)
        page = _sorted(products, query)[offset : offset + limit]
    fields = list_param(query, "fields")
    return json_response(200, {"products": [select_fields(p, fields) for p in page]})


def _sorted(products: list[Resource], query: Mapping[str, list[str]]) -> list[Resource]:
    sort = text_param(query, "sort") or "product_no"
    if sort not in SORT_KEYS:
        raise ApiError(422, f"sort must be one of {', '.join(SORT_KEYS)}, got {sort!r}.")
    order = text_param(query, "order") or "asc"
    if order not in ("asc", "desc"):
        raise ApiError(422, f"order must be asc or desc, got {order!r}.")
    # product_no breaks ties, so pages never overlap or skip.
    return sorted(products, key=lambda p: (p[sort], p["product_no"]), reverse=order == "desc")


def count_products(call: AdminCall) -> Response:
    return json_response(200, {"count": len(_filtered(call))})


def _find(call: AdminCall) -> Resource:
    product = call.mall.products.get(int(call.params["product_no"]))
    if product is None:
        raise not_found()
    return product


def get_product(call: AdminCall) -> Response:
    fields = list_param(call.request.query, "fields")
    return json_response(200, {"product": select_fields(_find(call), fields)})


def create_product(call: AdminCall) -> Response:
    given = _writable_fields(read_envelope(call.request))
    for required in ("product_name", "price"):
        if required not in given:
            raise ApiError(422, f"{required} is required to create a product.")
    mall = call.mall
    product_no = mall.next_product_no
    mall.next_product_no += 1
    product = make_product(
        product_no, given["product_name"], given["price"], created=api_time(call.now)
    )
    product.update(given)
    mall.products[product_no] = product
    return json_response(201, {"product": product})


def update_product(call: AdminCall) -> Response:
    product = _find(call)
    given = _writable_fields(read_envelope(call.request))
    changed = {name: value for name, value in given.items() if product[name] != value}
    if not changed:
        raise ApiError(409, "Nothing to update: the request has the product's current values.")
    product.update(changed)
    if "price" in changed:
        product["price_excluding_tax"] = price_excluding_tax(changed["price"])
    product["updated_date"] = api_time(call.now)
    return json_response(200, {"product": product})


def delete_product(call: AdminCall) -> Response:
    product = _find(call)
    del call.mall.products[product["product_no"]]
    return json_response(200, {"product": {"product_no": product["product_no"]}})
