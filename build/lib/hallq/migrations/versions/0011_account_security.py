"""account security: failed logins, locks, first-login password change, token idle time

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 08:55:00

An account counts its failed logins in a row and is locked after too many
(an admin unlocks it); a password an admin made must be changed at first login;
a staff token remembers when it was last used, so it ends after an idle time.
Existing rows: no failures, not locked, no change required, last used when made.
"""
from alembic import op
import sqlalchemy as sa

import hallq.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (see 0009: batch mode would copy tables others reference).
def upgrade() -> None:
    op.add_column("users", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("users", sa.Column("locked_at", hallq.db.UTCDateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column("tokens", sa.Column("last_used_at", hallq.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("tokens", "last_used_at")
    op.drop_column("users", "must_change_password")
    op.drop_column("users", "locked_at")
    op.drop_column("users", "failed_logins")
