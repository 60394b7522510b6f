"""the server's last errors, for the admins' watch page

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-07 14:50:00

Errors any server process logs are kept (the newest 500) so an admin sees them
whichever process answers, and after a restart: the log message and the
traceback's last lines, never request data.
"""
from alembic import op
import sqlalchemy as sa

import hallq.db

revision = '0023'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_errors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=True),
        sa.Column("at", hallq.db.UTCDateTime(), nullable=False),
        sa.Column("process", sa.String(length=60), nullable=False),
        sa.Column("logger", sa.String(length=120), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_server_errors_at", "server_errors", ["at"])


def downgrade() -> None:
    op.drop_index("ix_server_errors_at", table_name="server_errors")
    op.drop_table("server_errors")
