"""Newsletter subscription of a verified customer, with a consent record.

The ``customers.newsletter`` flag holds the current choice; every change is audited with
its timestamp, source and conversation (the consent record GDPR/PIPL ask for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from crm_backend.models import utcnow
from crm_backend.services import throttle
from crm_backend.services.accounts import active_customer
from crm_backend.unit_of_work import UnitOfWork

SUBSCRIBED, UNSUBSCRIBED = "customer.newsletter_subscribed", "customer.newsletter_unsubscribed"


@dataclass(frozen=True)
class NewsletterView:
    customer_id: int
    email: str
    subscribed: bool
    changed: bool  # False if it already was so
    changed_at: Optional[datetime]


def set_newsletter(
    uow: UnitOfWork,
    customer_id: int,
    subscribe: bool,
    *,
    source: str = "chat",
    conversation_id: Optional[str] = None,
    now: Optional[datetime] = None,
) -> NewsletterView:
    """Subscribe (``True``) or unsubscribe (``False``) an active customer.

    Raises:
        NotFound: no active account with this id.
    """
    now = now or utcnow()
    wanted = bool(subscribe)
    with uow:
        customer = active_customer(uow, customer_id, for_update=True)
        changed = bool(customer.newsletter) != wanted
        if changed:
            customer.newsletter = wanted
            throttle.record(
                uow,
                action=SUBSCRIBED if wanted else UNSUBSCRIBED,
                entity="customer",
                entity_id=str(customer.id),
                details={
                    "consent": wanted,
                    "consent_at": now.isoformat(),
                    "source": str(source)[:40],
                    "conversation_id": conversation_id,
                },
                now=now,
            )
        view = NewsletterView(
            customer_id=customer.id,
            email=customer.email,
            subscribed=wanted,
            changed=changed,
            changed_at=now if changed else None,
        )
        uow.commit()
    return view
