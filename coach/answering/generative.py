"""The generative path: a chat model writes the answer from numbered, delimited passages.

The context is cut to fit the model's window (best passages first). The reply is read
sentence by sentence as it streams, so each sentence can be checked before it is shown.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from coach.llm.generation import MESSAGE_OVERHEAD_TOKENS, stream_messages
from coach.llm.providers import context_window, count_tokens, default_max_tokens
from coach.schemas import Passage

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.llm.prompts import Prompt

SAFETY_MARGIN_TOKENS = 24
MIN_PASSAGE_TOKENS = 40
_BOUNDARY = re.compile(r"[.!?](?:\s*\[\d{1,3}\])*[\"'”’)]?\s+(?=[^\s\[])|\n+(?=\S)")


def format_passage(number: int, passage: Passage, text: str | None = None) -> str:
    """One passage as a delimited, numbered data block."""
    body = (text if text is not None else passage.text).replace("</passage", "</ passage").strip()
    title = passage.title.replace('"', "'")
    heading = passage.heading.replace('"', "'")
    return f'<passage id="{number}" title="{title}" section="{heading}">\n{body}\n</passage>'


def build_context(
    model: BaseChatModel, prompt: Prompt, question: str, passages: list[Passage], max_tokens: int
) -> tuple[str, list[int]]:
    """The passages block that fits the model, and the 1-based numbers it contains.

    Passages are taken best first; the first one that does not fit whole is cut to the
    sentences that fit, and the rest are left out.
    """
    system, user = prompt.format(question=question, passages="")
    fixed = count_tokens(model, system) + count_tokens(model, user) + 2 * MESSAGE_OVERHEAD_TOKENS
    budget = context_window(model) - max_tokens - fixed - SAFETY_MARGIN_TOKENS
    blocks: list[str] = []
    numbers: list[int] = []
    for number, passage in enumerate(passages, 1):
        block = format_passage(number, passage)
        cost = count_tokens(model, block) + 1
        if cost <= budget:
            blocks.append(block)
            numbers.append(number)
            budget -= cost
            continue
        if budget >= MIN_PASSAGE_TOKENS:
            cut = _cut_to_fit(model, number, passage, budget)
            if cut:
                blocks.append(cut)
                numbers.append(number)
        break
    return "\n\n".join(blocks), numbers


def _cut_to_fit(model: BaseChatModel, number: int, passage: Passage, budget: int) -> str:
    from coach.answering.text import split_sentences

    kept: list[str] = []
    for sentence in split_sentences(passage.text):
        trial = format_passage(number, passage, " ".join([*kept, sentence]))
        if count_tokens(model, trial) + 1 > budget:
            break
        kept.append(sentence)
    return format_passage(number, passage, " ".join(kept)) if kept else ""


class SentenceBuffer:
    """Collects streamed text and hands back each sentence once it is complete."""

    def __init__(self) -> None:
        self.text = ""

    def feed(self, piece: str) -> list[str]:
        """Add a piece; return the sentences it completed."""
        self.text += piece
        done: list[str] = []
        while match := _BOUNDARY.search(self.text):
            sentence = self.text[: match.end()].strip()
            self.text = self.text[match.end() :]
            if sentence:
                done.append(sentence)
        return done

    def flush(self) -> list[str]:
        """Whatever is left, as a last sentence."""
        rest, self.text = self.text.strip(), ""
        return [rest] if rest else []


def stream_sentences(
    model: BaseChatModel,
    prompt: Prompt,
    question: str,
    passages: list[Passage],
    max_tokens: int | None = None,
    max_seconds: float | None = None,
) -> tuple[list[int], Iterator[str]]:
    """The passage numbers shown to the model, and its answer as a stream of sentences.

    With ``max_seconds``, generation stops once that long has passed since the request was
    made (a cut-off sentence is dropped), so a slow model cannot hold an answer for minutes.
    """
    limit = max_tokens or default_max_tokens(model)
    context, numbers = build_context(model, prompt, question, passages, limit)
    messages = prompt.render(question=question, passages=context)

    def sentences() -> Iterator[str]:
        buffer = SentenceBuffer()
        deadline = time.monotonic() + max_seconds if max_seconds else None
        for piece in stream_messages(model, messages, limit):
            yield from buffer.feed(piece)
            if deadline is not None and time.monotonic() >= deadline:
                return  # closing the stream stops the model
        yield from buffer.flush()

    return numbers, sentences()
