"""The page list, in one place, so pages can link to each other by constant. Each role sees its pages."""

from __future__ import annotations

import streamlit as st

from fidelity.access import Actor, Role

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
USERS = "fidelity/ui/pages/users.py"
AUDIT = "fidelity/ui/pages/audit_log.py"
DATA = "fidelity/ui/pages/data.py"

SCORERS = (Role.ADMIN, Role.REVIEWER)
ADMINS = (Role.ADMIN,)


def pages(actor: Actor) -> dict[str, list[st.Page]]:
    """The pages this user's role works with; the data layer refuses anything beyond them anyway."""

    def shown(*roles: Role) -> bool:
        return not roles or actor.role in roles

    sections = {
        "": [(HOME, "Home", ":material/home:", "home", ())],
        "Reviews": [
            (WORKSPACE, "Review workspace", ":material/edit_note:", "workspace", SCORERS),
            (CONSENSUS, "Consensus", ":material/handshake:", "consensus", SCORERS),
            (SUMMARY, "Review summary", ":material/summarize:", "summary", ()),
            (REPORT, "Report", ":material/description:", "report", ()),
            (IMPORT, "Import past reviews", ":material/upload_file:", "import", ADMINS),
        ],
        "Services": [
            (SERVICES, "Services", ":material/apartment:", "services", ()),
            (HISTORY, "Service history", ":material/timeline:", "history", ()),
            (COMPARE, "Compare sites", ":material/compare_arrows:", "compare", ()),
            (OUTCOMES, "Outcomes", ":material/work:", "outcomes", ()),
            (PLAN, "Improvement plan", ":material/checklist:", "plan", ()),
        ],
        "Administration": [
            (USERS, "Users", ":material/group:", "users", ADMINS),
            (AUDIT, "Audit log", ":material/history:", "audit", ADMINS),
            (DATA, "Export and demo data", ":material/database:", "data", ADMINS),
        ],
    }
    result = {}
    for section, entries in sections.items():
        visible = [
            st.Page(path, title=title, icon=icon, url_path=url, default=path == HOME)
            for path, title, icon, url, roles in entries
            if shown(*roles)
        ]
        if visible:
            result[section] = visible
    return result
