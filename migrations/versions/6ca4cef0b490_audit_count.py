"""audit count: refused attempts coalesced, one row per user, event and minute

``audit_entries.count`` (1 for every existing row) is how many refused attempts a
``forbidden.attempt`` row stands for; ``actor_id`` is indexed so that the row of the
current minute is found without reading the edition's whole log.

Revision ID: 6ca4cef0b490
Revises: 3f1c2a9d7e10
Create Date: 2026-12-05 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6ca4cef0b490"
down_revision = "3f1c2a9d7e10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("count", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_index(batch_op.f("ix_audit_entries_actor_id"), ["actor_id"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_actor_id"))
        batch_op.drop_column("count")
