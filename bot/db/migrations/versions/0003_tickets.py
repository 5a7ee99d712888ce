"""tickets: tickets, events, evidence, supporters, incidents, outbox, scheduler leases

Revision ID: 0003_tickets
Revises: 0002_addresses
Create Date: 2026-11-21
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_tickets"
down_revision = "0002_addresses"
branch_labels = None
depends_on = None

TABLES = (
    "ticket_supporter", "ticket_evidence", "ticket_event", "outbox", "ticket",
    "ticket_counter", "scheduler_job", "incident",
)


def upgrade() -> None:
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('grid_code', sa.String(length=64), nullable=True),
    sa.Column('community_code', sa.String(length=64), nullable=True),
    sa.Column('street_code', sa.String(length=64), nullable=True),
    sa.Column('street_name', sa.String(length=128), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('urgency', sa.String(length=8), nullable=False),
    sa.Column('reporters', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('red_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_incident_status', 'incident', ['status'])

    op.create_table('scheduler_job',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('next_run_at', sa.DateTime(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('holder', sa.String(length=64), nullable=True),
    sa.Column('last_run_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('ticket_counter',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('domain', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('building_code', sa.String(length=64), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('room', sa.String(length=16), nullable=True),
    sa.Column('landmark', sa.String(length=200), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('address_text', sa.String(length=300), nullable=False),
    sa.Column('district_code', sa.String(length=64), nullable=True),
    sa.Column('district_name', sa.String(length=128), nullable=True),
    sa.Column('street_code', sa.String(length=64), nullable=True),
    sa.Column('street_name', sa.String(length=128), nullable=True),
    sa.Column('community_code', sa.String(length=64), nullable=True),
    sa.Column('community_name', sa.String(length=128), nullable=True),
    sa.Column('grid_code', sa.String(length=64), nullable=True),
    sa.Column('grid_name', sa.String(length=128), nullable=True),
    sa.Column('reporter_channel', sa.String(length=32), nullable=False),
    sa.Column('reporter_id', sa.String(length=128), nullable=False),
    sa.Column('reporter_phone', sa.String(length=32), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('urgency', sa.String(length=8), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('responsible_unit', sa.String(length=128), nullable=False),
    sa.Column('dispatched_department', sa.String(length=64), nullable=True),
    sa.Column('deadline', sa.DateTime(), nullable=True),
    sa.Column('expected_hours', sa.Float(), nullable=False),
    sa.Column('working_hours', sa.Boolean(), nullable=False),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('escalations', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('source_message_id', sa.String(length=128), nullable=True),
    sa.Column('status_note', sa.String(length=500), nullable=True),
    sa.Column('resolved_tier', sa.String(length=16), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.String(length=500), nullable=True),
    sa.Column('reminder_sent', sa.Boolean(), nullable=False),
    sa.Column('supporters', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number'),
    sa.UniqueConstraint('source_message_id')
    )
    op.create_index('ix_ticket_building_code', 'ticket', ['building_code'])
    op.create_index('ix_ticket_community_code', 'ticket', ['community_code'])
    op.create_index('ix_ticket_created_at', 'ticket', ['created_at'])
    op.create_index('ix_ticket_deadline_open', 'ticket', ['deadline'], postgresql_where=sa.text("status IN ('submitted', 'accepted', 'in_progress', 'transferred', 'escalated', 'reopened') AND overdue = false"), sqlite_where=sa.text("status IN ('submitted', 'accepted', 'in_progress', 'transferred', 'escalated', 'reopened') AND overdue = 0"))
    op.create_index('ix_ticket_incident_id', 'ticket', ['incident_id'])
    op.create_index('ix_ticket_reporter', 'ticket', ['reporter_channel', 'reporter_id'])
    op.create_index('ix_ticket_resolved_unrated', 'ticket', ['resolved_at'], postgresql_where=sa.text("status = 'resolved'"), sqlite_where=sa.text("status = 'resolved'"))
    op.create_index('ix_ticket_category_created', 'ticket', ['category', 'created_at'])
    op.create_index('ix_ticket_status', 'ticket', ['status'])

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('recipient_id', sa.String(length=128), nullable=False),
    sa.Column('group_id', sa.String(length=128), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('buttons', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_outbox_due', 'outbox', ['status', 'next_attempt_at'])
    op.create_index('ix_outbox_ticket_id', 'outbox', ['ticket_id'])

    op.create_table('ticket_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=True),
    sa.Column('tier', sa.String(length=16), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_ticket_event_ticket_id', 'ticket_event', ['ticket_id'])

    op.create_table('ticket_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_ticket_evidence_ticket_id', 'ticket_evidence', ['ticket_id'])

    op.create_table('ticket_supporter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'channel', 'user_id')
    )
    op.create_index('ix_ticket_supporter_ticket_id', 'ticket_supporter', ['ticket_id'])


def downgrade() -> None:
    # Dropping a table drops its indexes; children first because of the foreign keys.
    for table in TABLES:
        op.drop_table(table)
