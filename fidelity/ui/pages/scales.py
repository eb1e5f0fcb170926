"""Scales (admins): the published versions; check, preview, compare and publish a new one; verify items; retire."""

import streamlit as st

from fidelity.store import published_scales
from fidelity.ui import resources, scale_admin
from fidelity.ui.state import show_flash

st.title("Scales")
show_flash()
st.caption(
    "A fidelity scale is data: its items, the criteria for each score, calculators, checklists and bands. "
    "Author one in the workbook template or YAML, then upload it here to check, preview, compare and publish it."
)
with resources.reading() as session:
    listed = published_scales.publications(session, actor=resources.actor())
scale_admin.versions_table(listed)

publish_tab, verify_tab, retire_tab = st.tabs(["Publish a new version", "Verify items", "Retire a version"])
with publish_tab:
    scale_admin.downloads(listed)
    st.divider()
    scale_admin.publish_section()
with verify_tab:
    st.caption(
        "Record that an item's criteria were checked against a named source (title, edition or date, page). "
        "The item is then no longer provisional on that version, in the workspace, reports and exports."
    )
    scale_admin.verify_section(listed)
with retire_tab:
    scale_admin.retire_section(listed)
