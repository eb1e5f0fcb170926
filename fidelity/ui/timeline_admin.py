"""The Programme view's part for admins that sets the programme's review timeline: its steps, owners and offsets,
as a table to edit; reviews started from then follow it, reviews already started keep theirs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fidelity.store import timelines
from fidelity.timeline import Anchor, Owner
from fidelity.ui import resources, widgets


def programme_timeline_section(programme_id: int) -> None:
    st.subheader("Review timeline for this programme")
    with resources.reading() as session:
        steps, version = timelines.programme_timeline(session, programme_id)
    st.caption(
        "The steps each new review of this programme gets, in the order they fall due: who owns each, and how many "
        "days after the visit or the report it is due (negative: before). Reviews already started keep their steps."
        + (" This is IPS Grow's published timeline, the app's default." if version == 0 else "")
    )
    edited = st.data_editor(
        pd.DataFrame([step.as_data() for step in steps]),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key=f"programme:timeline:{programme_id}:{version}",
        column_config={
            "key": st.column_config.TextColumn("Key", help="A short name for the step: lower-case letters and _"),
            "title": st.column_config.TextColumn("Step", width="large"),
            "owner": st.column_config.SelectboxColumn("Owner", options=[str(o) for o in Owner]),
            "anchor": st.column_config.SelectboxColumn("Due from", options=[str(a) for a in Anchor]),
            "days": st.column_config.NumberColumn("Days", step=1, format="%d"),
        },
    )
    left, right = st.columns(2)
    if left.button("Save the timeline", type="primary", key=f"programme:timeline:save:{programme_id}"):
        rows = edited.astype(object).where(edited.notna(), None).to_dict("records")
        widgets.save_then_rerun(
            lambda session: timelines.set_programme_timeline(
                session,
                actor=resources.actor(),
                programme_id=programme_id,
                rows=rows,
                expected_version=version or None,
            ),
            "Review timeline saved: reviews started from now follow it.",
        )
    if version and right.button("Return to IPS Grow's timeline", key=f"programme:timeline:reset:{programme_id}"):
        widgets.save_then_rerun(
            lambda session: timelines.reset_programme_timeline(
                session, actor=resources.actor(), programme_id=programme_id
            ),
            "The programme's reviews follow IPS Grow's timeline again.",
        )
