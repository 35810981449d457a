"""Offline message routing: nearest intent exemplars plus a few weighted rules.

A message is embedded and compared with the exemplar messages of each route in
``knowledge/data/route_exemplars.yaml``; a route's similarity is the mean of its
``TOP_K`` nearest exemplars. Rules from the same file (regular expressions over the
message, its quoted part, or the text around the quotes) add weight. The route with the
highest total wins. Everything is deterministic and runs without a chat model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import yaml
from pydantic import BaseModel, Field

from coach.data import load_file
from coach.errors import InputError
from coach.knowledge.embeddings import embedder_cache

if TYPE_CHECKING:
    from coach.ports import Embedder

Route = Literal["agenda", "feedback", "reflection", "questions", "ask"]
ROUTES: tuple[str, ...] = get_args(Route)
EXEMPLARS_FILE = "route_exemplars.yaml"
TOP_K = 3  # nearest exemplars averaged per route: robust to one odd exemplar
MAX_MESSAGE_CHARS = 4000  # longer messages are routed on their first part

# A quotation: double or curly quotes, or single quotes that are not apostrophes
# (an apostrophe has a letter on both sides, as in "don't").
_QUOTE = re.compile(r"\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’|(?<!\w)'(.+?)'(?!\w)", re.DOTALL)


class RouteDecision(BaseModel):
    """Where a chat message should go, how sure the router is, and why."""

    route: Route
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str


class ChatReply(BaseModel):
    """A chat answer: the route taken, a short text and the flow's result as JSON data."""

    route: Route
    text: str
    data: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """Adds ``weight`` to ``route`` when ``pattern`` matches the chosen part of a message."""

    route: str
    weight: float
    where: Literal["all", "frame", "quote"]
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class RouteData:
    """Exemplar messages per route and the rules, as read from the data file."""

    exemplars: dict[str, list[str]]
    rules: list[Rule]


def load_route_data(path: Path | None = None) -> RouteData:
    """The router's exemplars and rules (the shipped file unless ``path`` is given), read once."""
    return load_file(EXEMPLARS_FILE, parse_route_data, path)


def parse_route_data(path: Path) -> RouteData:
    """Read and check the exemplars and rules file.

    Raises:
        InputError: the file is missing a route or holds an unknown route or part name.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    exemplars = {str(k): [str(t) for t in v] for k, v in raw["routes"].items()}
    if set(exemplars) != set(ROUTES):
        raise InputError(f"{path.name} must list exemplars for exactly: {', '.join(ROUTES)}.")
    rules: list[Rule] = []
    for item in raw.get("rules", []):
        if item["route"] not in ROUTES or item.get("where", "all") not in ("all", "frame", "quote"):
            raise InputError(f"{path.name}: bad rule {item!r}.", hint="Check its route and 'where'.")
        rules.append(
            Rule(item["route"], float(item["weight"]), item.get("where", "all"), re.compile(item["pattern"], re.I))
        )
    return RouteData(exemplars, rules)


def split_quotes(message: str) -> tuple[str, str]:
    """The message without its quotations (the frame), and the quotations joined."""
    quotes = [next(g for g in m.groups() if g is not None) for m in _QUOTE.finditer(message)]
    frame = _QUOTE.sub(" ", message)
    return frame, " ".join(quotes)


class IntentIndex:
    """Embedded exemplars for one embedder."""

    def __init__(self, embedder: Embedder, data: RouteData) -> None:
        self.embedder = embedder
        self.data = data
        self.labels: list[str] = []
        texts: list[str] = []
        for route in ROUTES:
            for text in data.exemplars[route]:
                self.labels.append(route)
                texts.append(text)
        self.texts = texts
        self.vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
        self._label_array = np.array(self.labels)

    def similarities(self, message: str) -> tuple[dict[str, float], dict[str, str]]:
        """Per route, the mean of the top-k exemplar similarities and the nearest exemplar."""
        vector = np.asarray(self.embedder.embed([message]), dtype=np.float32)[0]
        sims = self.vectors @ vector
        scores: dict[str, float] = {}
        nearest: dict[str, str] = {}
        for route in ROUTES:
            idx = np.flatnonzero(self._label_array == route)
            order = idx[np.argsort(-sims[idx])]
            scores[route] = float(np.mean(sims[order[:TOP_K]]))
            nearest[route] = self.texts[int(order[0])]
        return scores, nearest


def intent_index(embedder: Embedder) -> IntentIndex:
    """The exemplar index for ``embedder`` (built once per embedder object).

    The index holds its embedder, so the cached entry lasts as long as the process; there
    is one embedder per runtime.
    """
    cache = embedder_cache(embedder)
    if "intent-index" not in cache:
        cache["intent-index"] = IntentIndex(embedder, load_route_data())
    index: IntentIndex = cache["intent-index"]
    return index


def rule_weights(message: str, rules: list[Rule]) -> tuple[dict[str, float], list[str]]:
    """Weight each route gets from the rules, and a note per rule that fired."""
    frame, quote = split_quotes(message)
    parts = {"all": message, "frame": frame, "quote": quote}
    weights = dict.fromkeys(ROUTES, 0.0)
    fired: list[str] = []
    for rule in rules:
        match = rule.pattern.search(parts[rule.where])
        if match:
            weights[rule.route] += rule.weight
            fired.append(f"'{match.group(0).strip()}' suggests {rule.route}")
    return weights, fired


def route_message(message: str, embedder: Embedder) -> RouteDecision:
    """Decide which flow should handle a chat message, offline and deterministically.

    Args:
        message: What the user typed.
        embedder: The sentence embedder used for intent similarity.

    Returns:
        The route, a confidence in [0, 1] (the winner's share of the two best totals,
        rescaled), and a short reason naming the nearest exemplar and the rules that fired.

    Raises:
        InputError: the message is empty.
    """
    text = " ".join(message.split())
    if not text:
        raise InputError("The message is empty.", hint="Type a question or a request.")
    text = text[:MAX_MESSAGE_CHARS]
    index = intent_index(embedder)
    sims, nearest = index.similarities(text)
    weights, fired = rule_weights(text, index.data.rules)
    totals = {route: sims[route] + weights[route] for route in ROUTES}
    ranked = sorted(ROUTES, key=lambda r: (-totals[r], ROUTES.index(r)))
    best, second = ranked[0], ranked[1]
    margin = totals[best] - totals[second]
    confidence = round(float(min(1.0, max(0.0, 0.5 + margin))), 3)
    reason = f"closest to '{nearest[best]}' (similarity {sims[best]:.2f})"
    if fired:
        reason += "; " + "; ".join(fired)
    return RouteDecision(route=best, confidence=confidence, reason=reason)  # type: ignore[arg-type]
