"""Unit of work: one Session per business operation, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Callable, Optional, Type

from sqlalchemy.orm import Session

from crm_backend.repositories import (
    AuditRepository,
    CustomerRepository,
    DataRequestRepository,
    InteractionRepository,
    OfferRepository,
    OrderRepository,
    OutboxRepository,
    ProductRepository,
    RefundRepository,
    ReturnRepository,
    ReviewRepository,
    StaffRepository,
    TicketRepository,
)
from crm_backend.repositories.analytics import AnalyticsRepository
from crm_backend.repositories.nlu import NluAnnotationRepository
from crm_backend.repositories.scores import ScoreRepository


class SqlAlchemyUnitOfWork:
    """``with SqlAlchemyUnitOfWork(session_factory) as uow: ...; uow.commit()``.

    Entering opens a fresh session and builds the repositories on it; leaving rolls back
    whatever was not committed and closes the session. Only services call :meth:`commit`.
    """

    customers: CustomerRepository
    orders: OrderRepository
    products: ProductRepository
    returns: ReturnRepository
    refunds: RefundRepository
    tickets: TicketRepository
    staff: StaffRepository
    interactions: InteractionRepository
    offers: OfferRepository
    reviews: ReviewRepository
    outbox: OutboxRepository
    data_requests: DataRequestRepository
    audit: AuditRepository
    scores: ScoreRepository
    analytics: AnalyticsRepository
    nlu: NluAnnotationRepository

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory
        self._session: Optional[Session] = None

    @property
    def session(self) -> Session:
        """The open session (for repositories and tests; services use the repositories)."""
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._session

    def __enter__(self) -> "SqlAlchemyUnitOfWork":
        if self._session is not None:
            raise RuntimeError("unit of work is not re-entrant")
        session = self._session_factory()
        self._session = session
        self.customers = CustomerRepository(session)
        self.orders = OrderRepository(session)
        self.products = ProductRepository(session)
        self.returns = ReturnRepository(session)
        self.refunds = RefundRepository(session)
        self.tickets = TicketRepository(session)
        self.staff = StaffRepository(session)
        self.interactions = InteractionRepository(session)
        self.offers = OfferRepository(session)
        self.reviews = ReviewRepository(session)
        self.outbox = OutboxRepository(session)
        self.data_requests = DataRequestRepository(session)
        self.audit = AuditRepository(session)
        self.scores = ScoreRepository(session)
        self.analytics = AnalyticsRepository(session)
        self.nlu = NluAnnotationRepository(session)
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        session = self.session
        try:
            session.rollback()  # a no-op after commit()
        finally:
            session.close()
            self._session = None

    def commit(self) -> None:
        """Commit everything done in this unit of work."""
        self.session.commit()

    def rollback(self) -> None:
        """Discard everything not yet committed."""
        self.session.rollback()

    def flush(self) -> None:
        """Send pending changes (assigning ids) without committing."""
        self.session.flush()


UnitOfWork = SqlAlchemyUnitOfWork
"""The type services annotate; tests may pass any object with the same attributes."""
