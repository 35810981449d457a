"""The question templates: loading the library and ranking its templates for a topic and a mentee.

Templates live in ``knowledge/data/question_templates.yaml``, grouped understand / explore /
apply; each has a ``{topic}`` slot and tags. A template's fit is its tag overlap with the
topic and the mentee profile, the tags the mentee's role and stance make relevant, a bonus
for templates that read well with a clause topic, and (with an embedder) its embedding
similarity to the topic.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Literal
from weakref import WeakKeyDictionary

import numpy as np
import yaml
from pydantic import BaseModel, Field, ValidationError

from coach.data import load_file
from coach.errors import ConfigurationError
from coach.flows.agenda.blocks import words
from coach.flows.questions.fit import TopicForms, profile_tags
from coach.ports import TextEmbedder

TEMPLATES_FILE = "question_templates.yaml"
PROFILE_WEIGHT = 0.5
EMBEDDING_WEIGHT = 2.0
#: Per template tag matched by the mentee's role or stance (``questions_fit.PROFILE_TAGS``).
PROFILE_TAG_WEIGHT = 1.5
#: Preference for templates that read naturally with a clause topic ("how buyers ...").
CLAUSE_BONUS = 0.5

Group = Literal["understand", "explore", "apply"]
GROUPS: tuple[Group, ...] = ("understand", "explore", "apply")


class Template(BaseModel):
    """A question with a ``{topic}`` slot."""

    text: str
    why: str
    tags: list[str] = Field(default_factory=list)
    clause: bool = Field(default=False, description="Reads naturally with a clause topic ('how buyers research ...').")


class TemplateGroup(BaseModel):
    """The templates of one group and how to look up guidance for it."""

    label: str
    purpose: str
    retrieval_hint: str
    templates: list[Template] = Field(min_length=1)


class TemplateLibrary(BaseModel):
    """All groups of templates, and the age labels removed from a topic when they get it flagged."""

    groups: dict[Group, TemplateGroup]
    age_labels: list[str] = Field(default_factory=list)


def load_templates(path: Path | None = None) -> TemplateLibrary:
    """Load the question templates (cached).

    Raises:
        ConfigurationError: missing, unreadable or malformed file, or a template without ``{topic}``.
    """
    return load_file(TEMPLATES_FILE, parse_templates, path)


def parse_templates(path: Path) -> TemplateLibrary:
    """Read and check a question templates file (every template has a ``{topic}`` slot)."""
    try:
        library = TemplateLibrary.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"Cannot load question templates from {path}: {exc}") from exc
    for name, group in library.groups.items():
        for template in group.templates:
            if "{topic}" not in template.text:
                raise ConfigurationError(f"Template in group '{name}' has no {{topic}} slot: {template.text}")
    return library


_TEMPLATE_VECTORS: WeakKeyDictionary[object, dict[Group, np.ndarray]] = WeakKeyDictionary()


def _template_vectors(library: TemplateLibrary, embedder: TextEmbedder) -> dict[Group, np.ndarray]:
    """Each group's template embeddings (text plus tags), cached per embedder while it lives."""
    try:
        cached = _TEMPLATE_VECTORS.get(embedder)
    except TypeError:
        cached = None
    if cached is None:
        cached = {
            g: np.asarray(embedder.embed([f"{t.text} {' '.join(t.tags)}" for t in library.groups[g].templates]))
            for g in GROUPS
        }
        with contextlib.suppress(TypeError):
            _TEMPLATE_VECTORS[embedder] = cached
    return cached


def template_scores(
    library: TemplateLibrary,
    topic: str,
    mentee: str,
    embedder: TextEmbedder | None,
    forms: TopicForms | None = None,
) -> dict[Group, list[float]]:
    """How well each template fits the topic and the mentee: tag overlap (with the tags the
    mentee's role and stance make relevant), the topic's form, plus embedding similarity."""
    topic_words, mentee_words, stance = words(topic), words(mentee), profile_tags(mentee)
    is_clause = forms is not None and forms.clause is not None
    scores = {
        g: [
            _fit(t, topic_words, mentee_words)
            + PROFILE_TAG_WEIGHT * len(set(t.tags) & stance)
            + (CLAUSE_BONUS if is_clause and t.clause else 0.0)
            for t in library.groups[g].templates
        ]
        for g in GROUPS
    }
    if embedder is not None and topic.strip():
        query = np.asarray(embedder.embed([topic])[0])
        for group, rows in _template_vectors(library, embedder).items():
            scores[group] = [
                s + EMBEDDING_WEIGHT * float(np.dot(row, query)) for s, row in zip(scores[group], rows, strict=True)
            ]
    return scores


def _fit(template: Template, topic_words: set[str], mentee_words: set[str]) -> float:
    """Tag overlap with the topic, plus a smaller weight for overlap with the mentee profile."""
    tags = set().union(*(words(tag) for tag in template.tags)) if template.tags else set()
    return len(tags & topic_words) + PROFILE_WEIGHT * len(tags & mentee_words)
