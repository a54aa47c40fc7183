"""Each mall's own world: its products, orders and rate-limit buckets, made on first use."""

from __future__ import annotations

from dataclasses import dataclass, field

from .data import Resource, seed_orders, seed_products
from .ratelimit_bucket import LeakyBucket
from .settings import SandboxSettings


@dataclass(slots=True)
class Mall:
    mall_id: str
    products: dict[int, Resource]  # by product_no, in creation order
    orders: dict[str, Resource]  # by order_id, in order-date order
    next_product_no: int
    buckets: dict[str, LeakyBucket] = field(default_factory=dict)

    def bucket(self, group: str, settings: SandboxSettings, now: float) -> LeakyBucket:
        """The bucket of one endpoint group ("products", "orders", ...): cafe24 meters each."""
        bucket = self.buckets.get(group)
        if bucket is None:
            bucket = LeakyBucket(settings.bucket_capacity, settings.bucket_rate, now)
            self.buckets[group] = bucket
        return bucket


class Malls:
    """Every mall the sandbox has seen. Not thread-safe: used under the sandbox's state lock."""

    def __init__(self, settings: SandboxSettings) -> None:
        self._settings = settings
        self._malls: dict[str, Mall] = {}

    def get(self, mall_id: str) -> Mall:
        mall = self._malls.get(mall_id)
        if mall is None:
            products = seed_products(self._settings.products)
            orders = seed_orders(self._settings.orders)
            mall = Mall(
                mall_id,
                {product["product_no"]: product for product in products},
                {order["order_id"]: order for order in orders},
                next_product_no=len(products) + 1,
            )
            self._malls[mall_id] = mall
        return mall
