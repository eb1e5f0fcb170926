"""The page list, in one place, so pages can link to each other by constant. Each role sees its pages."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from fidelity.store.access import Actor, Role

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
PROGRAMME = "fidelity/ui/pages/programme_view.py"
CALIBRATION = "fidelity/ui/pages/calibration.py"
ITEMS_OUTCOMES = "fidelity/ui/pages/items_outcomes.py"
USERS = "fidelity/ui/pages/users.py"
AUDIT = "fidelity/ui/pages/audit_log.py"
DATA = "fidelity/ui/pages/data.py"
SCALES = "fidelity/ui/pages/scales.py"
VISIT = "fidelity/ui/pages/site_visit.py"
TIMELINE = "fidelity/ui/pages/timeline.py"
ACCESSIBILITY = "fidelity/ui/pages/accessibility.py"

SCORERS = (Role.ADMIN, Role.REVIEWER)
# service leads score their own service in a guided self-assessment, in the same workspace
SELF_SCORERS = (Role.ADMIN, Role.REVIEWER, Role.SERVICE_LEAD)
ADMINS = (Role.ADMIN,)
COMMISSIONERS = (Role.ADMIN, Role.COMMISSIONER)
CALIBRATORS = (Role.ADMIN, Role.COMMISSIONER, Role.REVIEWER)  # a reviewer sees their own calibration only
PAGES_KEY = "navigation_pages"  # this session's st.Page objects, with the role they were made for


# section -> (file, title, icon, url path, roles that see it; empty = everyone)
SECTIONS: dict[str, list[tuple[str, str, str, str, tuple[Role, ...]]]] = {
    "": [(HOME, "Home", ":material/home:", "home", ())],
    "Reviews": [
        (TIMELINE, "Review timeline", ":material/event_upcoming:", "timeline", ()),
        (VISIT, "Site visit", ":material/event_note:", "visit", SELF_SCORERS),
        (WORKSPACE, "Review workspace", ":material/edit_note:", "workspace", SELF_SCORERS),
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
    "Insight": [
        (PROGRAMME, "Programme view", ":material/dashboard:", "programme", COMMISSIONERS),
        (CALIBRATION, "Reviewer calibration", ":material/balance:", "calibration", CALIBRATORS),
        (ITEMS_OUTCOMES, "Items and outcomes", ":material/query_stats:", "items-outcomes", COMMISSIONERS),
    ],
    "Administration": [
        (USERS, "Users", ":material/group:", "users", ADMINS),
        (SCALES, "Scales", ":material/rule:", "scales", ADMINS),
        (AUDIT, "Audit log", ":material/history:", "audit", ADMINS),
        (DATA, "Export and demo data", ":material/database:", "data", ADMINS),
    ],
    "Help": [(ACCESSIBILITY, "Accessibility statement", ":material/accessibility:", "accessibility", ())],
}


def titles(actor: Actor) -> dict[str, list[str]]:
    """Section -> titles of the pages this user's role works with."""
    return {
        section: [title for _, title, _, _, roles in entries if not roles or actor.role in roles]
        for section, entries in SECTIONS.items()
        if any(not roles or actor.role in roles for *_, roles in entries)
    }


def sidebar_links(pages: dict[str, list[st.Page]], place: DeltaGenerator) -> None:
    """The pages as links under their section names. st.navigation's own sidebar list puts list items
    outside a list for sections (a WCAG failure), so the app hides it and draws these instead."""
    with place:
        for section, entries in pages.items():
            if section:
                st.markdown(f"**{section}**")
            for page in entries:
                st.page_link(page, label=page.title, icon=page.icon)


def pages(actor: Actor) -> dict[str, list[st.Page]]:
    """The pages for st.navigation; the data layer refuses anything beyond a role anyway. Made once per session
    and role: each st.Page resolves its file's path on disk, which was 6% of the app's time with 30 users."""
    kept = st.session_state.get(PAGES_KEY)
    if kept is None or kept[0] != actor.role:
        kept = st.session_state[PAGES_KEY] = (actor.role, _pages(actor))
    return kept[1]  # type: ignore[no-any-return]


def _pages(actor: Actor) -> dict[str, list[st.Page]]:
    shown = titles(actor)
    return {
        section: [
            st.Page(path, title=title, icon=icon, url_path=url, default=path == HOME)
            for path, title, icon, url, _ in SECTIONS[section]
            if title in shown[section]
        ]
        for section in shown
    }
