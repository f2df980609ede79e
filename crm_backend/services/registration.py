"""Helping a customer whose sign-up failed: diagnose, or hand over to the support team.

Outcomes:
- ``invalid_email``: the address is malformed (tell them what a valid one looks like);
- ``already_registered``: an active account has it (suggest resetting the password);
- ``ticket_opened``: anything else (including an address held by an account being
  deleted): a support ticket is opened and its reference given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from crm_backend.models import TicketKind, TicketPriority
from crm_backend.services.identifiers import is_valid_email, normalise_email
from crm_backend.services.tickets import new_ticket, ticket_reference
from crm_backend.unit_of_work import UnitOfWork

INVALID_EMAIL, ALREADY_REGISTERED, TICKET_OPENED = (
    "invalid_email",
    "already_registered",
    "ticket_opened",
)
MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class RegistrationDiagnosis:
    outcome: str
    email: Optional[str] = None
    ticket_reference: Optional[str] = None


def diagnose_registration(
    uow: UnitOfWork,
    email: object,
    *,
    description: Optional[str] = None,
    conversation_id: Optional[str] = None,
) -> RegistrationDiagnosis:
    """Work out why signing up with ``email`` failed; open a ticket if we can't tell."""
    if not is_valid_email(email):
        return RegistrationDiagnosis(outcome=INVALID_EMAIL)
    address = normalise_email(email)
    with uow:
        customer = uow.customers.get_by_email(address)
        if customer is not None and customer.is_active:
            return RegistrationDiagnosis(outcome=ALREADY_REGISTERED, email=address)
        details = (description or "").strip()[:MAX_DESCRIPTION] or "(no description given)"
        held = "\nThe address belongs to a deleted account." if customer is not None else ""
        ticket = new_ticket(
            kind=TicketKind.SUPPORT,
            reason="registration_problem",
            subject="Registration problem",
            priority=TicketPriority.NORMAL,
            conversation_id=conversation_id,
            notes=f"Sign-up e-mail: {address}{held}\nCustomer's description: {details}",
            tags=["registration", "chat"],
        )
        uow.tickets.add(ticket)
        uow.flush()
        reference = ticket_reference(ticket.id)
        uow.commit()
    return RegistrationDiagnosis(outcome=TICKET_OPENED, email=address, ticket_reference=reference)
