"""``coach chat``: one message, or a conversation, routed to the right flow."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from coach.commands import app, console, out, print_json, read_text, runtime
from coach.errors import CoachError

END_WORDS = {"quit", "exit", "bye", "done"}


@app.command()
def chat(
    ctx: typer.Context,
    message: Annotated[
        Optional[str], typer.Argument(help="A one-shot message ('-' reads standard input); omit it for a conversation.")
    ] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help="Send this file's text as a one-shot message.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print route, text and data as JSON.")] = False,
) -> None:
    """Ask for an agenda, a feedback check, a stereotype reflection, questions or guidance."""
    from coach.flows.chat.agent import chat as run_chat

    if message is not None or file is not None:
        message = read_text(message, file, "message")
    rt = runtime(ctx)
    if message is not None:
        reply = run_chat(message, rt)
        if as_json:
            print_json(reply.model_dump(mode="json"))
        else:
            out.print(f"[dim]({reply.route})[/] {reply.text}", highlight=False)
        return
    out.print("Ask me anything about your reverse-mentoring sessions. An empty line or 'quit' ends.")
    while True:
        try:
            text = input("\nYou: ")
        except EOFError:
            out.print()
            return
        if not text.strip() or text.strip().lower() in END_WORDS:
            return
        try:
            reply = run_chat(text, rt)
        except Exception as exc:  # one bad message, or a server that went away, does not end the conversation
            from coach.failures import server_failure

            failure = exc if isinstance(exc, CoachError) else server_failure(exc, rt.settings)
            if failure is None:
                raise
            console.print(f"[bold red]Error:[/] {failure}", highlight=False, soft_wrap=True)
            continue
        out.print(f"[dim]({reply.route})[/] {reply.text}", highlight=False)
