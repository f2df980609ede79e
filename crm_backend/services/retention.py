"""Retention offers: one offer, sized from CLTV, when a high-risk customer signals leaving.

:func:`offer_retention` is called when a customer asks to delete the account, cancels,
complains, or writes something strongly negative (``TRIGGERS``). It decides:

- ``existing``: the customer already has a live (offered, unexpired) offer: that one is
  returned, never a second (at most one live offer per customer);
- ``cooldown``: an offer or control row was made in the last ``cooldown_days``;
- ``no_score`` / ``low_risk``: no churn score yet, or below ``high_risk``;
- ``control``: the customer is in the control group (a deterministic hash of the id puts
  ``control_percent`` % there): a row with ``control_group=True`` and no code is recorded
  (what they would have got), nothing is offered, so uplift can be measured;
- ``offered``: a new offer with a code and an expiry.

Sizing (:func:`size_offer`): budget = CLTV x churn score x ``budget_share``; below the
minimum voucher (or without a CLTV): free shipping; valuable customers (CLTV >=
``discount_min_cltv``) with a known average order: a percentage of it, within
[min, max]; otherwise a voucher in [min, max]. Caps are :class:`RetentionPolicy` fields.

:func:`respond_to_offer` records accept/decline (an expired offer is marked expired and
refused); :func:`expire_offers` expires stale offers in bulk.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, List, Optional, Tuple

from crm_backend.errors import InvalidState, NotFound, ValidationError
from crm_backend.models import OfferStatus, OfferType, RetentionOffer
from crm_backend.unit_of_work import UnitOfWork

TRIGGERS = ("delete_account", "cancel_order", "complaint", "negative_sentiment")
OFFERED, EXISTING, CONTROL = "offered", "existing", "control"
COOLDOWN, NO_SCORE, LOW_RISK = "cooldown", "no_score", "low_risk"
OFFER_NOT_FOUND = "No offer matches these details."
CUSTOMER_NOT_FOUND = "No customer matches these details."


@dataclass(frozen=True)
class RetentionPolicy:
    """The configurable constants of retention offers."""

    high_risk: float = 0.6  # churn score from which an offer is considered
    control_percent: float = 10.0  # share of customers in the no-offer control group
    control_salt: str = "retention-v1"  # change to re-draw the control group
    offer_days: int = 14  # validity of an offer
    cooldown_days: int = 90  # no new offer/control row this long after the last one
    budget_share: Decimal = Decimal("0.10")  # of CLTV x churn score
    min_voucher: Decimal = Decimal("5.00")
    max_voucher: Decimal = Decimal("25.00")
    min_discount_percent: int = 5
    max_discount_percent: int = 20
    discount_min_cltv: Decimal = Decimal("200.00")


DEFAULT_POLICY = RetentionPolicy()


@dataclass(frozen=True)
class OfferView:
    id: int
    type: str  # discount | free_shipping | voucher
    value: Decimal  # percent for discounts, GBP for vouchers, 0 for free shipping
    code: Optional[str]
    status: str  # offered | accepted | declined | expired
    expires_at: Optional[datetime]
    control_group: bool


@dataclass(frozen=True)
class RetentionDecision:
    outcome: str  # offered | existing | control | cooldown | no_score | low_risk
    offer: Optional[OfferView]  # the live offer (offered/existing), None otherwise
    churn_score: Optional[float]


def _view(offer: RetentionOffer) -> OfferView:
    return OfferView(
        id=int(offer.id),
        type=str(offer.type),
        value=Decimal(offer.value),
        code=offer.code,
        status=str(offer.status),
        expires_at=offer.expires_at,
        control_group=bool(offer.control_group),
    )


def in_control_group(customer_id: int, policy: RetentionPolicy = DEFAULT_POLICY) -> bool:
    """Deterministic: the same customer is always in (or out of) the control group."""
    digest = hashlib.sha256(f"{policy.control_salt}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < policy.control_percent * 100


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def size_offer(
    cltv: Optional[Decimal],
    churn_score: float,
    average_order: Optional[Decimal],
    policy: RetentionPolicy = DEFAULT_POLICY,
) -> Tuple[OfferType, Decimal]:
    """(type, value) of the offer for a customer worth ``cltv`` (see the module doc)."""
    if cltv is None or cltv <= 0:
        return OfferType.FREE_SHIPPING, Decimal("0.00")
    budget = Decimal(cltv) * Decimal(str(round(churn_score, 4))) * policy.budget_share
    if budget < policy.min_voucher:
        return OfferType.FREE_SHIPPING, Decimal("0.00")
    if cltv >= policy.discount_min_cltv and average_order and average_order > 0:
        percent = int((budget * 100 / average_order).to_integral_value(ROUND_HALF_UP))
        percent = max(policy.min_discount_percent, min(policy.max_discount_percent, percent))
        return OfferType.DISCOUNT, Decimal(percent).quantize(Decimal("0.01"))
    voucher = budget.to_integral_value(ROUND_HALF_UP)
    return OfferType.VOUCHER, _money(max(policy.min_voucher, min(policy.max_voucher, voucher)))


def _new_code() -> str:
    return "STAY-" + secrets.token_hex(4).upper()


def _expire_stale(offers: List[RetentionOffer], now: datetime) -> None:
    for offer in offers:
        if offer.status == OfferStatus.OFFERED and offer.expires_at and offer.expires_at <= now:
            offer.status = OfferStatus.EXPIRED


def _is_live(offer: RetentionOffer, now: datetime) -> bool:
    return offer.status == OfferStatus.OFFERED and (
        offer.expires_at is None or offer.expires_at > now
    )


def _check_customer_id(customer_id: Any) -> int:
    if isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0:
        raise ValidationError("Invalid customer id.", field="customer_id")
    return customer_id


def _average_order(score: Any) -> Optional[Decimal]:
    if score is None or not score.rfm_frequency or score.rfm_monetary is None:
        return None
    return Decimal(score.rfm_monetary) / int(score.rfm_frequency)


def _customer_offers(uow: UnitOfWork, customer_id: int, when: datetime) -> List[RetentionOffer]:
    """The customer's offers (customer row locked; stale offers marked expired)."""
    customer = uow.customers.get_for_update(customer_id)
    if customer is None or not customer.is_active:
        raise NotFound(CUSTOMER_NOT_FOUND)
    offers = uow.offers.list_for_customer(customer_id)
    _expire_stale(offers, when)
    return offers


def _add_offer(
    uow: UnitOfWork,
    customer_id: int,
    size: Tuple[OfferType, Decimal],
    *,
    reason: str,
    churn: float,
    control: bool,
    when: datetime,
    policy: RetentionPolicy,
) -> Tuple[RetentionOffer, Optional[RetentionOffer]]:
    """Stage a new offer (or control row). Insert-then-verify: if a concurrent writer's
    live row slipped past the lock, the new row is rolled back and that winner returned."""
    kind, value = size
    offer = RetentionOffer(
        customer_id=customer_id,
        type=kind,
        value=value,
        reason=reason,
        churn_score=round(churn, 4),
        status=OfferStatus.OFFERED,
        code=None if control else _new_code(),
        expires_at=when + timedelta(days=policy.offer_days),
        control_group=control,
        created_at=when,
    )
    uow.offers.add(offer)
    uow.flush()
    rivals = [o for o in uow.offers.list_for_customer(customer_id) if _is_live(o, when)]
    if len(rivals) > 1 and min(o.id for o in rivals) != offer.id:
        uow.rollback()
        return offer, min(rivals, key=lambda o: o.id)
    return offer, None


def offer_retention(
    uow: UnitOfWork,
    customer_id: int,
    trigger: str,
    *,
    now: Optional[datetime] = None,
    policy: RetentionPolicy = DEFAULT_POLICY,
) -> RetentionDecision:
    """Decide on (and record) a retention offer for a customer signalling leaving.

    Raises:
        ValidationError: unknown trigger or malformed customer id.
        NotFound: unknown or inactive customer.
    """
    customer_id = _check_customer_id(customer_id)
    if trigger not in TRIGGERS:
        raise ValidationError(f"trigger must be one of {', '.join(TRIGGERS)}", field="trigger")
    when = now or datetime.now(timezone.utc)
    with uow:
        offers = _customer_offers(uow, customer_id, when)
        score = uow.scores.get(customer_id)
        churn = None if score is None or score.churn_score is None else float(score.churn_score)
        live = next((o for o in offers if _is_live(o, when)), None)
        decision: Optional[RetentionDecision] = None
        if live is not None:
            outcome = CONTROL if live.control_group else EXISTING
            decision = RetentionDecision(
                outcome, None if live.control_group else _view(live), churn
            )
        elif any(o.created_at > when - timedelta(days=policy.cooldown_days) for o in offers):
            decision = RetentionDecision(COOLDOWN, None, churn)
        elif churn is None:
            decision = RetentionDecision(NO_SCORE, None, None)
        elif churn < policy.high_risk:
            decision = RetentionDecision(LOW_RISK, None, churn)
        if decision is not None:
            uow.commit()  # keeps the expiries
            return decision
        assert score is not None and churn is not None  # no decision yet: both are set
        control = in_control_group(customer_id, policy)
        kind, value = size_offer(score.cltv, churn, _average_order(score), policy)
        offer, winner = _add_offer(
            uow, customer_id, (kind, value), reason=trigger, churn=churn, control=control,
            when=when, policy=policy,
        )  # fmt: skip
        if winner is not None:
            if winner.control_group:
                return RetentionDecision(CONTROL, None, churn)
            return RetentionDecision(EXISTING, _view(winner), churn)
        uow.audit.record(
            "system", "retention.control" if control else "retention.offered",
            "retention_offer", str(offer.id),
            {"trigger": trigger, "type": str(kind), "value": str(value), "churn_score": churn},
        )  # fmt: skip
        uow.commit()
        if control:
            return RetentionDecision(CONTROL, None, churn)
        return RetentionDecision(OFFERED, _view(offer), churn)


AGENT_REASON = "agent"


def make_offer(
    uow: UnitOfWork,
    customer_id: int,
    *,
    actor: str,
    now: Optional[datetime] = None,
    policy: RetentionPolicy = DEFAULT_POLICY,
) -> OfferView:
    """An offer an agent makes from the console (the customer 360).

    Sized like the bot's offers (CLTV x churn score, same caps; free shipping without a
    score), recorded with reason ``agent`` so uplift figures can tell it from automatic
    offers, and audited with the agent as actor. Never a second live offer: an existing
    one is returned. A customer in the control group of a live automatic decision gets
    none (that would spoil the uplift measurement): :class:`InvalidState` says until when.

    Raises:
        ValidationError: malformed customer id.
        NotFound: unknown or inactive customer.
        InvalidState: the customer is in a live control group row.
    """
    customer_id = _check_customer_id(customer_id)
    when = now or datetime.now(timezone.utc)
    with uow:
        offers = _customer_offers(uow, customer_id, when)
        live = next((o for o in offers if _is_live(o, when)), None)
        if live is not None and live.control_group:
            uow.commit()
            until = live.expires_at.strftime("%Y-%m-%d") if live.expires_at else "later"
            raise InvalidState(
                f"This customer is in the retention control group until {until}: no offer "
                "can be made (it keeps the offers' uplift measurable)."
            )
        if live is not None:
            uow.commit()
            return _view(live)
        score = uow.scores.get(customer_id)
        churn = 0.0 if score is None or score.churn_score is None else float(score.churn_score)
        cltv = None if score is None else score.cltv
        kind, value = size_offer(cltv, churn, _average_order(score), policy)
        offer, winner = _add_offer(
            uow, customer_id, (kind, value), reason=AGENT_REASON, churn=churn, control=False,
            when=when, policy=policy,
        )  # fmt: skip
        if winner is not None:  # a concurrent offer won: never a second live one
            if winner.control_group:
                raise InvalidState("This customer was just put in the retention control group.")
            return _view(winner)
        uow.audit.record(
            actor, "retention.offered", "retention_offer", str(offer.id),
            {"trigger": AGENT_REASON, "type": str(kind), "value": str(value), "churn_score": churn},
        )  # fmt: skip
        uow.commit()
        return _view(offer)


def respond_to_offer(
    uow: UnitOfWork,
    customer_id: int,
    offer_id: int,
    accept: bool,
    *,
    now: Optional[datetime] = None,
) -> OfferView:
    """Record the customer's answer to their offer (repeating the same answer is a no-op).

    Raises:
        NotFound: no such offer for this customer (or a control-group row).
        InvalidState: the offer expired, or was already answered the other way.
    """
    customer_id = _check_customer_id(customer_id)
    if isinstance(offer_id, bool) or not isinstance(offer_id, int) or offer_id <= 0:
        raise NotFound(OFFER_NOT_FOUND)
    when = now or datetime.now(timezone.utc)
    wanted = OfferStatus.ACCEPTED if accept else OfferStatus.DECLINED
    with uow:
        uow.customers.get_for_update(customer_id)
        offer = uow.offers.get(offer_id)
        if offer is None or offer.customer_id != customer_id or offer.control_group:
            raise NotFound(OFFER_NOT_FOUND)
        if offer.status == OfferStatus.OFFERED and not _is_live(offer, when):
            offer.status = OfferStatus.EXPIRED
            uow.commit()
            raise InvalidState("This offer has expired.")
        if offer.status == wanted:
            return _view(offer)
        if offer.status != OfferStatus.OFFERED:
            raise InvalidState(f"This offer was already {offer.status}.")
        offer.status = wanted
        uow.audit.record("customer", f"retention.{wanted}", "retention_offer", str(offer.id))
        uow.commit()
        return _view(offer)


def expire_offers(uow: UnitOfWork, *, now: Optional[datetime] = None) -> int:
    """Mark every offer past its expiry as expired; returns how many changed."""
    when = now or datetime.now(timezone.utc)
    with uow:
        changed = uow.offers.expire_due(when)
        uow.commit()
        return changed
