"""queue place index: the waiting-queue counts read the index alone

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 10:20:00

`ahead` (counted for every issued ticket), the waiting per item and a window's
waiting count filter the waiting tickets of an item on their target window,
priority class, queue key and id. ix_tickets_queue (hall_id, status, item_id,
queue_key) held only part of that, so each count read a table row per waiting
ticket. ix_tickets_queue_place replaces it with every column those counts
need, in the order that puts one item's untargeted waiting tickets of one
class next to each other, by queue key then id (the requeue's look-up seeks
straight to its place). One index replaces the other, so a ticket's writes
keep updating as many indexes as before.

The new index is built before the old one is dropped: the queue never runs
without an index.
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

PLACE = ['hall_id', 'status', 'item_id', 'target_window_id', 'priority', 'queue_key', 'id']


def upgrade() -> None:
    op.create_index('ix_tickets_queue_place', 'tickets', PLACE, unique=False)
    op.drop_index('ix_tickets_queue', table_name='tickets')


def downgrade() -> None:
    op.create_index('ix_tickets_queue', 'tickets', ['hall_id', 'status', 'item_id', 'queue_key'], unique=False)
    op.drop_index('ix_tickets_queue_place', table_name='tickets')
