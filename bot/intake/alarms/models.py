"""Sensor tables (SQLModel); the migration is ``0013_sensor_alarms``. Times are naive UTC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from bot.tickets.clock import utcnow

#: A case still being followed; at most one per device (the partial unique index below).
OPEN_CASE_SQL = "status = 'open'"


class SensorDevice(SQLModel, table=True):
    """A fume, noise, water-level or smoke sensor of one source, bound to where it stands:
    a standard building, or a landmark with a point (outdoors)."""

    __tablename__ = "sensor_device"
    __table_args__ = (UniqueConstraint("source", "device_id", name="uq_sensor_device_source"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)
    device_id: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    building_code: str | None = Field(default=None, max_length=64)
    landmark: str | None = Field(default=None, max_length=128)
    lat: float | None = None
    lng: float | None = None
    label: str = Field(default="", max_length=64)
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class SensorReading(SQLModel, table=True):
    """One reading as the device sent it, kept whether or not it exceeded its rule.

    ``exceeded`` is judged once, by the rule in force when the reading arrived, so that
    editing the rules later never rewrites what happened.
    """

    __tablename__ = "sensor_reading"
    __table_args__ = (
        # Windows ("3 times in 10 minutes") and "the latest normal reading" are range
        # scans of one device's readings by time.
        Index("ix_sensor_reading_device_at", "device_pk", "at"),
        # A reading id the device gave is sent at most once (retries are dropped).
        UniqueConstraint("device_pk", "reading_id", name="uq_sensor_reading_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    device_pk: int
    at: datetime
    value: float
    unit: str | None = Field(default=None, max_length=16)
    reading_id: str | None = Field(default=None, max_length=64)
    exceeded: bool = False
    received_at: datetime = Field(default_factory=utcnow)


class SensorCase(SQLModel, table=True):
    """One episode of a device exceeding its rule: one ticket, however many readings."""

    __tablename__ = "sensor_case"
    __table_args__ = (
        # The database, not the workers, decides that a device has one open case: two
        # workers that see the rule met at once both INSERT, one of them fails.
        Index(
            "ux_sensor_case_open_device",
            "device_pk",
            unique=True,
            postgresql_where=text(OPEN_CASE_SQL),
            sqlite_where=text(OPEN_CASE_SQL),
        ),
        Index("ix_sensor_case_device", "device_pk"),
        Index("ix_sensor_case_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    device_pk: int
    status: str = Field(default="open", max_length=16)
    #: Reading times: the first and the last exceeding reading, and how many there were.
    first_exceed_at: datetime
    last_exceed_at: datetime
    exceed_count: int = 0
    #: The reading that met the rule.
    opened_at: datetime
    ticket_number: str | None = Field(default=None, max_length=32)
    #: Wall-clock times of the last note written on the ticket and of the silence flag.
    last_note_at: datetime | None = None
    silent_flagged_at: datetime | None = None
    closed_at: datetime | None = None
    #: ``cleared`` (readings normal long enough) or ``staff`` (the ticket was closed first).
    closed_reason: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
