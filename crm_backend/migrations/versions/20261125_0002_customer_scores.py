"""customer_scores: CLTV, RFM segment and churn risk per customer.

One row per customer (PK = FK to customers, deleted with the customer). Written by
``python -m crm_backend.ml.segmentation refresh`` (CLTV/RFM/segment) and by the churn
model (churn_*), each through ``uow.scores``; every analytic column is nullable.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_scores",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("cltv", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("cltv_horizon_years", sa.Integer(), nullable=True),
        sa.Column("segment", sa.String(length=40), nullable=True),
        sa.Column("segment_model_version", sa.String(length=64), nullable=True),
        sa.Column("rfm_recency_days", sa.Integer(), nullable=True),
        sa.Column("rfm_frequency", sa.Integer(), nullable=True),
        sa.Column("rfm_monetary", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("churn_score", sa.Float(), nullable=True),
        sa.Column("churn_band", sa.String(length=20), nullable=True),
        sa.Column(
            "churn_reasons",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=True,
        ),
        sa.Column("churn_model_version", sa.String(length=64), nullable=True),
        sa.Column("sentiment_avg", sa.Float(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "churn_score IS NULL OR (churn_score >= 0 AND churn_score <= 1)",
            name=op.f("ck_customer_scores_churn_score_range"),
        ),
        sa.CheckConstraint(
            "rfm_frequency IS NULL OR rfm_frequency >= 0",
            name=op.f("ck_customer_scores_rfm_frequency_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_scores_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_scores")),
    )
    op.create_index(
        op.f("ix_customer_scores_churn_band"), "customer_scores", ["churn_band"], unique=False
    )
    op.create_index(
        op.f("ix_customer_scores_segment"), "customer_scores", ["segment"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_scores_segment"), table_name="customer_scores")
    op.drop_index(op.f("ix_customer_scores_churn_band"), table_name="customer_scores")
    op.drop_table("customer_scores")
