"""What every Admin API call goes through before its handler: the Bearer token (401), the
mall's leaky bucket (429), the ``X-Cafe24-Api-Version`` header (422), the token's scopes (403)
and, for bodies, the Content-Type (400). Every answer carries ``X-Api-Call-Limit``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from .mall import Mall
from .messages import ApiError, Request, Response
from .ratelimit_bucket import BucketState
from .state import SandboxState
from .tokens import Grant

ADMIN_PREFIX = "/api/v2/admin"
_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class AdminCall:
    """What a handler needs: the request, its mall, the path's parameters, the time, the grant."""

    request: Request
    mall: Mall
    params: Mapping[str, str]
    now: float
    grant: Grant


AdminHandler = Callable[[AdminCall], Response]


@dataclass(frozen=True, slots=True)
class AdminRoute:
    method: str
    pattern: re.Pattern[str]  # matched against the path after /api/v2/admin
    handler: AdminHandler
    scope: str


def endpoint_group(admin_path: str) -> str:
    """The bucket an admin path pours into: its first segment ("products", "orders")."""
    return admin_path.strip("/").split("/", 1)[0] or "admin"


def run_admin_call(
    state: SandboxState,
    request: Request,
    route: AdminRoute | None,
    params: Mapping[str, str],
    group: str,
) -> Response:
    """Answer one Admin API request (``route`` is ``None`` for a path with no API)."""
    now = state.clock()
    mall = state.malls.get(request.mall)
    bucket = mall.bucket(group, state.settings, now)
    if route is None:
        return _with_limits(ApiError(404, "No API found.").to_response(), bucket.peek(now))
    try:
        grant = _authenticate(state, request, now)
    except ApiError as refused:
        # A call without a valid token is nobody's, so it does not pour into the mall's bucket.
        return _with_limits(refused.to_response(), bucket.peek(now))
    level = bucket.take(now)
    try:
        _check_call(request, route, grant, level)
        response = route.handler(AdminCall(request, mall, params, now, grant))
    except ApiError as failed:
        response = failed.to_response()
    return _with_limits(response, level)


def _authenticate(state: SandboxState, request: Request, now: float) -> Grant:
    scheme, _, token = request.header("authorization").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401, "access_token is required: send Authorization: Bearer {token}. (invalid_token)"
        )
    return state.tokens.check_access(token.strip(), mall_id=request.mall, now=now).grant


def _check_call(request: Request, route: AdminRoute, grant: Grant, level: BucketState) -> None:
    if not level.allowed:
        raise ApiError(
            429,
            f"Too many requests: the API call limit is used up; wait {level.wait_seconds} s."
            " (too_many_requests)",
        )
    version = request.header("x-cafe24-api-version").strip()
    if version and not _is_version(version):
        raise ApiError(
            422, f"X-Cafe24-Api-Version must be a date like 2024-06-01, got {version!r}."
        )
    if route.scope not in grant.scopes:
        raise ApiError(403, f"The access_token lacks the scope {route.scope}. (insufficient_scope)")
    if request.method in ("POST", "PUT") and request.media_type() != "application/json":
        raise ApiError(400, "Content-Type must be application/json.")


def _is_version(text: str) -> bool:
    if not _VERSION.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _with_limits(response: Response, level: BucketState) -> Response:
    """cafe24's rate headers; on 429 the seconds to wait, and no Retry-After (docs/CAFE24.md)."""
    response.add_header("X-Api-Call-Limit", f"{level.used}/{level.capacity}")
    response.add_header("X-Cafe24-Call-Usage", str(level.usage_percent))
    if not level.allowed:
        response.add_header("X-Cafe24-Call-Remain", str(level.wait_seconds))
    return response
