"""Can the local model (llama.cpp SmolLM2-135M) hold a practice persona's character?

For ~20 scripted mentor turns (from ``eval/datasets/roleplay_scripts.jsonl``), the
offline role-play chooses the reaction and the bank line; the local model is then asked,
with ``prompts/roleplay_reply.yaml``, to say that line in character. Each reply is run
through the same simple checks the role-play guard uses (``check_character``): no
mention of being a model or assistant, first person, on topic, matches the reaction,
well formed. The bank lines themselves are checked too, as a baseline for the checks.

Writes ``eval/persona_character.md``. Usage: ``.venv/bin/python bench/persona_character.py [--turns 20]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.config import Settings  # noqa: E402
from coach.flows.roleplay.session import PracticeSession, reaction_goals  # noqa: E402
from coach.flows.roleplay.voice import check_character  # noqa: E402
from coach.llm.generation import generate_text  # noqa: E402
from coach.llm.prompts import load_prompt  # noqa: E402
from coach.llm.providers import build_chat_model, model_label  # noqa: E402

SCRIPTS = ROOT / "eval" / "datasets" / "roleplay_scripts.jsonl"
CHECKS = ("no_ai_mention", "first_person", "on_topic", "matches_reaction", "well_formed")


def scripted_turns(limit: int) -> list[tuple[str, str, str]]:
    """(persona, difficulty, user turn) for the first ``limit`` turns of the scripts, in order."""
    turns = []
    for line in SCRIPTS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            script = json.loads(line)
            turns += [(script["persona"], script["difficulty"], t["user"]) for t in script["turns"]]
    return turns[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "persona_character.md")
    args = parser.parse_args()
    settings = Settings(llm_provider="local")
    model = build_chat_model(settings)
    prompt = load_prompt("roleplay_reply")
    goals = reaction_goals()
    sessions: dict[tuple[str, str], PracticeSession] = {}
    rows = []
    model_pass = {c: 0 for c in CHECKS}
    bank_pass = {c: 0 for c in CHECKS}
    model_ok = bank_ok = 0
    seconds = 0.0
    for persona_id, difficulty, user in scripted_turns(args.turns):
        session = sessions.setdefault((persona_id, difficulty), PracticeSession(persona_id, difficulty))
        turn = session.respond(user)  # offline: reaction and bank line
        persona = session.persona
        key = "close" if turn.closing else turn.reaction
        variables = {
            "persona_name": persona.name,
            "persona_title": persona.title,
            "persona_profile": persona.profile,
            "difficulty_note": persona.difficulty[difficulty].note,
            "reaction_goal": goals.get(key, ""),
            "bank_line": turn.reply,
            "mentor_turn": user,
        }
        start = time.perf_counter()
        reply = generate_text(model, prompt, variables, max_tokens=80).strip().strip('"').strip()
        seconds += time.perf_counter() - start
        context = f"{user} {turn.reply}"
        got = check_character(reply, key, persona.name, context)
        base = check_character(turn.reply, key, persona.name, context)
        for c in CHECKS:
            model_pass[c] += getattr(got, c)
            bank_pass[c] += getattr(base, c)
        model_ok += got.passed
        bank_ok += base.passed
        rows.append((persona_id, key, user, turn.reply, reply, got.failures()))
        print(f"[{'ok ' if got.passed else 'BAD'}] {persona_id}/{key}: {reply[:100]!r} {got.failures()}")
    n = len(rows)
    lines = [
        "# Can the local model hold a persona's character?",
        "",
        f"Model: `{model_label(model)}` (llama.cpp, temperature {settings.llm_temperature}), prompt "
        f"`prompts/roleplay_reply.yaml` v{prompt.version}. {n} scripted mentor turns from",
        "`eval/datasets/roleplay_scripts.jsonl`; for each, the offline role-play chose the reaction and the bank",
        "line, and the model was asked to say that line in character. Checks (`coach.flows.roleplay.voice."
        "check_character`):",
        "no mention of AI/assistant/language model/role-play; first person (and not narrating itself by name);",
        "shares a content word with the turn or the bank line; a simple cue for the reaction (e.g. a question",
        "word for ask_example, a commitment for engage, no promise to change unless engaging); 1-70 words, no",
        "speaker label.",
        "",
        "| check | local model | bank lines (baseline) |",
        "|---|---:|---:|",
    ]
    for c in CHECKS:
        lines.append(
            f"| {c} | {model_pass[c]}/{n} ({model_pass[c] / n:.0%}) | {bank_pass[c]}/{n} ({bank_pass[c] / n:.0%}) |"
        )
    lines.append(
        f"| **all checks (in character)** | **{model_ok}/{n} ({model_ok / n:.0%})** | "
        f"**{bank_ok}/{n} ({bank_ok / n:.0%})** |"
    )
    decision = (
        "The model stays in character often enough to vary wording behind the guard."
        if model_ok / n >= 0.9
        else "**Decision:** the local model does not hold character reliably, so the role-play uses the persona "
        "response banks only with it (`profile_of(model).structured_output` is False for llama.cpp models). A capable model (any "
        "OpenAI-compatible endpoint) may reword the bank line; its output passes the same checks or the bank "
        "line is used."
    )
    lines += [
        "",
        "The checks are deliberately simple and lenient: passing them is necessary, not sufficient (read the "
        "replies below; several that pass are generic or drift away from the persona).",
    ]
    lines += [
        "",
        f"Generation took {seconds:.1f} s in total ({seconds / max(n, 1):.2f} s per reply).",
        "",
        decision,
        "",
        "## Replies",
        "",
        "| persona | reaction | bank line | local model | failed checks |",
        "|---|---|---|---|---|",
    ]
    for persona_id, key, _user, bank, reply, failures in rows:
        cell = reply.replace("|", "\\|").replace("\n", " ")[:220]
        lines.append(f"| {persona_id} | {key} | {bank.replace('|', '/')} | {cell} | {', '.join(failures) or '-'} |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"in character: model {model_ok}/{n}, bank {bank_ok}/{n}; wrote {args.out}")


if __name__ == "__main__":
    main()
