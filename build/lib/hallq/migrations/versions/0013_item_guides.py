"""item guides: search keywords of an item, and the forms its guide offers for download

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07 11:30:00

The guide's new fields (nature, conditions, quantity limits, fee basis,
supervision channels, result) live in the item's `guide` JSON like the old
ones, so they need no column. Keywords get a column of their own (the kiosk's
search reads them with the name); existing items have none. Form files are rows
with their bytes, so every server process serves the same file.
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("keywords", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "item_forms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id", name="fk_item_forms_item_id_items"),
                  nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("item_id", "name", name="uq_item_forms_item_id"),
    )
    op.create_index("ix_item_forms_item_id", "item_forms", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_item_forms_item_id", table_name="item_forms")
    op.drop_table("item_forms")
    op.drop_column("items", "keywords")
