"""sent tickets index: a window's tickets sent to it by name, by class and queue order

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 06:10:00

Call-next reads the head of each of the window's lines. The line of tickets
sent to the window by name (a transfer to it, a case coming back) may hold
tickets of any item, and ix_tickets_queue_place leads with the item, so that
line cost one seek per item of the hall and class: hundreds in a hall of
hundreds of items. ix_tickets_sent (target_window_id, status, priority,
queue_key, id) makes it one seek per class. It is partial, on the tickets that
have a target window: the few ever sent anywhere, so issuing pays nothing for it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

SENT = sa.text("target_window_id IS NOT NULL")


def upgrade() -> None:
    op.create_index('ix_tickets_sent', 'tickets', ['target_window_id', 'status', 'priority', 'queue_key', 'id'],
                    unique=False, sqlite_where=SENT, postgresql_where=SENT)


def downgrade() -> None:
    op.drop_index('ix_tickets_sent', table_name='tickets')
