"""A digest of the rule-made features on a fixed probe set, so a rule change cannot slip past a fitted file.

The scorer models read hand features (group words, generalisers, rubric cues, tone
issues). When a rule changes those features, the fitted weights no longer describe what
they are applied to, and the model must be refitted. Each manifest stores the sha256 of
the features of ``PROBE_TEXTS`` as the fit saw them; ``verify`` recomputes it. The
features are computed without the embedding model (its similarity inputs are left at
zero), so the check takes well under a second and still moves whenever a rule does.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

#: Fixed texts of both kinds the models read; changing them changes every digest.
PROBE_TEXTS: tuple[str, ...] = (
    "Older managers never want to learn the new planning tool.",
    "Gen Z staff quit the moment a job gets boring.",
    "Typical boomer, printing out every email before reading it.",
    "My mentee is 24 and already runs our analytics dashboard.",
    "Research shows that learning speed varies far more between people than between age groups.",
    "Can you explain this for someone my age?",
    "In Tuesday's planning meeting you finished Priya's sentences three times.",
    "When you moved the launch date without telling the team, two people worked the weekend.",
    "Could we agree that you let each person finish before you reply?",
    "You always ignore us, which is so typical of your generation.",
    "Thanks for making time today; I noticed something in the town hall I would like to share.",
    "Great job!",
)


def _rounded(values: list[float]) -> list[float]:
    return [round(float(v), 6) for v in values]


def _stereotype_features() -> list[Any]:
    from coach.flows.stereotypes.category import cue_counts
    from coach.flows.stereotypes.features import load_taxonomy, sentence_features

    taxonomy = load_taxonomy()
    rows: list[Any] = []
    for text in PROBE_TEXTS:
        features = sentence_features(text, taxonomy)
        rows.append(
            {
                "features": _rounded(list(features.vector())),
                "direction": features.direction,
                "cues": cue_counts(text, taxonomy),
            }
        )
    return rows


def _feedback_features() -> list[Any]:
    from coach.flows.feedback.features import HAND_FEATURES
    from coach.flows.feedback.scoring import analyse

    rows: list[Any] = []
    for text in PROBE_TEXTS:
        found = analyse(text).hand_features()
        rows.append(_rounded([found[name] for name in HAND_FEATURES]))
    return rows


def feature_digest(model: str) -> str:
    """The sha256 of the hand features ``model``'s fit reads, on ``PROBE_TEXTS``.

    Raises:
        KeyError: ``model`` is not one of the fitted models.
    """
    readers = {"stereotypes": _stereotype_features, "feedback": _feedback_features, "adapter": _feedback_features}
    payload = json.dumps(readers[model](), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()
