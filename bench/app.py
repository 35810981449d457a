"""Measure the app as a user meets it: `streamlit run` in a real browser, on the local model.

1. Start-up: from launching `streamlit run app.py` to the first rendered page (Home's
   title visible in chromium). Cold: a fresh data directory, first start of the process.
   Warm: a restart on the same data directory (database migrated, OS file cache warm).
2. Agenda: from clicking "Build agenda" to the first agenda item's time bar. The first
   build of a server loads the embedding model and index (cold); the second is warm.
3. Rehearsal: from pressing Enter on a turn to the first streamed word of the persona's
   reply in the page; and in-process, from calling ``PracticeSession.stream_reply`` with
   the local model to its first piece.

The index is built once beforehand in a temporary data directory, so the numbers are
about the app and not about ingestion (see bench/ingest.py for that).

Usage: python bench/app.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import save, table  # noqa: E402
from coach.config import PROJECT_ROOT, Settings  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 180_000
FEEDBACK = (
    "In Tuesday's planning meeting you cut me off twice while I presented the survey results. "
    "The team stopped offering ideas. Could you let me finish before you respond next time?"
)


BENCH_EMAIL = "bench@example.org"
BENCH_PASSWORD = "bench lantern orchard tide"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def streamlit_server(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, float]]:
    """Start `streamlit run app.py`; yields its URL and the perf_counter time it was launched."""
    port = free_port()
    bench_account(data_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_DATA_DIR=str(data_dir), COACH_LLM_PROVIDER="local", HF_HUB_OFFLINE="1", **(extra_env or {}))
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {proc.returncode}") from None
                time.sleep(0.05)
        yield url, started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def first_page(browser: object, url: str, started: float) -> tuple[object, float]:
    """Open Home; seconds from server launch to its title being visible."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
    page.goto(url)
    expect(page.get_by_text("Reverse Mentoring Coach").first).to_be_visible(timeout=TIMEOUT_MS)
    return page, time.perf_counter() - started


def bench_account(data_dir: Path) -> None:
    """A mentor account for the benchmark (once per data directory)."""
    from coach.accounts.directory import find_account
    from coach.accounts.passwords import hash_password
    from coach.config import Settings
    from coach.storage import open_database
    from coach.storage.models import Account

    db = open_database(Settings(data_dir=data_dir))
    with db.write() as session:
        if find_account(session, BENCH_EMAIL) is None:
            session.add(
                Account(
                    email=BENCH_EMAIL,
                    display_name="Bench",
                    role="junior mentor",
                    password_hash=hash_password(BENCH_PASSWORD),
                    disabled=False,
                )
            )
    db.dispose()


def fresh_session(page: object, url: str) -> None:
    """A new browser session, signed in on Home (server caches stay warm)."""
    from playwright.sync_api import expect

    p = page  # the sync Page; typed loosely to keep playwright an optional import
    p.goto(url)  # type: ignore[attr-defined]
    p.get_by_role("textbox", name="Email", exact=True).fill(BENCH_EMAIL)  # type: ignore[attr-defined]
    p.get_by_role("textbox", name="Password", exact=True).fill(BENCH_PASSWORD)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Sign in", exact=True).click()  # type: ignore[attr-defined]
    expect(p.get_by_text("Signed in as").first).to_contain_text("Bench", timeout=TIMEOUT_MS)  # type: ignore[attr-defined]


def agenda_seconds(page: object, url: str) -> float:
    """Seconds from clicking Build agenda (in a new session) to the first item's time bar."""
    from playwright.sync_api import expect

    fresh_session(page, url)
    p = page
    p.get_by_role("link", name="Agenda builder").click()  # type: ignore[attr-defined]
    p.get_by_role("textbox", name="Junior mentor's name", exact=True).fill("Aisha")  # type: ignore[attr-defined]
    p.get_by_role("textbox", name="Senior mentee's name", exact=True).fill("Robert")  # type: ignore[attr-defined]
    focus = p.get_by_role("textbox", name="Focus", exact=True)  # type: ignore[attr-defined]
    focus.fill("using AI assistants safely")
    focus.press("Enter")
    p.wait_for_timeout(300)  # type: ignore[attr-defined]
    start = time.perf_counter()
    p.get_by_role("button", name="Build agenda").click()  # type: ignore[attr-defined]
    expect(p.get_by_test_id("stProgress").first).to_be_visible(timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def rehearsal_token_seconds(page: object, url: str) -> float:
    """Seconds from sending a rehearsal turn (in a new session) to the first word of the reply."""
    from playwright.sync_api import expect

    fresh_session(page, url)
    p = page
    p.get_by_role("link", name="Feedback rehearsal").click()  # type: ignore[attr-defined]
    p.get_by_role("button", name="Start a new rehearsal").click()  # type: ignore[attr-defined]
    chat = p.get_by_placeholder("Give your feedback…")  # type: ignore[attr-defined]
    expect(chat).to_be_visible(timeout=TIMEOUT_MS)
    messages = p.locator('[data-testid="stChatMessage"]')  # type: ignore[attr-defined]
    expect(messages).to_have_count(1, timeout=TIMEOUT_MS)  # the persona's opening
    chat.fill(FEEDBACK)
    start = time.perf_counter()
    chat.press("Enter")
    expect(messages).to_have_count(3, timeout=TIMEOUT_MS)  # the turn, then the reply's bubble
    first_words = messages.nth(2).get_by_test_id("stMarkdownContainer").first  # not the avatar's icon text
    expect(first_words).not_to_be_empty(timeout=TIMEOUT_MS)
    return time.perf_counter() - start


def in_process_agenda_seconds(settings: Settings, runs: int) -> list[float]:
    """``build_agenda`` alone with the local model, in this process (after one warm-up)."""
    from coach.flows.agenda.builder import AgendaRequest, build_agenda
    from coach.llm.providers import build_chat_model
    from coach.runtime import Runtime

    runtime = Runtime(settings)
    model = build_chat_model(settings)
    request = AgendaRequest(
        mentor="Aisha",
        mentee="Robert",
        session_number=1,
        program_sessions=6,
        duration_minutes=45,
        focus="using AI assistants safely",
    )
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        build_agenda(request, runtime.retriever, model)
        times.append(time.perf_counter() - start)
    return times[1:]


def in_process_token_seconds(settings: Settings, runs: int) -> list[float]:
    """First piece of ``PracticeSession.stream_reply`` with the local model, in this process."""
    from coach.flows.roleplay.session import PracticeSession
    from coach.llm.providers import build_chat_model
    from coach.runtime import Runtime

    runtime = Runtime(settings)
    model = build_chat_model(settings)
    times = []
    for seed in range(runs + 1):
        session = PracticeSession(
            "receptive", "normal", embedder=runtime.embedder, model=model, retriever=runtime.retriever, seed=seed
        )
        start = time.perf_counter()
        next(iter(session.stream_reply(FEEDBACK)))
        times.append(time.perf_counter() - start)
    return times[1:]  # the first call also loads the embedding model


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Warm repetitions of each measurement.")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="coach-bench-app-") as tmp:
        index_dir = Path(tmp) / "index"
        settings = Settings(data_dir=index_dir, llm_provider="local")
        from coach.runtime import Runtime

        print("Building the index once…", file=sys.stderr)
        ingest = Runtime(settings).ingest()
        rows: list[list[str]] = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            data_dir = Path(tmp) / "app"
            shutil.copytree(index_dir / "chroma", data_dir / "chroma")
            with streamlit_server(data_dir) as (url, started):
                page, cold_start = first_page(browser, url, started)
                cold_agenda = agenda_seconds(page, url)
                warm_agendas = [agenda_seconds(page, url) for _ in range(args.runs)]
                cold_reply = rehearsal_token_seconds(page, url)
                warm_replies = [rehearsal_token_seconds(page, url) for _ in range(args.runs)]
                page.close()  # type: ignore[attr-defined]
            warm_starts = []
            for _ in range(args.runs):
                with streamlit_server(data_dir) as (url, started):
                    page, seconds = first_page(browser, url, started)
                    warm_starts.append(seconds)
                    page.close()  # type: ignore[attr-defined]
            browser.close()
        flow_agendas = in_process_agenda_seconds(settings, args.runs)
        flow_replies = in_process_token_seconds(settings, args.runs)

    median = statistics.median
    rows = [
        ["`streamlit run` → first rendered page", "cold (fresh data dir, first start)", ms(cold_start)],
        ["`streamlit run` → first rendered page", f"warm (restart, median of {args.runs})", ms(median(warm_starts))],
        ["Build agenda → first agenda item", "cold (loads embedder and index)", ms(cold_agenda)],
        ["Build agenda → first agenda item", f"warm (median of {args.runs})", ms(median(warm_agendas))],
        ["`build_agenda` alone (in process, local model)", f"warm (median of {args.runs})", ms(median(flow_agendas))],
        ["Rehearsal turn → first streamed word (browser)", "first turn of the server", ms(cold_reply)],
        ["Rehearsal turn → first streamed word (browser)", f"warm (median of {args.runs})", ms(median(warm_replies))],
        ["`stream_reply` → first piece (in process, local model)", f"median of {args.runs}", ms(median(flow_replies))],
    ]
    report = "\n".join(
        [
            "# App benchmark",
            "",
            f"Local model: `{settings.local_model_path.name if settings.local_model_path else 'none'}` "
            f"(llama.cpp, {settings.llm_threads} threads); browser: Debian chromium, headless; "
            f"{os.cpu_count()} CPUs. Index built beforehand ({ingest}).",
            "",
            table(["Measure", "Condition", "Time"], rows),
            "",
            "The local model is too small to be trusted in character (`profile_of(model).structured_output` is False), so rehearsal "
            "replies come from the persona's response bank, chosen from the turn's score: the time to the "
            "first word is scoring (rubric and stereotype check with the embedding model) plus choosing, "
            "not generation. Browser times include a Streamlit rerun of the page.",
        ]
    )
    print(report)
    print(f"\nSaved to {save('app.md', report)}", file=sys.stderr)


if __name__ == "__main__":
    main()
