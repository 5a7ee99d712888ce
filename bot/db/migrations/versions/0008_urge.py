"""urge: 催办 — how often residents urged a ticket and when last

Revision ID: 0008_urge
Revises: 0007_nlu_trust
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_urge"
down_revision = "0007_nlu_trust"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("urge_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_urged_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("last_urged_at")
        batch.drop_column("urge_count")
