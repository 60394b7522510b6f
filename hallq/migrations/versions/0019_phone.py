"""phone: the citizen's opted-in number per ticket, and the notifications owed and sent

Revision ID: 0019
Revises: 0024
Create Date: 2026-12-07 14:30:00

One new column, tickets.next_items (一票到底: the items a ticket still has to go to, NULL for every existing
ticket), and two new tables (issue 18, "The citizen's phone"): ticket_contacts (a ticket's number, masked and
keyed-hashed, whole only until its day ends) and notifications (one row per message owed, unique per
ticket, kind and key, so a message is recorded once whichever process or restart gets there first).
No existing rows change.
"""
from alembic import op
import sqlalchemy as sa

import hallq.db

revision = '0019'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('next_items', sa.JSON(), nullable=True))
    op.create_table(
        'ticket_contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=12), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('masked', sa.String(length=24), nullable=False),
        sa.Column('address_hash', sa.String(length=64), nullable=False),
        sa.Column('lang', sa.String(length=2), nullable=False),
        sa.Column('created_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=120), nullable=False),
        sa.Column('keep_until', sa.Date(), nullable=False),
        sa.Column('forgotten_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id']),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id'),
    )
    op.create_index('ix_ticket_contacts_address_hash', 'ticket_contacts', ['address_hash'])
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('created_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('claimed_by', sa.String(length=120), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('sent_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id', 'kind', 'key'),
    )
    op.create_index('ix_notifications_state', 'notifications', ['state', 'claimed_at'])
    op.create_index('ix_notifications_ticket_id', 'notifications', ['ticket_id'])


def downgrade() -> None:
    op.drop_index('ix_notifications_ticket_id', table_name='notifications')
    op.drop_index('ix_notifications_state', table_name='notifications')
    op.drop_table('notifications')
    op.drop_index('ix_ticket_contacts_address_hash', table_name='ticket_contacts')
    op.drop_table('ticket_contacts')
    # ALTER TABLE ... DROP COLUMN, not a batch: SQLite's batch copies the table, and dropping the old one
    # fails on the rows that reference it.
    op.drop_column('tickets', 'next_items')
