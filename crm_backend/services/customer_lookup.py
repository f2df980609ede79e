"""Which customer an identity (e-mail, phone or verified customer id) belongs to.

Used inside an entered unit of work by services that list a customer's records (refunds,
invoices) without an order number. Unknown and inactive customers raise the same
:class:`NotFound`, so nothing tells whether an address is registered.
"""

from __future__ import annotations

from crm_backend.errors import NotFound
from crm_backend.models import Customer
from crm_backend.services.access import Identity, owns
from crm_backend.unit_of_work import UnitOfWork

CUSTOMER_NOT_FOUND = "No customer matches these details."


def customer_for_identity(uow: UnitOfWork, identity: Identity) -> Customer:
    """The active customer ``identity`` denotes (inside an entered unit of work).

    Raises:
        NotFound: no active customer, or the phone number matches several customers
            (ambiguous: the caller should ask for the e-mail address instead).
    """
    if identity.customer_id is not None:
        customer = uow.customers.get(identity.customer_id)
        if customer is not None and owns(customer, identity):
            return customer
    if identity.email is not None:
        customer = uow.customers.get_by_email(identity.email)
        if customer is not None and owns(customer, identity):
            return customer
    if identity.phone is not None:
        matches = [
            c for c in uow.customers.list_by_phone_digits(identity.phone) if owns(c, identity)
        ]
        if len(matches) == 1:
            return matches[0]
    raise NotFound(CUSTOMER_NOT_FOUND)
