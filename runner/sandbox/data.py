"""Deterministic seed data: the products and orders every mall starts with.

The same settings always give the same catalogue, so request files and tests can name a
product by number. Shapes and formats follow docs/CAFE24.md ("Lists, pages, shapes"): money as
strings with two decimals, ``"T"``/``"F"`` flags, times like ``2018-01-18T11:19:27+09:00``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .timefmt import KST

Resource = dict[str, Any]

# Seeded products start at the moment of cafe24's own example and orders at its example order id.
PRODUCTS_START = datetime(2018, 1, 18, 11, 19, 27, tzinfo=KST)
ORDERS_START = datetime(2017, 7, 10, 9, 12, 45, tzinfo=KST)
FIRST_ORDER_SEQUENCE = 13

_ADJECTIVES = ("Basic", "Linen", "Striped", "Oversized", "Washed", "Cropped", "Knitted")
_ITEMS = (
    ("Cotton T-shirt", 11000),
    ("Denim Jacket", 59000),
    ("Wool Cardigan", 45000),
    ("Canvas Tote Bag", 19000),
    ("Slim Chinos", 39000),
    ("Hooded Sweatshirt", 35000),
    ("Pleated Skirt", 32000),
    ("Leather Belt", 23000),
    ("Ankle Socks (3 pairs)", 8800),
    ("Bucket Hat", 17000),
    ("Rain Coat", 79000),
)
_MEMBERS = (
    ("jimin_park", "Park Jimin"),
    ("sky_kim", "Kim Haneul"),
    ("", "Lee Seoyeon"),  # a guest order: cafe24 leaves member_id empty
    ("minsu88", "Choi Minsu"),
    ("yuna.lee", "Lee Yuna"),
)


def money(amount: float) -> str:
    """cafe24's money format: ``1100`` → ``"1100.00"``."""
    return f"{amount:.2f}"


def price_excluding_tax(price: str) -> str:
    """The price without Korea's 10% VAT, to the won."""
    return money(round(float(price) / 1.1))


def product_code(product_no: int) -> str:
    """``P`` and the product number in base 36 over seven places: 33 → ``P000000X``."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    number = product_no
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return "P" + text.rjust(7, "0")


def product_name(index: int) -> tuple[str, int]:
    """The name and base price of the ``index``-th seeded product (0-based)."""
    adjective = _ADJECTIVES[index % len(_ADJECTIVES)]
    item, price = _ITEMS[index % len(_ITEMS)]
    name = f"{adjective} {item}"
    lap = index // (len(_ADJECTIVES) * len(_ITEMS))
    return (f"{name} {lap + 1}" if lap else name), price


def make_product(
    product_no: int,
    name: str,
    price: str,
    *,
    created: str,
    retail_price: str | None = None,
    supply_price: str | None = None,
    display: str = "T",
    selling: str = "T",
    summary_description: str = "",
) -> Resource:
    """A product in cafe24's shape; new products are made here too, so both look alike."""
    amount = float(price)
    return {
        "shop_no": 1,
        "product_no": product_no,
        "product_code": product_code(product_no),
        "custom_product_code": "",
        "product_name": name,
        "eng_product_name": "",
        "model_name": "",
        "price_excluding_tax": price_excluding_tax(price),
        "price": price,
        "retail_price": retail_price if retail_price is not None else money(amount * 1.2),
        "supply_price": supply_price if supply_price is not None else money(amount * 0.6),
        "display": display,
        "selling": selling,
        "product_condition": "N",
        "sold_out": "F",
        "tax_type": "A",
        "summary_description": summary_description,
        "created_date": created,
        "updated_date": created,
    }


def seed_products(count: int) -> list[Resource]:
    products = []
    for index in range(count):
        product_no = index + 1
        name, price = product_name(index)
        created = PRODUCTS_START + timedelta(days=index, hours=3 * index, minutes=17 * index)
        product = make_product(
            product_no,
            name,
            money(price),
            created=created.isoformat(),
            # A few hidden or not-for-sale products, so filters on display/selling mean something.
            display="F" if product_no % 5 == 0 else "T",
            selling="F" if product_no % 7 == 0 else "T",
            summary_description=f"{name}, a sandbox product.",
        )
        product["updated_date"] = (created + timedelta(hours=5 + index % 48)).isoformat()
        products.append(product)
    return products


def seed_orders(count: int) -> list[Resource]:
    orders = []
    for index in range(count):
        ordered = ORDERS_START + timedelta(hours=13 * index, minutes=41 * index)
        member_id, name = _MEMBERS[index % len(_MEMBERS)]
        canceled = index % 6 == 5
        paid = not canceled and index % 4 != 3
        price = 11000 * (index * 7 % 9 + 1)
        shipping = 0 if price >= 50000 else 2500
        order: Resource = {
            "shop_no": 1,
            "currency": "KRW",
            "order_id": f"{ordered:%Y%m%d}-{FIRST_ORDER_SEQUENCE + index:07d}",
            "market_id": "self",
            "member_id": member_id,
            "member_email": f"{member_id or 'guest'}@example.com",
            "billing_name": name,
            "payment_method": ["card" if index % 3 else "cash"],
            "paid": "T" if paid else "F",
            "canceled": "T" if canceled else "F",
            "order_date": ordered.isoformat(),
            "payment_date": (ordered + timedelta(minutes=3)).isoformat() if paid else None,
            "cancel_date": (ordered + timedelta(days=1)).isoformat() if canceled else None,
            "first_order": "T" if index < len(_MEMBERS) else "F",
            "order_from_mobile": "T" if index % 2 else "F",
            "order_price_amount": money(price),
            "shipping_fee": money(shipping),
            "payment_amount": money(price + shipping),
        }
        orders.append(order)
    return orders
