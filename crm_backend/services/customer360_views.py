"""Frozen views returned by :mod:`crm_backend.services.customer360`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class AddressView:
    line1: str
    line2: Optional[str]
    city: str
    postcode: Optional[str]
    country: str
    is_default: bool


@dataclass(frozen=True)
class ProfileView:
    id: int
    name: str
    email_masked: Optional[str]
    phone_masked: Optional[str]
    language: str
    country: Optional[str]
    marketing_consent: bool
    newsletter: bool
    customer_since: datetime
    status: str  # active | deleted | anonymised
    external_ref: Optional[str]
    addresses: Tuple[AddressView, ...]


@dataclass(frozen=True)
class OrderSummary:
    number: str
    status: str
    placed_at: datetime
    shipped_at: Optional[datetime]
    delivered_at: Optional[datetime]
    total: Decimal
    currency: str
    carrier: Optional[str]
    tracking_number: Optional[str]


@dataclass(frozen=True)
class TicketSummary:
    reference: str
    kind: str
    status: str
    priority: str
    subject: str
    order_number: Optional[str]
    created_at: datetime
    resolved_at: Optional[datetime]


@dataclass(frozen=True)
class InteractionSummary:
    conversation_id: str
    channel: str
    language: str
    started_at: datetime
    ended_at: Optional[datetime]
    turns: int
    outcome: Optional[str]
    handoff: bool
    csat: Optional[int]
    sentiment: Optional[float]


@dataclass(frozen=True)
class SentimentPoint:
    at: datetime
    sentiment: float


@dataclass(frozen=True)
class SentimentTrend:
    points: Tuple[SentimentPoint, ...]  # oldest first, at most MAX_SENTIMENT_POINTS
    average: Optional[float]  # over every conversation with a sentiment
    recent_average: Optional[float]  # the newest half of the points
    direction: str  # improving | worsening | stable | unknown


@dataclass(frozen=True)
class ScoreView:
    cltv: Optional[Decimal]
    cltv_horizon_years: Optional[int]
    segment: Optional[str]
    rfm_recency_days: Optional[int]
    rfm_frequency: Optional[int]
    rfm_monetary: Optional[Decimal]
    churn_score: Optional[float]
    churn_band: Optional[str]
    churn_reasons: Tuple[str, ...]
    churn_model_version: Optional[str]
    updated_at: datetime


@dataclass(frozen=True)
class OfferView:
    type: str
    value: Decimal
    status: str
    code: Optional[str]
    reason: Optional[str]
    control_group: bool
    created_at: datetime
    expires_at: Optional[datetime]


@dataclass(frozen=True)
class Totals:
    orders: int
    spend: Decimal  # paid, shipped and delivered orders (GBP)
    average_order_value: Optional[Decimal]
    first_order_at: Optional[datetime]
    last_order_at: Optional[datetime]
    orders_by_status: Dict[str, int]
    tickets: int
    open_tickets: int
    conversations: int
    offers: int


@dataclass(frozen=True)
class RecommendedProduct:
    sku: str
    name: str
    name_zh: Optional[str]
    price: Decimal
    category: str
    why: str  # own history | bought before | popular | bought together | similar ...


@dataclass(frozen=True)
class RecommendationsPanel:
    products: Tuple[RecommendedProduct, ...]
    personalised: bool  # False: best sellers only (cold start or no trained model)
    available: bool  # False: the recommender failed; the rest of the 360 is unaffected


@dataclass(frozen=True)
class Customer360View:
    profile: ProfileView
    orders: Tuple[OrderSummary, ...]  # newest first, at most MAX_ORDERS
    tickets: Tuple[TicketSummary, ...]  # newest first
    interactions: Tuple[InteractionSummary, ...]  # newest first
    sentiment: SentimentTrend
    scores: Optional[ScoreView]  # None until scored
    offers: Tuple[OfferView, ...]  # newest first
    totals: Totals
    recommendations: Optional[RecommendationsPanel] = None  # see customer_recommendations
