"""addresses: standard address registry (district → building) and people in charge

Revision ID: 0002_addresses
Revises: 0001_core
Create Date: 2026-11-21
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002_addresses"
down_revision = "0001_core"
branch_labels = None
depends_on = None

CODE = 32
NAME = 64
ALIASES = 500


def _area(table: str, parent: tuple[str, str] | None) -> None:
    columns: list[sa.Column[Any]] = [sa.Column("code", sa.String(length=CODE), primary_key=True)]
    if parent is not None:
        column, target = parent
        columns.append(
            sa.Column(column, sa.String(length=CODE), sa.ForeignKey(f"{target}.code"),
                      nullable=False)
        )
    columns += [
        sa.Column("name", sa.String(length=NAME), nullable=False),
        sa.Column("aliases", sa.String(length=ALIASES), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    ]
    op.create_table(table, *columns)
    if parent is not None:
        op.create_index(f"ix_{table}_{parent[0]}", table, [parent[0]])


def upgrade() -> None:
    _area("addr_district", None)
    _area("addr_street", ("district_code", "addr_district"))
    _area("addr_community", ("street_code", "addr_street"))
    _area("addr_grid", ("community_code", "addr_community"))
    _area("addr_microgrid", ("grid_code", "addr_grid"))
    _area("addr_compound", ("community_code", "addr_community"))
    op.create_table(
        "addr_building",
        sa.Column("code", sa.String(length=CODE), primary_key=True),
        sa.Column("compound_code", sa.String(length=CODE), sa.ForeignKey("addr_compound.code"),
                  nullable=True),
        sa.Column("grid_code", sa.String(length=CODE), sa.ForeignKey("addr_grid.code"),
                  nullable=False),
        sa.Column("microgrid_code", sa.String(length=CODE),
                  sa.ForeignKey("addr_microgrid.code"), nullable=True),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=NAME), nullable=False),
        sa.Column("aliases", sa.String(length=ALIASES), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("door_plate", sa.String(length=NAME), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_addr_building_compound_code", "addr_building", ["compound_code"])
    op.create_index("ix_addr_building_grid_code", "addr_building", ["grid_code"])
    op.create_index("ix_addr_building_microgrid_code", "addr_building", ["microgrid_code"])
    op.create_table(
        "addr_person",
        sa.Column("code", sa.String(length=64), primary_key=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("scope_code", sa.String(length=CODE), nullable=False),
        sa.Column("name", sa.String(length=NAME), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("wechat_openid", sa.String(length=64), nullable=True),
        sa.Column("wecom_userid", sa.String(length=64), nullable=True),
        sa.Column("telegram_chat_id", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_addr_person_role", "addr_person", ["role"])
    op.create_index("ix_addr_person_scope_code", "addr_person", ["scope_code"])


def downgrade() -> None:
    for table in ("addr_person", "addr_building", "addr_compound", "addr_microgrid",
                  "addr_grid", "addr_community", "addr_street", "addr_district"):
        op.drop_table(table)
