"""Role-play: persona reactions, conversation state, bad inputs, rewording guard, debrief."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT, Settings
from coach.errors import InputError
from coach.flows.roleplay.session import PracticeSession, load_personas
from coach.flows.roleplay.voice import check_character, request_phrase
from coach.knowledge.embeddings import SentenceTransformerEmbedder
from coach.llm.fake import FakeChatModel

SCRIPTS = PROJECT_ROOT / "eval" / "datasets" / "roleplay_scripts.jsonl"
OUT_OF_CHARACTER = re.compile(r"\b(?:AI|assistant|language model)\b", re.IGNORECASE)
# Measured: 40 of 47 scripted turns (0.85; dev 20/23, test 20/24). The misses are turns
# where the scorer finds no impact that the script's author saw, or a complete SBI one
# turn early; the threshold is the brief's 80%.
REACTION_MATCH_THRESHOLD = 0.80

SITUATION_BEHAVIOUR = (
    "In Thursday's budget review, when Amara raised the supplier risk, you said 'not now' and moved on."
)
IMPACT = (
    "After you said 'not now', Amara told me she won't raise risks in that forum again, and the order is a week late."
)
REQUEST = "Could you add a five-minute risks slot at the end of next Thursday's review?"
COMPLETE = f"{SITUATION_BEHAVIOUR} {IMPACT} {REQUEST}"
DEVELOPING = (
    "In meetings you sometimes answer your own questions before anyone replies, and I think people "
    "feel a bit rushed. Maybe leave a bit more space?"
)


def scripts() -> list[dict[str, object]]:
    return [json.loads(line) for line in SCRIPTS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def script_results(embedder: SentenceTransformerEmbedder) -> list[tuple[str, str, str, str]]:
    """(script id, expected, got, reply) for every scripted turn."""
    rows = []
    for script in scripts():
        session = PracticeSession(str(script["persona"]), str(script["difficulty"]), embedder=embedder)
        for turn in script["turns"]:  # type: ignore[attr-defined]
            result = session.respond(turn["user"])
            rows.append((str(script["id"]), turn["expected_reaction"], result.reaction, result.reply))
    return rows


def test_reactions_match_the_scripts(script_results: list[tuple[str, str, str, str]]) -> None:
    matched = sum(expected == got for _, expected, got, _ in script_results)
    rate = matched / len(script_results)
    assert rate >= REACTION_MATCH_THRESHOLD, [r[:3] for r in script_results if r[1] != r[2]]


def test_persona_never_steps_out_of_character(script_results: list[tuple[str, str, str, str]]) -> None:
    assert not [reply for *_, reply in script_results if OUT_OF_CHARACTER.search(reply)]
    for persona in load_personas().values():
        for lines in persona.responses.values():
            assert not [line for line in lines if OUT_OF_CHARACTER.search(line)]


@pytest.mark.parametrize(
    ("persona", "difficulty", "turn", "expected_error"),
    [
        ("defensive", "normal", "", InputError),
        ("defensive", "normal", "   \n\t ", InputError),
        ("defensive", "normal", "x" * 20_000, InputError),  # refused with its limit, never cut
        ("busy", "hard", "You never listen " * 290, None),
        ("receptive", "easy", "🙂🙂🙂 great meeting 🎉", None),
        ("receptive", "normal", "Im Meeting am Dienstag hast du Lea zweimal unterbrochen.", None),
        ("people-pleaser", "hard", "在周二的会议上，你打断了她两次。", None),
        ("tech-sceptic", "normal", "في اجتماع الثلاثاء قاطعت سارة مرتين", None),
        ("nobody", "normal", "In Monday's call you interrupted Jo.", InputError),
        ("defensive", "extreme", "In Monday's call you interrupted Jo.", InputError),
    ],
)
def test_bad_inputs(persona: str, difficulty: str, turn: str, expected_error: type[Exception] | None) -> None:
    if expected_error is not None:
        with pytest.raises(expected_error):
            PracticeSession(persona, difficulty).respond(turn)
        return
    result = PracticeSession(persona, difficulty).respond(turn)
    assert result.reply and not OUT_OF_CHARACTER.search(result.reply)


def test_unknown_persona_lists_valid_ids() -> None:
    with pytest.raises(InputError) as info:
        PracticeSession("nobody")
    assert all(pid in str(info.value) for pid in load_personas())


def test_parts_supplied_across_turns_combine_and_close_after_engaging() -> None:
    session = PracticeSession("defensive", "normal")
    reactions = [session.respond(t).reaction for t in (SITUATION_BEHAVIOUR, IMPACT, REQUEST)]
    assert reactions == ["ask_impact", "ask_request", "engage"]
    after = session.respond("Thank you for hearing me out.")
    assert after.closing and after.reply in load_personas()["defensive"].responses["close"]
    assert session.finished


def test_hard_pushes_back_once_before_engaging_but_normal_engages() -> None:
    hard = PracticeSession("defensive", "hard")
    assert hard.respond(COMPLETE).reaction == "hard_pushback"
    assert hard.respond(COMPLETE).reaction == "engage"
    assert PracticeSession("defensive", "normal").respond(COMPLETE).reaction == "engage"


def test_easy_engages_on_developing_feedback() -> None:
    assert PracticeSession("people-pleaser", "easy").respond(DEVELOPING).reaction == "engage"
    assert PracticeSession("people-pleaser", "normal").respond(DEVELOPING).reaction == "partial"


@pytest.mark.parametrize("text", ["You always shut people down.", "People your age never get technology."])
def test_disrespect_makes_the_persona_defensive(text: str) -> None:
    assert PracticeSession("rank-puller", "normal").respond(text).reaction == "defensive"


def test_hard_runs_out_of_patience_sooner_than_easy() -> None:
    vague = "Things could be better."
    hard = [PracticeSession("busy", "hard") for _ in range(1)][0]
    hard_reactions = [hard.respond(vague).reaction for _ in range(3)]
    easy = PracticeSession("busy", "easy")
    easy_reactions = [easy.respond(vague).reaction for _ in range(3)]
    assert "defensive" in hard_reactions
    assert "defensive" not in easy_reactions


def test_no_line_is_repeated_while_fresh_ones_remain() -> None:
    session = PracticeSession("tech-sceptic", "normal", seed=3)
    replies = [session.respond("Things could be better, I suppose.").reply for _ in range(5)]
    assert len(set(replies)) == len(replies)


def test_same_seed_same_replies_different_seed_varies() -> None:
    def run(seed: int) -> list[str]:
        session = PracticeSession("busy", "normal", seed=seed)
        return [session.respond(t).reply for t in (SITUATION_BEHAVIOUR, IMPACT, REQUEST)]

    assert run(1) == run(1)
    assert any(run(1) != run(seed) for seed in range(2, 6))


def test_stream_reply_yields_the_reply() -> None:
    session = PracticeSession("receptive", "normal")
    pieces = list(session.stream_reply(SITUATION_BEHAVIOUR))
    assert "".join(pieces) == session.turns[-1].reply and len(pieces) > 1


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ("Could you let him answer first at Thursday's stand-up?", "let him answer first at Thursday's stand-up"),
        ("Next time, please check the chat before moving on.", "check the chat before moving on"),
        ("Would you be willing to open it with me for ten minutes?", "open it with you for ten minutes"),
        ("You were great.", None),
        (None, None),
    ],
)
def test_request_phrase(evidence: str | None, expected: str | None) -> None:
    assert request_phrase(evidence) == expected


def test_capable_model_rewording_is_kept_when_in_character() -> None:
    model = FakeChatModel(responses=["What did you actually see, and in which meeting? I want to picture it."])
    turn = PracticeSession("defensive", "normal", model=model).respond("Things could be better.")
    assert turn.reaction == "ask_example" and turn.reworded
    assert turn.reply.startswith("What did you actually see")
    assert "Things could be better." in str(model.calls[0][-1].content)


@pytest.mark.parametrize(
    "bad",
    ["As an AI language model, I cannot role-play a person.", "Assistant: When did that happen?", "", "x " * 200],
)
def test_capable_model_output_that_breaks_character_falls_back(bad: str) -> None:
    model = FakeChatModel(responses=[bad])
    turn = PracticeSession("defensive", "normal", model=model).respond("Things could be better.")
    assert not turn.reworded
    assert turn.reply in load_personas()["defensive"].responses["ask_example"]


def test_incapable_model_is_not_called() -> None:
    model = FakeChatModel(responses=["As an AI, hello"], capable=False)
    turn = PracticeSession("busy", "normal", model=model).respond(SITUATION_BEHAVIOUR)
    assert not model.calls and not turn.reworded


def test_check_character_catches_breaks() -> None:
    context = "In the review you said not now to Amara."
    assert check_character("When did I say that? Which review?", "ask_example", "Diane Okafor", context).passed
    assert not check_character("As an AI, which review?", "ask_example", "Diane Okafor", context).passed
    assert not check_character("Diane says: which review?", "ask_example", "Diane Okafor", context).passed
    assert not check_character("I'll change it, which review?", "ask_example", "Diane Okafor", context).passed


def test_debrief_scores_quotes_improvement_tip_and_citations(indexed_runtime: object) -> None:
    retriever = indexed_runtime.retriever  # type: ignore[attr-defined]
    session = PracticeSession("defensive", "normal", retriever=retriever)
    for text in ("You always shut people down.", SITUATION_BEHAVIOUR, IMPACT, REQUEST):
        session.respond(text)
    debrief = session.debrief()
    assert [t.turn for t in debrief.turns] == [1, 2, 3, 4]
    assert debrief.turns[1].quotes["situation"] in SITUATION_BEHAVIOUR
    assert {"situation", "behavior", "request"} <= set(debrief.improved)
    assert debrief.try_next and ":" in debrief.try_next
    assert debrief.citations
    assert all(c.source.endswith(("upward-feedback-sbi.md", "feedback-tact-and-tone.md")) for c in debrief.citations)
    assert "committed" in debrief.summary


def test_debrief_without_retriever_or_turns() -> None:
    debrief = PracticeSession("busy").debrief()
    assert debrief.turns == [] and debrief.citations == []


def test_practice_cli_script_json(tmp_path: Path, indexed_runtime: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import coach.cli  # noqa: F401  (registers the commands)
    from coach import commands

    script = tmp_path / "turns.txt"
    script.write_text(f"{SITUATION_BEHAVIOUR}\n\n{IMPACT}\n{REQUEST}\n", encoding="utf-8")
    result = CliRunner().invoke(
        commands.app, ["practice", "--persona", "defensive", "--script", str(script), "--json"], obj=indexed_runtime
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [t["user"] for t in data["turns"]] == [SITUATION_BEHAVIOUR, IMPACT, REQUEST]
    assert set(data["turns"][0]) >= {"user", "reply", "score"}
    assert set(data["turns"][0]["score"]["criteria"]) == {"situation", "behavior", "impact", "request", "respect"}
    assert {"turns", "improved", "try_next", "citations", "summary"} <= set(data["debrief"])


def test_practice_cli_interactive(indexed_runtime: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import coach.cli  # noqa: F401
    from coach import commands

    result = CliRunner().invoke(
        commands.app,
        ["practice", "--persona", "busy", "--difficulty", "hard"],
        input=f"{COMPLETE}\ndone\n",
        obj=indexed_runtime,
    )
    assert result.exit_code == 0, result.output
    assert "Debrief" in result.output and load_personas()["busy"].opening in result.output


@pytest.mark.slow
@pytest.mark.integration
def test_practice_with_the_local_model_stays_in_character(embedder: SentenceTransformerEmbedder) -> None:
    from coach.llm.providers import build_chat_model

    model = build_chat_model(Settings(llm_provider="local"))
    session = PracticeSession("defensive", "hard", embedder=embedder, model=model)
    for text in ("You always shut people down.", SITUATION_BEHAVIOUR, IMPACT, REQUEST):
        turn = session.respond(text)
        assert not turn.reworded  # the small model only would vary wording; measured not to hold character
        assert check_character(
            turn.reply, "close" if turn.closing else turn.reaction, "Diane Okafor", turn.reply
        ).passed
    assert session.turns[-1].reaction == "engage"


def test_debrief_text_spells_behaviour_the_british_way(indexed_runtime: object) -> None:
    session = PracticeSession("defensive", "normal", retriever=indexed_runtime.retriever)  # type: ignore[attr-defined]
    session.respond(SITUATION_BEHAVIOUR)
    debrief = session.debrief()
    assert "behaviour at turn 1" in debrief.summary
    shown = " ".join([debrief.summary, debrief.try_next])
    assert "behavior" not in shown.lower()
    assert "behavior" in debrief.turns[0].scores  # the data key stays as it is
