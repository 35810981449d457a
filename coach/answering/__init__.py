"""Grounded question answering over the guidance: retrieve, answer, verify, cite."""

from coach.answering.pipeline import NOT_COVERED, Answer, answer_question
from coach.answering.support import SupportScorer, support_score

__all__ = ["NOT_COVERED", "Answer", "SupportScorer", "answer_question", "support_score"]
