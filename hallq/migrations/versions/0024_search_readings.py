"""the pinyin readings of the hall's names, kept for the kiosk's search

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 15:10:00

A name's readings never change: read once with pypinyin (by `hallq load-hall`
or the first search that meets the name) and kept here, so a server process
searches without loading pypinyin's 55 MB of dictionaries.
"""
from alembic import op
import sqlalchemy as sa

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_readings",
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("readings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("text"),
    )


def downgrade() -> None:
    op.drop_table("search_readings")
