"""Matching: create a program, import participants, match, pin or forbid, re-solve, publish; participants see their pairs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import streamlit as st

from app_pages import _components as ui
from coach.actors import Actor
from coach.programs import lifecycle, matching_store
from coach.programs import repository as programs
from coach.programs.csv_import import COLUMNS
from coach.programs.profiles import Profile, Swot, parse_slot, split_list
from coach.programs.views import MatchView, ProgramView
from coach.programs.weights import COMPONENTS, load_weights

st.title("Matching")
st.caption(
    "Profiles are used only to match pairs and plan their agendas. Nothing is shown to participants "
    "until the coordinator publishes."
)
db = ui.database()
if flash := st.session_state.pop("matching_flash", None):
    st.success(flash)


def my_pairs(me: Actor) -> None:
    """A participant's own published pairs, schedules and calendar files."""
    mine = lifecycle.my_matches(db, me)
    if not mine:
        st.info("You have no published pair yet.")
    for match in mine:
        other = match.mentee_name if match.mentor == me.email else match.mentor_name
        st.subheader(f"With {ui.escape(other)}" + (" (ended)" if match.state == "ended" else ""))
        sessions_table(match)
        if match.state == "published":
            session_form(me, match)
            st.download_button(
                "Download my calendar (.ics)",
                lifecycle.pair_calendar(db, me, match.id, me.email),
                file_name=f"sessions-{match.id}.ics",
                mime="text/calendar",
                key=f"ics_{match.id}",
            )


def intake_form(me: Actor) -> None:
    """The participant's own intake form in each program they are enrolled in."""
    for program, mine in programs.my_enrolments(db, me):
        p = mine.profile
        with st.expander(f"My intake form: {program.name}"), st.form(f"intake_{program.id}"):
            st.caption("The coach uses these answers only to match pairs and to plan your agendas.")
            cols = st.columns(3)
            department = cols[0].text_input("Department", p.department)
            level = cols[1].text_input("Level", p.level)
            manager = cols[2].text_input("Manager's email", p.manager_email)
            skills = st.text_input(
                "Skills offered" if p.role == "mentor" else "Skills wanted",
                "; ".join(p.skills_offered if p.role == "mentor" else p.skills_wanted),
            )
            interests = st.text_input("Interests (separated by ;)", "; ".join(p.interests))
            goals = st.text_input("Goals (separated by ;)", "; ".join(p.goals))
            slots = st.text_input("Free times, e.g. Tue 14-16; Thu 9-11", "; ".join(s.label() for s in p.availability))
            cols = st.columns(2)
            zone = cols[0].text_input("Time zone", p.timezone)
            mode = cols[1].radio(
                "Preferred mode",
                ["in person", "remote", "hybrid"],
                index=["in person", "remote", "hybrid"].index(p.mode),
                horizontal=True,
            )
            swot = {
                q: st.text_input(f"SWOT {q} (optional, separated by ;)", "; ".join(getattr(p.swot, q, []) or []))
                for q in ("strengths", "weaknesses", "opportunities", "threats")
            }
            if st.form_submit_button("Save my intake form"):
                with ui.guard():
                    side = "skills_offered" if p.role == "mentor" else "skills_wanted"
                    profile = p.model_copy(update={"department": department, "level": level, "mode": mode})
                    profile = Profile.model_validate(
                        {
                            **profile.model_dump(),
                            "manager_email": manager,
                            side: skills,
                            "interests": interests,
                            "goals": goals,
                            "timezone": zone,
                            "availability": [parse_slot(x) for x in split_list(slots)],
                            "swot": Swot(**{q: split_list(v) for q, v in swot.items()}) if any(swot.values()) else None,
                        }
                    )
                    programs.save_profile(db, me, program.id, profile)
                    st.success("Saved.")


def session_form(me: Actor, match: MatchView) -> None:
    """Mark a session held, missed or rescheduled (with its new time, in UTC)."""
    with st.form(f"session_{match.id}", clear_on_submit=True):
        cols = st.columns(3)
        number = cols[0].selectbox("Session", [s.number for s in match.sessions])
        status = cols[1].radio("Status", ["held", "missed", "rescheduled", "planned"], horizontal=True)
        reason = cols[2].text_input("Note or reason")
        cols = st.columns(2)
        day = cols[0].date_input("New date (if rescheduled)", value=None)
        at = cols[1].time_input("New start, UTC (if rescheduled)", value=None)
        if st.form_submit_button("Update session"):
            with ui.guard():
                start = datetime.combine(day, at, tzinfo=UTC) if day and at else None
                lifecycle.set_session_status(db, me, match.id, int(number), status, reason, starts_at=start)
                st.rerun()


def sessions_table(match: MatchView) -> None:
    rows = [
        {
            "session": s.number,
            "starts (UTC)": s.starts_at.strftime("%a %d %b %Y %H:%M") if s.starts_at else "to agree",
            "status": s.status,
            "note": s.reason,
        }
        for s in match.sessions
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True)


def create_program_form(me: Actor) -> None:
    with (
        st.expander("Create a program", expanded=not programs.list_programs(db, me)),
        st.form("new_program", clear_on_submit=True),
    ):
        name = st.text_input("Program name")
        cols = st.columns(4)
        starts = cols[0].date_input("Starts on", value=date.today())
        sessions = cols[1].number_input("Sessions", 1, 100, 6)
        cadence = cols[2].number_input("Every (days)", 1, 90, 14)
        minutes = cols[3].number_input("Minutes per session", 15, 180, 60, step=5)
        goals = st.text_area("Program goals")
        topics = st.text_input("Topics offered (separated by ;)")
        if st.form_submit_button("Create program"):
            with ui.guard():
                created = programs.create_program(
                    db,
                    me,
                    name,
                    starts,
                    sessions=int(sessions),
                    cadence_days=int(cadence),
                    session_minutes=int(minutes),
                    goals=goals,
                    topics=topics.split(";"),
                )
                st.session_state["matching_program"] = created.id
                st.success(f"Created {ui.escape(created.name)}.")


def import_section(me: Actor, program: ProgramView) -> None:
    st.subheader("Participants")
    st.caption(
        "CSV columns: " + ", ".join(f"`{c}`" for c in COLUMNS) + ". Lists are separated by `;`, "
        "availability looks like `Tue 14-16`, role is `mentor` or `mentee`."
    )
    upload = st.file_uploader("Participant CSV", type=["csv"], key=f"csv_{program.id}")
    if upload is not None and st.button("Import participants"):
        result = programs.import_participants(db, me, program.id, upload.getvalue().decode("utf-8", "replace"))
        st.success(f"Imported {len(result.profiles)} people.")
        if result.errors:
            st.warning(f"{len(result.errors)} rows were skipped:")
            st.code(result.report(), language=None)
    people = programs.list_participants(db, me, program.id)
    if people:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "email": p.email,
                        "name": p.profile.name,
                        "role": p.profile.role,
                        "department": p.profile.department,
                        "time zone": p.profile.timezone,
                    }
                    for p in people
                ]
            ),
            hide_index=True,
        )


def proposals_section(me: Actor, program: ProgramView) -> None:
    st.subheader("Proposed pairs")
    if st.button("Match", type="primary", help="Solve the whole cohort again with the rules below."):
        proposal = matching_store.propose(db, me, program.id, ui.runtime().embedder)
        st.session_state[f"unmatched_{program.id}"] = [(u.email, u.reason) for u in proposal.unmatched]
    proposed = matching_store.list_matches(db, me, program.id, states=["proposed"])
    for match in proposed:
        pair_card(me, program, match)
    for email, reason in st.session_state.get(f"unmatched_{program.id}", []):
        st.markdown(f"- **Unmatched** {ui.escape(email)}: {ui.escape(reason)}")
    if proposed and st.button("Publish", help="Participants see their pair and schedule from now on."):
        published = matching_store.publish(db, me, program.id)
        st.session_state.pop(f"unmatched_{program.id}", None)
        st.session_state["matching_flash"] = f"Published {len(published)} pair{'s' if len(published) != 1 else ''}."
        st.rerun()


def pair_card(me: Actor, program: ProgramView, match: MatchView) -> None:
    with st.container(border=True):
        pin = " · pinned" if match.pinned else ""
        st.markdown(
            f"**{ui.escape(match.mentor_name)} → {ui.escape(match.mentee_name)}** · score {match.score:.3f}{pin}"
        )
        cols = st.columns(len(COMPONENTS))
        for col, name in zip(cols, COMPONENTS, strict=True):
            col.progress(
                min(1.0, max(0.0, match.components.get(name, 0.0))),
                text=f"{name} {match.components.get(name, 0.0):.2f}",
            )
        for line in match.why:
            st.markdown(f"- {ui.escape(line)}")
        left, right, _ = st.columns([1, 1, 6])
        if left.button("Pin", key=f"pin_{match.id}", disabled=match.pinned):
            programs.add_rule(db, me, program.id, "pin", match.mentor, match.mentee)
            st.toast("Pinned: kept when you match again.")
        if right.button("Forbid", key=f"forbid_{match.id}"):
            programs.add_rule(db, me, program.id, "forbid", match.mentor, match.mentee)
            st.toast("Forbidden: press Match to re-solve without this pair.")


def rules_section(me: Actor, program: ProgramView) -> None:
    rules = programs.list_rules(db, me, program.id)
    with st.expander(f"Rules ({len(rules)})"):
        with st.form(f"never_{program.id}", clear_on_submit=True):
            cols = st.columns(2)
            first, second = cols[0].text_input("Email"), cols[1].text_input("Never pair with email")
            if st.form_submit_button("Add to never-pair list"):
                with ui.guard():
                    programs.add_rule(db, me, program.id, "never", first, second)
                    st.rerun()
        for rule in rules:
            cols = st.columns([6, 1])
            cols[0].markdown(f"**{rule.kind}** {ui.escape(rule.first)} / {ui.escape(rule.second)}")
            if cols[1].button("Remove", key=f"rule_{rule.id}"):
                programs.remove_rule(db, me, rule.id)
                st.rerun()


def weights_section(me: Actor, program: ProgramView) -> None:
    defaults = load_weights().with_overrides(program.weights).weights
    with st.expander("Weights"):
        chosen = {
            name: st.slider(name, 0.0, 1.0, float(defaults[name]), 0.05, key=f"w_{program.id}_{name}")
            for name in COMPONENTS
        }
        left, right = st.columns(2)
        if left.button("Preview the change"):
            preview = matching_store.preview_weights(db, me, program.id, ui.runtime().embedder, {"weights": chosen})
            st.write(
                f"Total score {preview.total_before:.2f} → {preview.total_after:.2f}; "
                f"{len(preview.changes)} pairs change, {preview.unchanged} stay."
            )
            if preview.changes:
                st.dataframe(pd.DataFrame([c.model_dump() for c in preview.changes]), hide_index=True)
        if right.button("Save weights for this program"):
            programs.set_weights(db, me, program.id, {"weights": chosen})
            st.success("Saved. Press Match to re-solve with them.")


def published_section(me: Actor, program: ProgramView) -> None:
    published = matching_store.list_matches(db, me, program.id, states=["published", "ended"])
    if not published:
        return
    st.subheader("Published pairs")
    if st.button("Generate agendas for every pair"):
        from coach.programs.agendas import generate_program_agendas

        bar = st.progress(0.0, text="Building agendas")
        outcomes = generate_program_agendas(
            db,
            me,
            program.id,
            ui.ensure_index().retriever,
            ui.flow_model(),
            progress=lambda done, total, label: bar.progress(done / max(total, 1), text=f"{done}/{total}: {label}"),
        )
        for outcome in outcomes:
            (st.success if outcome.ok else st.warning)(f"{ui.escape(outcome.label)}: {ui.escape(outcome.detail)}")
    for match in published:
        with st.expander(f"{match.mentor_name} → {match.mentee_name} ({match.state})"):
            sessions_table(match)
            if match.state == "published":
                session_form(me, match)
                with st.form(f"end_{match.id}"):
                    reason = st.text_input("Reason")
                    rematch = st.checkbox("Re-match both people")
                    if st.form_submit_button("End this pair"):
                        with ui.guard():
                            lifecycle.end_match(db, me, match.id, reason, rematch=rematch)
                            st.rerun()
            else:
                st.caption(f"Ended: {ui.escape(match.end_reason)}")


def coordinator(me: Actor) -> None:
    create_program_form(me)
    options = programs.list_programs(db, me)
    if not options:
        return
    ids = [p.id for p in options]
    wanted = st.session_state.get("matching_program")
    program = st.selectbox(
        "Program",
        options,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=lambda p: f"{p.name} (starts {p.starts_on:%d %b %Y})",
    )
    st.session_state["matching_program"] = program.id
    for section in (import_section, rules_section, weights_section, proposals_section, published_section):
        with ui.guard():
            section(me, program)


me = ui.require_actor()
if me.is_staff:
    coordinator(me)
else:
    with ui.guard():
        my_pairs(me)
    with ui.guard():
        intake_form(me)
