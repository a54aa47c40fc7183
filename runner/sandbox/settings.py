"""The sandbox's settings, read from ``HTTPRUN_SANDBOX_*`` keys (the environment or an env file).

Every key is optional; an empty value means "use the default".

- ``HTTPRUN_SANDBOX_CLIENT_ID``: the one registered app's client id (``sandbox-client-id``).
- ``HTTPRUN_SANDBOX_CLIENT_SECRET``: its client secret (``sandbox-client-secret``).
- ``HTTPRUN_SANDBOX_REDIRECT_URIS``: the registered Redirect URLs, comma-separated, matched
  exactly (``https://localhost/oauth/callback,http://127.0.0.1:8765/callback``).
- ``HTTPRUN_SANDBOX_MALL``: the mall a Host other than ``{mall}.cafe24api.com`` (an IP address,
  ``localhost``) stands for (``demo``).
- ``HTTPRUN_SANDBOX_USER`` / ``HTTPRUN_SANDBOX_PASSWORD``: the login the consent page accepts
  (``admin`` / ``sandbox``).
- ``HTTPRUN_SANDBOX_SCOPES``: the scopes enabled on the app, comma or space separated
  (``mall.read_product,mall.write_product,mall.read_order``).
- ``HTTPRUN_SANDBOX_ACCESS_TTL``: access-token lifetime in seconds (``7200``, 2 hours).
- ``HTTPRUN_SANDBOX_REFRESH_TTL``: refresh-token lifetime in seconds (``1209600``, 2 weeks).
- ``HTTPRUN_SANDBOX_CODE_TTL``: authorization-code lifetime in seconds (``60``).
- ``HTTPRUN_SANDBOX_BUCKET_CAPACITY``: leaky-bucket capacity per mall and endpoint group (``40``).
- ``HTTPRUN_SANDBOX_BUCKET_RATE``: calls the bucket drains per second (``2``; may be a decimal).
- ``HTTPRUN_SANDBOX_PRODUCTS`` / ``HTTPRUN_SANDBOX_ORDERS``: how many products and orders each
  mall is seeded with (``12`` / ``8``).

Numbers are bounded: lifetimes 1 second to 10 years, the bucket capacity 1 to 1,000,000, the
rate above 0 and at most 1,000,000 per second, the seeds 0 to 100,000.

An unknown ``HTTPRUN_SANDBOX_*`` key is an error too: a typo must not silently fall back to a
default. Every error is an :class:`~runner.errors.EnvError` naming the key.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

from ..errors import EnvError
from .scopes import KNOWN_SCOPES, split_scopes

PREFIX = "HTTPRUN_SANDBOX_"

# cafe24 mall ids are short lower-case letters and digits; a hyphen does no harm in a host name.
MALL_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")

# Big enough to test the offset caps (5000 products, 15000 orders); small enough to seed quickly.
_MAX_SEED = 100_000
# Lifetimes are added to "now" in datetime arithmetic (expiry times in token responses): a huge
# one would overflow there and turn every login into an HTTP 500, so they stop at 10 years.
_MAX_TTL = 10 * 365 * 24 * 3600
# A bucket bigger than this, or draining faster, is no longer a rate limit worth simulating.
_MAX_CAPACITY = 1_000_000
_MAX_RATE = 1_000_000.0

# The inclusive range of every whole-number setting, and the unit its error message names.
_INT_RANGES: dict[str, tuple[int, int, str]] = {
    "access_ttl": (1, _MAX_TTL, " seconds (10 years)"),
    "refresh_ttl": (1, _MAX_TTL, " seconds (10 years)"),
    "code_ttl": (1, _MAX_TTL, " seconds (10 years)"),
    "bucket_capacity": (1, _MAX_CAPACITY, ""),
    "products": (0, _MAX_SEED, ""),
    "orders": (0, _MAX_SEED, ""),
}


def key_for(field_name: str) -> str:
    """The settings key of a field: ``access_ttl`` → ``HTTPRUN_SANDBOX_ACCESS_TTL``."""
    return PREFIX + field_name.upper()


def _fail(field_name: str, problem: str) -> EnvError:
    return EnvError(f"{key_for(field_name)} {problem}")


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """What the sandbox pretends cafe24 has registered. Validated on construction."""

    client_id: str = "sandbox-client-id"
    client_secret: str = field(default="sandbox-client-secret", repr=False)
    redirect_uris: tuple[str, ...] = (
        "https://localhost/oauth/callback",
        "http://127.0.0.1:8765/callback",
    )
    mall: str = "demo"
    user: str = "admin"
    password: str = field(default="sandbox", repr=False)
    scopes: tuple[str, ...] = ("mall.read_product", "mall.write_product", "mall.read_order")
    access_ttl: int = 7200
    refresh_ttl: int = 1_209_600
    code_ttl: int = 60
    bucket_capacity: int = 40
    bucket_rate: float = 2.0
    products: int = 12
    orders: int = 8

    def __post_init__(self) -> None:
        for name in ("client_id", "client_secret", "user", "password"):
            value = getattr(self, name)
            if not value or value != value.strip() or any(ch in value for ch in "\r\n"):
                raise _fail(name, "must be a non-empty value without surrounding white space")
        if ":" in self.client_id:
            # HTTP Basic joins id and secret with ':'; an id containing one could not be parsed.
            raise _fail("client_id", "must not contain ':'")
        if not MALL_ID.fullmatch(self.mall):
            raise _fail(
                "mall",
                f"must be a mall id like 'demo' (lower-case letters, digits), got {self.mall!r}",
            )
        if not self.redirect_uris:
            raise _fail("redirect_uris", "must name at least one Redirect URL")
        for uri in self.redirect_uris:
            _check_redirect_uri(uri)
        if not self.scopes:
            raise _fail("scopes", "must name at least one scope, e.g. mall.read_product")
        unknown = [scope for scope in self.scopes if scope not in KNOWN_SCOPES]
        if unknown:
            raise _fail("scopes", f"names unknown cafe24 scopes: {', '.join(unknown)}")
        for name, (low, high, unit) in _INT_RANGES.items():
            if not low <= getattr(self, name) <= high:
                raise _fail(
                    name, f"must be between {low} and {high}{unit}, got {getattr(self, name)}"
                )
        if not (math.isfinite(self.bucket_rate) and 0 < self.bucket_rate <= _MAX_RATE):
            raise _fail(
                "bucket_rate",
                f"must be more than 0 and at most {_MAX_RATE:,.0f} calls per second, "
                f"got {self.bucket_rate}",
            )

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> SandboxSettings:
        """Settings from the ``HTTPRUN_SANDBOX_*`` keys of ``values``; other keys are ignored."""
        known = {key_for(f.name): f.name for f in fields(cls)}
        given: dict[str, Any] = {}
        for key, raw in values.items():
            if not key.startswith(PREFIX):
                continue
            name = known.get(key)
            if name is None:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise EnvError(f"unknown sandbox setting {key}{hint}")
            text = raw.strip()
            if text:
                given[name] = _convert(name, text)
        # replace() validates the result through __post_init__ like any construction.
        return replace(cls(), **given)


def _convert(name: str, text: str) -> Any:
    if name == "redirect_uris":
        return tuple(item.strip() for item in text.split(",") if item.strip())
    if name == "scopes":
        return split_scopes(text)
    if name == "bucket_rate":
        try:
            return float(text)
        except ValueError:
            raise _fail(name, f"must be a number of calls per second, got {text!r}") from None
    if name in _INT_RANGES:
        try:
            return int(text)
        except ValueError:
            raise _fail(name, f"must be a whole number, got {text!r}") from None
    return text


def _check_redirect_uri(uri: str) -> None:
    try:
        parts = urlsplit(uri)  # raises on a broken [IPv6] host
        port = parts.port  # raises on a port that is no number or above 65535
    except ValueError:
        parts, port = urlsplit(""), None
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        raise _fail("redirect_uris", f"holds {uri!r}, which is not an absolute http(s) URL")
    if parts.fragment:
        raise _fail("redirect_uris", f"holds {uri!r}; a Redirect URL may not have a #fragment")
