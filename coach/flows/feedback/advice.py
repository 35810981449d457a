"""What the feedback scorer advises: at most two tips, and "nothing to change" for complete feedback.

Feedback overload is a known failure of coaching tools, so the scorer names only the two
gaps that matter most, in ``TIP_PRIORITY`` order among the lowest-scored criteria. A message
whose situation, behaviour, impact and request are all at the top level, with no attack,
age-coded remark or stereotype, is complete: it is left as written and gets at most one
polish tip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

#: Which gap to mention first when two criteria score the same: an attack or age-coded
#: remark undermines everything else; an observable behaviour is the core of SBI.
TIP_PRIORITY = ("respect", "behavior", "impact", "request", "situation")
MAX_TIPS = 2
SBI_PARTS = ("situation", "behavior", "impact", "request")
#: Issue kinds that keep a message from being complete whatever its SBI levels.
BLOCKING_ISSUES = frozenset({"personal_attack", "age_coded", "absolute"})


class _Criterion(Protocol):
    @property
    def score(self) -> int: ...
    @property
    def tip(self) -> str: ...


class _Issue(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def message(self) -> str: ...


def is_complete(criteria: Mapping[str, _Criterion], issues: Sequence[_Issue], n_flags: int) -> bool:
    """Every SBI part at level 2, respect above 0, and no attack, absolute, age-coded remark or stereotype."""
    if n_flags or any(i.kind in BLOCKING_ISSUES for i in issues):
        return False
    return all(criteria[c].score == 2 for c in SBI_PARTS) and criteria["respect"].score > 0


def select_tips(criteria: Mapping[str, _Criterion], issues: Sequence[_Issue], complete: bool) -> list[str]:
    """The tips that matter most: two for a message with gaps, at most one polish tip for a complete one."""
    if complete:
        if criteria["respect"].score < 2:
            return [criteria["respect"].tip]
        return [issues[0].message] if issues else []
    gaps = [c for c in TIP_PRIORITY if criteria[c].score < 2]
    gaps.sort(key=lambda c: (criteria[c].score, TIP_PRIORITY.index(c)))
    return [criteria[c].tip for c in gaps[:MAX_TIPS]]


def slot_of(sentence_start: int, evidence: Mapping[str, int | None]) -> str:
    """The SBI part a reused sentence is placed at: the request slot when it carries the
    request (a request never moves to the front), else the first part it is evidence for."""
    if evidence.get("request") == sentence_start:
        return "request"
    return next(c for c in SBI_PARTS if evidence.get(c) == sentence_start)
