"""Saved questions: each one private to the account that saved it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from coach.accounts import audit
from coach.actors import Actor
from coach.storage.db import Database
from coach.storage.models import SavedQuestion
from coach.storage.repositories.inputs import clean_text
from coach.storage.views import QuestionView


def save_questions(
    db: Database, actor: Actor, questions: Iterable[tuple[str, str, str]], pair_id: int | None = None
) -> list[int]:
    """Save (text, group, why) questions owned by the actor, one row each; returns their ids."""
    audit.signed_in(db, actor, "save questions")
    rows = [
        SavedQuestion(
            owner_id=actor.account_id,
            legacy_owner="",
            pair_id=pair_id,
            text=clean_text(t, "question", required=True),
            group=g,
            why=w,
        )
        for t, g, w in questions
    ]
    with db.write() as session:
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def list_questions(db: Database, actor: Actor, pair_id: int | None = None) -> list[QuestionView]:
    """The actor's saved questions (for one pair when given), oldest first."""
    audit.signed_in(db, actor, "list saved questions")
    with db.read() as session:
        query = select(SavedQuestion).where(SavedQuestion.owner_id == actor.account_id)
        if pair_id is not None:
            query = query.where(SavedQuestion.pair_id == pair_id)
        return [
            QuestionView(id=r.id, pair_id=r.pair_id, text=r.text, group=r.group, why=r.why)
            for r in session.scalars(query.order_by(SavedQuestion.id))
        ]


def delete_question(db: Database, actor: Actor, question_id: int) -> None:
    """Delete one of the actor's saved questions.

    Raises:
        PermissionDenied: not the actor's question (or no such question).
    """
    audit.signed_in(db, actor, "delete a saved question")
    with db.write() as session:
        result = session.execute(
            delete(SavedQuestion).where(SavedQuestion.id == question_id, SavedQuestion.owner_id == actor.account_id)
        )
        removed = getattr(result, "rowcount", 1)
    if not removed:
        audit.deny(db, actor, "delete a saved question", f"question {question_id}", "That question is not yours.")
