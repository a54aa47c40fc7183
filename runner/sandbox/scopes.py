"""cafe24's OAuth scope names, and how a scope string is read.

The list is docs/CAFE24.md's "Scopes" section: ``mall.read_X`` / ``mall.write_X`` for each resource,
plus two read-only reports. cafe24's Postman guide separates scopes with commas, its newer docs
with spaces, so both (and a mix) are accepted.
"""

from __future__ import annotations

import re

_RESOURCES = (
    "category",
    "product",
    "collection",
    "supply",
    "personal",
    "order",
    "community",
    "customer",
    "notification",
    "store",
    "promotion",
    "design",
    "application",
    "privacy",
    "mileage",
    "shipping",
    "translation",
)

KNOWN_SCOPES: frozenset[str] = frozenset(
    [f"mall.{access}_{resource}" for resource in _RESOURCES for access in ("read", "write")]
    + ["mall.read_salesreport", "mall.read_analytics"]
)

_SEPARATORS = re.compile(r"[\s,]+")


def split_scopes(text: str) -> tuple[str, ...]:
    """The scopes named in ``text`` in their order, without duplicates or empty items."""
    seen: dict[str, None] = {}
    for item in _SEPARATORS.split(text.strip()):
        if item:
            seen.setdefault(item, None)
    return tuple(seen)


def describe_scope(scope: str) -> str:
    """A short human description for the consent page: ``mall.read_product`` → "Read products"."""
    match = re.fullmatch(r"mall\.(read|write)_([a-z]+)", scope)
    if match is None:
        return scope
    access, resource = match.groups()
    verb = "Read" if access == "read" else "Create, change and delete"
    return f"{verb} {resource} data"
