"""the duty manager's stored alerts and the duty log (值班日志)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 11:45:00

Alerts (a kiosk's call for help, a device in trouble, a failed print, a bad
review, a window left unstaffed with tickets waiting, an overdue follow-up) are
rows: a duty screen opened later sees them, each acknowledged once by name.
`open_key` is set while the alert's condition is ongoing, unique per hall, so
raising it again adds nothing. The duty log is one per hall-local day, its
entries appended, never edited; after handover only corrections.
"""
from alembic import op
import sqlalchemy as sa

import hallq.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("open_key", sa.String(length=151), nullable=True),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("raised_at", hallq.db.UTCDateTime(), nullable=False),
        sa.Column("acked_at", hallq.db.UTCDateTime(), nullable=True),
        sa.Column("acked_by", sa.String(length=200), nullable=True),
        sa.Column("acked_by_user_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", hallq.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"]),
        sa.ForeignKeyConstraint(["acked_by_user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hall_id", "open_key", name="uq_alerts_open"),
    )
    op.create_index("ix_alerts_hall_raised", "alerts", ["hall_id", "raised_at"])
    op.create_table(
        "duty_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", hallq.db.UTCDateTime(), nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("handed_over_at", hallq.db.UTCDateTime(), nullable=True),
        sa.Column("handed_over_by", sa.String(length=200), nullable=True),
        sa.Column("handed_to", sa.String(length=200), nullable=True),
        sa.Column("handed_to_user_id", sa.Integer(), nullable=True),
        sa.Column("handover_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"]),
        sa.ForeignKeyConstraint(["handed_to_user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hall_id", "day"),
    )
    op.create_table(
        "duty_log_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", hallq.db.UTCDateTime(), nullable=False),
        sa.Column("written_by", sa.String(length=200), nullable=False),
        sa.Column("written_by_user_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("handling", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["log_id"], ["duty_logs.id"]),
        sa.ForeignKeyConstraint(["written_by_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"]),
        sa.ForeignKeyConstraint(["corrects_id"], ["duty_log_entries.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_duty_log_entries_log_id", "duty_log_entries", ["log_id"])


def downgrade() -> None:
    op.drop_index("ix_duty_log_entries_log_id", table_name="duty_log_entries")
    op.drop_table("duty_log_entries")
    op.drop_table("duty_logs")
    op.drop_index("ix_alerts_hall_raised", table_name="alerts")
    op.drop_table("alerts")
