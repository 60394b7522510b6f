"""assessment: supervisors' records, case completions, appeals, democratic scores, schemes, results

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 22:33:24.038720
"""
from alembic import op
import sqlalchemy as sa
import hallq.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assessment_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('item', sa.String(length=60), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('filed_by', sa.String(length=120), nullable=False),
    sa.Column('filed_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decision', sa.String(length=12), nullable=True),
    sa.Column('points', sa.Float(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decided_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('points_before', sa.Float(), nullable=True),
    sa.Column('score_before', sa.Float(), nullable=True),
    sa.Column('rank_before', sa.Integer(), nullable=True),
    sa.Column('score_after', sa.Float(), nullable=True),
    sa.Column('rank_after', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['hall_id'], ['halls.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assessment_appeals', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_appeals_hall_month', ['hall_id', 'month'], unique=False)

    op.create_table('assessment_results',
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('scheme', sa.String(length=60), nullable=False),
    sa.Column('cards', sa.JSON(), nullable=False),
    sa.Column('computed_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['halls.id'], ),
    sa.PrimaryKeyConstraint('hall_id', 'month', 'scope')
    )
    op.create_table('assessment_schemes',
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('preset', sa.String(length=60), nullable=False),
    sa.Column('overrides', sa.JSON(), nullable=False),
    sa.Column('changed_by', sa.String(length=120), nullable=False),
    sa.Column('changed_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['halls.id'], ),
    sa.PrimaryKeyConstraint('hall_id', 'scope')
    )
    op.create_table('democratic_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('entered_by', sa.String(length=120), nullable=False),
    sa.Column('entered_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['halls.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('hall_id', 'year', 'scope', 'unit')
    )
    op.create_table('assessment_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('item', sa.String(length=60), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('points', sa.Float(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('entered_by', sa.String(length=120), nullable=False),
    sa.Column('entered_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('voided_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.String(length=120), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ),
    sa.ForeignKeyConstraint(['hall_id'], ['halls.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['window_id'], ['windows.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assessment_records', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_records_hall_day', ['hall_id', 'occurred_on'], unique=False)

    op.create_table('case_completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('entered_by', sa.String(length=120), nullable=False),
    sa.Column('entered_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['halls.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id')
    )
    with op.batch_alter_table('case_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_completions_hall_id'), ['hall_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_completions_hall_id'))

    op.drop_table('case_completions')
    with op.batch_alter_table('assessment_records', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_records_hall_day')

    op.drop_table('assessment_records')
    op.drop_table('democratic_scores')
    op.drop_table('assessment_schemes')
    op.drop_table('assessment_results')
    with op.batch_alter_table('assessment_appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_appeals_hall_month')

    op.drop_table('assessment_appeals')
