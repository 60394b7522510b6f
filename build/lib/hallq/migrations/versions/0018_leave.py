"""leave: staff members' leave (请假) and its approval up the seed 004 chain

Revision ID: 0018
Revises: 0019
Create Date: 2026-12-07 14:20:00

One new table (issue 17, "The people behind the windows"): leaves; and the stand-in (顶岗) a window's pause
names, a new column of window_pauses (NULL for the pauses before it); and staff_changes, the staff register's
changes (人员备案) with the centre's decision.
"""
from alembic import op
import sqlalchemy as sa

import hallq.db

revision = '0018'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'leaves',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('first_half', sa.String(length=2), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('last_half', sa.String(length=2), nullable=False),
        sa.Column('half_days', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('stand_in_staff_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('step', sa.String(length=8), nullable=True),
        sa.Column('requested_by', sa.String(length=120), nullable=False),
        sa.Column('requested_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('chief_by', sa.String(length=120), nullable=True),
        sa.Column('chief_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.String(length=120), nullable=True),
        sa.Column('decided_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decision_note', sa.String(length=500), nullable=True),
        sa.Column('cancelled_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['stand_in_staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_leaves_hall_status_first', 'leaves', ['hall_id', 'status', 'first_day'])
    op.create_index('ix_leaves_staff_days', 'leaves', ['staff_id', 'first_day', 'last_day'])
    op.create_table(
        'staff_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('since', sa.Date(), nullable=False),
        sa.Column('replaces_staff_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('proposed_by', sa.String(length=120), nullable=False),
        sa.Column('proposed_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('decided_by', sa.String(length=120), nullable=True),
        sa.Column('decided_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decision_note', sa.String(length=500), nullable=True),
        sa.Column('record_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id']),
        sa.ForeignKeyConstraint(['replaces_staff_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['record_id'], ['assessment_records.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_staff_changes_hall_status', 'staff_changes', ['hall_id', 'status'])
    op.create_index('ix_staff_changes_staff', 'staff_changes', ['staff_id', 'since'])
    with op.batch_alter_table('window_pauses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stand_in_staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_window_pauses_stand_in_staff_id_staff', 'staff', ['stand_in_staff_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('window_pauses', schema=None) as batch_op:
        batch_op.drop_constraint('fk_window_pauses_stand_in_staff_id_staff', type_='foreignkey')
        batch_op.drop_column('stand_in_staff_id')
    op.drop_index('ix_staff_changes_staff', table_name='staff_changes')
    op.drop_index('ix_staff_changes_hall_status', table_name='staff_changes')
    op.drop_table('staff_changes')
    op.drop_index('ix_leaves_staff_days', table_name='leaves')
    op.drop_index('ix_leaves_hall_status_first', table_name='leaves')
    op.drop_table('leaves')
