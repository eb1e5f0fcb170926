"""Small display helpers shared by the pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fidelity.scales import Item, Scale
from fidelity.ui.state import Keys

BAND_COLOURS = {"Exemplary": "blue", "Good": "green", "Fair": "orange", "Not IPS": "red"}
PROVISIONAL = "Provisional"


def band_badge(label: str | None, *, provisional: bool = False) -> None:
    if label is None:
        st.badge("No band yet", color="gray")
        return
    st.badge(label + (" (provisional band)" if provisional else ""), color=BAND_COLOURS.get(label, "gray"))


def item_title(item: Item) -> str:
    flag = f" · {PROVISIONAL}" if item.provisional else ""
    return f"{item.number}. {item.name} ({item.code}){flag}"


def provisional_warning(scale: Scale) -> None:
    count = sum(item.provisional for item in scale.items)
    if count:
        st.warning(
            f"{count} of {len(scale.items)} items on {scale.id} v{scale.version} have provisional criteria: "
            "written from the IPS literature but not yet checked against the published scale. "
            "They are marked “Provisional”.",
            icon="⚠️",
        )


def service_picker(services: pd.DataFrame, *, key: str) -> int | None:
    """Choose a service; the choice is remembered across pages."""
    ids = [int(i) for i in services["id"]]
    labels = dict(zip(ids, services["Service"] + " — " + services["Area"], strict=True))
    current = st.session_state.get(Keys.SERVICE_ID)
    chosen = st.selectbox(
        "Service", ids, index=ids.index(current) if current in ids else None, format_func=labels.__getitem__,
        key=key, placeholder="Choose a service",
    )
    st.session_state[Keys.SERVICE_ID] = chosen
    return chosen


def show_error(error: Exception) -> None:
    st.error(str(error), icon="🚫")
