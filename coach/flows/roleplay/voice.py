"""The persona's words: bank lines chosen without repeats, and a guarded model rewording.

Offline, every reply is a line from the persona's response bank for the chosen reaction,
picked with a deterministic seed among the lines not used yet. A capable model may
reword the bank line (prompt ``roleplay_reply``); its output is kept only if it passes
``in_character``, otherwise the bank line is used.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

MAX_REPLY_WORDS = 70
MAX_REQUEST_WORDS = 14

_OUT_OF_CHARACTER = re.compile(
    r"\b(?:AI|A\.I\.|artificial intelligence|assistant|language model|chat ?bot|large language|LLM|"
    r"as a model|trained (?:on|by)|OpenAI|SmolLM|role-?play(?:ing)?|my (?:character|persona)|in character)\b",
    re.IGNORECASE,
)
# A speaker label at the start of any line ("Mentor:", "Your reply:") means the model echoed the prompt.
_ROLE_PREFIX = re.compile(
    r"(?:^|\n)\s*(?:\*\*)?(?:your |the )?(?:assistant|user|mentor|mentee|system|response|reply|answer)\s*(?:\*\*)?\s*:",
    re.I,
)
_STOPWORDS = frozenset(
    re.findall(
        r"\S+",
        "the a an and or but if so to of in on at for with from by about as is are was were be been it this that "
        "these those you your i me my we our they them their he she his her him not no do did does just very "
        "really can could would should will what when which who how why there here then than too also into",
    )
)
_DIRECTIVE = re.compile(r"\b(?:give me|tell me|show me|name|need|please|spell it out|walk me through)\b", re.I)
_ACCEPT = re.compile(
    r"\b(?:I'll|I will|I'm going to|let me|done|noted|fair|you're right|I can see|I appreciate|thank|I'd like)\b", re.I
)
_CHANGE_PROMISE = re.compile(
    r"\b(?:I'll|I will|I'm going to) (?:do it|change|stop(?! you)|start|fix)\b|consider it done", re.I
)
_NARRATION = re.compile(
    r"\*[^*]{2,}\*|^\s*\([^)]{2,}\)|\bthe (?:senior )?(?:leader|mentee|executive) (?:says|replies)\b", re.I
)


@dataclass(frozen=True)
class CharacterCheck:
    """The result of the simple in-character checks on one reply."""

    no_ai_mention: bool
    first_person: bool
    on_topic: bool
    matches_reaction: bool
    well_formed: bool

    @property
    def passed(self) -> bool:
        return all((self.no_ai_mention, self.first_person, self.on_topic, self.matches_reaction, self.well_formed))

    def failures(self) -> list[str]:
        """Names of the checks that failed."""
        return [name for name, ok in vars(self).items() if not ok]


def content_words(text: str) -> set[str]:
    """Lower-case words of four letters or more, cut to their first five letters, minus stop words."""
    return {w[:5] for w in re.findall(r"[a-z']{4,}", text.lower()) if w not in _STOPWORDS}


def check_character(reply: str, reaction: str, persona_name: str, context: str) -> CharacterCheck:
    """Simple checks that a reply stays in character.

    Args:
        reply: The candidate reply.
        reaction: The reaction it should express (a bank key such as ``ask_example``).
        persona_name: The persona's full name (narrating oneself by name breaks first person).
        context: The mentor's turn and the bank line; the reply should share a word with them.
    """
    text = reply.strip()
    first = persona_name.split()[0]
    narrates = bool(_NARRATION.search(text)) or bool(
        re.search(
            rf"\b(?:{re.escape(first)}|{re.escape(persona_name)})\s*(?::|says|said|replies|thinks|smiles|nods)",
            text,
            re.IGNORECASE,
        )
    )
    promises = bool(_CHANGE_PROMISE.search(text))
    if reaction.startswith("ask_"):  # asking: a question or a plain request, and no promise yet
        matches = ("?" in text or bool(_DIRECTIVE.search(text))) and not promises
    elif reaction == "engage":
        matches = bool(_ACCEPT.search(text))
    elif reaction in ("defensive", "hard_pushback", "impatient"):
        matches = not promises
    else:  # partial, close: not just a bare question
        matches = not text.endswith("?") or len(re.findall(r"[.!?]", text)) > 1
    words = len(text.split())
    return CharacterCheck(
        no_ai_mention=not _OUT_OF_CHARACTER.search(text),
        first_person=not narrates,
        on_topic=bool(content_words(text) & content_words(context)),
        matches_reaction=matches,
        well_formed=0 < words <= MAX_REPLY_WORDS and not _ROLE_PREFIX.search(text) and "{" not in text,
    )


_REQUEST_PATTERNS = [
    re.compile(
        r"\b(?:could|would|can|will) you (?:please |maybe |perhaps |try to |be willing to |consider )?(?P<x>.+)", re.I
    ),
    re.compile(r"\b(?:could|can|shall) we (?:please |maybe |perhaps |try to )?(?P<x>.+)", re.I),
    re.compile(r"\bi'?d (?:like|love) (?:you|it if you) to (?P<x>.+)", re.I),
    re.compile(r"\b(?:(?:please|next time,?|from now on,?|going forward,?)\s+)+(?P<x>.+)", re.I),
]
_SWAP = {
    "you're": "I'm",
    "you've": "I've",
    "you'll": "I'll",
    "your": "my",
    "yours": "mine",
    "yourself": "myself",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i": "you",
    "i'm": "you're",
    "i've": "you've",
}
_OBJECT_PREPS = {"to", "with", "for", "at", "from", "about", "tell", "ask", "show", "give", "let"}


def request_phrase(evidence: str | None) -> str | None:
    """The mentor's request as a verb phrase the persona can commit to ("I'll <phrase>").

    Returns None when no short, clean phrase can be found; callers then use lines
    without a ``{request}`` slot.
    """
    if not evidence:
        return None
    for pattern in _REQUEST_PATTERNS:
        match = pattern.search(evidence)
        if match:
            phrase = re.split(r"[?!.;]", match.group("x"), maxsplit=1)[0].strip()
            if len(phrase.split()) > MAX_REQUEST_WORDS and "," in phrase:
                phrase = phrase.split(",", 1)[0]
            words = phrase.split()
            if not 1 <= len(words) <= MAX_REQUEST_WORDS:
                return None
            return swap_pronouns(words)
    return None


def swap_pronouns(words: list[str]) -> str:
    """The words with first and second person swapped (the mentor's "you" becomes the persona's "I")."""
    out: list[str] = []
    for i, word in enumerate(words):
        core = word.strip(",'\"").lower()
        tail = word[len(word.rstrip(",")) :]
        if core == "you":
            swapped = "me" if i and words[i - 1].lower() in _OBJECT_PREPS else "I"
        elif core in _SWAP:
            swapped = _SWAP[core]
        else:
            out.append(word)
            continue
        out.append(swapped + tail)
    return " ".join(out)


def pick_line(
    lines: list[str], used: set[str], seed: str, request: str | None, last: str | None = None
) -> tuple[str, str]:
    """A bank line not used before (deterministic for ``seed``), and its filled-in text.

    Lines with a ``{request}`` slot are only eligible when a request phrase is known.
    When every eligible line was used, any line but the last one said is allowed again.
    """
    eligible = [line for line in lines if "{request}" not in line or request]
    fresh = [line for line in eligible if line not in used] or [line for line in eligible if line != last] or eligible
    chosen = random.Random(seed).choice(fresh)
    return chosen, chosen.replace("{request}", request or "")


def reword(
    model: BaseChatModel, variables: dict[str, str], reaction: str, persona_name: str, context: str
) -> str | None:
    """The capable model's rewording of the bank line, or None if it broke character or failed."""
    from coach.errors import CoachError
    from coach.llm.generation import generate_text
    from coach.llm.prompts import load_prompt

    try:
        text = generate_text(model, load_prompt("roleplay_reply"), variables, max_tokens=120)
    except CoachError:
        return None
    text = text.strip().strip('"').strip()
    if not check_character(text, reaction, persona_name, context).passed:
        return None
    return text
