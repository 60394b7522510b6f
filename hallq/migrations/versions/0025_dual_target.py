"""dual target: the centre's 双目标 findings per department and year, and the year's shares as reported

Revision ID: 0025
Revises: 0017
Create Date: 2026-12-07 18:00:00

Seed 003 (三): a department's share of its total in the county government's year-end 双目标 assessment
depends on the centre's finding of how far its approval work moved into the hall. Two new tables:
dual_target_findings (each finding and each correction, with who, when, the evidence and the reason; never
changed) and dual_target_revisions (the year's shares as reported, frozen; a correction after the report is
the next revision).
"""
from alembic import op
import sqlalchemy as sa

import hallq.db

revision = '0025'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'dual_target_findings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('finding', sa.String(length=40), nullable=True),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('entered_by', sa.String(length=120), nullable=False),
        sa.Column('entered_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('replaces_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('revision', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id']),
        sa.ForeignKeyConstraint(['replaces_id'], ['dual_target_findings.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_dual_target_findings_year', 'dual_target_findings', ['hall_id', 'year'])
    op.create_table(
        'dual_target_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('scheme', sa.JSON(), nullable=False),
        sa.Column('cards', sa.JSON(), nullable=False),
        sa.Column('published_by', sa.String(length=120), nullable=False),
        sa.Column('published_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('finding_id', sa.Integer(), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.ForeignKeyConstraint(['finding_id'], ['dual_target_findings.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('hall_id', 'year', 'revision'),
    )


def downgrade() -> None:
    op.drop_table('dual_target_revisions')
    op.drop_index('ix_dual_target_findings_year', table_name='dual_target_findings')
    op.drop_table('dual_target_findings')
