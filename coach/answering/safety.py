"""Passages and uploaded documents are data: instruction-like sentences are neutralised.

Before any passage reaches a model or the extractive composer, sentences that address
the assistant or instruct the reader as a planted text would (``ignore all previous
instructions``, a note to the assistant, a request for a password, a sign-in link, a
request to forward private notes or to contact an outside address; see
``coach.knowledge.screening``) are removed. The words peculiar to those sentences are
remembered, so an answer that repeats the injected directive can be rejected afterwards.
Every answer sentence passes ``check_output`` too: suspicious sentences are dropped and
links survive only to domains on the coordinator's allow-list (``COACH_LINK_ALLOWLIST``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coach.answering.text import content_words
from coach.knowledge.screening import URL, is_suspicious, remove_flagged
from coach.schemas import Passage

_DIRECTIVES = [
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}\b(?:instructions?|prompts?|rules|directives?|"
    r"guidelines|context|messages?)\b",
    r"\b(?:reply|respond|answer|output|print|say|write)(?: \w+){0,2} (?:only|exactly|nothing but)\b",
    r"\byou are (?:now|no longer)\b",
    r"\b(?:system|developer|hidden) (?:prompt|message|instructions?)\b",
    r"\bnew instructions?\b",
    r"\bpretend (?:to be|you are)\b",
    r"\b(?:as an ai|language model|assistant)\b[^.!?\n]{0,30}\b(?:must|should|will)\b",
    r"\bjailbreak\b",
]
INSTRUCTION_LIKE = re.compile("|".join(f"(?:{p})" for p in _DIRECTIVES), re.IGNORECASE)
_CLAUSE_END = re.compile(r"(?<=[.!?])\s+")  # any case: injected text often skips capitals
REMOVED_MARK = "[text addressed to the assistant removed]"
# Words of a directive itself, not its payload: an answer may mention them without obeying it.
_DIRECTIVE_WORDS = frozenset(
    content_words(
        "ignore all previous prior above earlier instructions reply respond answer output only exactly "
        "disregard forget override bypass prompt prompts system developer message messages rules say write print "
        "nothing assistant new pretend"
    )
)


def is_instruction_like(sentence: str) -> bool:
    """True for a sentence that tries to instruct the assistant rather than inform the reader."""
    return bool(INSTRUCTION_LIKE.search(sentence)) or is_suspicious(sentence)


_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_URL = re.compile(URL, re.IGNORECASE)
LINK_REMOVED = "[link removed]"


def _domain(url: str) -> str:
    from urllib.parse import urlparse

    url = url.strip("<>()[].,;:'\"")
    host = urlparse(url if "://" in url else f"http://{url}").hostname or ""
    return host.lower().removeprefix("www.")


def link_allowed(url: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``url``'s domain is one of ``allowed`` or a subdomain of one."""
    host = _domain(url)
    return bool(host) and any(host == d or host.endswith("." + d) for d in allowed)


def filter_links(text: str, allowed: tuple[str, ...]) -> str:
    """``text`` with every link whose domain is not allowed replaced (a Markdown link keeps its words)."""
    text = _MARKDOWN_LINK.sub(lambda m: m.group(0) if link_allowed(m.group(2), allowed) else m.group(1), text)
    return _URL.sub(lambda m: m.group(0) if link_allowed(m.group(0), allowed) else LINK_REMOVED, text)


def check_output(sentence: str, allowed_domains: tuple[str, ...] = ()) -> str | None:
    """An answer sentence made safe to show, or None when it must not be shown at all.

    The last check before any sentence (extractive or generated) reaches the user.
    """
    if is_instruction_like(sentence):
        return None
    return filter_links(sentence, allowed_domains)


@dataclass
class Neutralised:
    """Passages with instruction-like sentences removed, and what those sentences said."""

    passages: list[Passage]
    removed: list[str] = field(default_factory=list)
    payload_terms: set[str] = field(default_factory=set)

    def echoes_injection(self, answer: str) -> bool:
        """True if ``answer`` repeats words found only in removed directives (e.g. 'PWNED')."""
        if not self.payload_terms:
            return False
        return bool(set(content_words(answer)) & self.payload_terms)


def neutralise(passages: list[Passage], question: str = "") -> Neutralised:
    """Remove instruction-like sentences from passages (line structure otherwise kept)."""
    cleaned: list[Passage] = []
    removed: list[str] = []
    for passage in passages:
        lines = []
        changed = False
        for line in passage.text.splitlines():
            bad = [s for s in _CLAUSE_END.split(line) if INSTRUCTION_LIKE.search(s)]
            if bad:
                changed = True
                removed.extend(bad)
                for sentence in bad:
                    line = line.replace(sentence, REMOVED_MARK)
            lines.append(line)
        text, flagged = remove_flagged("\n".join(lines), REMOVED_MARK)
        if flagged:
            changed = True
            removed.extend(sentence for sentence, _ in flagged)
        cleaned.append(passage.model_copy(update={"text": text}) if changed else passage)
    terms: set[str] = set()
    if removed:
        known = set(content_words(question))
        for passage in cleaned:
            known.update(content_words(passage.text))
        for sentence in removed:
            terms.update(w for w in content_words(sentence) if w not in known)
        terms -= _DIRECTIVE_WORDS
    return Neutralised(cleaned, removed, terms)
