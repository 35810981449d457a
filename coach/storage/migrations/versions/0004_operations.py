"""Check-ins, survey answers and the nudge outbox.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pair_id", sa.Integer, nullable=False, index=True),
        sa.Column("session_number", sa.Integer, nullable=False),
        sa.Column("respondent", sa.String(320), nullable=False, index=True),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("pair_id", "session_number", "respondent", name="uq_checkins_once"),
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("program_id", sa.Integer, nullable=False, index=True),
        sa.Column("survey", sa.String(16), nullable=False),
        sa.Column("respondent", sa.String(320), nullable=False, index=True),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("program_id", "survey", "respondent", name="uq_survey_once"),
    )
    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(400), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("pair_id", sa.Integer, nullable=False, index=True),
        sa.Column("recipient", sa.String(320), nullable=False, index=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("calendar", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("nudges")
    op.drop_table("survey_responses")
    op.drop_table("checkins")
