"""The agent console's customer 360 view and customer search.

- :func:`customer_360` -- everything an agent needs on one screen: profile (masked e-mail
  and phone, language, consents, addresses), the newest orders, tickets, past
  conversations, the sentiment trend, CLTV / segment / churn risk (``customer_scores``),
  retention offers and totals over the whole history.
- :func:`customer_recommendations` -- the products the bot would recommend (best sellers
  on a cold start); a recommender failure is logged and reported, never raised.
- :func:`find_customers` -- search by name, e-mail, phone or order number.

Read-only; a fixed handful of queries whatever the history size (lists are bounded and
totals are SQL aggregates), no lazy loading. Returns frozen views, never ORM rows.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple

from crm_backend.errors import NotFound, ValidationError
from crm_backend.models import (
    Customer,
    OrderStatus,
)
from crm_backend.services import customer360_queries as q
from crm_backend.services import recommendations as recommender
from crm_backend.services.customer360_views import (
    AddressView,
    Customer360View,
    InteractionSummary,
    OfferView,
    OrderSummary,
    ProfileView,
    RecommendationsPanel,
    RecommendedProduct,
    ScoreView,
    SentimentPoint,
    SentimentTrend,
    TicketSummary,
    Totals,
)
from crm_backend.services.customer_search import CustomerMatch, find_customers
from crm_backend.services.return_messages import mask_email, mask_phone
from crm_backend.services.tickets import ticket_reference
from crm_backend.unit_of_work import UnitOfWork

__all__ = [
    "AddressView",
    "Customer360View",
    "CustomerMatch",
    "InteractionSummary",
    "OfferView",
    "OrderSummary",
    "ProfileView",
    "RecommendationsPanel",
    "RecommendedProduct",
    "ScoreView",
    "SentimentPoint",
    "SentimentTrend",
    "TicketSummary",
    "Totals",
    "customer_360",
    "customer_recommendations",
    "find_customers",
]

logger = logging.getLogger(__name__)

MAX_ORDERS = q.MAX_ORDERS
MAX_RECOMMENDATIONS = 5
WHY = {
    "personal": "own history",  # the model, from what they bought
    "bought_before": "bought before",
    "popular": "popular",
    "bought_together": "bought together",
    "similar": "similar to their purchases",
}
SPEND_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
CENT = Decimal("0.01")
TREND_DELTA = 0.15  # change in mean sentiment that counts as improving / worsening


def _status(customer: Customer) -> str:
    if customer.anonymised:
        return "anonymised"
    return "deleted" if customer.deleted_at is not None else "active"


def _profile(customer: Customer) -> ProfileView:
    hidden = customer.anonymised
    return ProfileView(
        id=customer.id,
        name="(anonymised)" if hidden else customer.name,
        email_masked=mask_email(customer.email) if customer.email and not hidden else None,
        phone_masked=mask_phone(customer.phone) if customer.phone and not hidden else None,
        language=str(customer.preferred_language),
        country=customer.country,
        marketing_consent=bool(customer.marketing_consent),
        newsletter=bool(customer.newsletter),
        customer_since=customer.created_at,
        status=_status(customer),
        external_ref=customer.external_ref,
        addresses=()
        if hidden
        else tuple(
            AddressView(a.line1, a.line2, a.city, a.postcode, a.country, bool(a.is_default))
            for a in customer.addresses
        ),
    )


def _reasons(value: Any) -> Tuple[str, ...]:
    """churn_reasons JSON (list of str / dicts, or a dict) -> short readable strings."""
    if value is None:
        return ()
    if isinstance(value, dict):
        value = value.get("reasons", list(value.items()))
    items = value if isinstance(value, list) else [value]
    out: List[str] = []
    for item in items[:10]:
        if isinstance(item, dict):
            item = item.get("reason") or item.get("text") or item.get("feature") or item
        out.append(str(item)[:200])
    return tuple(out)


def _trend(rows: Sequence[Tuple[datetime, float]], average: Optional[float]) -> SentimentTrend:
    points = tuple(SentimentPoint(at, round(float(s), 3)) for at, s in reversed(rows))
    if not points:
        return SentimentTrend((), None, None, "unknown")
    half = len(points) // 2
    recent = [p.sentiment for p in points[half:]]
    recent_avg = sum(recent) / len(recent)
    direction = "unknown"
    if half:
        older = sum(p.sentiment for p in points[:half]) / half
        delta = recent_avg - older
        direction = (
            "improving"
            if delta >= TREND_DELTA
            else "worsening"
            if delta <= -TREND_DELTA
            else "stable"
        )
    mean = None if average is None else round(float(average), 3)
    return SentimentTrend(points, mean, round(recent_avg, 3), direction)


def _totals(session: Any, params: Dict[str, int]) -> Tuple[Totals, Optional[float]]:
    by_status: Dict[str, Tuple[int, Decimal, datetime, datetime]] = {
        str(status): (int(n), Decimal(str(total or 0)), first, last)
        for status, n, total, first, last in session.execute(q.ORDER_TOTALS, params)
    }
    spend_rows = [by_status[str(s)] for s in SPEND_STATUSES if str(s) in by_status]
    spend = sum((row[1] for row in spend_rows), Decimal("0")).quantize(CENT)
    spend_orders = sum(row[0] for row in spend_rows)
    tickets, open_tickets, conversations, sentiment, offers = session.execute(
        q.COUNTS, params
    ).one()
    totals = Totals(
        orders=sum(row[0] for row in by_status.values()),
        spend=spend,
        average_order_value=(spend / spend_orders).quantize(CENT, ROUND_HALF_UP)
        if spend_orders
        else None,
        first_order_at=min((row[2] for row in by_status.values()), default=None),
        last_order_at=max((row[3] for row in by_status.values()), default=None),
        orders_by_status={status: row[0] for status, row in sorted(by_status.items())},
        tickets=int(tickets),
        open_tickets=int(open_tickets),
        conversations=int(conversations),
        offers=int(offers),
    )
    return totals, None if sentiment is None else float(sentiment)


def customer_recommendations(
    uow: UnitOfWork, customer_id: int, n: int = MAX_RECOMMENDATIONS
) -> RecommendationsPanel:
    """What the bot would recommend to the customer (its recommender; best sellers on a
    cold start or without a trained model), for the 360 panel. Never raises: a failing
    recommender must not take the 360 down with it, so it is logged and reported as
    unavailable; an unknown or inactive customer gets no recommendations."""
    try:
        found = recommender.recommend_for_customer(uow, customer_id, n)
    except (NotFound, ValidationError):
        return RecommendationsPanel((), False, True)
    except Exception:  # noqa: BLE001 - any recommender failure degrades to "none"
        logger.exception("customer 360: recommendations failed for customer %s", customer_id)
        return RecommendationsPanel((), False, False)
    products = tuple(
        RecommendedProduct(
            sku=p.sku,
            name=p.name_en,
            name_zh=p.name_zh,
            price=p.price,
            category=p.category,
            why=WHY.get(p.reason, p.reason.replace("_", " ")),
        )
        for p in found.products
    )
    return RecommendationsPanel(products, found.personalised, True)


def customer_360(uow: UnitOfWork, customer_id: int) -> Customer360View:
    """The 360 view of one customer (8 queries, whatever the history size), without
    recommendations (``recommendations`` is None): callers that want them get them with
    :func:`customer_recommendations`, in parallel, and ``dataclasses.replace`` them in.

    Raises:
        ValidationError: ``customer_id`` is not a positive integer.
        NotFound: no such customer.
    """
    if isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0:
        raise ValidationError("Invalid customer id.", field="customer_id")
    params = {"customer_id": customer_id}
    with uow:
        session = uow.session
        customer = session.execute(q.CUSTOMER, params).unique().scalar_one_or_none()
        if customer is None:
            raise NotFound("No customer with this id.")
        order_views = tuple(
            OrderSummary(number, str(status), *rest)
            for number, status, *rest in session.execute(q.ORDERS, params)
        )
        ticket_views = tuple(
            TicketSummary(ticket_reference(tid), str(kind), str(status), str(prio), *rest)
            for tid, kind, status, prio, *rest in session.execute(q.TICKETS, params)
        )
        interactions = session.execute(q.INTERACTIONS, params).all()
        interaction_views = tuple(
            InteractionSummary(
                conversation_id=row[0],
                channel=row[1],
                language=str(row[2]),
                started_at=row[3],
                ended_at=row[4],
                turns=row[5],
                outcome=row[6],
                handoff=bool(row[7]),
                csat=row[8],
                sentiment=row[9],
            )
            for row in interactions[: q.MAX_INTERACTIONS]
        )
        offer_views = tuple(
            OfferView(str(kind), value, str(status), code, reason, bool(control), *dates)
            for kind, value, status, code, reason, control, *dates in session.execute(
                q.OFFERS, params
            )
        )
        score = session.execute(q.SCORES, params).first()
        score_view = None
        if score is not None:
            score_view = ScoreView(
                cltv=score.cltv,
                cltv_horizon_years=score.cltv_horizon_years,
                segment=score.segment,
                rfm_recency_days=score.rfm_recency_days,
                rfm_frequency=score.rfm_frequency,
                rfm_monetary=score.rfm_monetary,
                churn_score=score.churn_score,
                churn_band=score.churn_band,
                churn_reasons=_reasons(score.churn_reasons),
                churn_model_version=score.churn_model_version,
                updated_at=score.updated_at,
            )
        totals, average = _totals(session, params)
        points = [(row[3], row[9]) for row in interactions if row[9] is not None]
        return Customer360View(
            profile=_profile(customer),
            orders=order_views,
            tickets=ticket_views,
            interactions=interaction_views,
            sentiment=_trend(points, average),
            scores=score_view,
            offers=offer_views,
            totals=totals,
        )
