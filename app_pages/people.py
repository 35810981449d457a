"""People: invitations (coordinators and administrators); accounts and the audit trail (administrators)."""

from __future__ import annotations

import streamlit as st

from app_pages import _components as ui
from coach.accounts import audit, directory, erasure, invitations, legacy
from coach.actors import Actor, Role

st.title("People")
me = ui.require_actor(Role.COORDINATOR, Role.ADMINISTRATOR)
db = ui.database()


def invite_form(actor: Actor) -> None:
    """A one-time link for an email and a role (coordinators cannot invite administrators)."""
    roles = [r for r in Role if actor.role is Role.ADMINISTRATOR or r is not Role.ADMINISTRATOR]
    with st.form("invite", clear_on_submit=True):
        email = st.text_input("Email of the person to invite")
        role = st.selectbox("Role", roles, format_func=lambda r: r.value)
        if st.form_submit_button("Create invitation link", type="primary"):
            with ui.guard():
                issued = invitations.invite(db, actor, email, role, ui.settings())
                st.success(
                    f"Send this link to {ui.escape(issued.email)}; it works once, until "
                    f"{issued.expires_at:%Y-%m-%d %H:%M} UTC."
                )
                st.code(issued.link, language=None)


def manage(actor: Actor) -> None:
    """Disable, enable, change role, reset or delete one account."""
    accounts = directory.list_accounts(db, actor)
    chosen = st.selectbox("Account", accounts, format_func=lambda a: f"{a.display_name} <{a.email}> · {a.role}")
    if chosen is None:
        return
    cols = st.columns(4)
    with ui.guard():
        if cols[0].button("Enable" if chosen.disabled else "Disable"):
            directory.set_disabled(db, actor, chosen.id, not chosen.disabled)
            st.rerun()
        if cols[1].button("Reset password"):
            issued = invitations.reset_link(db, actor, chosen.id, ui.settings())
            st.success("Send this one-time link to set a new password:")
            st.code(issued.link, language=None)
        role = cols[2].selectbox(
            "Role",
            list(Role),
            index=list(Role).index(Role(chosen.role)),
            format_func=lambda r: r.value,
            label_visibility="collapsed",
        )
        if role.value != chosen.role and cols[2].button("Change role"):
            directory.set_role(db, actor, chosen.id, role)
            st.rerun()
        confirm = cols[3].checkbox("Confirm delete", key=f"confirm_delete_{chosen.id}")
        if cols[3].button("Delete account", disabled=not confirm):
            report = erasure.delete_account(db, actor, chosen.id)
            st.success("Deleted. " + "; ".join(report.lines()))


st.subheader("Invite")
invite_form(me)
st.subheader("Accounts")
st.dataframe(
    [
        {"name": a.display_name, "email": a.email, "role": a.role, "disabled": a.disabled, "password": a.local_password}
        for a in directory.list_accounts(db, me)
    ],
    hide_index=True,
)
if me.role is Role.ADMINISTRATOR:
    manage(me)
    unclaimed = legacy.unclaimed_names(db, me)
    if unclaimed:
        with st.expander(f"Items saved before accounts existed ({sum(unclaimed.values())})"):
            st.caption("Nobody can read these until you hand them to the right account.")
            with st.form("claim"):
                name = st.selectbox("Saved under the name", list(unclaimed))
                email = st.text_input("Give them to the account with email")
                if st.form_submit_button("Hand over"):
                    with ui.guard():
                        moved = legacy.claim(db, me, str(name), email)
                        st.success(", ".join(f"{n} {what}" for what, n in moved.items()) + " handed over.")
    with st.expander("Audit trail"):
        st.dataframe([e.model_dump() for e in audit.list_events(db, me)], hide_index=True)
