"""Feedback rehearsal: the coach plays a senior mentee who reacts to the junior's turns.

Personas are data (``knowledge/data/personas.yaml``). Each turn is scored with
``score_feedback``; ``roleplay_policy.decide`` turns the score and the conversation so
far into a reaction; the reply is a line from the persona's bank for that reaction
(never the same line twice while fresh ones remain). A capable chat model may reword
the line, behind an in-character guard. The small local model is not used here: it broke
character too often (see ``eval/persona_character.md``). After the practice, ``debrief``
summarises the scores with quotes, what improved and one thing to try next.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, get_args

import yaml
from pydantic import BaseModel, Field

from coach.data import load_file, reference_data
from coach.errors import InputError
from coach.flows.feedback.scoring import FeedbackScore, score_feedback
from coach.flows.roleplay.debrief import Debrief, DebriefTurn, build_debrief
from coach.flows.roleplay.listen import Scenario, echo, request_echo, scenario_from_text, scenario_opening
from coach.flows.roleplay.policy import ConversationState, Decision, Difficulty, Reaction, decide
from coach.flows.roleplay.voice import MAX_REPLY_WORDS, pick_line, reword
from coach.ports import profile_of

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.ports import Embedder, Retriever

__all__ = [
    "DIFFICULTIES",
    "Debrief",
    "DebriefTurn",
    "Difficulty",
    "Persona",
    "PracticeSession",
    "PracticeTurn",
    "Reaction",
    "Scenario",
    "load_personas",
    "start_practice",
]

PERSONAS_FILE = "personas.yaml"
DIFFICULTIES: tuple[str, ...] = get_args(Difficulty)
BANK_KEYS = (*get_args(Reaction), "close", "impatient")
MAX_TURN_CHARS = 5000  # a turn is scored whole, so a longer one is refused with the limit named


class DifficultyLevel(BaseModel):
    """How a persona behaves at one difficulty."""

    patience: int = Field(ge=0, le=10)
    note: str


class Persona(BaseModel):
    """A senior mentee to practise with."""

    id: str
    name: str
    title: str
    profile: str
    triggers: list[str]
    opening: str
    difficulty: dict[str, DifficultyLevel]
    responses: dict[str, list[str]]


class PracticeTurn(BaseModel):
    """One exchange: the mentor's turn, the persona's reply, the score and the reaction."""

    user: str
    reply: str
    score: FeedbackScore
    reaction: Reaction
    closing: bool = Field(default=False, description="The reply closes the conversation after a commitment.")
    reason: str = Field(default="", description="Why the persona reacted this way.")
    reworded: bool = Field(default=False, description="A capable model reworded the bank line.")


def parse_personas(path: Path) -> dict[str, Persona]:
    """Read a personas file, checking every persona has complete banks and difficulties."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    personas = {item["id"]: Persona.model_validate(item) for item in data["personas"]}
    for persona in personas.values():
        missing = [k for k in BANK_KEYS if not persona.responses.get(k)]
        missing += [d for d in DIFFICULTIES if d not in persona.difficulty]
        if missing:
            raise InputError(f"Persona '{persona.id}' in {path.name} lacks: {', '.join(missing)}.")
    return personas


def load_personas(path: Path | None = None) -> dict[str, Persona]:
    """All personas by id, checked for complete response banks and difficulties."""
    return dict(load_file(PERSONAS_FILE, parse_personas, path))


def reaction_goals(path: Path | None = None) -> dict[str, str]:
    """What each reaction asks of the persona (for the rewording prompt), read once."""
    if path is None:
        return reference_data().reaction_goals
    return parse_reaction_goals(path)


def parse_reaction_goals(path: Path) -> dict[str, str]:
    """The ``reactions`` mapping of a personas file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.get("reactions", {}).items()}


def get_persona(persona_id: str) -> Persona:
    """The persona with this id.

    Raises:
        InputError: no such persona (the message lists the valid ids).
    """
    personas = load_personas()
    if persona_id not in personas:
        raise InputError(f"Unknown persona '{persona_id}'.", hint=f"Choose one of: {', '.join(personas)}.")
    return personas[persona_id]


class PracticeSession:
    """One practice conversation with a persona at a difficulty.

    Args:
        persona_id: A persona id from ``personas.yaml``.
        difficulty: easy, normal or hard.
        embedder: Passed to the feedback scorer (better stereotype recall).
        model: Optional chat model; only a capable one is used, to reword bank lines.
        retriever: Optional; the debrief then cites the feedback guides.
        seed: Makes the choice of bank lines reproducible.
        scenario: Optional; the mentor's own situation (free text or a ``Scenario``). The
            persona opens on it and, until the mentor names a moment, asks about it.

    Raises:
        InputError: unknown persona or difficulty, or an empty scenario.
    """

    def __init__(
        self,
        persona_id: str,
        difficulty: str = "normal",
        embedder: Embedder | None = None,
        model: BaseChatModel | None = None,
        retriever: Retriever | None = None,
        seed: int = 0,
        scenario: str | Scenario | None = None,
    ) -> None:
        if difficulty not in DIFFICULTIES:
            raise InputError(f"Unknown difficulty '{difficulty}'.", hint=f"Choose one of: {', '.join(DIFFICULTIES)}.")
        self.persona = get_persona(persona_id)
        self.difficulty: Difficulty = difficulty  # type: ignore[assignment]
        self.embedder = embedder
        self.model = model
        self.retriever = retriever
        self.seed = seed
        self.turns: list[PracticeTurn] = []
        self.state = ConversationState()
        self._used: set[str] = set()
        self._last: str | None = None
        self._engaged_at: int | None = None
        self.scenario = scenario_from_text(scenario) if isinstance(scenario, str) else scenario

    @property
    def patience(self) -> int:
        return self.persona.difficulty[self.difficulty].patience

    @property
    def finished(self) -> bool:
        """True once the persona has committed to a change."""
        return self._engaged_at is not None

    def opening(self) -> str:
        """The persona's first words (about the mentor's own situation when one was given)."""
        return scenario_opening(self.scenario) if self.scenario else self.persona.opening

    def respond(self, user_text: str) -> PracticeTurn:
        """Score the mentor's turn, choose the persona's reaction and reply.

        Raises:
            InputError: the turn is empty.
        """
        text = _clean_turn(user_text)
        score = score_feedback(text, self.embedder)
        decision = decide(score, text, self.state, self.difficulty, self.patience)
        reply, reworded = self._compose(decision, text, _turn_evidence(score))
        turn = PracticeTurn(
            user=user_text,
            reply=reply,
            score=score,
            reaction=decision.reaction,
            closing=decision.closing,
            reason=decision.reason,
            reworded=reworded,
        )
        self.turns.append(turn)
        if decision.reaction == "engage" and self._engaged_at is None:
            self._engaged_at = len(self.turns)
        return turn

    def stream_reply(self, user_text: str) -> Iterator[str]:
        """``respond``, then yield the reply word by word; ``turns[-1]`` holds the turn.

        The reply is complete (and checked) before the first piece is yielded, so a
        reworded line that breaks character is never half shown.
        """
        turn = self.respond(user_text)
        words = turn.reply.split(" ")
        for i, word in enumerate(words):
            yield word if i == len(words) - 1 else word + " "

    def debrief(self) -> Debrief:
        """Per-turn scores with quotes, what improved, one thing to try next, and sources."""
        return build_debrief(
            [(t.score, t.reaction) for t in self.turns], self.persona.name, self._engaged_at, self.retriever
        )

    def _compose(self, decision: Decision, text: str, heard: dict[str, str]) -> tuple[str, bool]:
        key = "close" if decision.closing else "impatient" if decision.impatient else decision.reaction
        seed = f"{self.seed}:{self.persona.id}:{self.difficulty}:{len(self.turns)}:{key}"
        request = request_echo(self.state.evidence) if key == "engage" else None
        lines = self.persona.responses[key]
        if request:  # commit to the request the mentor made, in the persona's words
            lines = [line for line in lines if "{request}" in line] or lines
        line, filled = pick_line(lines, self._used, seed, request, self._last)
        self._used.add(line)
        self._last = line
        filled = self._listening(key, {} if request else heard, filled)
        if self.model is None or not _capable(self.model):
            return filled, False
        variables = {
            "persona_name": self.persona.name,
            "persona_title": self.persona.title,
            "persona_profile": self.persona.profile,
            "difficulty_note": self.persona.difficulty[self.difficulty].note,
            "reaction_goal": reaction_goals().get(key, ""),
            "bank_line": filled,
            "mentor_turn": text[:1500],
        }
        reworded = reword(self.model, variables, key, self.persona.name, f"{text} {filled}")
        return (reworded, True) if reworded else (filled, False)

    def _listening(self, key: str, heard: dict[str, str], line: str) -> str:
        """The bank line, opened by what the persona heard this turn (or, in a scenario, the situation)."""
        prefix = echo(key, heard)
        if not prefix and self.scenario is not None and key == "ask_example":
            prefix = f"About {self.scenario.topic}:"
        reply = f"{prefix} {line}" if prefix else line
        return reply if len(reply.split()) <= MAX_REPLY_WORDS else line


def start_practice(
    persona_id: str,
    scenario: str | None = None,
    difficulty: str = "normal",
    embedder: Embedder | None = None,
    model: BaseChatModel | None = None,
    retriever: Retriever | None = None,
    seed: int = 0,
) -> PracticeSession:
    """A practice session, set in the mentor's own situation when ``scenario`` describes one.

    Raises:
        InputError: unknown persona or difficulty, or a scenario that is only whitespace.
    """
    return PracticeSession(
        persona_id,
        difficulty,
        embedder=embedder,
        model=model,
        retriever=retriever,
        seed=seed,
        scenario=scenario if scenario is None else scenario_from_text(scenario),
    )


def _turn_evidence(score: FeedbackScore) -> dict[str, str]:
    """This turn's evidence spans for the parts it delivered at least partly."""
    return {c: s.evidence for c, s in score.criteria.items() if s.evidence and s.score > 0}


def _capable(model: BaseChatModel) -> bool:
    return profile_of(model).structured_output


def _clean_turn(user_text: str) -> str:
    if not isinstance(user_text, str) or not user_text.strip():
        raise InputError("The turn is empty.", hint="Type what you would say to your mentee.")
    text = user_text.strip()
    if len(text) > MAX_TURN_CHARS:
        raise InputError(
            f"The turn is {len(text):,} characters; the limit is {MAX_TURN_CHARS:,}.",
            hint="Say it in shorter turns, as you would in the conversation.",
        )
    return text
