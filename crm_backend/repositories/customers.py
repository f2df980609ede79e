"""Customers (with addresses)."""

from __future__ import annotations

from typing import Any, List, Optional

from sqlalchemy import func, select

from crm_backend.models import Customer
from crm_backend.repositories.base import SqlAlchemyRepository


class CustomerRepository(SqlAlchemyRepository[Customer]):
    model = Customer

    def get_by_email(self, email: str) -> Optional[Customer]:
        """Exact match on the stored (lower-case) e-mail; pass a normalised address."""
        stmt = select(Customer).where(Customer.email == email)
        return self.session.execute(stmt).scalar_one_or_none()

    def list_by_phone_digits(self, digits: str, *, limit: int = 20) -> List[Customer]:
        """Candidates whose stored phone ends with the last 8 digits of ``digits`` (the
        caller confirms with ``identifiers.phones_match``); separators are ignored."""
        tail = "".join(ch for ch in digits if ch.isdigit())[-8:]
        if len(tail) < 8:
            return []
        stripped: Any = Customer.phone
        for separator in (" ", "-", "+", "(", ")", ".", "/"):
            stripped = func.replace(stripped, separator, "")
        stmt = (
            select(Customer)
            .where(Customer.phone.is_not(None), stripped.like(f"%{tail}"))
            .order_by(Customer.id)
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def get_for_update(self, customer_id: int) -> Optional[Customer]:
        """The customer, row-locked until commit (``SELECT ... FOR UPDATE`` on PostgreSQL;
        SQLite serialises writers anyway): serialises per-customer decisions."""
        stmt = select(Customer).where(Customer.id == customer_id).with_for_update(of=Customer)
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

    def search_by_name_or_email(self, fragment: str, *, limit: int = 20) -> List[Customer]:
        """Active customers whose name or e-mail contains ``fragment`` (case-insensitive)."""
        pattern = "%" + fragment.replace("\\", "").replace("%", "").replace("_", "") + "%"
        stmt = (
            select(Customer)
            .where(
                Customer.deleted_at.is_(None),
                Customer.anonymised.is_(False),
                func.lower(Customer.name).like(pattern.lower())
                | func.lower(Customer.email).like(pattern.lower()),
            )
            .order_by(Customer.id)
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())
