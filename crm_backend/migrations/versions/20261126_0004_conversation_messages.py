"""conversation_messages: chat message text for the console's conversation search.

Filled by the analytics writer from Rasa's tracker store (which it re-reads from the
start whenever it starts, so existing conversations are indexed then).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seq >= 0", name=op.f("ck_conversation_messages_seq_non_negative")),
        sa.CheckConstraint(
            "sender IN ('user', 'bot', 'agent')",
            name=op.f("ck_conversation_messages_sender_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
        sa.UniqueConstraint(
            "conversation_id", "seq", name=op.f("uq_conversation_messages_conversation_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("conversation_messages")
