"""assessment indexes: a month's ticket events, outcomes, issues and ratings by time

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 23:10:00
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_ticket_events_hall_kind_at', 'ticket_events', ['hall_id', 'kind', 'at'], unique=False)
    op.create_index('ix_tickets_hall_outcome_day', 'tickets', ['hall_id', 'outcome', 'day'], unique=False)
    op.create_index('ix_tickets_hall_issued', 'tickets', ['hall_id', 'issued_at'], unique=False)
    op.create_index('ix_ratings_hall_requested', 'ratings', ['hall_id', 'requested_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ratings_hall_requested', table_name='ratings')
    op.drop_index('ix_tickets_hall_issued', table_name='tickets')
    op.drop_index('ix_tickets_hall_outcome_day', table_name='tickets')
    op.drop_index('ix_ticket_events_hall_kind_at', table_name='ticket_events')
