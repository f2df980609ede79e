"""Actions an agent takes from the customer 360 panel, through the same services the bot
uses (``/console/api/customers/...``). Optional services that are not installed answer
501 with a clear message instead of pretending."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Optional

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from crm_backend.console import operations as ops
from crm_backend.console.deps import api_staff, check_csrf
from crm_backend.console.panels import fmt, optional_service
from crm_backend.services.access import Identity
from crm_backend.services.staff_auth import StaffView

router = APIRouter(prefix="/console/api/customers", dependencies=[Depends(check_csrf)])
ORDER_NUMBER = r"^[A-Za-z]-?\d{4,8}$"
NOT_AVAILABLE = "This action is not available in this installation yet."


class CancelBody(BaseModel):
    accept_fee: str = Field(..., max_length=20)


class OfferBody(BaseModel):
    reason: Optional[str] = Field(None, max_length=200)


def _service(module: str, name: str) -> Any:
    found = optional_service(module, name)
    if found is None:
        raise HTTPException(501, NOT_AVAILABLE)
    return found


@router.get("/{customer_id}/orders/{order_number}/cancellation")
async def cancellation_quote(
    request: Request,
    customer_id: int,
    order_number: str = PathParam(..., regex=ORDER_NUMBER),
    staff: StaffView = Depends(api_staff),
) -> Dict[str, Any]:
    quote = _service("order_changes", "quote_cancellation")
    identity = Identity(customer_id=customer_id)
    view = await ops.run(ops.context(request), lambda uow: quote(uow, order_number, identity))
    return {
        "order_number": view.order_number,
        "status": view.status,
        "cancellable": view.cancellable,
        "fee": str(view.fee),
        "refund_amount": str(view.refund_amount),
        "currency": view.currency,
    }


@router.post("/{customer_id}/orders/{order_number}/cancel")
async def cancel(
    request: Request,
    customer_id: int,
    body: CancelBody,
    order_number: str = PathParam(..., regex=ORDER_NUMBER),
    staff: StaffView = Depends(api_staff),
) -> Dict[str, Any]:
    cancel_order = _service("order_changes", "cancel_order")
    try:
        fee = Decimal(body.accept_fee)
    except InvalidOperation:
        raise HTTPException(422, "Invalid fee.") from None
    identity = Identity(customer_id=customer_id)
    result = await ops.run(
        ops.context(request),
        lambda uow: cancel_order(
            uow,
            order_number,
            identity,
            confirm=True,
            accept_fee=fee,
            actor=f"staff:{staff.username}",
        ),
    )
    return {
        "order_number": result.order_number,
        "already_cancelled": result.already_cancelled,
        "fee": fmt(result.fee),
        "refund_amount": fmt(result.refund_amount),
        "refund_reference": result.refund_reference,
    }


@router.post("/{customer_id}/retention-offer")
async def retention_offer(
    request: Request,
    body: OfferBody,
    customer_id: int = PathParam(..., gt=0),
    staff: StaffView = Depends(api_staff),
) -> Dict[str, Any]:
    make_offer = _service("retention", "make_offer")
    offer = await ops.run(
        ops.context(request),
        lambda uow: make_offer(uow, customer_id, actor=f"staff:{staff.username}"),
    )
    what = {
        "discount": f"{offer.value:.0f}% off the next order",
        "voucher": f"a £{offer.value:.2f} voucher",
        "free_shipping": "free shipping on the next order",
    }.get(offer.type, offer.type)
    until = fmt(offer.expires_at)
    return {
        "offer": f"{what}, code {offer.code}, valid until {until}",
        "id": offer.id,
        "type": offer.type,
        "value": str(offer.value),
        "code": offer.code,
        "expires_at": offer.expires_at.isoformat() if offer.expires_at else None,
    }
