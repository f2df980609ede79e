"""Load the product catalogue shipped in ``seed/data/products.csv``."""

from __future__ import annotations

import csv
import random
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import List

from crm_backend.models import Product

PRODUCTS_CSV = Path(__file__).resolve().parent / "data" / "products.csv"
CATEGORIES = (
    "candles_lights",
    "kitchen",
    "bags",
    "home_decor",
    "stationery",
    "toys",
    "garden",
    "christmas",
)


def load_products(rng: random.Random, now: datetime, path: Path = PRODUCTS_CSV) -> List[Product]:
    """Products from the CSV, in file order, with a random (seeded) stock level."""
    products: List[Product] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["category"] not in CATEGORIES:
                raise ValueError(f"unknown category {row['category']!r} for {row['sku']}")
            products.append(
                Product(
                    sku=row["sku"],
                    name_en=row["name_en"],
                    name_zh=row["name_zh"] or None,
                    category=row["category"],
                    price=Decimal(row["price"]),
                    description=row["description"],
                    stock=rng.choice((0, 5, 12, 25, 40, 60, 100, 150)),
                    active=True,
                    created_at=now,
                )
            )
    return products
