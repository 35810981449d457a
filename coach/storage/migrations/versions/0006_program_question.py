"""A program's own check-in question: its text and kind (1-5 rating, yes/no or short text).

An empty text means the program has no question of its own; existing programs get none.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pulse_question", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("pulse_kind", sa.String(16), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("pulse_kind")
        batch_op.drop_column("pulse_question")
