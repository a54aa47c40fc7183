"""The plain-data request and response the sandbox's handlers see, and cafe24's two error shapes.

Handlers are functions from :class:`Request` to :class:`Response`, so they are tested and read
without a socket; ``server.py`` is the only module that speaks HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # names lower-case; repeated headers joined with ", "
    body: bytes
    host: str  # the Host header as sent (port included), for links back to the sandbox
    mall: str  # the mall the Host header names

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def media_type(self) -> str:
        """The Content-Type without parameters, lower-case: ``application/json``."""
        return self.header("content-type").split(";", 1)[0].strip().lower()


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def add_header(self, name: str, value: str) -> None:
        self.headers.append((name, value))


def json_response(status: int, document: Any) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status, [("Content-Type", "application/json; charset=utf-8")], body)


class ApiError(Exception):
    """An Admin API failure, answered in cafe24's nested envelope:
    ``{"error": {"code": 401, "message": "...", "more_info": {}}}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def to_response(self) -> Response:
        return json_response(
            self.status, {"error": {"code": self.status, "message": self.message, "more_info": {}}}
        )


class OAuthError(Exception):
    """An OAuth endpoint failure, answered flat: ``{"error": ..., "error_description": ...}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def to_response(self) -> Response:
        response = json_response(
            self.status, {"error": self.error, "error_description": self.description}
        )
        # RFC 6749 §5.1: nothing on the token endpoint may be cached.
        response.add_header("Cache-Control", "no-store")
        return response


def not_found() -> ApiError:
    """cafe24's answer for a path (or method) it has no API for, and for a missing resource."""
    return ApiError(404, "No API found.")
