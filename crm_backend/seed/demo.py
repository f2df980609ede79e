"""The fixed demo orders A1001–A1007 (documented in seed/DEMO.md; tests rely on them)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Dict, List, Mapping, Tuple

from crm_backend.models import (
    Customer,
    Order,
    OrderStatus,
    Product,
    Refund,
    RefundStatus,
    Return,
    ReturnItem,
    ReturnStatus,
    Ticket,
    TicketKind,
    TicketPriority,
    TicketStatus,
)
from crm_backend.seed.orders import Timeline, build_order

A1001_TRACKING = "4829105736"  # DHL
A1002_TRACKING = "SF1402379385163"
A1005_TRACKING = "SF1402379301844"
A1007_TRACKING = "RM417305826GB"

D = timedelta(days=1)
H = timedelta(hours=1)


def _demo_specs(now: datetime) -> List[Tuple[str, str, OrderStatus, Timeline, list, str, str]]:
    """(number, customer, status, timeline, [(sku, qty)], carrier, tracking) per demo order."""
    S = OrderStatus  # noqa: N806 - short alias keeps the table readable
    return [
        (
            "A1001",
            "alice",
            S.SHIPPED,
            Timeline(now - 4 * D, now - 4 * D + H, now - 2 * D, now + 2 * D),
            [("85123A", 2), ("22423", 1)],
            "DHL",
            A1001_TRACKING,
        ),
        (
            "A1002",
            "wang",
            S.SHIPPED,
            Timeline(now - 3 * D, now - 3 * D + H, now - 1 * D, now + 1 * D),
            [("23084", 1), ("22969", 3)],
            "SF Express",
            A1002_TRACKING,
        ),
        ("A1003", "alice", S.PENDING, Timeline(now - 2 * H), [("22720", 1)], "", ""),
        (
            "A1004",
            "alice",
            S.PAID,
            Timeline(now - 1 * D, now - 1 * D + H / 6),
            [("85099B", 4)],
            "",
            "",
        ),
        (
            "A1005",
            "wang",
            S.DELIVERED,
            Timeline(now - 10 * D, now - 10 * D + H, now - 8 * D, now - 5 * D, now - 5 * D),
            [("22699", 2), ("22197", 2)],
            "SF Express",
            A1005_TRACKING,
        ),
        (
            "A1006",
            "wang",
            S.CANCELLED,
            Timeline(now - 6 * D, now - 6 * D + H / 4, cancelled_at=now - 6 * D + 3 * H),
            [("22624", 1)],
            "",
            "",
        ),
        (
            "A1007",
            "alice",
            S.RETURNED,
            Timeline(now - 20 * D, now - 20 * D + H, now - 18 * D, now - 16 * D, now - 16 * D),
            [("22727", 1), ("84879", 3)],
            "Royal Mail",
            A1007_TRACKING,
        ),
    ]


def make_demo_orders(
    now: datetime,
    customers: Mapping[str, Customer],
    products: Mapping[str, Product],
    rng: random.Random,
) -> Dict[str, Order]:
    """Orders A1001–A1007 keyed by number."""
    orders: Dict[str, Order] = {}
    for number, who, status, timeline, lines, carrier, tracking in _demo_specs(now):
        orders[number] = build_order(
            number=number,
            customer=customers[who],
            status=status,
            timeline=timeline,
            lines=[(products[sku], qty) for sku, qty in lines],
            rng=rng,
            carrier=carrier or None,
            tracking=tracking or None,
            shipping_method="express" if number == "A1002" else "standard",
        )
    return orders


def make_demo_after_sales(now: datetime, orders: Mapping[str, Order]) -> List[object]:
    """A1007's refunded return, A1006's cancellation refund and two demo tickets."""
    a1007, a1006 = orders["A1007"], orders["A1006"]
    ret = Return(
        order=a1007,
        status=ReturnStatus.REFUNDED,
        reason="Arrived damaged (clock glass cracked)",
        created_at=now - 14 * D,
        updated_at=now - 10 * D,
    )
    for item in a1007.items:
        ret.items.append(ReturnItem(order_item=item, quantity=item.quantity))
    refund = Refund(
        order=a1007,
        return_=ret,
        amount=a1007.total,
        status=RefundStatus.PROCESSED,
        reference="RF-A1007",
        created_at=now - 12 * D,
        processed_at=now - 10 * D,
    )
    cancel_refund = Refund(
        order=a1006,
        amount=a1006.total - Decimal(a1006.cancellation_fee or 0),
        status=RefundStatus.PROCESSED,
        reference="RF-A1006",
        created_at=now - 6 * D + 3 * H,
        processed_at=now - 5 * D,
    )
    escalation = Ticket(
        kind=TicketKind.ESCALATION,
        reason="delivery_question",
        priority=TicketPriority.HIGH,
        status=TicketStatus.OPEN,
        customer=orders["A1002"].customer,
        order=orders["A1002"],
        conversation_id="demo-wangfang-a1002",
        subject="A1002 顺丰快递什么时候到？",
        notes="Customer asked for a human about the delivery date of A1002.",
        tags=["delivery", "zh"],
        created_at=now - 3 * H,
        updated_at=now - 3 * H,
    )
    complaint = Ticket(
        kind=TicketKind.COMPLAINT,
        reason="damaged_item",
        priority=TicketPriority.NORMAL,
        status=TicketStatus.RESOLVED,
        customer=a1007.customer,
        order=a1007,
        conversation_id="demo-alice-a1007",
        subject="A1007 arrived damaged",
        notes="Return approved and refunded in full.",
        tags=["return", "damaged"],
        created_at=now - 15 * D,
        updated_at=now - 10 * D,
        resolved_at=now - 10 * D,
    )
    return [ret, refund, cancel_refund, escalation, complaint]
