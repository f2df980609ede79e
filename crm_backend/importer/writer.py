"""Read what the database already holds, then write a :class:`Plan` set-based.

Core ``INSERT`` executemany in chunks through the unit of work's session (one transaction,
committed by the pipeline), ids read back by natural key. No ORM objects per row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, Iterator, List, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session
from tqdm import tqdm

from crm_backend.importer.plan import CustomerInfo, Plan
from crm_backend.importer.synth import Logistics, logistics
from crm_backend.importer.validate import KnownKeys
from crm_backend.models import Customer, Invoice, Order, OrderItem, Payment, Product

CHUNK = 5000
KEY_CHUNK = 900  # bound parameters per IN (...) lookup


def _chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def load_known(session: Session) -> Tuple[KnownKeys, Dict[str, CustomerInfo]]:
    """Existing SKUs, order numbers (-> customer ref), e-mails and customers."""
    skus = set(session.execute(select(Product.sku)).scalars())
    orders = {
        number: ref
        for number, ref in session.execute(
            select(Order.order_number, Customer.external_ref).join(
                Customer, Order.customer_id == Customer.id
            )
        )
    }
    emails: Dict[str, Any] = {}
    customers: Dict[str, CustomerInfo] = {}
    rows = session.execute(
        select(
            Customer.external_ref,
            Customer.email,
            Customer.name,
            Customer.country,
            Customer.preferred_language,
        )
    )
    for ref, email, name, country, language in rows:
        if email:
            emails[email] = ref
        if ref is not None:
            customers[ref] = CustomerInfo(name=name, country=country, language=str(language))
    return KnownKeys(skus=skus, orders=orders, emails=emails, customers=set(customers)), customers


def _ids(session: Session, column: Any, id_column: Any, keys: Iterable[str]) -> Dict[str, int]:
    found: Dict[str, int] = {}
    wanted = sorted(set(keys))
    for chunk in _chunks(wanted, KEY_CHUNK):
        for key, id_ in session.execute(select(column, id_column).where(column.in_(chunk))):
            found[key] = id_
    return found


def _insert(
    session: Session, table: Any, rows: List[Dict[str, Any]], label: str, progress: bool
) -> None:
    if not rows:
        return
    with tqdm(total=len(rows), desc=f"insert {label}", unit="row", disable=not progress) as bar:
        for chunk in _chunks(rows, CHUNK):
            session.execute(table.insert(), list(chunk))
            bar.update(len(chunk))


def _order_row(planned: Dict[str, Any], trip: Logistics, now: datetime) -> Dict[str, Any]:
    """Status from the synthetic timeline: delivered, unless that would be in the future
    (recent orders from an admin's CSV are then shipped, paid or pending)."""
    placed: datetime = planned["placed_at"]
    row: Dict[str, Any] = {
        "order_number": planned["order_number"],
        "status": "pending",
        "placed_at": placed,
        "paid_at": None,
        "shipped_at": None,
        "estimated_delivery": None,
        "delivered_at": None,
        "cancelled_at": None,
        "carrier": None,
        "tracking_number": None,
        "shipping_method": "standard",
        "currency": "GBP",
        "total": planned["total"],
        "cancellation_fee": 0,
    }
    if trip.paid_at <= now:
        row.update(status="paid", paid_at=trip.paid_at)
    if trip.shipped_at <= now:
        row.update(
            status="shipped",
            shipped_at=trip.shipped_at,
            estimated_delivery=trip.estimated_delivery,
            carrier=trip.carrier,
            tracking_number=trip.tracking_number,
        )
    if trip.delivered_at <= now:
        row.update(status="delivered", delivered_at=trip.delivered_at)
    return row


def write_plan(
    session: Session, plan: Plan, *, seed: int, now: datetime, progress: bool
) -> Dict[str, int]:
    """Insert everything planned; returns created-row counts per table."""
    _insert(session, Customer.__table__, plan.customers, "customers", progress)
    refs = {o["customer_ref"] for o in plan.orders}
    customer_ids = _ids(session, Customer.external_ref, Customer.id, refs)
    _insert(session, Product.__table__, plan.products, "products", progress)
    product_ids = _ids(session, Product.sku, Product.id, {sku for _, sku, _, _ in plan.items})

    orders: List[Dict[str, Any]] = []
    payments: List[Dict[str, Any]] = []
    invoices: List[Dict[str, Any]] = []
    for planned in plan.orders:
        number = planned["order_number"]
        info = plan.customer_info[planned["customer_ref"]]
        trip = logistics(seed, number, planned["placed_at"], info.country, info.language)
        order = _order_row(planned, trip, now)
        order.update(
            customer_id=customer_ids[planned["customer_ref"]],
            ship_name=info.name[:200],
            ship_country=info.country,
        )
        orders.append(order)
        paid = order["paid_at"] is not None
        payments.append(
            {
                "number": number,
                "method": trip.payment_method,
                "amount": planned["total"],
                "status": "succeeded" if paid else "pending",
                "reference": f"PAY-{number}",
                "created_at": order["paid_at"] or order["placed_at"],
            }
        )
        if paid:
            invoices.append(
                {
                    "number": number,
                    "invoice_number": f"INV-{number}",
                    "issued_at": trip.paid_at,
                    "amount": planned["total"],
                }
            )
    _insert(session, Order.__table__, orders, "orders", progress)
    order_ids = _ids(session, Order.order_number, Order.id, [o["order_number"] for o in orders])
    for row in (*payments, *invoices):
        row["order_id"] = order_ids[row.pop("number")]
    items = [
        {"order_id": order_ids[n], "product_id": product_ids[s], "quantity": q, "unit_price": p}
        for n, s, q, p in plan.items
    ]
    _insert(session, OrderItem.__table__, items, "order items", progress)
    _insert(session, Payment.__table__, payments, "payments", progress)
    _insert(session, Invoice.__table__, invoices, "invoices", progress)
    return {
        "customers": len(plan.customers),
        "products": len(plan.products),
        "orders": len(orders),
        "order_items": len(items),
        "payments": len(payments),
        "invoices": len(invoices),
    }
