"""Export and demo data (admins): the whole database as XLSX or CSV, and the demo data on or off."""

from datetime import date

import streamlit as st

from fidelity import demo
from fidelity.store import backup
from fidelity.ui import resources, widgets
from fidelity.ui.state import flash, show_flash

st.title("Export and demo data")
show_flash()
actor = resources.actor()

st.subheader("Export the whole database")
st.write(
    "Every table, every row: services, reviews and ratings, plans, outcomes, users (password hashes included, "
    "so keep the file safe) and the audit log. Restore an export into an empty database with "
    "`python -m fidelity restore FILE`."
)
left, right = st.columns(2)
engine = resources.engine()
if left.button("Prepare XLSX (one workbook)", key="data:xlsx", icon=":material/table:"):
    bar = st.progress(0.0, text="Exporting…")
    st.session_state["data:export"] = (
        backup.export_xlsx(engine, actor=actor, progress=lambda f, m: bar.progress(f, text=m)),
        "xlsx",
    )
    bar.empty()
if right.button("Prepare CSV (a ZIP of one file per table)", key="data:csv", icon=":material/folder_zip:"):
    with st.spinner("Exporting…"):
        st.session_state["data:export"] = (backup.export_csv_zip(engine, actor=actor), "zip")
prepared = st.session_state.get("data:export")
if prepared:
    content, kind = prepared
    st.download_button(
        f"Download the export ({len(content) / 1e6:.1f} MB, .{kind})",
        content,
        file_name=f"ips-fidelity-{date.today():%Y-%m-%d}.{kind}",
        mime="application/zip"
        if kind == "zip"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="data:download",
        icon=":material/download:",
    )

st.subheader("Demo data")
with resources.reading() as session:
    loaded = demo.demo_loaded(session)
if not loaded:
    st.write("Load synthetic demo services, reviews, plans, outcomes and one demo account per role.")
    if st.button("Load demo data", key="data:load_demo", icon=":material/science:"):
        summary = widgets.load_demo_data()
        if summary is not None:
            flash(f"Demo data loaded: {summary.services} services and the demo accounts (see the sign-in page).")
            st.rerun()
else:
    st.write(
        "Demo data is loaded. Removing it deletes every “Demo: …” service with its reviews, plans and outcomes, "
        "and the demo accounts. Your own services and accounts stay; the audit log keeps the record."
    )
    sure = st.checkbox("Yes, remove all the demo data", key="data:remove_demo:confirm")
    if st.button("Remove demo data", disabled=not sure, key="data:remove_demo", icon=":material/delete:"):
        with st.spinner("Removing the demo data…"), resources.transaction() as session:
            removed = demo.remove_demo(session, actor=actor)
        flash(f"Demo data removed: {removed} services and the demo accounts.")
        st.rerun()
