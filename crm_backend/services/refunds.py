"""Refund status for customers: by order number or refund reference, always identity-checked.

A refund reference reads ``RF-000042`` (``RF-`` and the refund's number); refunds created
before that scheme keep their stored reference (e.g. ``RF-A1007``). An unknown reference and
someone else's refund raise the same :class:`NotFound`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Optional, Tuple

from crm_backend.errors import NotFound, ValidationError
from crm_backend.models import Refund, RefundStatus, ReturnStatus
from crm_backend.services import returns_policy as policy
from crm_backend.services.access import Identity, order_for_customer, owns
from crm_backend.services.customer_lookup import customer_for_identity
from crm_backend.services.identifiers import normalise_order_number
from crm_backend.unit_of_work import UnitOfWork

REFUND_NOT_FOUND = "No refund matches these details."
REFERENCE_FORMAT = "RF- followed by its number, e.g. RF-000042"
_REFERENCE = re.compile(r"(?<![A-Za-z0-9])RF[\s\-#]?([A-Z]?\d{1,12})(?![0-9])", re.IGNORECASE)
_MAX_TEXT = 500

# stages a customer is told about
AWAITING_RETURN = "awaiting_return"  # pending: we wait for the parcel
PROCESSING = "processing"  # pending: parcel in hand (or no return needed), payment soon
PROCESSED = "processed"  # paid out
REJECTED = "rejected"  # the return was not accepted, nothing will be paid
FAILED = "failed"  # the payment failed; the team follows up


@dataclass(frozen=True)
class RefundView:
    reference: str
    order_number: str
    amount: Decimal
    currency: str
    status: str  # pending | processed | failed
    stage: str  # awaiting_return | processing | processed | rejected | failed
    created_at: datetime
    processed_at: Optional[datetime]
    expected_by: Optional[datetime]  # for pending refunds
    return_reference: Optional[str]
    return_status: Optional[str]


def refund_reference(refund_id: int) -> str:
    """The reference a customer is given, e.g. ``RF-000042``."""
    return f"RF-{refund_id:06d}"


def _format(match: "re.Match[str]") -> str:
    tail = match.group(1).upper()
    return f"RF-{int(tail):06d}" if tail.isdigit() else f"RF-{tail}"


def find_refund_reference(text: object) -> Optional[str]:
    """The first refund reference in free text (``rf 42`` -> ``RF-000042``), or None."""
    if not isinstance(text, str):
        return None
    folded = unicodedata.normalize("NFKC", text[:_MAX_TEXT])
    match = _REFERENCE.search(folded)
    return _format(match) if match else None


def normalise_refund_reference(value: object) -> str:
    """``" rf-000042 "`` -> ``"RF-000042"``; raises ValidationError for anything else."""
    if isinstance(value, str) and len(value) <= 40:
        match = _REFERENCE.fullmatch(unicodedata.normalize("NFKC", value).strip())
        if match:
            return _format(match)
    raise ValidationError(
        f"Invalid refund reference: expected {REFERENCE_FORMAT}.", field="refund_reference"
    )


def _stage(refund: Refund) -> str:
    ret = refund.return_
    if refund.status is RefundStatus.PROCESSED:
        return PROCESSED
    if ret is not None and ret.status is ReturnStatus.REJECTED:
        return REJECTED
    if refund.status is RefundStatus.FAILED:
        return FAILED
    if ret is not None and ret.status in (ReturnStatus.REQUESTED, ReturnStatus.APPROVED):
        return AWAITING_RETURN
    return PROCESSING


def to_view(refund: Refund) -> RefundView:
    ret = refund.return_
    pending = refund.status is RefundStatus.PENDING
    return RefundView(
        reference=refund.reference or refund_reference(refund.id),
        order_number=refund.order.order_number,
        amount=refund.amount,
        currency=refund.order.currency,
        status=str(refund.status),
        stage=_stage(refund),
        created_at=refund.created_at,
        processed_at=refund.processed_at,
        expected_by=(
            policy.expected_refund_date(
                refund.created_at,
                ret.status if ret is not None else None,
                ret.updated_at if ret is not None else None,
            )
            if pending
            else None
        ),
        return_reference=policy.return_reference(ret.id) if ret is not None else None,
        return_status=str(ret.status) if ret is not None else None,
    )


def refunds_for_order(
    uow: UnitOfWork, order_number: str, identity: Identity
) -> Tuple[RefundView, ...]:
    """The refunds of the customer's order, oldest first (empty if there are none).

    Raises:
        ValidationError: malformed order number.
        OrderNotFound: unknown order or not this customer's.
    """
    normalise_order_number(order_number)
    with uow:
        order = order_for_customer(uow, order_number, identity)
        return tuple(to_view(refund) for refund in uow.refunds.list_for_order(order.id))


def refund_by_reference(uow: UnitOfWork, reference: str, identity: Identity) -> RefundView:
    """One refund by its reference, if it belongs to ``identity``'s customer.

    Raises:
        ValidationError: malformed reference.
        NotFound: unknown reference or someone else's refund (indistinguishable).
    """
    wanted = normalise_refund_reference(reference)
    with uow:
        refund = uow.refunds.get_by_reference(wanted)
        if refund is None and wanted[3:].isdigit() and int(wanted[3:]) < 2**31:
            # a refund stored without a reference still answers to RF-<its id>
            refund = uow.refunds.get(int(wanted[3:]))
            if refund is not None and refund.reference not in (None, wanted):
                refund = None
        if refund is None or not owns(refund.order.customer, identity):
            raise NotFound(REFUND_NOT_FOUND)
        return to_view(refund)


def customer_refunds(uow: UnitOfWork, identity: Identity) -> Tuple[RefundView, ...]:
    """All refunds of the customer ``identity`` denotes, newest first.

    Raises:
        NotFound: no such (active) customer.
    """
    with uow:
        customer = customer_for_identity(uow, identity)
        return tuple(to_view(refund) for refund in uow.refunds.list_for_customer(customer.id))
