"""Chat: one message in, the right flow's answer out.

With a capable chat model, a small LangChain tool-calling loop lets the model pick flows
(agenda, feedback scoring, stereotype reflection, question preparation, guidance search)
as tools. Otherwise, or if that loop fails in any way, the offline router picks the flow
and the flow runs with defaults read from the message (duration, session number, format,
quoted text, topic).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from coach.errors import CoachError, InputError
from coach.flows.chat.router import ChatReply, Route, route_message, split_quotes
from coach.ports import profile_of

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.tools import BaseTool

    from coach.runtime import Runtime

log = logging.getLogger(__name__)

DEFAULT_DURATION = 45
DEFAULT_PROGRAM_SESSIONS = 6
MIN_DURATION, MAX_DURATION = 10, 180
MAX_AGENT_STEPS = 4
MAX_TOOL_RESULT_CHARS = 4000

_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "final": 0,
    "last": 0,
}
_MINUTES = re.compile(r"(\d{1,3})\s*-?\s*(?:min(?:ute)?s?|m)\b", re.I)
_HOURS = re.compile(r"(\d(?:\.\d)?|an?|one|two|half an?)\s*-?\s*(?:hours?|hrs?|h)\b", re.I)
_QUARTER = re.compile(r"quarter of an hour", re.I)
_SESSION = re.compile(r"\bsession\s*(?:#|no\.?|number)?\s*(\d{1,2})(?:\s*(?:of|/)\s*(\d{1,2}))?", re.I)
_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth|sixth|final|last)\s+(?:session|meeting)\b", re.I)
_OF_TOTAL = re.compile(r"\b(\d{1,2}|\w+)\s+(?:of|out of)\s+(\d{1,2})\b", re.I)
_VIDEO = re.compile(r"\b(?:video|zoom|teams call|remote|online|virtual|video call)\b", re.I)
_FOCUS = re.compile(
    r"\b(?:focus(?:\s+is|\s+on|\s*=|:)?|topic(?:\s+is|:)?|about|on|covering|cover|talk about|discuss)\s+(.+)", re.I
)
_FOCUS_STOP = re.compile(r"[.?!;]|,\s*(?:\d|video|in person|go\b)|\s+(?:for|in)\s+\d", re.I)


def extract_duration(message: str) -> int:
    """Session length in minutes mentioned in the message, clamped to 10-180; default 45."""
    minutes: int | None = None
    if m := _MINUTES.search(message):
        minutes = int(m.group(1))
    elif _QUARTER.search(message):
        minutes = 15
    elif m := _HOURS.search(message):
        amount = m.group(1).lower()
        hours = (
            0.5
            if amount.startswith("half")
            else 1.0
            if amount in {"a", "an", "one"}
            else 2.0
            if amount == "two"
            else float(amount)
        )
        minutes = int(hours * 60)
    if minutes is None:
        return DEFAULT_DURATION
    return max(MIN_DURATION, min(MAX_DURATION, minutes))


def extract_sessions(message: str) -> tuple[int, int]:
    """(session number, sessions in the programme) mentioned in the message; default (1, 6)."""
    number, total = 1, DEFAULT_PROGRAM_SESSIONS
    if m := _SESSION.search(message):
        number = int(m.group(1))
        if m.group(2):
            total = int(m.group(2))
    elif m := _ORDINAL.search(message):
        value = _WORD_NUMBERS[m.group(1).lower()]
        number = value or total
    if m := _OF_TOTAL.search(message):
        first = m.group(1).lower()
        found = int(first) if first.isdigit() else _WORD_NUMBERS.get(first)
        if found:
            number, total = found, int(m.group(2))
    number = max(1, number)
    return number, max(total, number)


def extract_focus(message: str) -> str:
    """The topic of the message: the words after 'focus', 'about', 'on', ... (else the message)."""
    frame = message
    for m in _FOCUS.finditer(frame):
        focus = _FOCUS_STOP.split(m.group(1), maxsplit=1)[0].strip(" ,:-'\"")
        if focus and len(focus.split()) <= 12 and not focus.lower().startswith(("the agenda", "our session")):
            return focus
    return " ".join(message.split())[:200]


def quoted_or_message(message: str) -> str:
    """The quoted part of the message if there is one, else the whole message."""
    _, quote = split_quotes(message)
    return quote.strip() or message.strip()


# --- the flows, called with defaults read from the message -------------------------------------------


def run_agenda(message: str, runtime: Runtime) -> ChatReply:
    from coach.flows.agenda.builder import AgendaRequest, build_agenda

    number, total = extract_sessions(message)
    request = AgendaRequest(
        session_number=number,
        program_sessions=total,
        duration_minutes=extract_duration(message),
        focus=extract_focus(message),
        format="video" if _VIDEO.search(message) else "in person",
    )
    agenda = build_agenda(request, runtime.retriever)
    lines = [f"{agenda.title} ({agenda.duration_minutes} min)"]
    lines += [f"- {item.minutes} min: {item.title}" for item in agenda.items]
    return ChatReply(route="agenda", text="\n".join(lines), data=agenda.model_dump(mode="json"))


def run_feedback(message: str, runtime: Runtime) -> ChatReply:
    from coach.flows.feedback.scoring import score_feedback
    from coach.flows.roleplay.session import load_personas

    _, quote = split_quotes(message)
    if not quote.strip() and re.search(r"rehears|practi[cs]|role-?play|pretend|try it out", message, re.I):
        personas = list(load_personas())
        text = (
            "Let's rehearse it. Start a practice conversation with `coach practice --persona defensive` "
            f"(personas: {', '.join(personas)}; add --difficulty easy|normal|hard)."
        )
        return ChatReply(route="feedback", text=text, data={"practice": {"personas": personas}})
    score = score_feedback(quoted_or_message(message), runtime.embedder)
    missing = [name for name, c in score.criteria.items() if not c.met]
    text = f"Overall {score.overall}/100 ({score.level})."
    if missing:
        text += f" To strengthen: {', '.join(missing)}. Suggested rewrite: {score.rewrite}"
    return ChatReply(route="feedback", text=text, data=score.model_dump(mode="json"))


def run_reflection(message: str, runtime: Runtime) -> ChatReply:
    from coach.flows.stereotypes.check import reflect

    result = reflect(quoted_or_message(message), runtime.retriever, runtime.embedder)
    text = "\n".join([*(f"- {q}" for q in result.questions[:3]), result.reframe]).strip()
    return ChatReply(route="reflection", text=text, data=result.model_dump(mode="json"))


def run_questions(message: str, runtime: Runtime) -> ChatReply:
    from coach.flows.questions.prep import prepare_questions

    result = prepare_questions("senior mentee", extract_focus(message), runtime.retriever)
    text = "\n".join(f"- {q.text}" for q in result.questions)
    return ChatReply(route="questions", text=text, data=result.model_dump(mode="json"))


def run_ask(message: str, runtime: Runtime) -> ChatReply:
    from coach.answering import answer_question

    answer = answer_question(message, runtime.retriever, runtime.settings, mode="extractive")
    return ChatReply(route="ask", text=answer.answer, data=answer.public())


RUNNERS: dict[str, Callable[[str, Runtime], ChatReply]] = {
    "agenda": run_agenda,
    "feedback": run_feedback,
    "reflection": run_reflection,
    "questions": run_questions,
    "ask": run_ask,
}


def routed_chat(message: str, runtime: Runtime) -> ChatReply:
    """The offline path: route the message, then run that flow with defaults from the message."""
    decision = route_message(message, runtime.embedder)
    reply = RUNNERS[decision.route](message, runtime)
    reply.data.setdefault("routing", decision.model_dump())
    return reply


# --- the tool-calling agent for capable models ----------------------------------------------------


def make_tools(runtime: Runtime, record: list[tuple[Route, dict[str, Any]]]) -> list[BaseTool]:
    """The flows and retrieval as LangChain tools; each call's route and result go into ``record``."""
    from langchain_core.tools import StructuredTool

    def _run(route: Route, reply: ChatReply) -> str:
        record.append((route, reply.data))
        return json.dumps({"summary": reply.text, "result": reply.data}, ensure_ascii=False)[:MAX_TOOL_RESULT_CHARS]

    def plan_session(
        focus: str,
        duration_minutes: int = DEFAULT_DURATION,
        session_number: int = 1,
        program_sessions: int = DEFAULT_PROGRAM_SESSIONS,
        video: bool = False,
    ) -> str:
        """Plan a timed agenda for one reverse-mentoring session."""
        msg = f"session {session_number} of {program_sessions}, {duration_minutes} min, focus: {focus}"
        return _run("agenda", run_agenda(msg + (", video" if video else ""), runtime))

    def score_feedback_text(feedback: str) -> str:
        """Score upward feedback on situation, behaviour, impact, request and respect."""
        return _run("feedback", run_feedback(f'"{feedback}"', runtime))

    def reflect_on_stereotypes(statement: str) -> str:
        """Check a statement for generational stereotypes and reflect on it."""
        return _run("reflection", run_reflection(statement, runtime))

    def prepare_mentee_questions(topic: str) -> str:
        """Prepare open questions the senior mentee can ask the junior mentor about a topic."""
        return _run("questions", run_questions(f"questions about {topic}", runtime))

    def search_guidance(question: str) -> str:
        """Answer a question about reverse mentoring from the guidance, with citations."""
        return _run("ask", run_ask(question, runtime))

    functions: list[Callable[..., str]] = [
        plan_session,
        score_feedback_text,
        reflect_on_stereotypes,
        prepare_mentee_questions,
        search_guidance,
    ]
    return [StructuredTool.from_function(f) for f in functions]


def agent_chat(message: str, runtime: Runtime, model: BaseChatModel) -> ChatReply:
    """Let a capable model call the flows as tools (at most ``MAX_AGENT_STEPS`` model calls).

    Raises:
        RuntimeError: the model did not finish within the step budget.
    """
    from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

    from coach.llm.prompts import load_prompt

    record: list[tuple[Route, dict[str, Any]]] = []
    tools = {t.name: t for t in make_tools(runtime, record)}
    bound = model.bind_tools(list(tools.values()))
    messages: list[BaseMessage] = list(load_prompt("chat_agent").render(message=message))
    for _ in range(MAX_AGENT_STEPS):
        reply = bound.invoke(messages)
        if not isinstance(reply, AIMessage):
            raise RuntimeError("the model returned no message")
        messages.append(reply)
        if not reply.tool_calls:
            text = reply.content if isinstance(reply.content, str) else str(reply.content)
            if not record:
                # The model answered without a flow: keep the offline router's label for it.
                return ChatReply(route=route_message(message, runtime.embedder).route, text=text.strip(), data={})
            route, data = record[-1]
            return ChatReply(route=route, text=text.strip(), data=data)
        for call in reply.tool_calls:
            tool = tools.get(call["name"])
            if tool is None:
                raise RuntimeError(f"unknown tool {call['name']}")
            result = tool.invoke(call["args"])
            messages.append(ToolMessage(content=str(result), tool_call_id=call.get("id") or call["name"]))
    raise RuntimeError("the agent did not finish within the step budget")


def chat(message: str, runtime: Runtime) -> ChatReply:
    """Answer a chat message with the right flow.

    Args:
        message: What the user typed.
        runtime: The lazily built components (embedder, retriever, chat model, settings).

    Returns:
        The route taken, a short text and the flow's result as a JSON-able dict.

    Raises:
        InputError: the message is empty.
    """
    if not message or not message.strip():
        raise InputError("The message is empty.", hint="Type a question or a request.")
    model = _capable_model(runtime)
    if model is not None:
        try:
            return agent_chat(message, runtime, model)
        except Exception as exc:  # any failure of the model or its tool calls: the router still answers
            log.info("tool-calling chat failed (%s); using the offline router", exc)
    return routed_chat(message, runtime)


def _capable_model(runtime: Runtime) -> BaseChatModel | None:
    try:
        model = runtime.chat_model
    except CoachError:
        return None
    return model if profile_of(model).structured_output else None
