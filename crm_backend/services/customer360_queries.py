"""The statements behind :func:`crm_backend.services.customer360.customer_360`.

Built once at import (plain SQL expressions: no engine, no session, no I/O) with a
``:customer_id`` bind parameter, so each call skips re-building them and SQLAlchemy's
cache-key computation, which otherwise costs more CPU than the queries themselves.
"""

from __future__ import annotations

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.orm import joinedload

from crm_backend.models import (
    Customer,
    CustomerScore,
    Interaction,
    Order,
    RetentionOffer,
    Ticket,
    TicketStatus,
)

MAX_ORDERS = 20
MAX_TICKETS = 20
MAX_INTERACTIONS = 20
MAX_SENTIMENT_POINTS = 50
MAX_OFFERS = 20
OPEN_TICKETS = (TicketStatus.OPEN, TicketStatus.ASSIGNED, TicketStatus.PENDING)

CID = bindparam("customer_id", type_=Integer)

CUSTOMER = select(Customer).where(Customer.id == CID).options(joinedload(Customer.addresses))
ORDERS = (
    select(
        Order.order_number,
        Order.status,
        Order.placed_at,
        Order.shipped_at,
        Order.delivered_at,
        Order.total,
        Order.currency,
        Order.carrier,
        Order.tracking_number,
    )
    .where(Order.customer_id == CID)
    .order_by(Order.placed_at.desc(), Order.id.desc())
    .limit(MAX_ORDERS)
)
ORDER_TOTALS = (
    select(
        Order.status,
        func.count(),
        func.sum(Order.total),
        func.min(Order.placed_at),
        func.max(Order.placed_at),
    )
    .where(Order.customer_id == CID)
    .group_by(Order.status)
)
TICKETS = (
    select(
        Ticket.id,
        Ticket.kind,
        Ticket.status,
        Ticket.priority,
        Ticket.subject,
        Order.order_number,
        Ticket.created_at,
        Ticket.resolved_at,
    )
    .outerjoin(Order, Ticket.order_id == Order.id)
    .where(Ticket.customer_id == CID)
    .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    .limit(MAX_TICKETS)
)
INTERACTIONS = (
    select(
        Interaction.conversation_id,
        Interaction.channel,
        Interaction.language,
        Interaction.started_at,
        Interaction.ended_at,
        Interaction.turns,
        Interaction.outcome,
        Interaction.handoff,
        Interaction.csat,
        Interaction.sentiment_avg,
    )
    .where(Interaction.customer_id == CID)
    .order_by(Interaction.started_at.desc(), Interaction.id.desc())
    .limit(MAX_SENTIMENT_POINTS)
)
OFFERS = (
    select(
        RetentionOffer.type,
        RetentionOffer.value,
        RetentionOffer.status,
        RetentionOffer.code,
        RetentionOffer.reason,
        RetentionOffer.control_group,
        RetentionOffer.created_at,
        RetentionOffer.expires_at,
    )
    .where(RetentionOffer.customer_id == CID)
    .order_by(RetentionOffer.created_at.desc(), RetentionOffer.id.desc())
    .limit(MAX_OFFERS)
)
SCORES = select(
    CustomerScore.cltv,
    CustomerScore.cltv_horizon_years,
    CustomerScore.segment,
    CustomerScore.rfm_recency_days,
    CustomerScore.rfm_frequency,
    CustomerScore.rfm_monetary,
    CustomerScore.churn_score,
    CustomerScore.churn_band,
    CustomerScore.churn_reasons,
    CustomerScore.churn_model_version,
    CustomerScore.updated_at,
).where(CustomerScore.customer_id == CID)
# tickets, open tickets, conversations, mean sentiment, offers: one round trip
COUNTS = select(
    select(func.count(Ticket.id)).where(Ticket.customer_id == CID).scalar_subquery(),
    select(func.count(Ticket.id))
    .where(Ticket.customer_id == CID, Ticket.status.in_(OPEN_TICKETS))
    .scalar_subquery(),
    select(func.count(Interaction.id)).where(Interaction.customer_id == CID).scalar_subquery(),
    select(func.avg(Interaction.sentiment_avg))
    .where(Interaction.customer_id == CID)
    .scalar_subquery(),
    select(func.count(RetentionOffer.id))
    .where(RetentionOffer.customer_id == CID)
    .scalar_subquery(),
)
