"""Retention offers and reviews."""

from __future__ import annotations

from datetime import datetime
from typing import List, Optional

from sqlalchemy import select, update

from crm_backend.models import OfferStatus, RetentionOffer, Review
from crm_backend.repositories.base import SqlAlchemyRepository


class OfferRepository(SqlAlchemyRepository[RetentionOffer]):
    model = RetentionOffer

    def get_by_code(self, code: str) -> Optional[RetentionOffer]:
        stmt = select(RetentionOffer).where(RetentionOffer.code == code)
        return self.session.execute(stmt).scalar_one_or_none()

    def list_for_customer(self, customer_id: int) -> List[RetentionOffer]:
        stmt = (
            select(RetentionOffer)
            .where(RetentionOffer.customer_id == customer_id)
            .order_by(RetentionOffer.created_at.desc(), RetentionOffer.id.desc())
        )
        return list(self.session.execute(stmt).scalars())

    def expire_due(self, now: datetime) -> int:
        """Set every offered offer whose expiry has passed to expired; returns the count."""
        result = self.session.execute(
            update(RetentionOffer)
            .where(
                RetentionOffer.status == OfferStatus.OFFERED,
                RetentionOffer.expires_at.is_not(None),
                RetentionOffer.expires_at <= now,
            )
            .values(status=OfferStatus.EXPIRED)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)


class ReviewRepository(SqlAlchemyRepository[Review]):
    model = Review

    def list_for_product(self, product_id: int, *, limit: int = 50) -> List[Review]:
        stmt = (
            select(Review)
            .where(Review.product_id == product_id)
            .order_by(Review.created_at.desc(), Review.id.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())
