"""admin changes: the audit log of the admin pages

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 11:30:00

One row per change an admin makes (who, when, which entity, before and after
as JSON), written in the change's own transaction (hallq.queue.audit).
"""
from alembic import op
import sqlalchemy as sa

import hallq.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("at", hallq.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_admin_changes_hall_at", "admin_changes", ["hall_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_admin_changes_hall_at", table_name="admin_changes")
    op.drop_table("admin_changes")
