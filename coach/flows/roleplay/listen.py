"""Let the persona show it heard the mentor: the moment, the behaviour and the request, in its own words.

The phrases come from the feedback scorer's evidence spans (the sentences that earned a
criterion its score), turned round to the persona's point of view ("you cut Maya off" ->
"I cut Maya off"), shortened to a clause, and never invented. A practice can also be set in
the mentor's own situation (``Scenario``): the persona opens on it and keeps coming back to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.flows.roleplay.voice import request_phrase, swap_pronouns

MAX_ECHO_WORDS = 14

_MOMENT = re.compile(
    r"\b(?:in|at|during|after|before)\s+(?P<m>(?:(?:yesterday|today|tomorrow|this morning|last week|last month|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)'s|the|our|my|your|this|last|that)\s+"
    r"(?:[A-Za-z0-9&/-]+\s+){0,3}?(?:meeting|review|call|stand-?up|retro|town hall|all-hands|1:1|one-to-one|"
    r"workshop|session|panel|presentation|demo|offsite|kick-?off|kickoff|briefing|crit|planning|update|q&a|"
    r"interview|board|email|channel|lunch|huddle|sync|catch-?up)s?)\b",
    re.IGNORECASE,
)
_YOU_CLAUSE = re.compile(r"\byou\s+(?P<c>(?!know\b|mean\b|were\s+asked\b)[a-z'][^,.;!?]{6,})", re.IGNORECASE)
_QUOTE = re.compile(r"(?<![A-Za-z])['\"‘“](?P<q>[^'\"’”]{3,80})['\"’”](?![A-Za-z])")
_ROLE = re.compile(
    r"\b(?:my|our|the)\s+(?P<r>mentee|manager|boss|director|(?:senior |regional )?vp(?: of [a-z]+)?|"
    r"vice president(?: of [a-z]+)?|cfo|ceo|cto|coo|cio|head of [a-z]+|chief [a-z]+ officer|partner|lead)\b",
    re.IGNORECASE,
)


def _cap(words: list[str]) -> str:
    return " ".join(words[:MAX_ECHO_WORDS]).rstrip(",;:")


def moment_phrase(evidence: str | None) -> str | None:
    """The meeting or occasion named in ``evidence`` ("Tuesday's budget review"), from the persona's side."""
    if not evidence:
        return None
    match = _MOMENT.search(evidence)
    if not match:
        return None
    return swap_pronouns(match.group("m").split())


def behaviour_phrase(evidence: str | None) -> str | None:
    """What the mentor says the persona did, as the persona would say it ("I said 'we're not discussing this'")."""
    if not evidence:
        return None
    quote = _QUOTE.search(evidence)
    if quote:
        return f"I said '{quote.group('q').strip()}'"
    clause = _YOU_CLAUSE.search(evidence)
    if not clause:
        return None
    words = clause.group("c").split()
    words = words[
        : next((i for i, w in enumerate(words) if w.lower() in {"and", "but", "so", "which"} and i >= 4), len(words))
    ]
    return "I " + _cap(swap_pronouns(words).split())


def echo(reaction: str, evidence: dict[str, str]) -> str:
    """A short opening that picks up this turn's moment and behaviour (empty when there is nothing to pick up).

    Asking for an example or reacting defensively echoes nothing: the mentor has not said
    anything specific yet, or the persona is reacting to the tone.
    """
    if reaction not in {"ask_impact", "ask_request", "partial", "engage", "hard_pushback"}:
        return ""
    moment = moment_phrase(evidence.get("situation"))
    behaviour = behaviour_phrase(evidence.get("behavior"))
    if moment and behaviour:
        return f"{moment[0].upper()}{moment[1:]}, where {behaviour}."
    if behaviour:
        return f"So {behaviour}."
    if moment:
        return f"{moment[0].upper()}{moment[1:]}, right."
    return ""


@dataclass(frozen=True)
class Scenario:
    """The mentor's own situation to rehearse: who the feedback is for and what happened."""

    description: str
    who: str | None
    moment: str | None

    @property
    def topic(self) -> str:
        """How the persona refers to the situation."""
        return self.moment or "what you wanted to raise"


def scenario_from_text(text: str) -> Scenario:
    """Read who and what from a free-text description ("my VP of Sales talks over the reps in the pipeline call").

    Raises:
        InputError: the description is empty.
    """
    from coach.errors import InputError

    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise InputError("The scenario is empty.", hint="Describe who the feedback is for and what happened.")
    role = _ROLE.search(cleaned)
    return Scenario(cleaned[:600], role.group("r") if role else None, moment_phrase(cleaned))


def scenario_opening(scenario: Scenario) -> str:
    """The persona's first words in a rehearsal of the mentor's own situation."""
    return f"You asked for a few minutes about {scenario.topic}. Go ahead, I'm listening."


def request_echo(evidence: dict[str, str]) -> str | None:
    """The mentor's request as a phrase the persona can commit to."""
    return request_phrase(evidence.get("request"))
