"""sensor alarms: devices bound to a building or place, their readings, one case per episode

Revision ID: 0013_sensor_alarms
Revises: 0012_intake_sources
Create Date: 2026-12-01

A device that exceeds its rule again and again becomes one case and one ticket. The partial
unique index on open cases makes "one open case per device" hold with many workers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_sensor_alarms"
down_revision = "0012_intake_sources"
branch_labels = None
depends_on = None

_OPEN = "status = 'open'"


def upgrade() -> None:
    op.create_table(
        "sensor_device",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("building_code", sa.String(length=64), nullable=True),
        sa.Column("landmark", sa.String(length=128), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("source", "device_id", name="uq_sensor_device_source"),
    )
    op.create_table(
        "sensor_reading",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_pk", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=True),
        sa.Column("reading_id", sa.String(length=64), nullable=True),
        sa.Column("exceeded", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("device_pk", "reading_id", name="uq_sensor_reading_id"),
    )
    op.create_index("ix_sensor_reading_device_at", "sensor_reading", ["device_pk", "at"])
    op.create_table(
        "sensor_case",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_pk", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_exceed_at", sa.DateTime(), nullable=False),
        sa.Column("last_exceed_at", sa.DateTime(), nullable=False),
        sa.Column("exceed_count", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("ticket_number", sa.String(length=32), nullable=True),
        sa.Column("last_note_at", sa.DateTime(), nullable=True),
        sa.Column("silent_flagged_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_reason", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sensor_case_device", "sensor_case", ["device_pk"])
    op.create_index("ix_sensor_case_status", "sensor_case", ["status"])
    op.create_index(
        "ux_sensor_case_open_device",
        "sensor_case",
        ["device_pk"],
        unique=True,
        postgresql_where=sa.text(_OPEN),
        sqlite_where=sa.text(_OPEN),
    )


def downgrade() -> None:
    op.drop_table("sensor_case")
    op.drop_table("sensor_reading")
    op.drop_table("sensor_device")
