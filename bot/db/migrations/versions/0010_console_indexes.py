"""console indexes: the inbox and dashboard by unit and date; the staff notice feed

Revision ID: 0010_console_indexes
Revises: 0009_abuse
Create Date: 2026-12-01

Every console query is scoped to one unit (district, street, community, grid, department)
and reads it newest first or within a date range: ``(unit column, created_at)`` makes that
one index range scan instead of a scan of the whole ticket table (measured in
bench/inbox.py and bench/dashboard.py). The "waiting for a reply" group reads each ticket's
latest event, and the staff notice feed reads staff outbox rows by id and now knows each
notice's kind.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_console_indexes"
down_revision = "0009_abuse"
branch_labels = None
depends_on = None

_TICKET_INDEXES = (
    ("ix_ticket_district_created", "district_code"),
    ("ix_ticket_street_created", "street_code"),
    ("ix_ticket_community_created", "community_code"),
    ("ix_ticket_grid_created", "grid_code"),
    ("ix_ticket_department_created", "department"),
    ("ix_ticket_dispatched_created", "dispatched_department"),
)


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=24), nullable=True))
    for name, column in _TICKET_INDEXES:
        op.create_index(name, "ticket", [column, "created_at"])
    op.create_index("ix_ticket_event_ticket_latest", "ticket_event", ["ticket_id", "id"])
    op.create_index("ix_outbox_audience_id", "outbox", ["audience", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_audience_id", table_name="outbox")
    op.drop_index("ix_ticket_event_ticket_latest", table_name="ticket_event")
    for name, _column in reversed(_TICKET_INDEXES):
        op.drop_index(name, table_name="ticket")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("kind")
