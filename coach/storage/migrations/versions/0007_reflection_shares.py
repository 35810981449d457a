"""Reflection shares: the owner of a reflection lets one junior mentor or senior mentee read it.

Reflections stay private until their owner shares one; revoking deletes the row. Deleting
the reflection or either account deletes its shares.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reflection_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reflection_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("grantee_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["reflection_id"], ["reflections.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["grantee_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reflection_id", "grantee_id", name="uq_reflection_shares_reflection_grantee"),
    )
    for column in ("reflection_id", "owner_id", "grantee_id"):
        op.create_index(f"ix_reflection_shares_{column}", "reflection_shares", [column])


def downgrade() -> None:
    op.drop_table("reflection_shares")
