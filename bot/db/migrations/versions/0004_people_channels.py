"""people channels: a person's channel ids become rows of addr_person_channel

Until now each messaging platform was a column of ``addr_person`` (wechat_openid,
wecom_userid, telegram_chat_id). This creates ``addr_person_channel`` (person_code, channel,
user_id), copies every non-empty id into a row (channel ``wechat``, ``wecom``, ``telegram``)
and drops the columns. The downgrade restores the three columns from the rows of those
channels; rows of other channels are lost by a downgrade.

An id shared by several people on one channel (the old columns did not forbid it; the new
table does) is kept for the person with the smallest code; the others are logged.

Revision ID: 0004_people_channels
Revises: 0003_tickets
Create Date: 2026-12-01
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004_people_channels"
down_revision = "0003_tickets"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

#: channel name -> (old addr_person column, its length)
OLD_COLUMNS: dict[str, tuple[str, int]] = {
    "wechat": ("wechat_openid", 64),
    "wecom": ("wecom_userid", 64),
    "telegram": ("telegram_chat_id", 32),
}

_person = sa.table(
    "addr_person",
    sa.column("code", sa.String),
    sa.column("updated_at", sa.DateTime),
    *(sa.column(column, sa.String) for column, _ in OLD_COLUMNS.values()),
)
_channel = sa.table(
    "addr_person_channel",
    sa.column("person_code", sa.String),
    sa.column("channel", sa.String),
    sa.column("user_id", sa.String),
    sa.column("updated_at", sa.DateTime),
)


def upgrade() -> None:
    bind = op.get_bind()
    rows: list[dict[str, object]] = []
    owner: dict[tuple[str, str], str] = {}
    people = bind.execute(sa.select(_person).order_by(_person.c.code)).mappings().all()
    for person in people:
        for channel, (column, _) in OLD_COLUMNS.items():
            user_id = (person[column] or "").strip()
            if not user_id:
                continue
            holder = owner.setdefault((channel, user_id), person["code"])
            if holder != person["code"]:
                log.warning("person %s: its %s id is also person %s's; kept only for %s",
                            person["code"], channel, holder, holder)
                continue
            rows.append({
                "person_code": person["code"], "channel": channel, "user_id": user_id,
                "updated_at": person["updated_at"] or datetime.now(UTC).replace(tzinfo=None),
            })

    # Drop the columns before the new table references addr_person: on SQLite the batch
    # rebuilds addr_person (drop and rename), which foreign keys pointing at it would stop.
    with op.batch_alter_table("addr_person") as batch:
        for column, _ in OLD_COLUMNS.values():
            batch.drop_column(column)

    op.create_table(
        "addr_person_channel",
        sa.Column("person_code", sa.String(length=64), sa.ForeignKey("addr_person.code"),
                  nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("person_code", "channel"),
        sa.UniqueConstraint("channel", "user_id", name="uq_addr_person_channel_user"),
    )
    if rows:
        op.bulk_insert(_channel, rows)


def downgrade() -> None:
    with op.batch_alter_table("addr_person") as batch:
        for column, length in OLD_COLUMNS.values():
            batch.add_column(sa.Column(column, sa.String(length=length), nullable=True))
    for channel, (column, _) in OLD_COLUMNS.items():
        user_id = (
            sa.select(_channel.c.user_id)
            .where(_channel.c.person_code == _person.c.code, _channel.c.channel == channel)
            .scalar_subquery()
        )
        op.execute(sa.update(_person).values({column: user_id}))
    op.drop_table("addr_person_channel")
