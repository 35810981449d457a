"""Session agendas composed from agenda building blocks and retrieved guidance.

The agenda is assembled deterministically: the stage plan says which required elements
the session must contain (a first session covers confidentiality, expectations, goals and
logistics; a review looks at progress; a closing session reflects, celebrates and plans
what comes next), the focus picks the topic blocks, minutes are allocated so they add up
exactly to the duration, and every item cites passages the retriever returned. A capable
chat model may only reword the objectives; everything works with ``model=None``.

An empty focus is not an error: the stage's generic focus from the block library is used
(for example "Reviewing progress at the mid-point"), because a pair that has not chosen a
topic still needs a usable agenda.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from coach.errors import CoachError
from coach.flows.agenda.blocks import (
    AgendaBlock,
    BlockLibrary,
    PrefetchedRetriever,
    Stage,
    StagePlan,
    load_blocks,
)
from coach.flows.agenda.export import agenda_to_ics, agenda_to_markdown
from coach.flows.agenda.minutes import Slot, allocate
from coach.flows.agenda.notes import extract_open_actions
from coach.flows.agenda.schema import (
    MAX_ACTIONS,
    MAX_TITLE_FOCUS_CHARS,
    Agenda,
    AgendaItem,
    AgendaPreparation,
    AgendaRequest,
    clean_text,
    stage_for,
)
from coach.flows.agenda.selection import choose_blocks, running_order
from coach.ports import Retriever, profile_of
from coach.schemas import Citation, Passage

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = [
    "Agenda",
    "AgendaItem",
    "AgendaPreparation",
    "AgendaRequest",
    "agenda_to_ics",
    "agenda_to_markdown",
    "build_agenda",
    "extract_open_actions",
    "stage_for",
]

MAIN_WEIGHT = 3.0
RETRIEVAL_K = 6
CITATIONS_PER_ITEM = 2
MAX_QUERY_CHARS = 300
REMOTE_QUERY = "video call: check camera, audio and screen sharing before a remote session"


class _Objectives(BaseModel):
    """A capable model's rewording of the objectives."""

    objectives: list[str] = Field(min_length=2, max_length=5)


def build_agenda(request: AgendaRequest, retriever: Retriever, model: BaseChatModel | None = None) -> Agenda:
    """Compose a timed, cited agenda for one session.

    Args:
        request: The session to plan.
        retriever: Where guidance passages come from (``HybridRetriever`` or a fake).
        model: Optional chat model; only a capable one is used, to reword the objectives.

    Raises:
        InputError: the request cannot fit its required items (never at 10 minutes or more
            with the shipped block library).
    """
    library = load_blocks()
    stage = stage_for(request.session_number, request.program_sessions)
    plan = library.stages[stage]
    focus = request.focus or plan.generic_focus
    actions = _merge_actions(request.open_actions, extract_open_actions(request.notes))
    prefetch = _prefetch(library, stage, request, focus, retriever)
    chosen, main_ids = choose_blocks(library, plan, stage, request, focus, actions, prefetch)
    chosen.sort(key=lambda b: running_order(b, stage, main_ids, library))
    items, cited = _compose_items(chosen, main_ids, stage, request, focus, actions, prefetch)
    objectives, wording = _final_objectives(plan, stage, request, focus, actions, model)
    return Agenda(
        title=f"Session {request.session_number} of {request.program_sessions} — "
        f"{clean_text(focus, MAX_TITLE_FOCUS_CHARS)}",
        duration_minutes=request.duration_minutes,
        stage=stage,
        format=request.format,
        focus=focus,
        objectives=objectives,
        items=items,
        preparation=_preparation(chosen, stage, focus, actions),
        follow_up=_follow_up(plan, stage, request, focus, actions),
        citations=[Citation.from_passage(p) for p in cited],
        open_actions=actions,
        wording=wording,
    )


def _prefetch(
    library: BlockLibrary, stage: Stage, request: AgendaRequest, focus: str, retriever: Retriever
) -> PrefetchedRetriever:
    """A retriever with everything this agenda may look up embedded in one batch.

    That is the focus, the profiles and the first query of every block that could be chosen.
    """
    profile = f"{request.mentor} {request.mentee}".strip()
    candidates = [b for b in library.blocks if stage in b.stages or b.is_topic or "action-items" in b.covers]
    return PrefetchedRetriever(
        retriever, [focus, profile, REMOTE_QUERY, *[f"{b.activity}: {focus}" for b in candidates]], MAX_QUERY_CHARS
    )


def _compose_items(
    chosen: list[AgendaBlock],
    main_ids: set[str],
    stage: Stage,
    request: AgendaRequest,
    focus: str,
    actions: list[str],
    retriever: Retriever,
) -> tuple[list[AgendaItem], list[Passage]]:
    """The timed items of the agenda, in running order, and every passage they cite (first use first)."""
    slots = [
        Slot(b.min_minutes, b.max_minutes, MAIN_WEIGHT if b.id in main_ids else 1.0, b.id in main_ids) for b in chosen
    ]
    allocation = allocate(slots, request.duration_minutes)
    cited: dict[str, Passage] = {}
    fold_tech_check = request.format == "video" and not any("tech-check" in b.covers for b in chosen)
    items: list[AgendaItem] = []
    for block, minutes, extra in zip(chosen, allocation.minutes, allocation.extended, strict=True):
        details = _details(block, stage, focus, actions, main_ids, fold_tech_check, extra, request.duration_minutes)
        passages = _cite(block, focus, block.id in main_ids, retriever)
        if fold_tech_check and "opening" in block.covers:
            passages = _with_remote_guidance(passages, retriever)
        for passage in passages:
            cited.setdefault(passage.id, passage)
        items.append(
            AgendaItem(
                minutes=minutes,
                title=block.activity,
                purpose=block.purpose,
                details=details,
                owner=block.owner,
                citations=[p.id for p in passages],
                block_id=block.id,
                covers=list(block.covers),
            )
        )
    return items, list(cited.values())


def _with_remote_guidance(passages: list[Passage], retriever: Retriever) -> list[Passage]:
    """An opening's first passage plus one on remote sessions, when the tech check is folded into it."""
    if not passages:
        return _remote_guidance(retriever)[:1]
    return passages[:1] + [p for p in _remote_guidance(retriever) if p.id != passages[0].id][:1]


def _final_objectives(
    plan: StagePlan,
    stage: Stage,
    request: AgendaRequest,
    focus: str,
    actions: list[str],
    model: BaseChatModel | None,
) -> tuple[list[str], Literal["template", "model"]]:
    """The objectives and who worded them: a capable model's rewording when it gives one, else the template's."""
    objectives = _objectives(plan, stage, request, focus, actions)
    if model is not None:
        reworded = _reword_objectives(model, stage, focus, request, objectives)
        if reworded is not None:
            return reworded, "model"
    return objectives, "template"


def _merge_actions(given: list[str], from_notes: list[str]) -> list[str]:
    merged: list[str] = []
    seen: set[str] = set()
    for action in [*given, *from_notes]:
        key = action.casefold().rstrip(".")
        if key not in seen:
            seen.add(key)
            merged.append(action)
    return merged[:MAX_ACTIONS]


def _details(
    block: AgendaBlock,
    stage: Stage,
    focus: str,
    actions: list[str],
    main_ids: set[str],
    fold_tech_check: bool,
    extra: int,
    duration: int,
) -> str:
    parts: list[str] = []
    if block.id in main_ids and stage == "ongoing":
        parts.append(f"Today's focus: {_bare(focus)}.")
    if "goals" in block.covers:
        parts.append(f"Start from the focus you chose: {_bare(focus)}.")
    parts.append(block.details)
    if "action-items" in block.covers:
        if actions:
            listed = "; ".join(f"({n}) {_bare(a)}" for n, a in enumerate(actions, 1))
            parts.append(f"Open items: {listed}.")
        else:
            parts.append("No open items were recorded; ask each other what you tried since the last session.")
    if fold_tech_check and "opening" in block.covers:
        parts.append("On video, take the first minute to check that audio, video and screen sharing work.")
    if extra:
        parts.append(
            f"Extended by {extra} minutes beyond the usual {block.max_minutes} so the agenda fills the "
            f"{duration}-minute session: use the extra time to go deeper on {_bare(focus)}."
        )
    return " ".join(parts)


def _bare(text: str) -> str:
    """Text without trailing sentence punctuation, for embedding in a sentence."""
    return text.rstrip(" .!?;:")


def _retrieve(retriever: Retriever, query: str) -> list[Passage]:
    return retriever.retrieve(query, k=RETRIEVAL_K)


def _cite(block: AgendaBlock, focus: str, main: bool, retriever: Retriever) -> list[Passage]:
    """Passages for one item: its own guide first, the best focus match for main items."""
    first = _retrieve(retriever, f"{block.activity}: {focus}")
    own = [p for p in first if p.source == block.source_path]
    if not own:
        own = [p for p in _retrieve(retriever, f"{block.activity}. {block.purpose}") if p.source == block.source_path]
    chosen = own[:1] if main else own[:CITATIONS_PER_ITEM]
    if main or not chosen:
        chosen += [p for p in first if p.id not in {c.id for c in chosen}][:1]
    return chosen[:CITATIONS_PER_ITEM]


def _remote_guidance(retriever: Retriever) -> list[Passage]:
    passages = _retrieve(retriever, REMOTE_QUERY)
    remote = [p for p in passages if "remote" in p.source]
    return remote or passages


def _fill(template: str, focus: str, request: AgendaRequest) -> str:
    remaining = request.program_sessions - request.session_number
    return template.format(
        focus=_bare(focus),
        remaining=f"{remaining} session{'s' if remaining != 1 else ''}",
        next_session=request.session_number + 1,
    )


def _objectives(plan: StagePlan, stage: Stage, request: AgendaRequest, focus: str, actions: list[str]) -> list[str]:
    objectives = [_fill(t, focus, request) for t in plan.objectives]
    if actions:
        count = len(actions)
        objectives.append(f"Follow up the {count} open action item{'s' if count != 1 else ''} from earlier notes.")
    return objectives


def _preparation(chosen: list[AgendaBlock], stage: Stage, focus: str, actions: list[str]) -> AgendaPreparation:
    mentor: list[str] = []
    mentee: list[str] = []
    if actions:
        mentor.append("Reread the open action items and note what you know about each.")
        mentee.append("Be ready to say which open action items are done, partly done or not done.")
    if stage == "ongoing":
        mentor.append(f"Prepare one or two concrete examples for today's focus: {_bare(focus)}.")
        mentee.append(f"Write down one real situation at work connected to: {_bare(focus)}.")
    for block in chosen:
        for target, text in ((mentor, block.preparation.mentor), (mentee, block.preparation.mentee)):
            if text and text not in target:
                target.append(text)
    return AgendaPreparation(mentor=mentor, mentee=mentee)


def _follow_up(plan: StagePlan, stage: Stage, request: AgendaRequest, focus: str, actions: list[str]) -> list[str]:
    follow = [_fill(t, focus, request) for t in plan.follow_up]
    if actions:
        listed = "; ".join(_bare(a) for a in actions)
        follow.append(f"Record the status of each open item and carry forward what is not done: {listed}.")
    if stage != "closing" and request.session_number < request.program_sessions:
        follow.append(f"Confirm the date of session {request.session_number + 1} before you leave.")
    return follow


def _reword_objectives(
    model: BaseChatModel, stage: Stage, focus: str, request: AgendaRequest, objectives: list[str]
) -> list[str] | None:
    """A capable model's clearer wording of the objectives, or ``None`` to keep the template's."""
    try:
        from coach.llm.prompts import load_prompt
        from coach.llm.structured import generate_structured
    except ImportError:
        return None
    if not profile_of(model).structured_output:
        return None
    draft = _Objectives(objectives=objectives[:5]) if len(objectives) >= 2 else None
    if draft is None:
        return None
    try:
        result = generate_structured(
            model,
            load_prompt("agenda_objectives"),
            {
                "stage": stage,
                "focus": focus,
                "mentor": request.mentor or "(not given)",
                "mentee": request.mentee or "(not given)",
                "objectives": "\n".join(f"- {o}" for o in objectives),
            },
            _Objectives,
            fallback=lambda: draft,
        )
    except CoachError:
        return None
    if result.source != "model":
        return None
    cleaned = [clean_text(o, 200) for o in result.value.objectives if o.strip()]
    return cleaned if len(cleaned) >= 2 else None
