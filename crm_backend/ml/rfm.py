"""RFM features from the CRM's orders: one aggregate query, then pure pandas/numpy.

- **counted orders**: status paid, shipped or delivered (pending = not paid yet; cancelled
  and returned orders were refunded), of active customers (not deleted nor anonymised).
- **recency**: whole days from the customer's last counted order to ``as_of``.
- **frequency**: number of counted orders. **monetary**: their total, GBP.
- ``as_of`` defaults to the day after the newest counted order (the usual RFM snapshot
  date), at midnight UTC: today for a live shop, 2011-12-10 for the Online Retail history.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Optional

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_backend.models import Customer, Interaction, Order, OrderStatus

COUNTED_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
RFM_COLUMNS = ("recency_days", "frequency", "monetary")


def active_customer_ids(session: Session) -> list:
    stmt = (
        select(Customer.id)
        .where(Customer.deleted_at.is_(None), Customer.anonymised.is_(False))
        .order_by(Customer.id)
    )
    return list(session.execute(stmt).scalars())


def order_history(session: Session) -> pd.DataFrame:
    """Per customer with counted orders: frequency, monetary, first/last order (UTC)."""
    stmt = (
        select(
            Order.customer_id,
            func.count(Order.id),
            func.sum(Order.total),
            func.min(Order.placed_at),
            func.max(Order.placed_at),
        )
        .join(Customer, Customer.id == Order.customer_id)
        .where(
            Order.status.in_(list(COUNTED_STATUSES)),
            Customer.deleted_at.is_(None),
            Customer.anonymised.is_(False),
        )
        .group_by(Order.customer_id)
        .order_by(Order.customer_id)
    )
    rows = session.execute(stmt).all()
    frame = pd.DataFrame(
        rows, columns=["customer_id", "frequency", "monetary", "first_order_at", "last_order_at"]
    )
    frame["monetary"] = frame["monetary"].astype(float)
    for column in ("first_order_at", "last_order_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.set_index("customer_id")


def sentiment_by_customer(session: Session) -> pd.Series:
    """Mean sentiment of each customer's conversations that have one."""
    stmt = (
        select(Interaction.customer_id, func.avg(Interaction.sentiment_avg))
        .where(Interaction.customer_id.is_not(None), Interaction.sentiment_avg.is_not(None))
        .group_by(Interaction.customer_id)
    )
    return pd.Series(dict(session.execute(stmt).all()), dtype=float)


def default_as_of(history: pd.DataFrame, now: datetime) -> datetime:
    """Midnight (UTC) of the day after the newest counted order, never after today's.

    Whole days, so recency and the data fingerprint stay the same all day long.
    """
    newest = now if history.empty else history["last_order_at"].max().to_pydatetime()
    when = min(newest + timedelta(days=1), now)
    return when.replace(hour=0, minute=0, second=0, microsecond=0)


def rfm_table(history: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """Add ``recency_days`` (>= 0) to the order history."""
    frame = history.copy()
    delta = pd.Timestamp(as_of) - frame["last_order_at"]
    frame["recency_days"] = (delta.dt.total_seconds() // 86400).clip(lower=0).astype(int)
    return frame


def log_features(rfm: pd.DataFrame) -> np.ndarray:
    """``log1p`` of recency, frequency, monetary (rows aligned with ``rfm``)."""
    values = rfm[list(RFM_COLUMNS)].to_numpy(dtype=float)
    return np.log1p(np.clip(values, 0, None))


def fingerprint(rfm: pd.DataFrame, as_of: datetime) -> str:
    """SHA-256 of the features the model is fitted on (and the snapshot date)."""
    digest = hashlib.sha256(as_of.isoformat().encode())
    table = rfm[list(RFM_COLUMNS)].sort_index()
    digest.update(np.ascontiguousarray(table.index.to_numpy(dtype=np.int64)).tobytes())
    digest.update(np.ascontiguousarray(table.to_numpy(dtype=float).round(2)).tobytes())
    return digest.hexdigest()


def rfm_snapshot(session: Session, now: datetime, as_of: Optional[datetime] = None):
    """(rfm table, as_of) for the current database."""
    history = order_history(session)
    when = as_of or default_as_of(history, now)
    return rfm_table(history, when), when
