"""Per-customer analytics: CLTV, RFM segment and churn risk (one row per customer).

Two independent writers fill a row: ``python -m crm_backend.ml.segmentation refresh``
(CLTV, RFM, segment) and the churn model (churn_* fields), both through
``uow.scores`` (:class:`crm_backend.repositories.scores.ScoreRepository`). Each writes only
its own columns, so every analytic column is nullable: NULL means "not computed yet".
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import relationship

from crm_backend.models.base import Base, JSONType, Money, UTCDateTime, utcnow


class CustomerScore(Base):
    __tablename__ = "customer_scores"
    __table_args__ = (
        sa.CheckConstraint(
            "churn_score IS NULL OR (churn_score >= 0 AND churn_score <= 1)",
            name="churn_score_range",
        ),
        sa.CheckConstraint(
            "rfm_frequency IS NULL OR rfm_frequency >= 0", name="rfm_frequency_non_negative"
        ),
    )

    customer_id = sa.Column(
        sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    # customer lifetime value: sum_{t=1..T} R_t / (1 + r)^t (crm_backend/ml/cltv.py), GBP
    cltv = sa.Column(Money)
    cltv_horizon_years = sa.Column(sa.Integer)
    segment = sa.Column(sa.String(40), index=True)  # e.g. "Champions", "At risk"
    segment_model_version = sa.Column(sa.String(64))
    rfm_recency_days = sa.Column(sa.Integer)  # days since the last counted order
    rfm_frequency = sa.Column(sa.Integer)  # number of counted orders
    rfm_monetary = sa.Column(Money)  # their total value, GBP
    churn_score = sa.Column(sa.Float)  # probability of churning, 0..1
    churn_band = sa.Column(sa.String(20), index=True)  # e.g. "low" / "medium" / "high"
    churn_reasons = sa.Column(JSONType)  # list of human-readable reasons / top features
    churn_model_version = sa.Column(sa.String(64))
    sentiment_avg = sa.Column(sa.Float)
    updated_at = sa.Column(
        UTCDateTime,
        nullable=False,
        default=utcnow,
        onupdate=utcnow,
        server_default=sa.func.current_timestamp(),
    )

    customer = relationship("Customer")

    def __repr__(self) -> str:
        return f"<CustomerScore {self.customer_id} {self.segment!r} cltv={self.cltv}>"
