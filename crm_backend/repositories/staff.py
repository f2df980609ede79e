"""Staff (console) accounts."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import select

from crm_backend.models import StaffUser
from crm_backend.repositories.base import SqlAlchemyRepository


class StaffRepository(SqlAlchemyRepository[StaffUser]):
    model = StaffUser

    def get_by_username(self, username: str) -> Optional[StaffUser]:
        stmt = select(StaffUser).where(StaffUser.username == username)
        return self.session.execute(stmt).scalar_one_or_none()
