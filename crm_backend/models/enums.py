"""Closed vocabularies of the CRM; stored as their string values."""

from __future__ import annotations

import enum


class StrEnum(str, enum.Enum):
    """A string enum whose ``str()`` is its value."""

    def __str__(self) -> str:
        return str(self.value)


class Language(StrEnum):
    EN = "en"
    ZH = "zh"


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class PaymentMethod(StrEnum):
    CARD = "card"
    PAYPAL = "paypal"
    ALIPAY = "alipay"
    WECHAT_PAY = "wechat_pay"
    BANK_TRANSFER = "bank_transfer"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    RECEIVED = "received"
    REFUNDED = "refunded"
    REJECTED = "rejected"


class RefundStatus(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"


class TicketKind(StrEnum):
    ESCALATION = "escalation"
    SUPPORT = "support"
    COMPLAINT = "complaint"
    PAYMENT = "payment"


class TicketPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TicketStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class OfferType(StrEnum):
    DISCOUNT = "discount"
    FREE_SHIPPING = "free_shipping"
    VOUCHER = "voucher"


class OfferStatus(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class OutboxChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class StaffRole(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"


class DataRequestKind(StrEnum):
    EXPORT = "export"
    DELETE = "delete"


class DataRequestStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    REJECTED = "rejected"
