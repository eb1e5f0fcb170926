"""Every page checked with axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) in Chromium, for each of the four
roles on the demo data, with a service and review chosen. The one failure Streamlit's own date field still has is named
in the accessibility statement, and allowed here by exactly what it is; anything else fails the test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import select

from fidelity import db, demo
from fidelity.models import Programme
from fidelity.scale_files import load_scales
from fidelity.store import access, accounts
from fidelity.ui import accessibility

from .conftest import PASSWORDS, ROOT, seed_service, sign_in, sign_out, wait_idle

AXE = Path(os.environ.get("AXE_CORE_PATH", ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"))
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html.slice(0, 200))}));
}"""
PAGES = [
    "Home",
    "Site visit",
    "Review workspace",
    "Consensus",
    "Review summary",
    "Report",
    "Import past reviews",
    "Services",
    "Service history",
    "Compare sites",
    "Outcomes",
    "Improvement plan",
    "Users",
    "Scales",
    "Audit log",
    "Export and demo data",
    "Accessibility statement",
]

if not AXE.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{AXE} is missing: CI must install axe-core from npm (see .ci/run)")
    pytest.skip("axe-core not installed (npm install --prefix .ci/node axe-core@4.14.1)", allow_module_level=True)


def _date_field_segment(node: str) -> bool:
    """The day and month boxes of Streamlit's date field: the known 2.5.8 failure the statement names."""
    return 'role="spinbutton"' in node and ('aria-label="day,' in node or 'aria-label="month,' in node)


def _serious(page) -> list[tuple[str, str]]:
    page.add_script_tag(content=AXE.read_text())
    found = []
    for violation in page.evaluate(RUN, TAGS):
        nodes = violation["nodes"]
        if violation["id"] == "target-size":
            nodes = [n for n in nodes if not _date_field_segment(n)]
        found += [(violation["id"], node) for node in nodes]
    return found


def _check_pages(page) -> dict[str, list[tuple[str, str]]]:
    """Every page in this user's sidebar, after choosing their first service on Review summary."""
    sidebar = page.get_by_test_id("stSidebar")
    titles = [t for t in PAGES if sidebar.get_by_role("link", name=t, exact=True).count()]
    sidebar.get_by_role("link", name="Review summary", exact=True).click()
    wait_idle(page)
    service = page.get_by_role("combobox", name="Service")
    if service.count():  # a service (and its latest review) chosen, and remembered across pages
        service.click()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        wait_idle(page)
    failures = {}
    for title in titles:
        sidebar.get_by_role("link", name=title, exact=True).click()
        page.wait_for_timeout(300)
        wait_idle(page)
        if title == "Compare sites":  # every tab and expander open
            for tab in page.get_by_role("tab").all():
                tab.click()
                wait_idle(page)
                for expander in page.locator('[data-testid="stExpander"] summary').all():
                    if expander.is_visible():
                        expander.click()
            wait_idle(page)
        failures[title] = _serious(page)
    return failures


def test_every_page_for_every_role__no_serious_or_critical_axe_violation(app_url: str, page, e2e_db: str) -> None:
    seed_service(e2e_db)
    with db.session_scope(db.make_engine(e2e_db)) as s:
        demo.load_demo(s, scales=load_scales(ROOT / "scales"), actor=access.operator())
        commissioner = accounts.create_user(
            s,
            actor=access.operator(),
            data={"username": "cora", "display_name": "Cora", "role": "commissioner", "password": PASSWORDS["cora"]},
        )
        programme = s.exec(select(Programme.id).where(Programme.name == demo.DEMO_PROGRAMME)).one()
        accounts.set_scopes(
            s, actor=access.operator(), user_id=commissioner.id, scopes=accounts.Scopes(programme_ids=(programme,))
        )
    page.goto(app_url)
    wait_idle(page)
    failures = {"Sign in": _serious(page)}
    for username in ("admin", "ann", "lee", "cora"):
        sign_in(page, username)
        failures |= {f"{title} ({username})": found for title, found in _check_pages(page).items()}
        sign_out(page)
    assert {where: found for where, found in failures.items() if found} == {}
    assert any("2.5.8" in criterion for criterion, _ in accessibility.NOT_YET)  # the allowance is stated
