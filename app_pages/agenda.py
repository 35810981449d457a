"""Agenda builder: pick or describe a pair, build a timed, cited agenda, edit, save and export.

Opened from a reminder or calendar link (``?pair=ID&session=N``), it preselects that pair
and session when the signed-in person may see the pair, and explains why not otherwise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import streamlit as st

from app_pages import _components as ui
from coach.actors import Actor, Role
from coach.errors import CoachError
from coach.flows.agenda.builder import (
    Agenda,
    AgendaRequest,
    agenda_to_ics,
    agenda_to_markdown,
    build_agenda,
    extract_open_actions,
)
from coach.links import PAIR_PARAM, SESSION_PARAM
from coach.programs.planned import PlannedSession, open_agenda_link, planned_session
from coach.storage import repositories as repo
from coach.storage.db import Database

OWNERS = ["mentor", "mentee", "both"]
DEFAULT_START = time(10, 0)
LINK_STATE = "_agenda_link"


def follow_link(db: Database, me: Actor) -> None:
    """Preselect the pair and session the page's link names, once per link; explain a refused link."""
    wanted = (st.query_params.get(PAIR_PARAM), st.query_params.get(SESSION_PARAM))
    if wanted[0] is None:
        return
    done = st.session_state.get(LINK_STATE)
    if done is None or done[0] != wanted:
        refusal = None
        try:
            target = open_agenda_link(db, me, *wanted, now=datetime.now(UTC))
        except CoachError as exc:
            refusal, target = exc, None
        if target is not None:
            ui.select_pair_next_run("agenda_pair", target.pair.id)
            if target.number is not None:
                st.session_state[ui.KEPT_PREFIX + f"agenda_number_{target.pair.id}"] = target.number
        done = (wanted, refusal)
        st.session_state[LINK_STATE] = done
    if done[1] is not None:
        ui.show_error(done[1])
        st.caption("The link could not be opened; you can still pick one of your pairs below.")


def planned_for(db: Database, me: Actor, pair_id: int | None, number: int) -> PlannedSession | None:
    """The planned session an agenda is for (None without a pair or a planned session)."""
    if pair_id is None:
        return None
    try:
        return planned_session(db, me, pair_id, number, now=datetime.now(UTC))
    except CoachError as exc:
        ui.show_error(exc)
        return None


def calendar_defaults(planned: PlannedSession | None, zones: list[str]) -> tuple[str, date, time, str]:
    """The key suffix and default date, start and zone: the planned session's, or tomorrow at 10:00 here."""
    if planned is None:
        here = st.context.timezone if st.context.timezone in zones else "UTC"
        return "", date.today() + timedelta(days=1), DEFAULT_START, here
    start, zone = planned.starts_at, planned.timezone
    if zone not in zones:
        start, zone = start.astimezone(UTC), "UTC"
    return f"_{planned.pair_id}_{planned.number}", start.date(), start.time().replace(tzinfo=None), zone


def calendar_export(agenda: Agenda, planned: PlannedSession | None) -> None:
    """Ask for the session's date, time and time zone (the planned session's by default), then offer the .ics file."""
    zones = time_zones()
    suffix, default_day, default_time, default_zone = calendar_defaults(planned, zones)
    day = st.date_input(
        "Date",
        key=ui.kept_key(f"agenda_ics_date{suffix}"),
        value=ui.remembered(f"agenda_ics_date{suffix}", default_day),
        format="YYYY-MM-DD",
    )
    at = st.time_input(
        "Start time",
        key=ui.kept_key(f"agenda_ics_time{suffix}"),
        value=ui.remembered(f"agenda_ics_time{suffix}", default_time),
        step=timedelta(minutes=15),
    )
    zone = st.selectbox(
        "Time zone",
        zones,
        key=ui.kept_key(f"agenda_ics_zone{suffix}"),
        index=zones.index(ui.remembered(f"agenda_ics_zone{suffix}", default_zone)),
    )
    if planned is not None:
        st.caption(
            f"Session {planned.number} is planned for {planned.starts_at:%a %d %b %Y, %H:%M} ({planned.timezone})."
        )
    start = datetime.combine(day, at, tzinfo=ZoneInfo(zone))
    st.caption(
        f"{agenda.duration_minutes} minutes from {start:%a %d %b %Y, %H:%M} ({zone}). The description is "
        "plain text; the full agenda is attached as Markdown."
    )
    st.download_button(
        "Download .ics",
        agenda_to_ics(agenda, start),
        file_name="agenda.ics",
        mime="text/calendar",
        icon=":material/download:",
    )


@st.cache_data(show_spinner=False)
def time_zones() -> list[str]:
    """IANA time zone names, sorted."""
    return sorted(available_timezones())


st.title("Agenda builder")
me = ui.require_actor(Role.MENTOR, Role.MENTEE, Role.COORDINATOR)
db = ui.database()

follow_link(db, me)
pair = ui.pair_picker("agenda_pair")
if pair is None:
    left, right = st.columns(2)
    mentor_name = left.text_input(
        "Junior mentor's name", key=ui.kept_key("agenda_mentor_name"), value=ui.remembered("agenda_mentor_name", "")
    )
    mentor_profile = left.text_area(
        "Mentor profile",
        key=ui.kept_key("agenda_mentor_profile"),
        value=ui.remembered("agenda_mentor_profile", ""),
        placeholder="Data analyst, two years in, runs the internal AI guild",
    )
    mentee_name = right.text_input(
        "Senior mentee's name", key=ui.kept_key("agenda_mentee_name"), value=ui.remembered("agenda_mentee_name", "")
    )
    mentee_profile = right.text_area(
        "Mentee profile",
        key=ui.kept_key("agenda_mentee_profile"),
        value=ui.remembered("agenda_mentee_profile", ""),
        placeholder="Head of operations, wants to understand generative AI",
    )
    program_sessions = st.number_input(
        "Sessions in the program", 1, 100, key=ui.kept_key("agenda_program"), value=ui.remembered("agenda_program", 6)
    )
    save_pair = st.checkbox(
        "Save this pair (needed to save agendas and notes)",
        key=ui.kept_key("agenda_save_pair"),
        value=ui.remembered("agenda_save_pair", True),
    )
    held: list[int] = []
else:
    mentor_name, mentee_name = pair.mentor, pair.mentee
    mentor_profile = pair.mentor_profile or pair.mentor
    mentee_profile = pair.mentee_profile or pair.mentee
    program_sessions = pair.program_sessions
    save_pair = False
    held = [s.number for s in repo.list_sessions(db, me, pair.id) if s.status == "held"]

cols = st.columns(4)
default_number = min(program_sessions, max(held, default=0) + 1)
number_key = ui.kept(f"agenda_number_{pair.id if pair else 'new'}", int(default_number))
if not 1 <= int(st.session_state[number_key]) <= int(program_sessions):
    st.session_state[number_key] = max(1, min(int(st.session_state[number_key]), int(program_sessions)))
number = int(cols[0].number_input("Session number", 1, int(program_sessions), key=number_key))
duration = int(
    cols[1].slider(
        "Duration (minutes)",
        10,
        180,
        step=5,
        key=ui.kept_key("agenda_duration"),
        value=ui.remembered("agenda_duration", 45),
    )
)
formats = ["in person", "video"]
session_format = cols[2].radio(
    "Format",
    formats,
    horizontal=True,
    key=ui.kept_key("agenda_format"),
    index=formats.index(ui.remembered("agenda_format", "in person")),
)
focus = cols[3].text_input(
    "Focus",
    placeholder="e.g. using AI assistants safely",
    key=ui.kept_key("agenda_focus"),
    value=ui.remembered("agenda_focus", ""),
)

notes, open_actions = "", []
if pair is not None:
    previous = repo.carry_over(db, me, pair.id, number)
    notes, open_actions = previous.notes, previous.open_actions
    if notes or open_actions:
        with st.expander(f"Picked up from session {previous.previous_number or '–'}", expanded=True):
            if open_actions:
                st.markdown("**Open action items**  \n" + "  \n".join(f"• {ui.escape(a)}" for a in open_actions))
            if notes:
                st.caption("Previous notes")
                st.text(notes)

if st.button("Build agenda", type="primary"):
    with ui.guard(), st.status("Building the agenda…", expanded=True) as status:
        if pair is None and save_pair:
            st.write("Saving the pair")
            pair = repo.create_pair(
                db,
                me,
                mentor_name,
                mentee_name,
                program_sessions=int(program_sessions),
                mentor_profile=mentor_profile,
                mentee_profile=mentee_profile,
            )
        request = AgendaRequest(
            mentor=mentor_profile or mentor_name,
            mentee=mentee_profile or mentee_name,
            session_number=number,
            program_sessions=int(program_sessions),
            duration_minutes=duration,
            focus=focus,
            format=session_format,
            notes=notes,
            open_actions=open_actions,
        )
        st.write("Loading the guidance library")
        rt = ui.ensure_index()
        model = ui.flow_model()
        st.write("Choosing items, timing them and finding sources")
        agenda = build_agenda(request, rt.retriever, model)
        st.session_state["agenda"] = agenda.model_dump(mode="json")
        st.session_state["agenda_target"] = (pair.id if pair else None, number)
        status.update(label=f"Agenda ready: {len(agenda.items)} items", state="complete", expanded=False)
    if pair is not None and st.session_state.get("agenda_pair") != pair:
        ui.select_pair_next_run("agenda_pair", pair.id)
        st.session_state[ui.KEPT_PREFIX + f"agenda_number_{pair.id}"] = number  # the number chosen stays
        st.rerun()

if "agenda" in st.session_state:
    agenda = Agenda.model_validate(st.session_state["agenda"])
    target_pair, target_number = st.session_state.get("agenda_target", (None, number))
    st.header(ui.escape(agenda.title))
    st.caption(f"{agenda.duration_minutes} minutes · {agenda.format} · {agenda.stage}")
    st.markdown("**Objectives**  \n" + "  \n".join(f"• {ui.escape(o)}" for o in agenda.objectives))

    with st.expander("Edit items"):
        rows = [
            {"minutes": i.minutes, "title": i.title, "owner": i.owner, "purpose": i.purpose, "details": i.details}
            for i in agenda.items
        ]
        edited = st.data_editor(
            rows,
            num_rows="dynamic",
            key="agenda_editor",
            width="stretch",
            column_config={
                "minutes": st.column_config.NumberColumn(min_value=1, max_value=180, step=1, required=True),
                "owner": st.column_config.SelectboxColumn(options=OWNERS, required=True),
            },
        )
    items = []
    for index, row in enumerate(edited):
        if not str(row.get("title") or "").strip():
            continue
        base = agenda.items[index] if index < len(agenda.items) else None
        values = {
            "minutes": int(row.get("minutes") or 1),
            "title": str(row["title"]),
            "owner": row.get("owner") if row.get("owner") in OWNERS else "both",
            "purpose": str(row.get("purpose") or ""),
            "details": str(row.get("details") or ""),
        }
        items.append(
            base.model_copy(update=values) if base else agenda.items[0].model_copy(update={**values, "citations": []})
        )
    agenda = agenda.model_copy(update={"items": items})

    total = sum(i.minutes for i in agenda.items)
    if total != agenda.duration_minutes:
        st.warning(f"The items add up to {total} minutes; the session lasts {agenda.duration_minutes}.")
    by_id = {c.id: c for c in agenda.citations}
    clock = 0
    for n, item in enumerate(agenda.items, 1):
        with st.container(border=True):
            st.markdown(f"**{n}. {ui.escape(item.title)}** · {item.owner}")
            ui.time_bar(item.minutes, agenda.duration_minutes, clock)
            st.markdown(f"*{ui.escape(item.purpose)}*  \n{ui.escape(item.details)}")
            ui.citation_cards([by_id[c] for c in item.citations if c in by_id])
        clock += item.minutes
    prep = agenda.preparation
    st.markdown(
        "**Preparation**  \n"
        + "  \n".join(
            [f"• Mentor: {ui.escape(t)}" for t in prep.mentor] + [f"• Mentee: {ui.escape(t)}" for t in prep.mentee]
        )
    )
    if agenda.follow_up:
        st.markdown("**Follow-up**  \n" + "  \n".join(f"• {ui.escape(f)}" for f in agenda.follow_up))

    left, middle, right = st.columns(3)
    with left:
        if target_pair is None:
            st.caption("Save the pair to store agendas and notes.")
        elif st.button(f"Save to session {target_number}"):
            with ui.guard():
                repo.save_agenda(db, me, target_pair, target_number, agenda.model_dump(mode="json"))
                st.success(f"Saved to session {target_number}.")
    middle.download_button(
        "Export Markdown",
        agenda_to_markdown(agenda),
        file_name="agenda.md",
        mime="text/markdown",
        icon=":material/download:",
    )
    with right.popover("Export calendar (.ics)", icon=":material/calendar_month:"):
        calendar_export(agenda, planned_for(db, me, target_pair, target_number))

    if target_pair is not None:
        st.subheader(f"After session {target_number}")
        saved = {s.number: s for s in repo.list_sessions(db, me, target_pair)}
        current = saved.get(target_number)
        with st.form("session_notes"):
            session_notes = st.text_area(
                "Notes (use '- [ ] ...' or 'Action: ...' lines for action items)",
                value=current.notes if current else "",
            )
            was_held = st.checkbox("This session was held", value=bool(current and current.status == "held"))
            if st.form_submit_button("Save notes"):
                with ui.guard():
                    repo.save_notes(db, me, target_pair, target_number, session_notes, held=was_held)
                    added = repo.add_action_items(
                        db, me, target_pair, target_number, extract_open_actions(session_notes)
                    )
                    st.success(f"Notes saved; {len(added)} new action item(s).")
        open_items = [i for s in saved.values() for i in s.action_items if not i.done]
        for item in open_items:
            if st.checkbox(f"Done: {item.text} (session {item.session_number})", key=f"action_{item.id}"):
                repo.set_action_done(db, me, item.id)
