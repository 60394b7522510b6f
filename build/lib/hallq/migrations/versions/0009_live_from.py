"""live from: the day a hall, window or staff member went live in hallq

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 05:10:00

Days before a hall, a window or a staff member went live count for nothing in
the assessment: a hall loaded this morning has no unattended windows from the
first of the month. The hall file sets the day (`live_from`); without it, new
rows take the day they are first loaded. Rows that exist already keep NULL:
every day on record counts for them, as before, until the hall file names a day.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLES = ("halls", "windows", "staff")


# A plain ALTER TABLE on both databases: batch mode would copy and drop `halls` on SQLite,
# which every other table references.
def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("live_from", sa.Date(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "live_from")
