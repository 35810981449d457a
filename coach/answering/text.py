"""Sentence splitting, citation markers and content words for grounding checks."""

from __future__ import annotations

import re

CITATION = re.compile(r"\[(\d{1,3})\]")
_CITATIONS_AROUND = re.compile(r"\s*(?:\[\d{1,3}\]\s*)+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"“'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_STOPWORD_TEXT = """a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing don't down during each even every few for from
further had has have having he her here hers him his how i if in into is it its itself just let me
more most my no nor not now of off on once one only or other our ours out over own same she should
so some such than that the their theirs them then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your yours
yourself i'm you're it's that's there's can't won't isn't aren't doesn't didn't may might must shall
get gets got make makes made use used way ways thing things"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def citation_ids(text: str) -> list[int]:
    """The citation numbers in ``text``, in order of appearance, without repeats."""
    seen: list[int] = []
    for match in CITATION.finditer(text):
        number = int(match.group(1))
        if number not in seen:
            seen.append(number)
    return seen


def strip_citations(text: str) -> str:
    """``text`` without ``[n]`` markers, whitespace tidied."""
    text = _CITATIONS_AROUND.sub(" ", text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return " ".join(text.split())


def split_sentences(text: str) -> list[str]:
    """Sentences of prose or Markdown; headings are skipped, bullets become sentences."""
    sentences: list[str] = []
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#") or set(line) <= set("-=*_|: "):
            continue
        line = _BULLET.sub("", line).strip()
        for part in _SENTENCE_END.split(line):
            part = part.strip()
            if part:
                sentences.append(part)
    return sentences


def stem(word: str) -> str:
    """A crude suffix stripper: enough to match 'sessions' with 'session'."""
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Lower-cased, stemmed words of ``text`` minus stop words."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


def containment(sentence: str, passage: str) -> float:
    """Share of the sentence's content words that occur in the passage (1.0 if it has none)."""
    words = set(content_words(sentence))
    if not words:
        return 1.0
    return len(words & set(content_words(passage))) / len(words)
