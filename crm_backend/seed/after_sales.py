"""Generated after-sales records: returns, refunds, tickets, reviews, conversations, offers."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import List, Sequence

from crm_backend.models import (
    Customer,
    Interaction,
    Language,
    OfferStatus,
    OfferType,
    Order,
    OrderStatus,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    Refund,
    RefundStatus,
    RetentionOffer,
    Return,
    ReturnItem,
    ReturnStatus,
    Review,
    StaffUser,
    Ticket,
    TicketKind,
    TicketPriority,
    TicketStatus,
)

D = timedelta(days=1)
REVIEW_TEXT = {
    "en": (
        "Lovely quality, arrived quickly.",
        "Exactly as pictured.",
        "Good value.",
        "Smaller than I expected.",
        "Perfect gift, thank you!",
    ),
    "zh": (
        "质量很好，发货很快。",
        "和图片一样，很满意。",
        "性价比高。",
        "比预想的小一点。",
        "送人很合适，谢谢！",
    ),
}
RETURN_REASONS = ("Arrived damaged", "Wrong colour", "No longer needed", "Not as described")
TICKET_SUBJECTS = (
    (TicketKind.SUPPORT, "change_address", "Can I change my delivery address?"),
    (TicketKind.PAYMENT, "double_charge", "I think I was charged twice"),
    (TicketKind.COMPLAINT, "late_delivery", "My parcel is late"),
    (TicketKind.ESCALATION, "human_requested", "Customer asked for a human agent"),
    (TicketKind.SUPPORT, "invoice_copy", "Please send a copy of my invoice"),
)


def _return_with_refund(
    order: Order, status: ReturnStatus, refund: RefundStatus | None, reason: str, now: datetime
) -> List[object]:
    assert order.delivered_at is not None
    created = min(order.delivered_at + 3 * D, now - D)
    ret = Return(order=order, status=status, reason=reason, created_at=created)
    for item in order.items:
        ret.items.append(ReturnItem(order_item=item, quantity=item.quantity))
    rows: List[object] = [ret]
    if refund is not None:
        processed = refund is RefundStatus.PROCESSED
        ret.updated_at = created + 4 * D if processed else created + D
        rows.append(
            Refund(
                order=order,
                return_=ret,
                amount=order.total,
                status=refund,
                reference=f"RF-{order.order_number}",
                created_at=created + D,
                processed_at=created + 4 * D if processed else None,
            )
        )
    return rows


def make_after_sales(
    rng: random.Random,
    now: datetime,
    orders: Sequence[Order],
    customers: Sequence[Customer],
    staff: Sequence[StaffUser],
) -> List[object]:
    """Rows for the generated orders (A1100+), in a deterministic order."""
    rows: List[object] = []
    delivered = [o for o in orders if o.status is OrderStatus.DELIVERED]
    for order in orders:
        if order.status is OrderStatus.RETURNED:
            rows += _return_with_refund(
                order,
                ReturnStatus.REFUNDED,
                RefundStatus.PROCESSED,
                rng.choice(RETURN_REASONS),
                now,
            )
        elif order.status is OrderStatus.CANCELLED and order.paid_at is not None:
            assert order.cancelled_at is not None
            rows.append(
                Refund(
                    order=order,
                    amount=order.total,
                    status=RefundStatus.PROCESSED,
                    reference=f"RF-{order.order_number}",
                    created_at=order.cancelled_at,
                    processed_at=order.cancelled_at + D,
                )
            )
    if len(delivered) >= 2:  # open returns, for the console's queue
        rows += _return_with_refund(
            delivered[0], ReturnStatus.APPROVED, RefundStatus.PENDING, "Wrong colour", now
        )
        rows += _return_with_refund(
            delivered[1], ReturnStatus.REQUESTED, None, "No longer needed", now
        )
    agent = staff[0]
    statuses = list(TicketStatus)
    for i, order in enumerate(rng.sample(list(orders), min(8, len(orders)))):
        kind, reason, subject = TICKET_SUBJECTS[i % len(TICKET_SUBJECTS)]
        status = statuses[i % len(statuses)]
        created = max(order.placed_at, now - 20 * D) + timedelta(hours=rng.randint(1, 30))
        created = min(created, now - timedelta(hours=1))
        done = status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
        conv = f"seed-conv-{i:03d}"
        rows.append(
            Ticket(
                kind=kind,
                reason=reason,
                priority=rng.choice(list(TicketPriority)),
                status=status,
                assignee=agent if status is not TicketStatus.OPEN else None,
                customer=order.customer,
                order=order,
                conversation_id=conv,
                subject=f"{order.order_number}: {subject}",
                notes=None,
                tags=[reason],
                created_at=created,
                updated_at=created,
                resolved_at=created + D if done else None,
            )
        )
        language = order.customer.preferred_language
        rows.append(
            Interaction(
                conversation_id=conv,
                customer=order.customer,
                channel="web",
                language=language,
                turns=rng.randint(3, 14),
                intents=["greet", "order_status", "human_handoff"],
                sentiment_avg=round(rng.uniform(-0.6, 0.4), 2),
                csat=None,
                handoff=True,
                outcome="handoff",
                started_at=created - timedelta(minutes=10),
                ended_at=created,
            )
        )
    for order in delivered[2:12]:
        lang = "zh" if order.customer.preferred_language is Language.ZH else "en"
        assert order.delivered_at is not None
        rows.append(
            Review(
                customer=order.customer,
                order=order,
                product=order.items[0].product,
                rating=rng.choice((3, 4, 4, 5, 5, 5)),
                text=rng.choice(REVIEW_TEXT[lang]),
                created_at=min(order.delivered_at + 2 * D, now),
            )
        )
    for i, customer in enumerate(customers[:3]):
        control = i == 2
        rows.append(
            RetentionOffer(
                customer=customer,
                type=(OfferType.DISCOUNT, OfferType.FREE_SHIPPING)[i % 2],
                value=Decimal("10") if i % 2 == 0 else Decimal("0"),
                reason="churn_risk",
                churn_score=round(rng.uniform(0.6, 0.95), 3),
                status=OfferStatus.OFFERED if i == 0 else OfferStatus.ACCEPTED,
                code=None if control else f"STAY{rng.randint(10000, 99999)}",
                expires_at=now + 14 * D,
                control_group=control,
                created_at=now - (i + 1) * D,
            )
        )
    return rows


def shipping_notifications(orders: Sequence[Order]) -> List[OutboxMessage]:
    """Already-sent 'your order has shipped' e-mails for shipped orders."""
    return [
        OutboxMessage(
            channel=OutboxChannel.EMAIL,
            recipient=order.customer.email,
            subject=f"Your order {order.order_number} has shipped",
            body=f"{order.carrier} tracking number: {order.tracking_number}",
            template="order_shipped",
            payload={"order_number": order.order_number, "carrier": order.carrier},
            status=OutboxStatus.SENT,
            attempts=1,
            created_at=order.shipped_at,
            sent_at=order.shipped_at,
        )
        for order in orders
        if order.status is OrderStatus.SHIPPED and order.customer.email
    ]
