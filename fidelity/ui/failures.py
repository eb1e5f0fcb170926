"""What a person sees when something fails that the app did not expect: a short message with an error id, never a
traceback or a server path; the server's log keeps the whole error under that id for whoever looks after the app.
(`client.showErrorDetails = "none"` in .streamlit/config.toml covers what escapes this, such as a fragment's run.)"""

from __future__ import annotations

import logging
import secrets

import streamlit as st

log = logging.getLogger("fidelity")


def logged(error: BaseException, *, where: str) -> str:
    """Log `error` in full under a new id; returns the id."""
    error_id = secrets.token_hex(4)
    log.error("error %s on %s", error_id, where, exc_info=error)
    return error_id


def show(error: BaseException, *, where: str, what: str = "Something went wrong on this page") -> str:
    error_id = logged(error, where=where)
    st.error(
        f"{what}, and nothing more was done. Try again; if it happens again, tell whoever looks after this app the "
        f"error id **{error_id}** (the server's log holds the details).",
        icon=":material/error:",
    )
    return error_id
