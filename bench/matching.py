"""Matching benchmark: a generated cohort of 200 mentors and 200 mentees with planted ideal pairs.

Each seed builds a cohort in which 190 mentor-mentee pairs are planted: the mentee wants
(in other words) most of what the mentor offers, they share an interest and a goal, and
their free time overlaps across time zones. Ten decoy mentors clone a planted mentor's
profile but sit in the mentee's reporting line; ten decoy mentees clone a planted mentee
but share a manager with the planted mentor. Random reporting lines, shared managers and
never-pair entries are scattered through the rest.

Printed: per seed the planted recovery, violations (re-checked here from the generated
links, not by the solver's own code), total score against a greedy baseline, and times;
then the summary lines ``planted recovery 0.NNN`` (all seeds together) and
``constraint violations N`` (all seeds). The embedding model is the packaged MiniLM; its
time is reported apart from the solve (scoring every pair plus the assignment).

Usage: python bench/matching.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import save, table  # noqa: E402
from coach.programs.profiles import Profile, Slot  # noqa: E402
from coach.programs.scoring import ScoreTable  # noqa: E402
from coach.programs.solver import solve  # noqa: E402
from coach.programs.weights import load_weights  # noqa: E402

MENTORS = 200
PLANTED = 190
# (how a mentor may put it, how a mentee may put it): the same skill in two wordings.
SKILLS = [
    ("TikTok", "short-form video"),
    ("Instagram Reels", "vertical video for social media"),
    ("Python scripting", "automating reports with code"),
    ("SQL queries", "pulling numbers from a database"),
    ("Power BI dashboards", "interactive business reporting"),
    ("Excel pivot tables", "summarising spreadsheets"),
    ("ChatGPT prompts", "using generative AI for drafting"),
    ("Copilot in Office", "AI help in documents and email"),
    ("Slack etiquette", "team chat norms"),
    ("Zoom facilitation", "running engaging video meetings"),
    ("Figma prototypes", "quick interface mock-ups"),
    ("Canva graphics", "designing simple social posts"),
    ("LinkedIn personal brand", "professional presence online"),
    ("podcast production", "recording audio shows"),
    ("YouTube channel growth", "building an online video audience"),
    ("influencer partnerships", "working with creators"),
    ("SEO basics", "getting found in search results"),
    ("Google Analytics", "website traffic measurement"),
    ("agile ceremonies", "planning and retrospectives every two weeks"),
    ("Jira boards", "tracking tickets for a team"),
    ("Git and GitHub", "version control for shared code"),
    ("no-code automation", "connecting apps without programming"),
    ("cloud basics", "how hosted computing services work"),
    ("cyber hygiene", "staying safe from phishing"),
    ("accessibility testing", "making products usable for disabled people"),
    ("UX research", "interviewing users"),
    ("Gen Z workplace expectations", "what younger staff want from work"),
    ("hybrid team rituals", "keeping remote teams connected"),
    ("mental health at work", "talking about wellbeing with staff"),
    ("inclusive language", "wording that includes everyone"),
    ("employer branding on social", "recruiting through social channels"),
    ("Discord communities", "running online fan groups"),
    ("esports sponsorship", "marketing through competitive gaming"),
    ("mobile payments", "paying by phone"),
    ("crypto basics", "how digital currencies work"),
    ("VR training", "virtual reality for learning"),
    ("data privacy rules", "handling personal data lawfully"),
    ("sustainability reporting", "measuring carbon footprint"),
    ("customer reviews online", "reading what buyers post about us"),
    ("e-commerce storefronts", "selling products online"),
    ("meme culture", "humour that spreads online"),
    ("WhatsApp customer service", "answering customers on messaging apps"),
    ("remote onboarding", "welcoming new hires online"),
    ("digital note-taking with Notion", "shared team documentation"),
    ("personal productivity apps", "tools for managing tasks"),
    ("livestream shopping", "selling through live video"),
    ("open-source contribution", "working on public code projects"),
    ("prompt safety", "avoiding leaks of confidential data to AI tools"),
]
INTERESTS = [
    "rock climbing",
    "jazz",
    "chess",
    "baking bread",
    "marathon running",
    "birdwatching",
    "film photography",
    "board games",
    "urban gardening",
    "cycling",
    "salsa dancing",
    "sci-fi novels",
    "football",
    "yoga",
    "choir singing",
    "video games",
    "volunteering at food banks",
    "sailing",
    "pottery",
    "stand-up comedy",
    "astronomy",
    "knitting",
    "vintage cars",
    "street food",
    "theatre",
    "wild swimming",
    "crosswords",
    "hiking",
    "anime",
    "classical piano",
]
ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago", "Asia/Kolkata", "Australia/Sydney"]
DAYS = 5


@dataclass
class Cohort:
    """A generated cohort and its ground truth."""

    profiles: list[Profile]
    planted: set[tuple[str, str]]
    never: list[tuple[str, str]] = field(default_factory=list)


def _slot(rng: random.Random) -> Slot:
    start = rng.randrange(8, 16)
    return Slot(weekday=rng.randrange(DAYS), start=start * 60, end=(start + 2) * 60)


def _shared_slot(slot: Slot, zone_a: str, zone_b: str, week: str) -> Slot:
    """The same moment as ``slot`` in ``zone_a``, written in ``zone_b``'s local time."""
    from datetime import date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    monday = date.fromisoformat(week)
    start = datetime.combine(monday + timedelta(days=slot.weekday), time(slot.start // 60), tzinfo=ZoneInfo(zone_a))
    local = start.astimezone(ZoneInfo(zone_b))
    minutes = local.hour * 60 + local.minute
    end = min(minutes + (slot.end - slot.start), 24 * 60)
    return Slot(weekday=local.weekday(), start=minutes, end=end)


def generate(seed: int) -> Cohort:
    """A cohort of 200 mentors and 200 mentees with 190 planted pairs."""
    rng = random.Random(seed)
    week = str(load_weights().reference_week)
    mentors: list[Profile] = []
    mentees: list[Profile] = []
    planted: set[tuple[str, str]] = set()
    for k in range(PLANTED):
        concepts = rng.sample(range(len(SKILLS)), 4)
        interests = rng.sample(INTERESTS, 3)
        mz, ez = rng.choice(ZONES), rng.choice(ZONES)
        slot = _slot(rng)
        mentor = Profile(
            email=f"mentor{k}@example.org",
            name=f"Mentor {k}",
            role="mentor",
            department=f"D{k % 12}",
            manager_email=f"lead{k % 40}@example.org",
            skills_offered=[SKILLS[c][0] for c in concepts[:3]],
            interests=interests[:2],
            availability=[slot, _slot(rng)],
            timezone=mz,
        )
        mentee = Profile(
            email=f"mentee{k}@example.org",
            name=f"Mentee {k}",
            role="mentee",
            department=f"D{(k + 5) % 12}",
            skills_wanted=[SKILLS[concepts[0]][1], SKILLS[concepts[1]][1], SKILLS[concepts[3]][rng.randrange(2)]],
            interests=[interests[0], interests[2]],
            goals=[f"learn about {SKILLS[concepts[2]][1]}"],
            availability=[_shared_slot(slot, mz, ez, week), _slot(rng)],
            timezone=ez,
        )
        mentors.append(mentor)
        mentees.append(mentee)
        planted.add((mentor.email, mentee.email))
    _add_decoys(rng, mentors, mentees)
    never = _scatter_constraints(rng, mentors, mentees, planted)
    return Cohort(profiles=[*mentors, *mentees], planted=planted, never=never)


def _add_decoys(rng: random.Random, mentors: list[Profile], mentees: list[Profile]) -> None:
    for d in range(MENTORS - PLANTED):
        k = rng.randrange(PLANTED)
        mentors.append(
            mentors[k].model_copy(
                update={
                    "email": f"decoy-mentor{d}@example.org",
                    "name": f"Decoy mentor {d}",
                    "manager_email": mentees[k].email,
                }
            )
        )
        q = rng.randrange(PLANTED)
        mentees.append(
            mentees[q].model_copy(
                update={
                    "email": f"decoy-mentee{d}@example.org",
                    "name": f"Decoy mentee {d}",
                    "manager_email": mentors[q].manager_email,
                }
            )
        )


def _scatter_constraints(
    rng: random.Random, mentors: list[Profile], mentees: list[Profile], planted: set[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Random reporting lines and never-pair entries that never touch a planted pair."""
    never: list[tuple[str, str]] = []
    for _ in range(30):
        i, j = rng.randrange(PLANTED), rng.randrange(PLANTED)
        if i != j:
            mentees[j] = mentees[j].model_copy(update={"manager_email": f"lead{i % 40}@example.org"})
    for _ in range(20):
        i, j = rng.randrange(PLANTED), rng.randrange(PLANTED)
        if (mentors[i].email, mentees[j].email) not in planted:
            never.append((mentors[i].email, mentees[j].email))
    return never


def violations(pairs: list[tuple[str, str]], cohort: Cohort) -> int:
    """Pairs that break a hard constraint, checked from the raw links."""
    people = {p.email: p for p in cohort.profiles}
    never = {frozenset(n) for n in cohort.never}

    def above(email: str) -> set[str]:
        seen: set[str] = set()
        current = people[email].manager_email if email in people else ""
        while current and current not in seen:
            seen.add(current)
            current = people[current].manager_email if current in people else ""
        return seen

    bad = 0
    for mentor, mentee in pairs:
        a, b = people[mentor], people[mentee]
        if (
            mentee in above(mentor)
            or mentor in above(mentee)
            or frozenset((mentor, mentee)) in never
            or (a.manager_email and a.manager_email == b.manager_email)
        ):
            bad += 1
    return bad


def greedy(table_: ScoreTable) -> tuple[list[tuple[str, str]], float]:
    """The baseline: take the best remaining feasible pair until none is left."""
    feasible = table_.feasible()
    order = sorted(((float(table_.total[i, j]), i, j) for i, j in zip(*feasible.nonzero(), strict=True)), reverse=True)
    used_mentors: set[int] = set()
    used_mentees: set[int] = set()
    pairs: list[tuple[str, str]] = []
    total = 0.0
    for score, i, j in order:
        if i in used_mentors or j in used_mentees:
            continue
        used_mentors.add(i)
        used_mentees.add(j)
        pairs.append((table_.mentors[i].email, table_.mentees[j].email))
        total += score
    return pairs, total


def run_seed(seed: int, embedder: object) -> dict[str, float]:
    """One cohort: score, solve, compare."""
    cohort = generate(seed)
    weights = load_weights()
    start = time.perf_counter()
    scored = ScoreTable(cohort.profiles, embedder, weights, never=cohort.never)  # type: ignore[arg-type]
    scoring = time.perf_counter() - start
    start = time.perf_counter()
    matching = solve(scored)
    assign = time.perf_counter() - start
    pairs = [(p.mentor, p.mentee) for p in matching.pairs]
    greedy_pairs, greedy_total = greedy(scored)
    return {
        "seed": seed,
        "found": len(cohort.planted & set(pairs)),
        "planted": len(cohort.planted),
        "violations": violations(pairs, cohort),
        "greedy_violations": violations(greedy_pairs, cohort),
        "total": matching.total,
        "greedy": greedy_total,
        "scoring": scoring,
        "assign": assign,
        "pairs": len(pairs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    from coach.config import Settings
    from coach.knowledge.embeddings import SentenceTransformerEmbedder
    from coach.programs.phrases import embed_cached, expand

    settings = Settings()
    embedder = SentenceTransformerEmbedder(settings.embedding_model_path, settings.embedding_batch_size)
    phrases = sorted(
        {
            expand(x)
            for c in range(1, args.seeds + 1)
            for p in generate(c).profiles
            for x in (*p.strengths, *p.skills_wanted, *p.interests, *p.goals)
        }
    )
    start = time.perf_counter()
    embed_cached(phrases, embedder)
    embedding = time.perf_counter() - start
    results = [run_seed(seed, embedder) for seed in range(1, args.seeds + 1)]
    rows = []
    for r in results:
        ratio = r["total"] / r["greedy"] if r["greedy"] else float("inf")
        rows.append(
            [
                int(r["seed"]),
                f"{r['found'] / r['planted']:.3f}",
                int(r["violations"]),
                f"{r['total']:.2f}",
                f"{r['greedy']:.2f}",
                f"{ratio:.4f}",
                f"{r['scoring'] + r['assign']:.2f}",
                f"{r['scoring']:.2f}",
                f"{r['assign']:.2f}",
            ]
        )
    report = table(
        ["seed", "recovery", "violations", "total", "greedy total", "ratio", "solve s", "scoring s", "assignment s"],
        rows,
    )
    found = sum(r["found"] for r in results)
    planted = sum(r["planted"] for r in results)
    ratios = [r["total"] / r["greedy"] for r in results]
    summary = [
        f"planted recovery {found / planted:.3f}",
        f"constraint violations {int(sum(r['violations'] for r in results))}",
        f"greedy baseline violations {int(sum(r['greedy_violations'] for r in results))}",
        f"ratio vs greedy min {min(ratios):.4f} (every seed >= 1: {all(x >= 1 - 1e-9 for x in ratios)})",
        f"solve time max {max(r['scoring'] + r['assign'] for r in results):.2f} s (scoring every pair + assignment)",
        f"embedding {len(phrases)} phrases once, loading the model included: {embedding:.2f} s",
    ]
    text = "\n".join([report, "", *summary])
    print(text)
    save("matching.md", "# Matching benchmark\n\n" + text)


if __name__ == "__main__":
    main()
