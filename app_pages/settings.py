"""Settings: the provider, model and endpoint, a connection test, and where text is sent."""

from __future__ import annotations

import streamlit as st

from app_pages import _components as ui
from coach.actors import Role
from coach.diagnostics import mask_url, resolved_settings, run_checks
from coach.services import check_connection

PROVIDERS = {"local": "Local model (llama.cpp, offline)", "openai": "OpenAI-compatible endpoint", "fake": "Demo model"}

st.title("Settings")
ui.require_actor(Role.ADMINISTRATOR)
current = ui.settings()
ui.model_badge(current)

with st.form("model"):
    provider = st.selectbox(
        "Provider", list(PROVIDERS), index=list(PROVIDERS).index(current.llm_provider), format_func=PROVIDERS.get
    )
    model_name = st.text_input("Model name (OpenAI-compatible only)", value=current.llm_model)
    shown_endpoint = mask_url(current.llm_base_url or "")
    endpoint = st.text_input(
        "Endpoint URL (OpenAI-compatible only)",
        value=shown_endpoint,
        placeholder="http://127.0.0.1:8080/v1 (a local server keeps text on this machine)",
    )
    key = st.text_input("API key (kept for this browser session only)", type="password")
    applied = st.form_submit_button("Apply for this session")
if applied:
    overrides = {
        "llm_provider": provider,
        "llm_model": model_name.strip(),
        "llm_base_url": (current.llm_base_url if endpoint == shown_endpoint else endpoint.strip()) or None,
    }
    if key:
        overrides["llm_api_key"] = key
    st.session_state["llm_overrides"] = overrides
    st.rerun()

preview = ui.settings()
st.subheader("Where your text goes")
if preview.text_destination.startswith("stays"):
    st.write(f"Everything you type {preview.text_destination}: nothing is sent over the network.")
else:
    st.write(
        f"Text you type into agenda, rehearsal, reflection and question pages is **{ui.escape(preview.text_destination)}**"
        " when the model is used. Documents you upload stay in the local index."
    )

if st.button("Test connection"):
    with st.status("Asking the model for a short reply…") as status, ui.guard():
        status.write(ui.escape(check_connection(preview)))
        status.update(label="Connection works", state="complete")

with st.expander("Health checks"):
    for check in run_checks(preview):
        text = f"{ui.status_mark(check.ok, 'OK', 'Needs attention')} · **{ui.escape(check.name)}**: {ui.escape(check.detail)}"
        if check.fix:
            text += f"  \nFix: {ui.escape(check.fix)}"
        st.markdown(text)
with st.expander("All settings"):
    st.dataframe([{"setting": k, "value": v} for k, v in resolved_settings(preview).items()], hide_index=True)
