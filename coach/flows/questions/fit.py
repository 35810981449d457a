"""Fitting prepared questions to the topic's wording and to the mentee.

A topic such as "how buyers research vendors on LinkedIn and TikTok" is a clause, not a
noun: pasted into "What surprised you most when you started working with {topic}?" it reads
like a form letter. ``topic_forms`` gives the clause for the templates that take one ("How
would you explain how buyers research vendors ...?") and a short noun phrase for the rest.
``profile_tags`` turns the mentee's role and stance ("sceptical VP of Sales", "curious CFO")
into template tags, and ``concern_of`` finds a concern the mentee stated, so the set answers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CLAUSE = re.compile(
    r"^(?:the way|ways to|the reasons why|how to|how|why|what|where|when|whether)\s+(?P<rest>.+)$", re.I
)
_TAIL = re.compile(
    r"\b(?:on|in|through|via|using|with|across)\s+(?P<tail>(?:[A-Z][\w.+-]*(?:\s+(?:and|or|&)\s+|,\s*|\s+)?)+)$"
)
_CONCERN = re.compile(
    r"\b(?:worried|concerned|sceptical|skeptical|unsure|nervous|doubtful|anxious)\s+(?P<conn>about|of|that|whether)\s+"
    r"(?P<c>[^.;!?]{4,80})",
    re.I,
)
MAX_NOUN_WORDS = 5
#: Verbs that are also nouns: "buyers research vendors" -> "buyers' research".
_VERB_NOUNS = frozenset(
    {"research", "use", "search", "review", "work", "feedback", "spend", "shop", "study", "plan", "vote"}
)
_GERUNDS = {
    "learn": "learning",
    "buy": "buying",
    "hire": "hiring",
    "choose": "choosing",
    "talk": "talking",
    "communicate": "communication",
    "share": "sharing",
    "collaborate": "collaboration",
    "engage": "engagement",
}
#: Words in a mentee profile and the template tags they make relevant.
PROFILE_TAGS: dict[str, tuple[str, ...]] = {
    "sceptical": ("evidence", "risk", "results", "doubt"),
    "skeptical": ("evidence", "risk", "results", "doubt"),
    "doubt": ("evidence", "risk", "results", "doubt"),
    "unconvinced": ("evidence", "risk", "results", "doubt"),
    "curious": ("curious", "learning", "examples", "basics"),
    "keen": ("curious", "learning", "examples"),
    "interested": ("curious", "learning", "examples"),
    "cfo": ("numbers", "cost", "finance", "results"),
    "finance": ("numbers", "cost", "finance", "results"),
    "financial": ("numbers", "cost", "finance"),
    "sales": ("customers", "buyers", "pipeline", "revenue"),
    "marketing": ("customers", "brand", "buyers"),
    "hr": ("people", "culture", "inclusion"),
    "people": ("people", "culture"),
    "operations": ("process", "productivity"),
    "engineering": ("tools", "technology", "process"),
}


@dataclass(frozen=True)
class TopicForms:
    """The topic as an embedded clause (None for a noun topic) and as a short noun phrase."""

    clause: str | None
    noun: str


def topic_forms(topic: str) -> TopicForms:
    """Split a slotted topic (``slot_topic`` output) into its clause and noun forms.

    A clause topic keeps "how ..." for templates that take a clause; its noun form is the
    named platforms or tools at its end ("LinkedIn and TikTok") or, failing that, its first
    few words. A noun topic is its own noun form.
    """
    match = _CLAUSE.match(topic)
    if not match:
        return TopicForms(None, topic)
    rest = match.group("rest").strip()
    opener = topic[: match.start("rest")].strip().lower()
    clause = (
        f"how {rest}"
        if opener in {"the way", "how"}
        else f"how to {rest}"
        if opener in {"ways to", "how to"}
        else topic
    )
    tail = _TAIL.search(rest)
    named = tail.group("tail").strip(" ,") if tail and tail.group("tail").strip() else None
    words = rest.split()
    verb = words[1].lower() if len(words) > 1 else ""
    if len(words) > 1 and (verb in _VERB_NOUNS or verb in _GERUNDS):
        owner = f"{words[0]}'" if words[0].endswith("s") else f"{words[0]}'s"
        obj = " ".join(words[2 : 2 + 3])
        noun = f"{owner} {_GERUNDS.get(verb, verb)}" + (f" on {named}" if named else f" of {obj}" if obj else "")
    elif named:
        noun = named
    else:
        noun = " ".join(words[:MAX_NOUN_WORDS]) if len(words) > MAX_NOUN_WORDS else topic
    return TopicForms(clause, noun)


def profile_tags(mentee: str) -> set[str]:
    """Template tags made relevant by the mentee's role and stance words."""
    found = set(re.findall(r"[a-z]+", mentee.lower()))
    return {tag for word in found & set(PROFILE_TAGS) for tag in PROFILE_TAGS[word]}


def concern_of(mentee: str) -> str | None:
    """A concern the mentee stated, with its connector ("about wasting the team's time"), or None."""
    match = _CONCERN.search(mentee)
    if not match:
        return None
    concern = match.group("c").strip(" ,")
    concern = re.split(r",\s*(?:and|but)\s+|\s+but\s+", concern, maxsplit=1)[0]
    connector = "about" if match.group("conn").lower() == "of" else match.group("conn").lower()
    return f"{connector} {concern}" if len(concern.split()) >= 2 else None
