"""The sign-in gate: the first admin account on a new database, sign-in, single sign-on, sign-out."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from fidelity import errors
from fidelity.store import accounts
from fidelity.store.access import Actor
from fidelity.ui import accessibility, resources, widgets
from fidelity.ui.state import Keys, flash


def sso_provider() -> str | None:
    """The name of the configured OpenID Connect provider, if `.streamlit/secrets.toml` has an [auth] section."""
    try:
        auth = st.secrets.get("auth")
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return None
    if not auth:
        return None
    providers = [key for key, value in auth.items() if isinstance(value, dict) or hasattr(value, "keys")]
    return providers[0] if providers else ("default" if auth.get("client_id") else None)


def _signed_in(actor: Actor, credential_version: int) -> None:
    st.session_state[Keys.USER_ID] = actor.user_id
    st.session_state[Keys.ACTOR] = actor
    st.session_state[Keys.CREDENTIALS] = credential_version
    st.rerun()


def client_address() -> str:
    """The client's IP address as the server sees it (a proxy's, behind one); empty when unknown."""
    try:
        return str(st.context.ip_address or "")
    except Exception:  # no browser context (tests, bare runs)
        return ""


def _first_admin() -> None:
    st.title("IPS Fidelity")
    st.subheader("Create the admin account")
    st.write(
        "This is a new database with no accounts yet. The first account is an admin: it adds the other "
        "users (reviewers, service leads, commissioners), services and reviews."
    )
    with st.form("first_admin"):
        username = st.text_input("Username", max_chars=80, key="first_admin:username")
        name = st.text_input("Your name", max_chars=120, key="first_admin:name")
        password = st.text_input("Password", type="password", key="first_admin:password", help="At least 10 characters")
        again = st.text_input("Password again", type="password", key="first_admin:again")
        submitted = st.form_submit_button("Create admin account", type="primary")
    if submitted:
        if password != again:
            st.error("password: the two passwords differ", icon=":material/error:")
            return
        try:
            with resources.transaction() as session:
                user = accounts.create_first_admin(
                    session, {"username": username, "display_name": name, "password": password}
                )
        except errors.Refused as error:
            widgets.show_error(error)
        else:
            flash(f"Admin account {user.username} created; you are signed in.")
            _signed_in(accounts.actor_of(user), user.credential_version)


def _sign_in_form(provider: str | None) -> None:
    st.title("IPS Fidelity")
    st.subheader("Sign in")
    with st.form("sign_in"):
        username = st.text_input("Username", max_chars=80, key="sign_in:username")
        password = st.text_input("Password", type="password", key="sign_in:password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            with resources.transaction() as session:
                result = accounts.sign_in(session, username=username, password=password, client=client_address())
        except errors.Refused as error:  # the database was busy: nothing was saved, the user can try again
            result = accounts.SignIn(None, str(error))
        if result.actor is None:
            st.error(result.message, icon=":material/error:")
        else:
            _signed_in(result.actor, result.credential_version)
    if provider:
        st.divider()
        st.button(
            "Sign in with your organisation's account",
            key="sign_in:sso",
            on_click=st.login,
            args=() if provider == "default" else (provider,),
            icon=":material/login:",
        )
    with resources.reading() as session:
        demo = accounts.demo_logins(session)
    if demo:
        with st.expander("Demo accounts (shown while the demo data is loaded)", expanded=True):
            st.dataframe(pd.DataFrame(demo, columns=["Username", "Password", "Role"]), hide_index=True)


def _sso_sign_in() -> accounts.SignIn:
    """After the identity provider's redirect: the account with the email it vouched for."""
    email = str(st.user.get("email") or "")
    if not email:
        st.error("The identity provider did not give an email address.", icon=":material/error:")
        return accounts.SignIn(None)
    with resources.transaction() as session:
        result = accounts.sign_in_by_email(session, email=email)
    if result.actor is None:
        st.error(result.message, icon=":material/error:")
    return result


def _sidebar(actor: Actor) -> None:
    with st.sidebar:
        st.caption(f"Signed in as **{widgets.md(actor.name)}** · {actor.role}")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            with resources.transaction() as session:
                accounts.sign_out(session, actor=actor)
            st.session_state.clear()
            if _sso_user():
                st.logout()
            st.rerun()
        with st.popover("Change my password", icon=":material/key:"), st.form("own_password"):
            current = st.text_input("Current password", type="password", key="own_password:current")
            new = st.text_input(
                "New password",
                type="password",
                key="own_password:new",
                help="At least 10 characters; not a common password and not your username. Other places you are "
                "signed in are signed out.",
            )
            again = st.text_input("New password again", type="password", key="own_password:again")
            if st.form_submit_button("Change password"):
                _change_own_password(actor, current, new, again)


def _change_own_password(actor: Actor, current: str, new: str, again: str) -> None:
    if new != again:
        st.error("password: the two passwords differ", icon=":material/error:")
        return
    try:
        with resources.transaction() as session:
            version = accounts.change_own_password(session, actor=actor, current=current, new=new)
    except errors.Refused as error:
        widgets.show_error(error)
    else:
        st.session_state[Keys.CREDENTIALS] = version  # this session stays signed in; every other one is signed out
        st.success("Password changed. You are signed out everywhere else.")


def _sso_user() -> bool:
    try:
        return bool(st.user.get("is_logged_in"))
    except Exception:
        return False


def gate() -> Actor:
    """The signed-in user; otherwise shows the first-admin or sign-in page and stops the run."""
    user_id: Any = st.session_state.get(Keys.USER_ID)
    version = int(st.session_state.get(Keys.CREDENTIALS) or 0)
    with resources.reading() as session:
        any_users = accounts.has_users(session)
        actor = accounts.current_actor(session, user_id, version) if user_id else None
    if actor is None and user_id:
        st.session_state[Keys.USER_ID] = None
        st.warning(
            "You have been signed out: your account was switched off or removed, or its password was changed. "
            "Sign in again."
        )
    if actor is None and any_users and sso_provider() and _sso_user():
        result = _sso_sign_in()
        if result.actor is not None:
            _signed_in(result.actor, result.credential_version)
    if actor is None:
        if any_users:
            _sign_in_form(sso_provider())
        else:
            _first_admin()
        with st.expander("Accessibility statement"):  # linked from every page, this one included
            accessibility.statement()
        st.stop()
    st.session_state[Keys.ACTOR] = actor
    _sidebar(actor)
    return actor
