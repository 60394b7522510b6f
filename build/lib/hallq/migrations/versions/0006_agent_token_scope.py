"""agent token scope: the windows, printers and voice an agent token may host

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 21:40:00

Until now any agent token could host any device of its hall. The new column
holds each agent token's scope (hallq.queue.agent_scope.AgentScope as JSON).

Existing agent tokens are left with no scope (NULL), which reads as the empty
scope: after the upgrade they still connect, but their `agent.hello` is
refused, naming every device it declared, until the administrator makes a
scoped token (`hallq token create --kind agent --name NAME --windows ...
--printers ... --voice --replace`) and gives it to the device computer.
Guessing a scope for them (such as "everything") would keep open exactly the
gap this closes, so the safe reading is "nothing"; other kinds never have one.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tokens') as batch:
        batch.add_column(sa.Column('scope', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tokens') as batch:
        batch.drop_column('scope')
