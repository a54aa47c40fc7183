"""``/api/v2/admin/orders``: list, count, read one.

Rules from docs/CAFE24.md: ``start_date`` and ``end_date`` together or not at all, at most three
months apart; ``limit`` up to 1000, ``offset`` up to 15000; a page that has more after it
carries ``"links": [{"rel": "next", "href": ...}]``.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, datetime, time
from urllib.parse import urlencode

from .admin import AdminCall
from .data import Resource
from .hosts import is_cafe24_host
from .messages import ApiError, Response, json_response, not_found
from .params import int_param, list_param, select_fields, text_param
from .timefmt import KST

MAX_LIMIT = 1000
MAX_OFFSET = 15000
MAX_MONTHS = 3


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (Nov 30 + 3 → Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _moment(name: str, text: str, *, end: bool) -> datetime:
    """A ``YYYY-MM-DD`` (the whole day) or an ISO date-time; without an offset, Korean time."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end else time.min, KST)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(422, f"{name} must be a date like 2017-07-10, got {text!r}.") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=KST)


def _date_window(query: Mapping[str, list[str]]) -> tuple[datetime, datetime] | None:
    start_text = text_param(query, "start_date") or None
    end_text = text_param(query, "end_date") or None
    if start_text is None and end_text is None:
        return None
    if start_text is None or end_text is None:
        raise ApiError(422, "start_date and end_date must be given together.")
    start = _moment("start_date", start_text, end=False)
    end = _moment("end_date", end_text, end=True)
    if end < start:
        raise ApiError(422, "end_date must not be before start_date.")
    if end.astimezone(KST).date() > add_months(start.astimezone(KST).date(), MAX_MONTHS):
        raise ApiError(422, f"start_date and end_date must be at most {MAX_MONTHS} months apart.")
    return start, end


def _filtered(call: AdminCall) -> list[Resource]:
    query = call.request.query
    orders = list(call.mall.orders.values())
    window = _date_window(query)
    if window is not None:
        start, end = window
        orders = [o for o in orders if start <= datetime.fromisoformat(o["order_date"]) <= end]
    for name in ("order_id", "member_id"):
        wanted = list_param(query, name)
        if wanted is not None:
            orders = [o for o in orders if o[name] in wanted]
    return orders


def list_orders(call: AdminCall) -> Response:
    query = call.request.query
    limit = int_param(query, "limit", default=10, low=1, high=MAX_LIMIT)
    offset = int_param(query, "offset", default=0, low=0, high=MAX_OFFSET)
    orders = _filtered(call)
    fields = list_param(query, "fields")
    document: dict[str, object] = {
        "orders": [select_fields(o, fields) for o in orders[offset : offset + limit]]
    }
    if offset + limit < len(orders) and offset + limit <= MAX_OFFSET:
        document["links"] = [{"rel": "next", "href": _page_link(call, offset + limit)}]
    return json_response(200, document)


def _page_link(call: AdminCall, offset: int) -> str:
    request = call.request
    query = [(name, value) for name, values in request.query.items() for value in values]
    query = [(name, value) for name, value in query if name != "offset"] + [("offset", str(offset))]
    # Back through the host the client used: https for *.cafe24api.com, else the sandbox itself.
    scheme = "https" if is_cafe24_host(request.host) else "http"
    return f"{scheme}://{request.host}{request.path}?{urlencode(query)}"


def count_orders(call: AdminCall) -> Response:
    return json_response(200, {"count": len(_filtered(call))})


def get_order(call: AdminCall) -> Response:
    order = call.mall.orders.get(call.params["order_id"])
    if order is None:
        raise not_found()
    fields = list_param(call.request.query, "fields")
    return json_response(200, {"order": select_fields(order, fields)})
