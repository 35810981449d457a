"""Rehearsal that listens: replies pick up the mentor's words; the debrief judges the whole conversation."""

from __future__ import annotations

import pytest

from coach.errors import InputError
from coach.flows.roleplay.debrief import DebriefTurn, conversation_score
from coach.flows.roleplay.listen import behaviour_phrase, echo, moment_phrase, scenario_from_text
from coach.flows.roleplay.session import PracticeSession, start_practice

SPLIT = [
    "Hi Margaret, I wanted to talk about something from the budget meetings.",
    "In Tuesday's budget review, when Priya was presenting the forecast, you took out your phone and answered "
    "emails until she finished.",
    "Could you keep your phone away during the presentations at next week's review?",
]


@pytest.mark.parametrize(
    ("evidence", "moment", "behaviour"),
    [
        (
            "In Tuesday's budget review you took out your phone and answered emails.",
            "Tuesday's budget review",
            "I took out my phone",
        ),
        (
            "In the all-hands on the 12th you said 'we're not discussing this'.",
            "the all-hands",
            "I said 'we're not discussing this'",
        ),
        ("Things have felt off lately.", None, None),
    ],
)
def test_phrases_turn_the_mentor_words_round(evidence: str, moment: str | None, behaviour: str | None) -> None:
    assert moment_phrase(evidence) == moment
    assert behaviour_phrase(evidence) == behaviour


def test_echo_only_when_something_specific_was_said() -> None:
    heard = {
        "situation": "In Tuesday's budget review you were on your phone.",
        "behavior": "In Tuesday's budget review you were on your phone.",
    }
    assert "Tuesday's budget review" in echo("ask_impact", heard)
    assert echo("ask_example", heard) == ""
    assert echo("defensive", heard) == ""


def _turn(n: int, reaction: str, **scores: int) -> DebriefTurn:
    base = dict.fromkeys(("situation", "behavior", "impact", "request", "respect"), 0) | {"respect": 2}
    return DebriefTurn(turn=n, overall=0, level="needs work", reaction=reaction, scores=base | scores, quotes={})


def test_conversation_credits_parts_split_across_turns() -> None:
    whole = conversation_score(
        [
            _turn(1, "ask_example", respect=1),
            _turn(2, "ask_request", situation=2, behavior=2, impact=2, respect=2),
            _turn(3, "engage", request=2, respect=2),
        ]
    )
    assert whole.parts == {"situation": 2, "behavior": 2, "impact": 2, "request": 2}
    assert whole.delivered_at == {"situation": 2, "behavior": 2, "impact": 2, "request": 3}
    assert whole.in_order
    assert whole.overall == 90
    assert not conversation_score([_turn(1, "ask_request", request=2), _turn(2, "engage", situation=2)]).in_order


@pytest.mark.slow
def test_split_feedback_rehearsal(embedder: object) -> None:
    session = PracticeSession("receptive", "normal", embedder=embedder)  # type: ignore[arg-type]
    turns = [session.respond(t) for t in SPLIT]
    assert [t.reaction for t in turns][-1] == "engage"
    assert "Tuesday's budget review" in turns[1].reply
    assert "keep my phone away during the presentations" in turns[2].reply
    debrief = session.debrief()
    assert debrief.conversation is not None
    assert debrief.conversation.delivered_at["request"] == 3
    assert debrief.conversation.overall > turns[-1].score.overall
    assert "committed to a change at turn 3" in debrief.summary
    assert "->" not in debrief.summary


def test_commitment_waits_for_a_request() -> None:
    session = PracticeSession("receptive", "easy")
    session.respond(SPLIT[1])
    assert not session.finished
    assert session.turns[-1].reaction != "engage"


def test_scenario_practice_stays_on_the_situation() -> None:
    session = start_practice(
        "busy", "My VP of Sales talks over the junior reps in the weekly pipeline call", difficulty="normal"
    )
    assert session.scenario is not None and session.scenario.who == "VP of Sales"
    assert "the weekly pipeline call" in session.opening()
    reply = session.respond("I wanted to talk about how meetings go.").reply
    assert "the weekly pipeline call" in reply
    with pytest.raises(InputError):
        scenario_from_text("   ")
