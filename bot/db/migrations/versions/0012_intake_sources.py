"""intake sources: the systems that send demands in, with hashed API keys and callbacks

Revision ID: 0012_intake_sources
Revises: 0011_ticket_source
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_intake_sources"
down_revision = "0011_ticket_source"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_source",
        sa.Column("name", sa.String(length=32), primary_key=True),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("callback_url", sa.String(length=500), nullable=True),
        sa.Column("callback_secret", sa.String(length=64), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("intake_source")
