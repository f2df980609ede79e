"""Churn features per customer as of a date, from the CRM or from Online Retail lines.

Columns (:data:`FEATURES`): recency_days (since the last order; since sign-up without
one), frequency (orders), monetary (GBP; the average order value is left out: in log
space it is monetary - frequency, and the collinearity would flip signs), tenure_days
(since the first order or sign-up), orders_90d, returns, complaints, tickets, negative_conversations
(mean sentiment <= :data:`NEGATIVE_SENTIMENT`), failed_conversations (outcome abandoned
or unresolved) and sentiment_avg (mean conversation sentiment, 0 without any).

Label: 1 = churned = no order in ``[as_of, as_of + horizon)``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable

import pandas as pd

from crm_backend.models import OrderStatus

FEATURES = [
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
    "orders_90d",
    "returns",
    "complaints",
    "tickets",
    "negative_conversations",
    "failed_conversations",
    "sentiment_avg",
]
ORDER_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.RETURNED,
)
HORIZON_DAYS = 90
NEGATIVE_SENTIMENT = -0.3
FAILED_OUTCOMES = ("abandoned", "unresolved")


def _days(later: Any, earlier: pd.Series) -> pd.Series:
    return (pd.Timestamp(later) - pd.to_datetime(earlier, utc=True)).dt.total_seconds() / 86400


def _finish(frame: pd.DataFrame, as_of: datetime, created: pd.Series) -> pd.DataFrame:
    """Fill the derived columns; customers without orders count from sign-up."""
    since_signup = _days(as_of, created).reindex(frame.index)
    frame["recency_days"] = _days(as_of, frame["last"]).fillna(since_signup)
    frame["tenure_days"] = _days(as_of, frame["first"]).fillna(since_signup)
    for column in ("frequency", "monetary"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float).fillna(0.0)
    for column in FEATURES:
        if column not in frame:
            frame[column] = 0.0
    frame[["recency_days", "tenure_days"]] = frame[["recency_days", "tenure_days"]].clip(lower=0)
    return frame[FEATURES].fillna(0.0).astype(float)


def crm_features(uow: Any, as_of: datetime) -> pd.DataFrame:
    """One row per active customer who signed up before ``as_of`` (inside ``with uow``)."""
    a = uow.analytics
    customers = pd.DataFrame(a.customers(as_of), columns=["customer_id", "created_at"])
    frame = pd.DataFrame(index=pd.Index(customers["customer_id"], name="customer_id"))
    created = pd.Series(customers["created_at"].to_numpy(), index=frame.index)
    stats = pd.DataFrame(
        a.order_stats(ORDER_STATUSES, as_of),
        columns=["customer_id", "frequency", "monetary", "first", "last"],
    ).set_index("customer_id")
    frame = frame.join(stats)
    recent = a.order_stats(ORDER_STATUSES, as_of, since=as_of - timedelta(days=HORIZON_DAYS))
    frame["orders_90d"] = pd.Series({row[0]: row[1] for row in recent}, dtype=float)
    frame["returns"] = pd.Series(a.return_counts(as_of), dtype=float)
    tickets = a.ticket_counts(as_of)
    frame["tickets"] = pd.Series({k: v[0] for k, v in tickets.items()}, dtype=float)
    frame["complaints"] = pd.Series({k: v[1] for k, v in tickets.items()}, dtype=float)
    chats = a.conversation_stats(as_of, NEGATIVE_SENTIMENT, FAILED_OUTCOMES)
    frame["negative_conversations"] = pd.Series({k: v[1] for k, v in chats.items()}, dtype=float)
    frame["failed_conversations"] = pd.Series({k: v[2] for k, v in chats.items()}, dtype=float)
    frame["sentiment_avg"] = pd.Series({k: v[3] for k, v in chats.items()}, dtype=float)
    return _finish(frame, as_of, created)


def crm_labels(uow: Any, customer_ids: Iterable[int], as_of: datetime) -> pd.Series:
    """1 if the customer placed no order in ``[as_of, as_of + HORIZON_DAYS)``."""
    end = as_of + timedelta(days=HORIZON_DAYS)
    active = uow.analytics.orders_between(ORDER_STATUSES, as_of, end)
    ids = list(customer_ids)
    return pd.Series([0 if c in active else 1 for c in ids], index=ids, dtype=int)


def retail_features(
    purchases: pd.DataFrame, cancellations: pd.DataFrame, as_of: datetime
) -> pd.DataFrame:
    """Features of every customer with a purchase before ``as_of`` (Online Retail lines)."""
    when = pd.Timestamp(as_of).tz_localize(None) if pd.Timestamp(as_of).tzinfo else as_of
    past = purchases[purchases["placed_at"] < when]
    orders = past.groupby(["customer_id", "order_id"]).agg(
        placed_at=("placed_at", "min"), amount=("amount", "sum")
    )
    per = orders.groupby(level="customer_id").agg(
        frequency=("amount", "size"),
        monetary=("amount", "sum"),
        first=("placed_at", "min"),
        last=("placed_at", "max"),
    )
    for column in ("first", "last"):
        per[column] = per[column].dt.tz_localize("UTC")
    recent = orders[orders["placed_at"] >= when - pd.Timedelta(days=HORIZON_DAYS)]
    per["orders_90d"] = recent.groupby(level="customer_id").size()
    returned = cancellations[cancellations["placed_at"] < when]
    per["returns"] = returned.groupby("customer_id")["order_id"].nunique()
    as_of_utc = pd.Timestamp(when).tz_localize("UTC")
    return _finish(per, as_of_utc.to_pydatetime(), per["first"])


def retail_labels(purchases: pd.DataFrame, customer_ids: Iterable[int], as_of: Any) -> pd.Series:
    when = pd.Timestamp(as_of).tz_localize(None) if pd.Timestamp(as_of).tzinfo else as_of
    end = when + pd.Timedelta(days=HORIZON_DAYS)
    window = purchases[(purchases["placed_at"] >= when) & (purchases["placed_at"] < end)]
    active = set(window["customer_id"].unique())
    ids = list(customer_ids)
    return pd.Series([0 if c in active else 1 for c in ids], index=ids, dtype=int)
