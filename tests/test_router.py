"""Router: accuracy on the held-out test split, rules, quotes and bad inputs."""

from __future__ import annotations

import json

import pytest

from coach.config import PROJECT_ROOT
from coach.errors import InputError
from coach.flows.chat.router import load_route_data, route_message, split_quotes
from coach.knowledge.embeddings import SentenceTransformerEmbedder

DATASET = PROJECT_ROOT / "eval" / "datasets" / "routing_messages.jsonl"


def rows(split: str) -> list[dict[str, str]]:
    data = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in data if r["split"] == split]


def test_accuracy_on_the_test_split(embedder: SentenceTransformerEmbedder) -> None:
    test = rows("test")
    correct = sum(route_message(r["text"], embedder).route == r["route"] for r in test)
    assert correct / len(test) >= 0.9  # measured 0.957 (67/70); dev 0.980


def test_exemplars_are_not_copied_from_the_dataset() -> None:
    dataset = {" ".join(r["text"].lower().split()) for split in ("dev", "test") for r in rows(split)}
    exemplars = {" ".join(t.lower().split()) for texts in load_route_data().exemplars.values() for t in texts}
    assert not dataset & exemplars


@pytest.mark.parametrize(
    ("message", "route"),
    [
        ("Can you plan a 30 minute agenda for session 3 on podcasts?", "agenda"),
        ("Score this: 'You never reply to my emails.'", "feedback"),
        ("Is it a stereotype that millennials are lazy?", "reflection"),
        ("What should I ask my mentor about cloud storage?", "questions"),
        ("How often should a pair meet?", "ask"),
        ("Let me rehearse my feedback with a tough executive.", "feedback"),
    ],
)
def test_routes(embedder: SentenceTransformerEmbedder, message: str, route: str) -> None:
    decision = route_message(message, embedder)
    assert decision.route == route
    assert 0.0 <= decision.confidence <= 1.0 and decision.reason


@pytest.mark.parametrize(
    ("message", "expected_error"),
    [
        ("", InputError),
        ("   \n", InputError),
        ("agenda " * 5000, None),
        ("🙂 ¿Qué pregunto a mi mentor? 🙂", None),
        ("会议议程，45分钟", None),
    ],
)
def test_bad_inputs(
    embedder: SentenceTransformerEmbedder, message: str, expected_error: type[Exception] | None
) -> None:
    if expected_error:
        with pytest.raises(expected_error):
            route_message(message, embedder)
    else:
        assert route_message(message, embedder).route


@pytest.mark.parametrize(
    ("message", "frame", "quote"),
    [
        ("Score this: 'You don't listen.'", "Score this:  ", "You don't listen."),
        ('Is "you never reply" too harsh?', "Is   too harsh?", "you never reply"),
        ("I don't think it's fair", "I don't think it's fair", ""),
    ],
)
def test_split_quotes(message: str, frame: str, quote: str) -> None:
    got_frame, got_quote = split_quotes(message)
    assert got_quote == quote
    assert " ".join(got_frame.split()) == " ".join(frame.split())


def test_deterministic(embedder: SentenceTransformerEmbedder) -> None:
    message = "Help me structure our next session on AI tools"
    assert route_message(message, embedder) == route_message(message, embedder)
