"""Everything the CRM holds on one customer, across tables (GDPR export and erasure).

Read queries return ORM rows (the services serialise or scrub them); the few bulk
deletes return how many rows went. Never commits.
"""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, selectinload

from crm_backend.models import (
    AuditLog,
    ConversationMessage,
    DataRequest,
    DataRequestStatus,
    Interaction,
    NluAnnotation,
    Order,
    OutboxMessage,
    Refund,
    RetentionOffer,
    Return,
    Review,
    Ticket,
)

OPEN_STATUSES = (DataRequestStatus.PENDING, DataRequestStatus.PROCESSING)


def _strings(values: Iterable[object]) -> List[str]:
    return sorted({str(value) for value in values if value is not None and str(value) != ""})


class PrivacyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def orders(self, customer_id: int) -> List[Order]:
        stmt = (
            select(Order)
            .where(Order.customer_id == customer_id)
            .options(
                selectinload(Order.items),
                selectinload(Order.payments),
                selectinload(Order.invoices),
            )
            .order_by(Order.id)
        )
        return list(self.session.execute(stmt).scalars())

    def returns(self, order_ids: Sequence[int]) -> List[Return]:
        if not order_ids:
            return []
        stmt = (
            select(Return)
            .where(Return.order_id.in_(list(order_ids)))
            .options(selectinload(Return.items))
            .order_by(Return.id)
        )
        return list(self.session.execute(stmt).scalars())

    def refunds(self, order_ids: Sequence[int]) -> List[Refund]:
        if not order_ids:
            return []
        stmt = select(Refund).where(Refund.order_id.in_(list(order_ids))).order_by(Refund.id)
        return list(self.session.execute(stmt).scalars())

    def tickets(self, customer_id: int, order_ids: Sequence[int]) -> List[Ticket]:
        """The customer's tickets, and tickets about their orders."""
        cond = Ticket.customer_id == customer_id
        if order_ids:
            cond = or_(cond, Ticket.order_id.in_(list(order_ids)))
        return list(self.session.execute(select(Ticket).where(cond).order_by(Ticket.id)).scalars())

    def interactions(self, customer_id: int) -> List[Interaction]:
        stmt = (
            select(Interaction)
            .where(Interaction.customer_id == customer_id)
            .order_by(Interaction.id)
        )
        return list(self.session.execute(stmt).scalars())

    def offers(self, customer_id: int) -> List[RetentionOffer]:
        stmt = (
            select(RetentionOffer)
            .where(RetentionOffer.customer_id == customer_id)
            .order_by(RetentionOffer.id)
        )
        return list(self.session.execute(stmt).scalars())

    def reviews(self, customer_id: int) -> List[Review]:
        stmt = select(Review).where(Review.customer_id == customer_id).order_by(Review.id)
        return list(self.session.execute(stmt).scalars())

    def outbox(self, recipients: Sequence[str]) -> List[OutboxMessage]:
        """Notifications addressed to any of ``recipients`` (e-mail addresses, phones)."""
        wanted = _strings(recipients)
        if not wanted:
            return []
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.recipient.in_(wanted))
            .order_by(OutboxMessage.id)
        )
        return list(self.session.execute(stmt).scalars())

    def audit(self, refs: Sequence[tuple[str, Sequence[object]]]) -> List[AuditLog]:
        """Audit entries about any of the ``(entity, ids)`` pairs given."""
        conds = [
            (AuditLog.entity == entity) & AuditLog.entity_id.in_(_strings(ids))
            for entity, ids in refs
            if _strings(ids)
        ]
        if not conds:
            return []
        stmt = select(AuditLog).where(or_(*conds)).order_by(AuditLog.id)
        return list(self.session.execute(stmt).scalars())

    def audit_keyed_by(self, keys: Sequence[str]) -> List[AuditLog]:
        """Entries of any entity keyed by one of ``keys`` (e.g. an e-mail fingerprint)."""
        wanted = _strings(keys)
        if not wanted:
            return []
        stmt = select(AuditLog).where(AuditLog.entity_id.in_(wanted)).order_by(AuditLog.id)
        return list(self.session.execute(stmt).scalars())

    def conversation_messages(self, conversation_ids: Sequence[str]) -> List[ConversationMessage]:
        wanted = _strings(conversation_ids)
        if not wanted:
            return []
        m = ConversationMessage
        stmt = select(m).where(m.conversation_id.in_(wanted)).order_by(m.conversation_id, m.seq)
        return list(self.session.execute(stmt).scalars())

    def annotations(self, conversation_ids: Sequence[str]) -> List[NluAnnotation]:
        wanted = _strings(conversation_ids)
        if not wanted:
            return []
        stmt = (
            select(NluAnnotation)
            .where(NluAnnotation.conversation_id.in_(wanted))
            .order_by(NluAnnotation.id)
        )
        return list(self.session.execute(stmt).scalars())

    def delete_conversation_messages(self, conversation_ids: Sequence[str]) -> int:
        wanted = _strings(conversation_ids)
        if not wanted:
            return 0
        m = ConversationMessage
        result = self.session.execute(
            delete(m)
            .where(m.conversation_id.in_(wanted))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)

    def delete_annotations(self, conversation_ids: Sequence[str]) -> int:
        wanted = _strings(conversation_ids)
        if not wanted:
            return 0
        result = self.session.execute(
            delete(NluAnnotation)
            .where(NluAnnotation.conversation_id.in_(wanted))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)

    def open_requests(self, *, limit: int = 500) -> List[DataRequest]:
        """Open data-subject requests, oldest (most urgent) first."""
        stmt = (
            select(DataRequest)
            .where(DataRequest.status.in_(OPEN_STATUSES))
            .order_by(DataRequest.created_at, DataRequest.id)
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def closed_requests(self, *, limit: int = 50) -> List[DataRequest]:
        """Completed or rejected requests, the most recent first."""
        stmt = (
            select(DataRequest)
            .where(DataRequest.status.not_in(OPEN_STATUSES))
            .order_by(DataRequest.id.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def get_request(self, request_id: int, *, for_update: bool = False) -> Optional[DataRequest]:
        stmt = select(DataRequest).where(DataRequest.id == request_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalars().first()
