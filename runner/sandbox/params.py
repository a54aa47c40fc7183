"""Reading Admin API query parameters and JSON bodies; a bad one is cafe24's 422 (or 400)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..jsonvalues import decode_json
from .data import Resource, money
from .messages import ApiError, Request

# cafe24: comma-separated values in a filter are an OR, at most 100 of them.
MAX_LIST_ITEMS = 100


def text_param(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def int_param(
    query: Mapping[str, list[str]], name: str, *, default: int, low: int, high: int
) -> int:
    text = text_param(query, name)
    if text is None or text == "":
        return default
    return parse_int(name, text, low=low, high=high)


def parse_int(name: str, text: str, *, low: int, high: int | None = None) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"{low} or more"
        raise ApiError(422, f"{name} must be a whole number {bound}, got {text!r}.")
    return value


def list_param(query: Mapping[str, list[str]], name: str) -> list[str] | None:
    text = text_param(query, name)
    if text is None or text.strip() == "":
        return None
    items = [item.strip() for item in text.split(",") if item.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise ApiError(422, f"{name} takes at most {MAX_LIST_ITEMS} comma-separated values.")
    return items


def flag_param(query: Mapping[str, list[str]], name: str) -> str | None:
    text = text_param(query, name)
    if text is None or text == "":
        return None
    if text not in ("T", "F"):
        raise ApiError(422, f"{name} must be T or F, got {text!r}.")
    return text


def select_fields(resource: Resource, fields: list[str] | None) -> Resource:
    """``fields=a,b``: only those fields, in the order asked for; unknown names are skipped."""
    if fields is None:
        return dict(resource)
    return {name: resource[name] for name in fields if name in resource}


def read_envelope(request: Request) -> dict[str, Any]:
    """The ``request`` object of cafe24's ``{"shop_no": 1, "request": {...}}`` body."""
    try:
        document = decode_json(request.body.decode("utf-8"))
    except ValueError:  # not UTF-8 or JSON, a 5000-digit number, [[[[... (TooDeep)
        raise ApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(document, dict) or not isinstance(document.get("request"), dict):
        raise ApiError(400, 'The body must wrap the fields as {"shop_no": 1, "request": {...}}.')
    shop_no = document.get("shop_no", 1)
    if shop_no not in (1, "1"):
        shown = repr(shop_no) if len(repr(shop_no)) <= 40 else repr(shop_no)[:37] + "..."
        raise ApiError(422, f"shop_no {shown} does not exist; this mall has shop 1.")
    fields: dict[str, Any] = document["request"]
    return fields


def money_value(name: str, value: Any) -> str:
    """A price as cafe24 writes it: a number or numeric string → ``"1100.00"``."""
    if isinstance(value, bool):
        value = None
    try:
        amount = float(value) if isinstance(value, (int, float, str)) else None
    except ValueError:
        amount = None
    if amount is None or not 0 <= amount < 1e12:
        raise ApiError(422, f'{name} must be an amount like "1100.00", got {value!r}.')
    return money(amount)
