"""The UCI Online Retail transactions as clean purchase lines (benchmarks, offline training).

Cleaning (as in the shared BASELINES.md): cancellations (invoice numbers starting with
``C``) and lines without a CustomerID or with Quantity <= 0 are dropped. Cancellation
lines are kept apart by :func:`cancellations` (they are the customers' returns).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd

from crm_backend.settings import get_settings

COLUMNS = ["order_id", "sku", "quantity", "placed_at", "unit_price", "customer_id", "country"]


def parquet_path(root: Optional[Path] = None) -> Path:
    return (root or get_settings().datasets_dir) / "uci_online_retail" / "online_retail.parquet"


def raw(root: Optional[Path] = None) -> pd.DataFrame:
    """Every line, renamed to our column names (``customer_id`` as int, NaN dropped later)."""
    path = parquet_path(root)
    if not path.is_file():
        raise FileNotFoundError(f"Online Retail dataset not found: {path}")
    frame = pd.read_parquet(path)
    frame = frame.rename(
        columns={
            "InvoiceNo": "order_id",
            "StockCode": "sku",
            "Quantity": "quantity",
            "InvoiceDate": "placed_at",
            "UnitPrice": "unit_price",
            "CustomerID": "customer_id",
            "Country": "country",
        }
    )[COLUMNS]
    frame["order_id"] = frame["order_id"].astype(str)
    frame["sku"] = frame["sku"].astype(str).str.strip().str.upper()
    frame["placed_at"] = pd.to_datetime(frame["placed_at"])
    return frame


def purchases(frame: pd.DataFrame) -> pd.DataFrame:
    """Clean purchase lines: known customer, not a cancellation, positive quantity."""
    keep = (
        frame["customer_id"].notna()
        & ~frame["order_id"].str.startswith("C")
        & (frame["quantity"] > 0)
    )
    out = frame.loc[keep].copy()
    out["customer_id"] = out["customer_id"].astype("int64")
    out["amount"] = out["quantity"] * out["unit_price"]
    return out.reset_index(drop=True)


def cancellations(frame: pd.DataFrame) -> pd.DataFrame:
    """Cancellation/return lines of known customers."""
    keep = frame["customer_id"].notna() & frame["order_id"].str.startswith("C")
    out = frame.loc[keep].copy()
    out["customer_id"] = out["customer_id"].astype("int64")
    return out.reset_index(drop=True)
