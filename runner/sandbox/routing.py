"""Which handler answers which method and path; anything else is cafe24's 404 "No API found."."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from . import oauth, orders, products
from .admin import ADMIN_PREFIX, AdminHandler, AdminRoute, endpoint_group, run_admin_call
from .hosts import mall_for_host
from .messages import ApiError, OAuthError, Request, Response, not_found
from .state import SandboxState

OAuthHandler = Callable[[SandboxState, Request], Response]

OAUTH_ROUTES: dict[tuple[str, str], OAuthHandler] = {
    ("GET", "/api/v2/oauth/authorize"): oauth.authorize_page,
    ("POST", "/api/v2/oauth/authorize"): oauth.authorize_decision,
    ("POST", "/api/v2/oauth/token"): oauth.token,
    ("POST", "/api/v2/oauth/revoke"): oauth.revoke,
}

READ_PRODUCT = "mall.read_product"
WRITE_PRODUCT = "mall.write_product"
READ_ORDER = "mall.read_order"


def _route(method: str, pattern: str, handler: AdminHandler, scope: str) -> AdminRoute:
    return AdminRoute(method, re.compile(pattern), handler, scope)


# Order matters where patterns overlap: /products/count before /products/{product_no}.
ADMIN_ROUTES: tuple[AdminRoute, ...] = (
    _route("GET", r"/products", products.list_products, READ_PRODUCT),
    _route("GET", r"/products/count", products.count_products, READ_PRODUCT),
    _route("GET", r"/products/(?P<product_no>\d{1,18})", products.get_product, READ_PRODUCT),
    _route("POST", r"/products", products.create_product, WRITE_PRODUCT),
    _route("PUT", r"/products/(?P<product_no>\d{1,18})", products.update_product, WRITE_PRODUCT),
    _route("DELETE", r"/products/(?P<product_no>\d{1,18})", products.delete_product, WRITE_PRODUCT),
    _route("GET", r"/orders", orders.list_orders, READ_ORDER),
    _route("GET", r"/orders/count", orders.count_orders, READ_ORDER),
    _route("GET", r"/orders/(?P<order_id>[^/]+)", orders.get_order, READ_ORDER),
)


def dispatch(state: SandboxState, request: Request) -> Response:
    """The sandbox's answer to ``request``. Runs under the state lock."""
    if request.path.startswith(ADMIN_PREFIX + "/"):
        admin_path = request.path[len(ADMIN_PREFIX) :]
        for route in ADMIN_ROUTES:
            match = route.pattern.fullmatch(admin_path)
            if match is not None and route.method == request.method:
                return run_admin_call(
                    state, request, route, match.groupdict(), endpoint_group(admin_path)
                )
        return run_admin_call(state, request, None, {}, endpoint_group(admin_path))
    handler = OAUTH_ROUTES.get((request.method, request.path))
    if handler is None:
        return not_found().to_response()
    try:
        return handler(state, request)
    except OAuthError as refused:
        return refused.to_response()


def handle(
    state: SandboxState,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
) -> Response:
    """The answer to one HTTP request (``headers`` with lower-case names), under the lock."""
    host = headers.get("host", "")
    mall = mall_for_host(host, state.settings.mall)
    if mall is None:
        return not_found().to_response()
    parts = urlsplit(target)
    request = Request(
        method=method.upper(),
        path=unquote(parts.path),
        query=parse_qs(parts.query, keep_blank_values=True),
        headers=headers,
        body=body,
        host=host,
        mall=mall,
    )
    with state.lock:
        try:
            return dispatch(state, request)
        except ApiError as failed:
            return failed.to_response()
