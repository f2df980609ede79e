"""Build orders with a consistent timeline (payment, invoice, shipping) for any status."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import List, Optional, Sequence, Tuple

from crm_backend.models import (
    Customer,
    Invoice,
    Language,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Product,
)

CARRIERS_BY_COUNTRY = {
    "GB": ("Royal Mail", "DHL", "DPD", "UPS"),
    "CN": ("SF Express", "China Post EMS"),
}
INTERNATIONAL_CARRIERS = ("DHL", "UPS")


@dataclass(frozen=True)
class Timeline:
    """When things happened to an order (None = not (yet))."""

    placed_at: datetime
    paid_at: Optional[datetime] = None
    shipped_at: Optional[datetime] = None
    estimated_delivery: Optional[datetime] = None
    delivered_at: Optional[datetime] = None
    cancelled_at: Optional[datetime] = None


def tracking_number(rng: random.Random, carrier: str) -> str:
    """A plausible (fake) tracking number in the carrier's usual format."""
    digits = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    letters = lambda n: "".join(rng.choice(string.ascii_uppercase) for _ in range(n))  # noqa: E731
    if carrier == "Royal Mail":
        return f"{letters(2)}{digits(9)}GB"
    if carrier == "UPS":
        return f"1Z{letters(3)}{digits(3)}{digits(10)}"
    if carrier == "DPD":
        return digits(14)
    if carrier == "SF Express":
        return f"SF{digits(13)}"
    if carrier == "China Post EMS":
        return f"E{letters(1)}{digits(9)}CN"
    return digits(10)  # DHL


def pick_carrier(rng: random.Random, customer: Customer) -> str:
    return rng.choice(CARRIERS_BY_COUNTRY.get(customer.country or "", INTERNATIONAL_CARRIERS))


def random_timeline(rng: random.Random, status: OrderStatus, now: datetime) -> Timeline:
    """A believable timeline for ``status``, relative to ``now``."""
    minutes = lambda lo, hi: timedelta(minutes=rng.randint(lo, hi))  # noqa: E731
    if status is OrderStatus.PENDING:
        return Timeline(placed_at=now - minutes(30, 30 * 60))
    if status is OrderStatus.CANCELLED:
        placed = now - minutes(2 * 1440, 60 * 1440)
        return Timeline(
            placed_at=placed,
            paid_at=placed + minutes(1, 20),
            cancelled_at=placed + minutes(30, 20 * 60),
        )
    if status is OrderStatus.PAID:
        placed = now - minutes(60, 3 * 1440)
        return Timeline(placed_at=placed, paid_at=placed + minutes(1, 20))
    if status is OrderStatus.SHIPPED:
        placed = now - minutes(2 * 1440, 5 * 1440)
        shipped = placed + minutes(18 * 60, 30 * 60)
        return Timeline(placed, placed + minutes(1, 20), shipped, now + minutes(1440, 4 * 1440))
    placed = now - minutes(8 * 1440, 80 * 1440)  # delivered or returned
    shipped = placed + minutes(18 * 60, 30 * 60)
    delivered = shipped + minutes(2 * 1440, 4 * 1440)
    return Timeline(placed, placed + minutes(1, 20), shipped, delivered, delivered)


def random_lines(
    rng: random.Random, products: Sequence[Product], max_lines: int = 4
) -> List[Tuple[Product, int]]:
    chosen = rng.sample(list(products), rng.randint(1, max_lines))
    return [(product, rng.choice((1, 1, 2, 3, 4, 6, 12))) for product in chosen]


def build_order(
    *,
    number: str,
    customer: Customer,
    status: OrderStatus,
    timeline: Timeline,
    lines: Sequence[Tuple[Product, int]],
    rng: random.Random,
    carrier: Optional[str] = None,
    tracking: Optional[str] = None,
    shipping_method: str = "standard",
) -> Order:
    """An order with items, payment and invoice consistent with ``status``."""
    total = sum((Decimal(p.price) * qty for p, qty in lines), Decimal("0"))
    address = next((a for a in customer.addresses if a.is_default), None)
    order = Order(
        order_number=number,
        customer=customer,
        status=status,
        placed_at=timeline.placed_at,
        paid_at=timeline.paid_at,
        shipped_at=timeline.shipped_at,
        estimated_delivery=timeline.estimated_delivery,
        delivered_at=timeline.delivered_at,
        cancelled_at=timeline.cancelled_at,
        shipping_method=shipping_method,
        currency="GBP",
        total=total,
        cancellation_fee=Decimal("0"),
        ship_name=customer.name,
        ship_line1=address.line1 if address else None,
        ship_line2=address.line2 if address else None,
        ship_city=address.city if address else None,
        ship_postcode=address.postcode if address else None,
        ship_country=address.country if address else None,
    )
    for product, qty in lines:
        order.items.append(OrderItem(product=product, quantity=qty, unit_price=product.price))
    if timeline.shipped_at is not None:
        order.carrier = carrier or pick_carrier(rng, customer)
        order.tracking_number = tracking or tracking_number(rng, order.carrier)
    zh = customer.preferred_language == Language.ZH
    methods = (
        (PaymentMethod.ALIPAY, PaymentMethod.WECHAT_PAY)
        if zh
        else (PaymentMethod.CARD, PaymentMethod.CARD, PaymentMethod.PAYPAL)
    )
    method = rng.choice(methods)
    if status is OrderStatus.PENDING:
        pay_status = PaymentStatus.PENDING
    elif status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        pay_status = PaymentStatus.REFUNDED if timeline.paid_at else PaymentStatus.FAILED
    else:
        pay_status = PaymentStatus.SUCCEEDED
    order.payments.append(
        Payment(
            method=method,
            amount=total,
            status=pay_status,
            reference=f"PAY-{number}-{rng.randint(100000, 999999)}",
            created_at=timeline.paid_at or timeline.placed_at,
        )
    )
    if timeline.paid_at is not None:
        order.invoices.append(
            Invoice(invoice_number=f"INV-{number}", issued_at=timeline.paid_at, amount=total)
        )
    return order
