"""core tables: NLU review queue, web inbox

Revision ID: 0001_core
Revises:
Create Date: 2026-11-21
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlu_review_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("predicted_intent", sa.String(length=64), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("exported", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_nlu_review_item_created_at", "nlu_review_item", ["created_at"])
    op.create_index("ix_nlu_review_item_exported", "nlu_review_item", ["exported"])
    op.create_table(
        "web_inbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recipient_id", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_web_inbox_recipient_id", "web_inbox", ["recipient_id"])


def downgrade() -> None:
    op.drop_table("web_inbox")
    op.drop_table("nlu_review_item")
