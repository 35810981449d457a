"""Hard constraints: pairs that may never be proposed, each with the reason shown to the coordinator.

- **Reporting line, either way**: one person is the other's manager, or anywhere above them
  in the chain of ``manager_email`` links known from the cohort.
- **Same small team**: both report to the same manager.
- **Never pair**: a coordinator's list of two people who must not be paired (either role).
- **Forbidden**: a proposed pair the coordinator struck out before re-solving.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from coach.programs.profiles import Profile

Pair = tuple[str, str]


def management_chain(email: str, managers: dict[str, str]) -> list[str]:
    """Everyone above ``email`` through known manager links, nearest first (cycles are cut)."""
    chain: list[str] = []
    current = managers.get(email, "")
    while current and current not in chain and current != email:
        chain.append(current)
        current = managers.get(current, "")
    return chain


def blocked_reason(
    mentor: Profile,
    mentee: Profile,
    managers: dict[str, str],
    never: set[frozenset[str]],
    forbidden: set[Pair],
) -> str | None:
    """Why this pair may not be proposed, or None when it may."""
    if mentor.email == mentee.email:
        return "the same person"
    if mentee.email in management_chain(mentor.email, managers):
        return f"reporting line: {mentee.email} is in {mentor.email}'s management chain"
    if mentor.email in management_chain(mentee.email, managers):
        return f"reporting line: {mentor.email} is in {mentee.email}'s management chain"
    if mentor.manager_email and mentor.manager_email == mentee.manager_email:
        return f"same small team: both report to {mentor.manager_email}"
    if frozenset((mentor.email, mentee.email)) in never:
        return "on the coordinator's never-pair list"
    if (mentor.email, mentee.email) in forbidden:
        return "forbidden by the coordinator"
    return None


def constraint_matrix(
    mentors: Sequence[Profile],
    mentees: Sequence[Profile],
    people: Iterable[Profile] = (),
    never: Iterable[Pair] = (),
    forbidden: Iterable[Pair] = (),
) -> tuple[np.ndarray, dict[tuple[int, int], str]]:
    """Which pairs are allowed (mentors x mentees) and the reason for each blocked one.

    ``people`` adds manager links of people outside the two lists (e.g. managers who are
    not participants but whose own manager is).
    """
    managers = {p.email: p.manager_email for p in [*people, *mentors, *mentees] if p.manager_email}
    never_set = {frozenset((a.lower(), b.lower())) for a, b in never}
    forbidden_set = {(a.lower(), b.lower()) for a, b in forbidden}
    allowed = np.ones((len(mentors), len(mentees)), dtype=bool)
    reasons: dict[tuple[int, int], str] = {}
    chains = {p.email: set(management_chain(p.email, managers)) for p in [*mentors, *mentees]}
    for i, mentor in enumerate(mentors):
        for j, mentee in enumerate(mentees):
            quick = (
                mentee.email in chains[mentor.email]
                or mentor.email in chains[mentee.email]
                or (mentor.manager_email and mentor.manager_email == mentee.manager_email)
                or mentor.email == mentee.email
                or (mentor.email, mentee.email) in forbidden_set
                or frozenset((mentor.email, mentee.email)) in never_set
            )
            if not quick:
                continue
            reason = blocked_reason(mentor, mentee, managers, never_set, forbidden_set)
            if reason is not None:
                allowed[i, j] = False
                reasons[(i, j)] = reason
    return allowed, reasons
