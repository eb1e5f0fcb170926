"""Users (admins): add accounts, set roles, what each service lead and commissioner sees, passwords."""

import pandas as pd
import streamlit as st

from fidelity import errors
from fidelity.store import accounts, services
from fidelity.store.access import ROLE_DESCRIPTIONS, Role
from fidelity.ui import resources, widgets
from fidelity.ui.state import flash, show_flash

st.title("Users")
show_flash()
actor = resources.actor()

with resources.reading() as session:
    users = accounts.list_users(session, actor=actor)
    scopes = accounts.all_scopes(session, actor=actor)
    programmes = {p.id: p.name for p in services.list_programmes(session)}
    areas = {a.id: a.name for a in services.list_areas(session)}
services_table = resources.services_frame(resources.database_url())
service_names = dict(zip(services_table["id"].astype(int), services_table["Service"], strict=True))


def _scope_text(user_id: int | None) -> str:
    scope = scopes.get(user_id)
    if scope is None:
        return ""
    parts = [service_names.get(i, f"service {i}") for i in scope.service_ids]
    parts += [programmes.get(i, f"programme {i}") for i in scope.programme_ids]
    parts += [areas.get(i, f"area {i}") for i in scope.area_ids]
    return ", ".join(parts)


st.dataframe(
    pd.DataFrame(
        [
            {
                "Username": u.username,
                "Name": u.display_name,
                "Role": u.role,
                "Email (single sign-on)": u.email or "",
                "Sees": _scope_text(u.id) or ("everything" if u.role == Role.ADMIN else ""),
                "Active": u.is_active,
                "Last signed in": u.last_signed_in_at,
                "Demo": u.is_demo,
            }
            for u in users
        ]
    ),
    hide_index=True,
    width="stretch",
)
st.caption(" · ".join(f"**{role}**: {text}" for role, text in ROLE_DESCRIPTIONS.items()))

add_tab, edit_tab = st.tabs(["Add a user", "Change a user"])
with add_tab, st.form("add_user", clear_on_submit=True):
    left, right = st.columns(2)
    username = left.text_input("Username", max_chars=80, key="add_user:username")
    name = right.text_input("Name", max_chars=120, key="add_user:name")
    role = left.selectbox("Role", [str(r) for r in Role], index=1, key="add_user:role")
    email = right.text_input("Email (optional, for single sign-on)", max_chars=254, key="add_user:email")
    password = left.text_input(
        "First password (optional for single-sign-on accounts)", type="password", key="add_user:password"
    )
    if st.form_submit_button("Add user", type="primary"):
        try:
            with resources.transaction() as session:
                user = accounts.create_user(
                    session,
                    actor=actor,
                    data={
                        "username": username,
                        "display_name": name,
                        "role": role,
                        "email": email,
                        "password": password or None,
                    },
                )
        except errors.Refused as error:
            widgets.show_error(error)
        else:
            flash(f"Added {user.role} {widgets.md(user.username)}. Set what they see under “Change a user”.")
            st.rerun()

with edit_tab:
    labels = {u.id: f"{u.display_name} ({u.username}, {u.role})" for u in users}
    user_id = st.selectbox("User", list(labels), format_func=labels.__getitem__, key="edit_user:id")
    user = next(u for u in users if u.id == user_id)
    seen = widgets.seen_version(f"user:{user_id}", user.version)
    with st.form(f"edit_user:{user_id}"):
        left, right = st.columns(2)
        name = left.text_input("Name", value=user.display_name, max_chars=120, key=f"edit_user:{user_id}:name")
        email = right.text_input("Email", value=user.email or "", max_chars=254, key=f"edit_user:{user_id}:email")
        roles = [str(r) for r in Role]
        role = left.selectbox("Role", roles, index=roles.index(user.role), key=f"edit_user:{user_id}:role")
        active = right.checkbox("May sign in", value=user.is_active, key=f"edit_user:{user_id}:active")
        saved = st.form_submit_button("Save user", type="primary")
    if saved:
        widgets.save_then_rerun(
            lambda session: accounts.update_user(
                session,
                actor=actor,
                user_id=user_id,
                data={"display_name": name, "email": email, "role": role, "is_active": active},
                expected_version=seen,
            ),
            f"Saved {widgets.md(user.username)}.",
        )
    widgets.mark_seen(f"user:{user_id}", user.version)

    if user.role in (Role.SERVICE_LEAD, Role.COMMISSIONER):
        scope = scopes.get(user_id, accounts.Scopes())
        with st.form(f"scope:{user_id}"):
            if user.role == Role.SERVICE_LEAD:
                chosen_services = st.multiselect(
                    "Services they lead",
                    list(service_names),
                    default=[i for i in scope.service_ids if i in service_names],
                    format_func=service_names.__getitem__,
                    key=f"scope:{user_id}:services",
                )
                chosen = accounts.Scopes(service_ids=tuple(sorted(chosen_services)))
            else:
                chosen_programmes = st.multiselect(
                    "Programmes they commission",
                    list(programmes),
                    default=list(scope.programme_ids),
                    format_func=programmes.__getitem__,
                    key=f"scope:{user_id}:programmes",
                )
                chosen_areas = st.multiselect(
                    "Areas they commission",
                    list(areas),
                    default=list(scope.area_ids),
                    format_func=areas.__getitem__,
                    key=f"scope:{user_id}:areas",
                )
                chosen = accounts.Scopes(
                    programme_ids=tuple(sorted(chosen_programmes)), area_ids=tuple(sorted(chosen_areas))
                )
            if st.form_submit_button("Save what they see"):
                widgets.save_then_rerun(
                    lambda session: accounts.set_scopes(session, actor=actor, user_id=user_id, scopes=chosen),
                    f"Saved what {widgets.md(user.username)} sees.",
                )

    with st.form(f"password:{user_id}", clear_on_submit=True):
        new_password = st.text_input(
            f"New password for {widgets.md(user.username)}", type="password", key=f"password:{user_id}"
        )
        if st.form_submit_button("Set password"):
            widgets.save_then_rerun(
                lambda session: accounts.set_password(session, actor=actor, user_id=user_id, password=new_password),
                f"Password set for {widgets.md(user.username)}.",
            )
