"""Pairs record the account that created them, so only that account, the pair's two people
and program staff may read their sessions and notes.

Pairs created before accounts existed have no creator: program staff see them, and a
program's published pairs are reached by their two people through the program.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_pairs_created_by", "accounts", ["created_by"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("pairs", schema=None) as batch_op:
        batch_op.drop_constraint("fk_pairs_created_by", type_="foreignkey")
        batch_op.drop_column("created_by")
