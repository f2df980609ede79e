"""ORM models of the CRM; importing this package registers every table on ``metadata``."""

from crm_backend.models.base import Base, metadata, utcnow
from crm_backend.models.catalogue import Product
from crm_backend.models.compliance import AuditLog, DataRequest
from crm_backend.models.conversation import Interaction
from crm_backend.models.conversation_message import ConversationMessage
from crm_backend.models.customer import Address, Customer
from crm_backend.models.enums import (
    DataRequestKind,
    DataRequestStatus,
    Language,
    OfferStatus,
    OfferType,
    OrderStatus,
    OutboxChannel,
    OutboxStatus,
    PaymentMethod,
    PaymentStatus,
    RefundStatus,
    ReturnStatus,
    StaffRole,
    TicketKind,
    TicketPriority,
    TicketStatus,
)
from crm_backend.models.marketing import RetentionOffer, Review
from crm_backend.models.messaging import OutboxMessage
from crm_backend.models.nlu import NluAnnotation
from crm_backend.models.order import Invoice, Order, OrderItem, Payment
from crm_backend.models.returns import Refund, Return, ReturnItem
from crm_backend.models.scores import CustomerScore
from crm_backend.models.support import StaffUser, Ticket

__all__ = [
    "Address",
    "AuditLog",
    "Base",
    "ConversationMessage",
    "Customer",
    "CustomerScore",
    "DataRequest",
    "DataRequestKind",
    "DataRequestStatus",
    "Interaction",
    "Invoice",
    "Language",
    "NluAnnotation",
    "OfferStatus",
    "OfferType",
    "Order",
    "OrderItem",
    "OrderStatus",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxStatus",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "Product",
    "Refund",
    "RefundStatus",
    "RetentionOffer",
    "Return",
    "ReturnItem",
    "ReturnStatus",
    "Review",
    "StaffRole",
    "StaffUser",
    "Ticket",
    "TicketKind",
    "TicketPriority",
    "TicketStatus",
    "metadata",
    "utcnow",
]
