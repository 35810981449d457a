"""Which agenda blocks a session gets, and the order they run in.

The stage plan's required elements are covered first (the focus topic, then the fewest
blocks that cover the rest), then optional blocks are added by relevance to the focus and
the pair's profiles until the session has about one item per quarter hour, as long as
their minimum minutes still fit the duration.
"""

from __future__ import annotations

from coach.flows.agenda.blocks import AgendaBlock, BlockLibrary, PrefetchedRetriever, Stage, StagePlan, relevance
from coach.flows.agenda.schema import AgendaRequest

SHORT_VIDEO_MINUTES = 20  # below this the video tech check is folded into the opening
LONG_SESSION_MINUTES = 60  # reviews and closings this long may add a focus topic block
MAX_ITEMS = 10
SECONDARY_TOPIC_RATIO = 0.85  # other topic blocks must match the focus nearly as well as the main one
FOCUS_BLOCK_MIN_SCORE = 0.45
PROFILE_WEIGHT = 0.2


def choose_blocks(
    library: BlockLibrary,
    plan: StagePlan,
    stage: Stage,
    request: AgendaRequest,
    focus: str,
    actions: list[str],
    retriever: PrefetchedRetriever,
) -> tuple[list[AgendaBlock], set[str]]:
    """The blocks of the session and the ids of its main blocks."""
    eligible = [b for b in library.blocks if stage in b.stages and request.format in b.formats]
    topic_pool = [b for b in library.blocks if b.is_topic and request.format in b.formats]
    scores = _scores(focus, request, [*eligible, *[b for b in topic_pool if b not in eligible]], retriever)

    def rank(block: AgendaBlock) -> tuple[float, int]:
        return (-scores[block.id], library.position(block))

    chosen: list[AgendaBlock] = []
    main_ids: set[str] = set()
    if request.format == "video" and request.duration_minutes >= SHORT_VIDEO_MINUTES:
        chosen += [b for b in eligible if "tech-check" in b.covers][:1]
    if actions and stage == "first-session":  # open items always appear, even before session 2
        chosen.append(library.by_id("review-action-items"))

    best_topic: AgendaBlock | None = None
    topics = sorted((b for b in eligible if b.is_topic), key=rank)
    if "topic" in plan.required and topics:
        best_topic = topics[0]
        chosen.append(best_topic)
        main_ids.add(best_topic.id)

    uncovered = [tag for tag in plan.required if tag != "topic" and not any(tag in b.covers for b in chosen)]
    while uncovered:
        candidates = [b for b in eligible if b not in chosen and set(b.covers) & set(uncovered)]
        if not candidates:
            break
        pick = min(candidates, key=lambda b: (-len(set(b.covers) & set(uncovered)), b.min_minutes, *rank(b)))
        chosen.append(pick)
        uncovered = [tag for tag in uncovered if tag not in pick.covers]

    main_ids |= {b for b in plan.main_blocks if any(c.id == b for c in chosen)}
    optional = sorted((b for b in eligible if b not in chosen and "tech-check" not in b.covers), key=rank)
    if stage in ("review", "closing") and request.duration_minutes >= LONG_SESSION_MINUTES:
        borrowed = sorted((b for b in topic_pool if stage not in b.stages), key=rank)
        if borrowed and scores[borrowed[0].id] >= FOCUS_BLOCK_MIN_SCORE:
            optional.insert(0, borrowed[0])
    target = _target_items(request.duration_minutes)
    for block in optional:
        if len(chosen) >= min(target, MAX_ITEMS):
            break
        capacity_short = sum(b.max_minutes for b in chosen) < request.duration_minutes
        off_focus = best_topic is not None and scores[block.id] < SECONDARY_TOPIC_RATIO * scores[best_topic.id]
        if block.is_topic and stage == "ongoing" and off_focus and not capacity_short:
            continue  # enough time already: keep the session on its focus
        if sum(b.min_minutes for b in chosen) + block.min_minutes > request.duration_minutes:
            continue
        chosen.append(block)
        if block.id in plan.main_blocks:
            main_ids.add(block.id)
    return chosen, main_ids


def _scores(
    focus: str, request: AgendaRequest, blocks: list[AgendaBlock], retriever: PrefetchedRetriever
) -> dict[str, float]:
    embedder = retriever.embedder
    profile = f"{request.mentor} {request.mentee}".strip()
    scores = relevance(focus, blocks, embedder, retriever.vector(focus))
    if profile:
        for block_id, value in relevance(profile, blocks, embedder, retriever.vector(profile)).items():
            scores[block_id] += PROFILE_WEIGHT * value
    return scores


def _target_items(duration: int) -> int:
    """How many items suit a session of ``duration`` minutes (about one per 15 minutes, plus frame)."""
    return 3 + duration // 15


def running_order(block: AgendaBlock, stage: Stage, main_ids: set[str], library: BlockLibrary) -> tuple[int, ...]:
    """Sort key for the running order: frame phase, then stage blocks before borrowed ones, main first."""
    covers = set(block.covers)
    if "tech-check" in covers:
        phase = 0
    elif "opening" in covers:
        phase = 1
    elif "action-items" in covers:
        phase = 2
    elif "wrap-up" in covers:
        phase = 5
    elif covers == {"logistics"}:
        phase = 4
    else:
        phase = 3
    borrowed = 1 if stage not in block.stages else 0
    main_first = 0 if stage != "first-session" and block.id in main_ids else 1
    return (phase, borrowed, main_first, library.position(block))
