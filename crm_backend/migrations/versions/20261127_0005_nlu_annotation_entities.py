"""nlu_annotations.entities: entity marks of NLU inbox annotations (JSON).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 10:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nlu_annotations") as batch:
        batch.add_column(sa.Column("entities", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("nlu_annotations") as batch:
        batch.drop_column("entities")
