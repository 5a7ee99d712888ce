"""handoff: conversations handed to a person (转人工), their lines, close and time-out

Revision ID: 0005_handoff
Revises: 0004_people_channels
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_handoff"
down_revision = "0004_people_channels"
branch_labels = None
depends_on = None

_OPEN = "status IN ('waiting', 'answered')"


def upgrade() -> None:
    op.create_table(
        "handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=300), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("group_id", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("waiting_since", sa.DateTime(), nullable=True),
        sa.Column("last_resident_at", sa.DateTime(), nullable=True),
        sa.Column("last_staff_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.Column("messages", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handoff_conversation_id", "handoff", ["conversation_id"])
    op.create_index("ix_handoff_status_waiting", "handoff", ["status", "waiting_since"])
    op.create_index(
        "ux_handoff_open_conversation",
        "handoff",
        ["conversation_id"],
        unique=True,
        postgresql_where=sa.text(_OPEN),
        sqlite_where=sa.text(_OPEN),
    )


def downgrade() -> None:
    op.drop_table("handoff")
