"""Audit log (admins): every change, sign-in and refusal-worthy event, filtered and exported."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from fidelity import errors
from fidelity.store import audit
from fidelity.ui import resources, widgets

PAGE_SIZE = 200

st.title("Audit log")
actor = resources.actor()

with resources.reading() as session:
    entities, actions = audit.audit_choices(session, actor=actor)

first, second, third = st.columns(3)
entity = first.selectbox("What", entities, index=None, placeholder="Everything", key="audit:entity")
action = second.selectbox("Action", actions, index=None, placeholder="Every action", key="audit:action")
who = third.text_input("Who (part of a username)", key="audit:who")
fourth, fifth, sixth = st.columns(3)
since = widgets.date_field("From", date.today() - timedelta(days=90), key="audit:since", where=fourth)
until = widgets.date_field("To", date.today(), key="audit:until", where=fifth)
entity_id = sixth.text_input("Record id", key="audit:entity_id")
try:
    since_day = widgets.entered_date("From", since, required=False)
    until_day = widgets.entered_date("To", until, required=False)
except errors.InputError as problem:
    widgets.show_error(problem)
    st.stop()
chosen = audit.AuditFilter(
    entity=entity,
    action=action,
    actor=who.strip() or None,
    entity_id=entity_id.strip() or None,
    since=since_day,
    until=until_day,
)
page = st.number_input("Page", min_value=1, value=1, step=1, key="audit:page")

with resources.reading() as session:
    events, total = audit.list_audit(
        session, actor=actor, chosen=chosen, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )

st.caption(f"{total:,} matching events, newest first; page {page} of {max(1, -(-total // PAGE_SIZE))}.")
if not events:
    st.info("No event matches these filters.")
    st.stop()


def _changes(before: dict | None, after: dict | None) -> str:
    changed = audit.changed_fields(before, after)
    bookkeeping = {"created_at", "updated_at", "version"}
    shown = [f"{field}: {old!r} → {new!r}" for field, (old, new) in changed.items() if field not in bookkeeping]
    return "; ".join(shown)[:500]


st.dataframe(
    pd.DataFrame(
        [
            {
                "When (UTC)": e.at,
                "Who": e.actor,
                "Action": e.action,
                "What": e.entity,
                "Id": e.entity_id,
                "Changes": _changes(e.before, e.after),
            }
            for e in events
        ]
    ),
    hide_index=True,
    width="stretch",
)
picked = st.selectbox(
    "Show one event in full",
    [e.id for e in events],
    format_func=lambda i: next(
        f"#{e.id} {e.at:%d %b %Y %H:%M} {e.actor} {e.action} {e.entity} {e.entity_id}" for e in events if e.id == i
    ),
    index=None,
    key="audit:event",
)
if picked is not None:
    event = next(e for e in events if e.id == picked)
    before_col, after_col = st.columns(2)
    before_col.markdown("**Before**")
    before_col.json(event.before or {})
    after_col.markdown("**After**")
    after_col.json(event.after or {})

if st.button(f"Prepare the {total:,} matching events as CSV", key="audit:prepare", icon=":material/table:"):
    with st.spinner("Preparing the export…"), resources.reading() as session:
        st.session_state["audit:csv"] = audit.export_csv(session, actor=actor, chosen=chosen)
if st.session_state.get("audit:csv"):
    st.download_button(
        "Download the audit log (CSV)",
        st.session_state["audit:csv"],
        file_name=f"audit-log-{date.today():%Y-%m-%d}.csv",
        mime="text/csv",
        key="audit:download",
        icon=":material/download:",
    )
    st.caption("Before and after values are in the CSV as JSON.")
