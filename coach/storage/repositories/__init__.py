"""Every read and write of the app, each one short transaction.

Writes touch only the columns or rows they change (no read-modify-write of whole lists),
so two tabs saving at once lose nothing. Every function over private items takes the
acting ``Actor``: items are filtered by its account id, and reading or changing someone
else's item raises ``PermissionDenied`` (recorded in the audit trail), whether or not the
id exists. ``program_summary`` (the coordinators' view) selects numbers only, never
turns or reflection text, and hides averages over fewer people than the minimum group.

The functions live in one module per concern (pairs, sessions, attempts, reflections,
questions, aggregates) and are all available from here.
"""

from coach.storage.repositories.aggregates import DEFAULT_MIN_GROUP_SIZE, program_summary
from coach.storage.repositories.attempts import (
    get_attempt,
    latest_attempt,
    list_attempts,
    record_attempt,
    record_attempt_turn,
    start_attempt,
)
from coach.storage.repositories.inputs import MAX_NAME_CHARS, MAX_TEXT_CHARS
from coach.storage.repositories.pairs import create_pair, get_pair, list_pairs
from coach.storage.repositories.questions import delete_question, list_questions, save_questions
from coach.storage.repositories.reflections import get_reflection, list_reflections, save_reflection
from coach.storage.repositories.sessions import (
    add_action_items,
    carry_over,
    list_sessions,
    save_agenda,
    save_notes,
    set_action_done,
    set_session_status,
)

__all__ = [
    "DEFAULT_MIN_GROUP_SIZE",
    "MAX_NAME_CHARS",
    "MAX_TEXT_CHARS",
    "add_action_items",
    "carry_over",
    "create_pair",
    "delete_question",
    "get_attempt",
    "get_pair",
    "get_reflection",
    "latest_attempt",
    "list_attempts",
    "list_pairs",
    "list_questions",
    "list_reflections",
    "list_sessions",
    "program_summary",
    "record_attempt",
    "record_attempt_turn",
    "save_agenda",
    "save_notes",
    "save_questions",
    "save_reflection",
    "set_action_done",
    "set_session_status",
    "start_attempt",
]
