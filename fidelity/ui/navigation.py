"""The page list, in one place, so pages can link to each other by constant."""

from __future__ import annotations

import streamlit as st

HOME = "fidelity/ui/pages/home.py"
SERVICES = "fidelity/ui/pages/services.py"
WORKSPACE = "fidelity/ui/pages/review_workspace.py"
SUMMARY = "fidelity/ui/pages/review_summary.py"
CONSENSUS = "fidelity/ui/pages/consensus.py"
PLAN = "fidelity/ui/pages/improvement_plan.py"
REPORT = "fidelity/ui/pages/report.py"
HISTORY = "fidelity/ui/pages/service_history.py"
IMPORT = "fidelity/ui/pages/import_reviews.py"
OUTCOMES = "fidelity/ui/pages/outcomes.py"
COMPARE = "fidelity/ui/pages/compare.py"


def pages() -> dict[str, list[st.Page]]:
    return {
        "": [st.Page(HOME, title="Home", icon=":material/home:", url_path="home", default=True)],
        "Reviews": [
            st.Page(WORKSPACE, title="Review workspace", icon=":material/edit_note:", url_path="workspace"),
            st.Page(CONSENSUS, title="Consensus", icon=":material/handshake:", url_path="consensus"),
            st.Page(SUMMARY, title="Review summary", icon=":material/summarize:", url_path="summary"),
            st.Page(REPORT, title="Report", icon=":material/description:", url_path="report"),
            st.Page(IMPORT, title="Import past reviews", icon=":material/upload_file:", url_path="import"),
        ],
        "Services": [
            st.Page(SERVICES, title="Services", icon=":material/apartment:", url_path="services"),
            st.Page(HISTORY, title="Service history", icon=":material/timeline:", url_path="history"),
            st.Page(COMPARE, title="Compare sites", icon=":material/compare_arrows:", url_path="compare"),
            st.Page(OUTCOMES, title="Outcomes", icon=":material/work:", url_path="outcomes"),
            st.Page(PLAN, title="Improvement plan", icon=":material/checklist:", url_path="plan"),
        ],
    }
