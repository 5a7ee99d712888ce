"""ticket source: where a demand came in, that source's own number, predicted categories

Revision ID: 0011_ticket_source
Revises: 0010_console_indexes
Create Date: 2026-12-01

Demands arrive by many roads (resident channels, 代办 by grid workers, 12345 hotline and
platform orders, sensor alarms) and land in one queue. ``source`` names the road, so the
console and the dashboard can show and count it; ``source_ref`` keeps the source's own
order number (de-duplication is by source and that number); ``category_predicted`` marks
a category the NLU chose for an order that came without one, for staff to confirm.
Existing tickets came in through the channel they are pushed to.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_ticket_source"
down_revision = "0010_console_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=32), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("source_ref", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column(
                "category_predicted", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.execute("UPDATE ticket SET source = reporter_channel WHERE source = ''")


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("category_predicted")
        batch.drop_column("source_ref")
        batch.drop_column("source")
