"""Repositories: one per aggregate, each taking a Session and never committing."""

from crm_backend.repositories.base import SqlAlchemyRepository
from crm_backend.repositories.compliance import AuditRepository, DataRequestRepository
from crm_backend.repositories.customers import CustomerRepository
from crm_backend.repositories.interactions import InteractionRepository
from crm_backend.repositories.marketing import OfferRepository, ReviewRepository
from crm_backend.repositories.orders import OrderRepository
from crm_backend.repositories.outbox import OutboxRepository
from crm_backend.repositories.products import ProductRepository
from crm_backend.repositories.returns import RefundRepository, ReturnRepository
from crm_backend.repositories.staff import StaffRepository
from crm_backend.repositories.tickets import TicketRepository

__all__ = [
    "AuditRepository",
    "CustomerRepository",
    "DataRequestRepository",
    "InteractionRepository",
    "OfferRepository",
    "OrderRepository",
    "OutboxRepository",
    "ProductRepository",
    "RefundRepository",
    "ReturnRepository",
    "ReviewRepository",
    "SqlAlchemyRepository",
    "StaffRepository",
    "TicketRepository",
]
