"""Generic repository: add/get on one model. Repositories never commit."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, List, Optional, Type, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

ModelT = TypeVar("ModelT")


class SqlAlchemyRepository(Generic[ModelT]):
    """Repository over one mapped class; the session belongs to the unit of work."""

    model: ClassVar[Type[Any]]

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: ModelT) -> ModelT:
        """Stage ``obj`` for insertion (visible to queries in this unit of work)."""
        self.session.add(obj)
        return obj

    def get(self, id_: int) -> Optional[ModelT]:
        """The row with primary key ``id_``, or None."""
        result: Optional[ModelT] = self.session.get(self.model, id_)
        return result

    def list(self, *, limit: int = 100, offset: int = 0) -> List[ModelT]:
        """Rows ordered by id, paginated."""
        stmt = select(self.model).order_by(self.model.id).limit(limit).offset(offset)
        return list(self.session.execute(stmt).scalars())

    def flush(self) -> None:
        """Send pending changes to the database (assigns ids) without committing."""
        self.session.flush()
