"""nlu trust: digests of the NLU artifacts this installation trained (only those are loaded)

Revision ID: 0007_nlu_trust
Revises: 0006_staff
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_nlu_trust"
down_revision = "0006_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlu_trusted_artifact",
        sa.Column("digest", sa.String(length=80), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )


def downgrade() -> None:
    op.drop_table("nlu_trusted_artifact")
