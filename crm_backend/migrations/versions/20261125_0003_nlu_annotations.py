"""nlu_annotations: admin annotations of customer messages (NLU inbox).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlu_annotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_key", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("predicted_intent", sa.String(length=100), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("intent", sa.String(length=100), nullable=True),
        sa.Column("annotated_by", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('confirmed', 'corrected', 'noise')",
            name=op.f("ck_nlu_annotations_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nlu_annotations")),
        sa.UniqueConstraint("message_key", name=op.f("uq_nlu_annotations_message_key")),
    )
    op.create_index(
        op.f("ix_nlu_annotations_conversation_id"),
        "nlu_annotations",
        ["conversation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_nlu_annotations_language"), "nlu_annotations", ["language"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_nlu_annotations_language"), table_name="nlu_annotations")
    op.drop_index(op.f("ix_nlu_annotations_conversation_id"), table_name="nlu_annotations")
    op.drop_table("nlu_annotations")
