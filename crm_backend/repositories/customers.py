"""Customers (with addresses)."""

from __future__ import annotations

from typing import List, Optional

from sqlalchemy import select

from crm_backend.models import Customer
from crm_backend.repositories.base import SqlAlchemyRepository


class CustomerRepository(SqlAlchemyRepository[Customer]):
    model = Customer

    def get_by_email(self, email: str) -> Optional[Customer]:
        """Exact match on the stored (lower-case) e-mail; pass a normalised address."""
        stmt = select(Customer).where(Customer.email == email)
        return self.session.execute(stmt).scalar_one_or_none()

    def get_by_external_ref(self, external_ref: str) -> Optional[Customer]:
        stmt = select(Customer).where(Customer.external_ref == external_ref)
        return self.session.execute(stmt).scalar_one_or_none()

    def list_active(self, *, limit: int = 100, offset: int = 0) -> List[Customer]:
        """Customers not soft-deleted nor anonymised, by id."""
        stmt = (
            select(Customer)
            .where(Customer.deleted_at.is_(None), Customer.anonymised.is_(False))
            .order_by(Customer.id)
            .limit(limit)
            .offset(offset)
        )
        return list(self.session.execute(stmt).scalars())
