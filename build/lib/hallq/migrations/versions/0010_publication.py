"""publication: a month's sign-off, self-check objections, frozen revisions, scheme versions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 08:40:00

A month goes self_check → reviewed → approved → published; a published month
is kept whole (cards, schemes, definitions) and changes only by an appeal
ruling, as a new revision. A scheme now applies from a month on: the scheme
each scope had becomes the version for every month ("0000-00"), so nothing a
hall chose changes.
"""
from alembic import op
import sqlalchemy as sa

import hallq.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

ALWAYS = "0000-00"


def upgrade() -> None:
    op.create_table(
        'assessment_scheme_versions',
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=12), nullable=False),
        sa.Column('from_month', sa.String(length=7), nullable=False),
        sa.Column('preset', sa.String(length=60), nullable=False),
        sa.Column('overrides', sa.JSON(), nullable=False),
        sa.Column('changed_by', sa.String(length=120), nullable=False),
        sa.Column('changed_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.PrimaryKeyConstraint('hall_id', 'scope', 'from_month'),
    )
    op.execute("INSERT INTO assessment_scheme_versions "
               "(hall_id, scope, from_month, preset, overrides, changed_by, changed_at) "
               f"SELECT hall_id, scope, '{ALWAYS}', preset, overrides, changed_by, changed_at FROM assessment_schemes")
    op.drop_table('assessment_schemes')
    op.create_table(
        'assessment_publication_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('step', sa.String(length=12), nullable=False),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('until', sa.Date(), nullable=True),
        sa.Column('digest', sa.String(length=64), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_assessment_publication_steps_month', 'assessment_publication_steps', ['hall_id', 'month'])
    op.create_table(
        'assessment_objections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('scope', sa.String(length=12), nullable=False),
        sa.Column('unit', sa.String(length=40), nullable=False),
        sa.Column('item', sa.String(length=60), nullable=True),
        sa.Column('statement', sa.Text(), nullable=False),
        sa.Column('raised_by', sa.String(length=120), nullable=False),
        sa.Column('raised_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('accepted', sa.Boolean(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_by', sa.String(length=120), nullable=True),
        sa.Column('answered_at', hallq.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_assessment_objections_month', 'assessment_objections', ['hall_id', 'month'])
    op.create_table(
        'assessment_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('schemes', sa.JSON(), nullable=False),
        sa.Column('definitions', sa.JSON(), nullable=False),
        sa.Column('ignored', sa.JSON(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('published_by', sa.String(length=120), nullable=False),
        sa.Column('published_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('appeal_id', sa.Integer(), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.ForeignKeyConstraint(['appeal_id'], ['assessment_appeals.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('hall_id', 'month', 'revision'),
    )


def downgrade() -> None:
    op.drop_table('assessment_revisions')
    op.drop_index('ix_assessment_objections_month', table_name='assessment_objections')
    op.drop_table('assessment_objections')
    op.drop_index('ix_assessment_publication_steps_month', table_name='assessment_publication_steps')
    op.drop_table('assessment_publication_steps')
    op.create_table(
        'assessment_schemes',
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=12), nullable=False),
        sa.Column('preset', sa.String(length=60), nullable=False),
        sa.Column('overrides', sa.JSON(), nullable=False),
        sa.Column('changed_by', sa.String(length=120), nullable=False),
        sa.Column('changed_at', hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['hall_id'], ['halls.id']),
        sa.PrimaryKeyConstraint('hall_id', 'scope'),
    )
    # Each scope keeps the version it has now (the latest).
    op.execute("INSERT INTO assessment_schemes (hall_id, scope, preset, overrides, changed_by, changed_at) "
               "SELECT v.hall_id, v.scope, v.preset, v.overrides, v.changed_by, v.changed_at "
               "FROM assessment_scheme_versions v WHERE v.from_month = (SELECT MAX(w.from_month) "
               "FROM assessment_scheme_versions w WHERE w.hall_id = v.hall_id AND w.scope = v.scope)")
    op.drop_table('assessment_scheme_versions')
