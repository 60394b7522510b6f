"""complaints: the supervision office's complaint register and each complaint's steps

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 11:30:00

Two new tables (issue 16, "Complaints"): complaints (投诉来访登记) and complaint_steps (the timeline).
No existing rows change.
"""
from alembic import op
import sqlalchemy as sa

import hallq.db

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'complaints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('received_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('hotline_ref', sa.String(length=60), nullable=True),
        sa.Column('complainant_name', sa.String(length=100), nullable=False),
        sa.Column('complainant_contact', sa.String(length=200), nullable=True),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('window_id', sa.Integer(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('outcome', sa.String(length=12), nullable=True),
        sa.Column('outcome_reason', sa.Text(), nullable=True),
        sa.Column('record_id', sa.Integer(), nullable=True),
        sa.Column('registered_by', sa.String(length=120), nullable=False),
        sa.Column('registered_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('closed_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('closed_by', sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.ForeignKeyConstraint(['window_id'], ['windows.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id']),
        sa.ForeignKeyConstraint(['record_id'], ['assessment_records.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_complaints_hall_status_due', 'complaints', ['hall_id', 'status', 'due_date'])
    op.create_index('ix_complaints_staff_id', 'complaints', ['staff_id'])
    op.create_table(
        'complaint_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('person', sa.String(length=100), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('days_late', sa.Integer(), nullable=True),
        sa.Column('satisfied', sa.Boolean(), nullable=True),
        sa.Column('record_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id']),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id']),
        sa.ForeignKeyConstraint(['record_id'], ['assessment_records.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_complaint_steps_complaint_id', 'complaint_steps', ['complaint_id'])


def downgrade() -> None:
    op.drop_index('ix_complaint_steps_complaint_id', table_name='complaint_steps')
    op.drop_table('complaint_steps')
    op.drop_index('ix_complaints_staff_id', table_name='complaints')
    op.drop_index('ix_complaints_hall_status_due', table_name='complaints')
    op.drop_table('complaints')
