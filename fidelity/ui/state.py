"""Session-state keys with their defaults. Only ids are kept, never rows or frames."""

from __future__ import annotations

from typing import Any

import streamlit as st


class Keys:
    SERVICE_ID = "selected_service_id"
    REVIEW_ID = "selected_review_id"
    FLASH = "flash_message"
    USER_ID = "signed_in_user_id"
    ACTOR = "signed_in_actor"
    CREDENTIALS = "signed_in_credential_version"  # the account's credential version when this session signed in


DEFAULTS: dict[str, Any] = {Keys.SERVICE_ID: None, Keys.REVIEW_ID: None, Keys.FLASH: None, Keys.USER_ID: None}


def init_state() -> None:
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)


def flash(message: str) -> None:
    """Show `message` as a success note on the next run (survives st.rerun and page switches)."""
    st.session_state[Keys.FLASH] = message


def show_flash() -> None:
    message = st.session_state.get(Keys.FLASH)
    if message:
        st.success(message)
        st.session_state[Keys.FLASH] = None
