"""window devices and department authorisations: the LED address and printer bound to each window, and the
authorisation (授权书) a department posts at its window

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-07 14:30:00

Four nullable columns (issue 15, the admin's Windows and Departments pages): windows.led_address and
windows.printer (None: no LED screen; the printer named window-N by default), departments.authorisation (its
text) and departments.authorisation_image (a picture's path in the photo directory). No existing rows change.
"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('windows') as batch:
        batch.add_column(sa.Column('led_address', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('printer', sa.String(length=120), nullable=True))
    with op.batch_alter_table('departments') as batch:
        batch.add_column(sa.Column('authorisation', sa.Text(), nullable=True))
        batch.add_column(sa.Column('authorisation_image', sa.String(length=300), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN, not a batch: SQLite's batch copies the table, and dropping the old one
    # fails on the rows that reference it.
    for table, column in (("departments", "authorisation_image"), ("departments", "authorisation"),
                          ("windows", "printer"), ("windows", "led_address")):
        op.drop_column(table, column)
