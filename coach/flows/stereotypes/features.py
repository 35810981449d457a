"""Sentence features for the stereotype checker: group references, cues and embedding similarity.

The taxonomy (``knowledge/data/stereotype_taxonomy.yaml``) supplies the lexicons and the
example phrasings; this module turns one sentence into a small, fixed feature vector that a
logistic regression (weights in ``knowledge/data/stereotype_weights.json``) scores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.data import load_file, read_fitted, read_taxonomy, reference_data
from coach.errors import ConfigurationError
from coach.knowledge.embeddings import embedder_cache
from coach.text import any_phrase, find_phrases, normalise

if TYPE_CHECKING:
    from coach.ports import Embedder

Direction = str  # "about older" | "about younger" | ""
TAXONOMY_FILE = "stereotype_taxonomy.yaml"

FEATURES = (
    "group",
    "plural_group",
    "individual_age",
    "generaliser",
    "evaluative",
    "debunk",
    "question",
    "sim_pos",
    "sim_neg",
    "margin",
)

_NUMBER_WORDS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_AGE_WORD = r"(?:\d{2}|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty)(?:-(?:one|two|three|four|five|six|seven|eight|nine))?|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_DECADE = r"(?:[2-8]0s|twenties|thirties|forties|fifties|sixties|seventies|eighties)"
_PEOPLE = (
    r"(?:people|staff|workers|colleagues|folks|employees|managers|leaders|lot|crowd|generations?|ones|guys|men|women|"
    r"hires|directors|execs|executives|partners|team members|members|mentors|mentees|adults|bosses|engineers|developers)"
)

# Patterns beyond the fixed group terms. Direction None means "decide from context".
_GROUP_PATTERNS: list[tuple[re.Pattern[str], str | None, bool]] = [
    (
        re.compile(rf"\b(?:old|older|elderly|ageing|aging|middle-aged|gr[ae]y-haired|retired|senior)\s+{_PEOPLE}\b"),
        "about older",
        True,
    ),
    (re.compile(rf"\b(?:young|younger|junior)\s+{_PEOPLE}\b"), "about younger", True),
    (
        re.compile(
            rf"\b(?:anyone|anybody|everyone|nobody|no one|people|staff|those|someone|somebody)\s+(?:over|above|past)\s+(?:the\s+age\s+of\s+)?{_AGE_WORD}\b"
        ),
        "about older",
        True,
    ),
    (
        re.compile(
            rf"\b(?:anyone|anybody|everyone|nobody|no one|people|staff|those|someone|somebody)\s+(?:under|below)\s+(?:the\s+age\s+of\s+)?{_AGE_WORD}\b"
        ),
        "about younger",
        True,
    ),
    (re.compile(rf"\b(?:over|under)-?{_AGE_WORD}s\b"), None, True),
    (re.compile(r"\b(?:twenty|thirty)-?somethings?\b"), "about younger", True),
    (re.compile(r"\b(?:forty|fifty|sixty|seventy)-?somethings?\b"), "about older", True),
    (re.compile(rf"\bin\s+(?:their|his|her|your|my)\s+(?:early\s+|late\s+|mid-?\s*)?{_DECADE}\b"), None, False),
    (re.compile(r"\b(?:at|for)\s+(?:his|her|their|your|my|that|an?\s+certain|this)\s+age\b"), None, False),
    (
        re.compile(
            r"\b(?:people|someone|somebody|anyone|men|women)\s+(?:of\s+)?(?:his|her|their|your|my|that)\s+age\b"
        ),
        None,
        True,
    ),
    (
        re.compile(
            r"\b(?:from|of)\s+(?:that|the|the\s+older|the\s+younger|a\s+different|another)\s+(?:generation|era)\b"
        ),
        None,
        True,
    ),
    (re.compile(r"\b(?:that|this|his|her|their|your|my|the\s+whole|a\s+whole)\s+generation\b"), None, True),
    (re.compile(r"\bgenerational\b"), None, True),
    (re.compile(r"\btoo\s+(?:old|long\s+in\s+the\s+tooth)\b"), "about older", False),
    (
        re.compile(
            r"\btoo\s+young\b|\blooks?\s+(?:about\s+|like\s+)?(?:twelve|fifteen|sixteen|twelve|a\s+teenager|a\s+child)\b"
        ),
        "about younger",
        False,
    ),
    (re.compile(r"\b(?:back\s+in\s+my\s+day|in\s+my\s+day|kids\s+these\s+days|these\s+days)\b"), None, True),
    (re.compile(rf"\b(?:at|aged)\s+{_AGE_WORD}\b"), None, False),
    (
        re.compile(
            rf"\b(?:he|she|they)(?:'s|\s+is|'re|\s+are)\s+(?:only\s+|just\s+|nearly\s+|almost\s+|over\s+)?{_AGE_WORD}\b"
        ),
        None,
        False,
    ),
    (re.compile(rf"\b(?:who|which)\s+is\s+{_AGE_WORD}\b|,\s*{_AGE_WORD},"), None, False),
    (re.compile(r"\b(?:grads?|juniors|interns|youngsters?|kids|boomers?|millennials?|zoomers)\b"), None, True),
    # Added from the larger dev split: age groups named by life stage, age in years, or a threshold.
    (re.compile(r"\b(?:apprentices|trainees|school\s+leavers)\b"), "about younger", True),
    (re.compile(r"\bfresh\s+out\s+of\s+(?:uni|university|college|school)\b"), "about younger", False),
    (
        re.compile(
            r"\b(?:old|older|elderly)\s+(?:team|brains?|delegates|candidates|applicants|hands|cohort|workforce|guard)\b"
        ),
        "about older",
        True,
    ),
    (
        re.compile(r"\b(?:young|younger)\s+(?:team|brains?|delegates|candidates|applicants|cohort|workforce|blood)\b"),
        "about younger",
        True,
    ),
    (re.compile(rf"\b{_AGE_WORD}-year-olds\b"), None, True),
    (re.compile(rf"\b{_AGE_WORD}-year-old\b"), None, False),
    (re.compile(rf"\b(?:hit|hits|pass|passes|passed|reach|reaches|turn|turns)\s+{_AGE_WORD}\b"), None, True),
    (
        re.compile(
            rf"\b[a-z]+'s\s+(?:only\s+|just\s+|nearly\s+|almost\s+)?{_AGE_WORD}\b(?!\s+(?:minutes|slides|pages|people|years))"
        ),
        None,
        False,
    ),
    # Age-coded idioms that point at a generation without naming it.
    (re.compile(r"\bbefore\s+you\s+were\s+born\b|\bwhen\s+you(?:'re|\s+are)\s+older\b"), "about younger", False),
    (re.compile(r"\bold\s+dogs?\b|\bgrew\s+up\s+without\b|\bdidn't\s+grow\s+up\s+with\b"), "about older", False),
    (
        re.compile(
            r"\b(?:nearly|almost|close\s+to|near|approaching)\s+retire(?:d|ment)\b|\bgetting\s+on\s+a\s+bit\b|\bgr[ae]y\s+hair\b|\bpast\s+it\b"
        ),
        "about older",
        False,
    ),
]
_OLDER_CONTEXT = re.compile(
    r"\b(?:old|older|oldest|retire\w*|pension\w*|grey|gray|senior|elder\w*|boomers?|veterans?|decades)\b"
)
_YOUNGER_CONTEXT = re.compile(
    r"\b(?:young|younger|youngest|junior|grads?|graduates?|intern\w*|kids?|millennials?|gen\s*z|teen\w*|student\w*|new\s+starters?)\b"
)
_EVALUATIVE = re.compile(
    r"\b(?:can't|cannot|can't|won't|don't|doesn't|isn't|aren't|never|always|all|too|only|just|no\s+point|obsessed|"
    r"expect|think\s+they|lazy|entitled|slow|scared|stuck|bound\s+to|will\s+never|they'll|they'd|ever)\b"
)


@dataclass
class GroupHit:
    """A reference to an age group, a generation or a person's age."""

    start: int
    end: int
    direction: str | None
    plural: bool


@dataclass
class SentenceFeatures:
    """The features of one sentence, plus what was found to explain them."""

    values: dict[str, float]
    groups: list[GroupHit] = field(default_factory=list)
    direction: str = ""

    def vector(self) -> np.ndarray:
        return np.array([self.values[name] for name in FEATURES], dtype=np.float64)


def taxonomy_path(knowledge_dir: Path | None = None) -> Path:
    """Where the taxonomy lives (the shipped data folder unless ``knowledge_dir`` is given)."""
    data_dir = knowledge_dir / "data" if knowledge_dir is not None else reference_data().directory
    return data_dir / TAXONOMY_FILE


def load_taxonomy(knowledge_dir: Path | None = None) -> dict[str, Any]:
    """The parsed taxonomy mapping, read once."""
    return load_file(TAXONOMY_FILE, read_taxonomy, None if knowledge_dir is None else taxonomy_path(knowledge_dir))


def load_weights(path: Path) -> dict[str, Any]:
    """Fitted logistic-regression weights (fitted by ``coach.training``), read once.

    Raises:
        ConfigurationError: the file is missing or unreadable.
    """
    weights = load_file(path.name, read_fitted, path)
    if weights is None:
        raise ConfigurationError(f"{path} is missing.", hint="Refit it or restore it.")
    return weights


def _age_value(snippet: str) -> int | None:
    match = re.search(r"\d{2}", snippet)
    if match:
        return int(match.group())
    for word, value in _NUMBER_WORDS.items():
        if word in snippet:
            return value
    return None


def find_groups(sentence: str, taxonomy: dict[str, Any]) -> list[GroupHit]:
    """Every age-group reference in ``sentence`` (offsets into ``sentence``)."""
    low = normalise(sentence)
    hits: list[GroupHit] = []
    for side, fixed in (("older", "about older"), ("younger", "about younger")):
        for start, end, _ in find_phrases(sentence, taxonomy["group_terms"][side]):
            hits.append(GroupHit(start, end, fixed, True))
    for pattern, direction, plural in _GROUP_PATTERNS:
        for match in pattern.finditer(low):
            snippet = match.group()
            resolved = direction or _direction_from(snippet, low)
            hits.append(GroupHit(match.start(), match.end(), resolved, plural))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    return hits


def _direction_from(snippet: str, sentence: str) -> str | None:
    if re.search(r"\bboomers?\b", snippet):
        return "about older"
    if re.search(r"\b(?:millennials?|zoomers|grads?|juniors|interns|youngsters?|kids)\b", snippet):
        return "about younger"
    if "under" in snippet:
        return "about younger"
    age = _age_value(snippet)
    if age is not None:
        return "about older" if age >= 40 else "about younger"
    older = len(_OLDER_CONTEXT.findall(sentence))
    younger = len(_YOUNGER_CONTEXT.findall(sentence))
    if older != younger:
        return "about older" if older > younger else "about younger"
    return None


@dataclass
class AnchorBank:
    """Embedded taxonomy phrasings (stereotypes) and neutral examples."""

    vectors: np.ndarray
    labels: list[tuple[str, str]]  # (category id, direction) per stereotype row
    neutral: np.ndarray


def anchor_bank(taxonomy: dict[str, Any], embedder: Embedder) -> AnchorBank:
    """Embed the taxonomy's phrasings once per embedder and taxonomy."""
    banks = embedder_cache(embedder)
    key = ("stereotype-anchors", str(taxonomy.get("version")), id(taxonomy))
    if key not in banks:
        texts: list[str] = []
        labels: list[tuple[str, str]] = []
        for category in taxonomy["categories"]:
            for side, direction in (("about_older", "about older"), ("about_younger", "about younger")):
                for phrase in category[side]["phrasings"]:
                    texts.append(phrase)
                    labels.append((category["id"], direction))
        vectors = embedder.embed(texts)
        neutral = embedder.embed(list(taxonomy.get("neutral_examples", [])))
        banks[key] = AnchorBank(np.asarray(vectors), labels, np.asarray(neutral))
    bank: AnchorBank = banks[key]
    return bank


def sentence_features(
    sentence: str, taxonomy: dict[str, Any], vector: np.ndarray | None = None, bank: AnchorBank | None = None
) -> SentenceFeatures:
    """Compute the feature vector of one sentence.

    Args:
        sentence: The sentence text.
        taxonomy: The parsed taxonomy.
        vector: The sentence's embedding, when an embedder is available.
        bank: The embedded anchors matching ``vector``.
    """
    groups = find_groups(sentence, taxonomy)
    low = normalise(sentence)
    sim_pos = sim_neg = 0.0
    if vector is not None and bank is not None:
        sim_pos = float(np.max(bank.vectors @ vector)) if len(bank.vectors) else 0.0
        sim_neg = float(np.max(bank.neutral @ vector)) if len(bank.neutral) else 0.0
    values = {
        "group": float(bool(groups)),
        "plural_group": float(any(g.plural for g in groups)),
        "individual_age": float(any(not g.plural for g in groups)),
        "generaliser": float(any_phrase(sentence, taxonomy["generalisers"])),
        "evaluative": float(bool(_EVALUATIVE.search(low))),
        "debunk": float(any_phrase(sentence, taxonomy["debunk_markers"])),
        "question": float(sentence.rstrip().endswith("?")),
        "sim_pos": sim_pos,
        "sim_neg": sim_neg,
        "margin": sim_pos - sim_neg,
    }
    direction = _majority_direction(groups)
    return SentenceFeatures(values, groups, direction)


def _majority_direction(groups: list[GroupHit]) -> str:
    older = sum(1 for g in groups if g.direction == "about older")
    younger = sum(1 for g in groups if g.direction == "about younger")
    if older == younger == 0:
        return ""
    return "about older" if older >= younger else "about younger"


#: A sentence with no age-group reference is flagged only when it is this close to a
#: taxonomy phrasing (a paraphrase of a known stereotype); set on the dev splits, where
#: lower values flagged ordinary feedback such as "It might lose them."
HIGH_SIMILARITY = 0.75


def eligible(values: dict[str, float]) -> bool:
    """Whether a sentence may be flagged at all: it refers to an age group or closely paraphrases a stereotype."""
    return bool(values["group"]) or values["sim_pos"] >= HIGH_SIMILARITY


def rule_score(values: dict[str, float]) -> float:
    """The keyword-only decision used when no embedder is given: >0 means stereotype."""
    if not values["group"] or values["debunk"]:
        return -1.0
    return 1.0 if (values["generaliser"] or values["evaluative"]) else -0.5


def logistic(weights: dict[str, Any], values: dict[str, float], vector: np.ndarray | None = None) -> float:
    """Probability from a fitted logistic regression.

    The inputs are the standardised ``FEATURES`` named in ``weights`` followed, when the
    model has ``embedding_coef``, by the sentence embedding times ``embedding_weight``
    (a model with embedding coefficients given no vector uses only its feature terms).
    """
    x = np.array([values[name] for name in weights["features"]], dtype=np.float64)
    z = (x - np.asarray(weights["mean"])) / np.asarray(weights["scale"])
    logit = float(np.dot(z, np.asarray(weights["coef"])) + float(weights["intercept"]))
    embedding_coef = weights.get("embedding_coef") or []
    if len(embedding_coef) and vector is not None:
        scaled = float(weights.get("embedding_weight", 1.0)) * np.asarray(vector, dtype=np.float64)
        logit += float(np.dot(scaled, np.asarray(embedding_coef, dtype=np.float64)))
    return float(1.0 / (1.0 + np.exp(-logit)))
