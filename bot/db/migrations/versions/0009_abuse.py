"""abuse: residents' uploads with their owner; plausible reporters of clusters

Revision ID: 0009_abuse
Revises: 0008_urge
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_abuse"
down_revision = "0008_urge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_upload_created_at", "upload", ["created_at"])
    # Tickets filed before this revision count as they did (one verified resident each).
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("reporter_client", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("reporter_verified", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("ticket_supporter") as batch:
        batch.add_column(sa.Column("client_key", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket_supporter") as batch:
        batch.drop_column("verified")
        batch.drop_column("client_key")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("reporter_verified")
        batch.drop_column("reporter_client")
    op.drop_index("ix_upload_created_at", table_name="upload")
    op.drop_table("upload")
