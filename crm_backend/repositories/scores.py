"""Customer scores (CLTV, RFM segment, churn risk): ``uow.scores``.

One row per customer, keyed by ``customer_id``. Several writers share a row and each sets
only its own columns; every analytic column is nullable (NULL = not computed yet).
Like every repository this never commits: the caller's unit of work does.

API (inside ``with uow:``)::

    uow.scores.get(customer_id) -> CustomerScore | None
    uow.scores.get_many([id, ...]) -> {customer_id: CustomerScore}
    uow.scores.upsert(customer_id, churn_score=0.82, churn_band="high",
                      churn_reasons=["no order for 120 days"], churn_model_version="v3")
        # creates the row if missing, else updates only the given fields; returns the row
    uow.scores.bulk_upsert([{"customer_id": 1, "churn_score": 0.2, ...}, ...]) -> int
        # set-based INSERT ... ON CONFLICT (customer_id) DO UPDATE in chunks (SQLite and
        # PostgreSQL); each row updates only the keys it carries; returns rows written
    uow.scores.segment_counts() -> {"Champions": 120, ...}
    uow.scores.count_with_segment_version(version) -> int

Writable fields: ``cltv`` (Decimal/float, GBP), ``cltv_horizon_years`` (int), ``segment``
(str <= 40), ``segment_model_version`` (str <= 64), ``rfm_recency_days`` (int),
``rfm_frequency`` (int >= 0), ``rfm_monetary`` (GBP), ``churn_score`` (float in [0, 1]),
``churn_band`` (str <= 20), ``churn_reasons`` (JSON: list of str or dicts),
``churn_model_version`` (str <= 64), ``sentiment_avg`` (float). ``updated_at`` is set on
every write. Unknown field names raise ``ValueError``; a churn_score outside [0, 1]
violates a CHECK constraint (IntegrityError at flush/commit).

:meth:`bulk_upsert` bypasses the ORM: rows already loaded in this session are not
refreshed (use ``uow.session.expire_all()`` if you read them again afterwards).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from crm_backend.models import CustomerScore, utcnow
from crm_backend.repositories.base import SqlAlchemyRepository

WRITABLE_FIELDS = frozenset(
    {
        "cltv",
        "cltv_horizon_years",
        "segment",
        "segment_model_version",
        "rfm_recency_days",
        "rfm_frequency",
        "rfm_monetary",
        "churn_score",
        "churn_band",
        "churn_reasons",
        "churn_model_version",
        "sentiment_avg",
    }
)
CHUNK = 2000


def _check_fields(fields: Iterable[str]) -> None:
    unknown = set(fields) - WRITABLE_FIELDS
    if unknown:
        raise ValueError(f"unknown customer_scores field(s): {sorted(unknown)}")


class ScoreRepository(SqlAlchemyRepository[CustomerScore]):
    model = CustomerScore

    def get(self, id_: int) -> Optional[CustomerScore]:
        """The score row of customer ``id_``, or None."""
        result: Optional[CustomerScore] = self.session.get(CustomerScore, id_)
        return result

    def get_many(self, customer_ids: Sequence[int]) -> Dict[int, CustomerScore]:
        """Score rows of these customers, by customer id (missing ones left out)."""
        found: Dict[int, CustomerScore] = {}
        ids = list(dict.fromkeys(customer_ids))
        for start in range(0, len(ids), CHUNK):
            stmt = select(CustomerScore).where(
                CustomerScore.customer_id.in_(ids[start : start + CHUNK])
            )
            for row in self.session.execute(stmt).scalars():
                found[row.customer_id] = row
        return found

    def list(self, *, limit: int = 100, offset: int = 0) -> List[CustomerScore]:
        stmt = select(CustomerScore).order_by(CustomerScore.customer_id).limit(limit).offset(offset)
        return list(self.session.execute(stmt).scalars())

    def upsert(self, customer_id: int, **fields: Any) -> CustomerScore:
        """Create or update one customer's row, setting only ``fields``."""
        _check_fields(fields)
        row = self.get(customer_id)
        if row is None:
            row = CustomerScore(customer_id=customer_id)
            self.session.add(row)
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        return row

    def bulk_upsert(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert-or-update many rows set-based; each row sets only the keys it carries."""
        groups: Dict[Tuple[str, ...], List[Dict[str, Any]]] = {}
        now = utcnow()
        count = 0
        for row in rows:
            if "customer_id" not in row:
                raise ValueError("every row needs a customer_id")
            keys = tuple(sorted(k for k in row if k != "customer_id"))
            _check_fields(keys)
            groups.setdefault(keys, []).append({**row, "updated_at": now})
            count += 1
        for keys, group in groups.items():
            for start in range(0, len(group), CHUNK):
                self._upsert_chunk(keys, group[start : start + CHUNK])
        return count

    def _upsert_chunk(self, keys: Tuple[str, ...], rows: List[Dict[str, Any]]) -> None:
        table = CustomerScore.__table__
        dialect = self.session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
            stmt = insert(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c.customer_id],
                set_={name: stmt.excluded[name] for name in (*keys, "updated_at")},
            )
            self.session.execute(stmt, rows)
            return
        # any other backend: read which rows exist, then update those and insert the rest
        existing = set(self.get_many([r["customer_id"] for r in rows]))
        new = [r for r in rows if r["customer_id"] not in existing]
        if new:
            self.session.execute(table.insert(), new)
        for r in rows:
            if r["customer_id"] in existing:
                values = {k: v for k, v in r.items() if k != "customer_id"}
                self.session.execute(
                    table.update().where(table.c.customer_id == r["customer_id"]).values(values)
                )

    def count_with_segment_version(self, version: str) -> int:
        """How many rows were last segmented by model ``version``."""
        stmt = select(func.count()).where(CustomerScore.segment_model_version == version)
        return int(self.session.execute(stmt).scalar_one())

    def segment_counts(self) -> Dict[str, int]:
        """How many customers are in each segment (unsegmented rows left out)."""
        stmt = (
            select(CustomerScore.segment, func.count())
            .where(CustomerScore.segment.is_not(None))
            .group_by(CustomerScore.segment)
        )
        return {str(seg): int(n) for seg, n in self.session.execute(stmt)}
