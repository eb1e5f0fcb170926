"""Every page checked with axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) in Chromium, for each of the four
roles on the demo data, with a service and review chosen: any serious or critical violation fails the test."""

from __future__ import annotations

from sqlmodel import select

from fidelity import db, demo
from fidelity.models import Programme
from fidelity.scale_files import load_scales
from fidelity.store import access, accounts

from .conftest import PASSWORDS, ROOT, seed_service, serious_axe_violations, sign_in, sign_out, wait_idle

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
    "Programme view",
    "Reviewer calibration",
    "Items and outcomes",
    "Users",
    "Scales",
    "Audit log",
    "Export and demo data",
    "Accessibility statement",
]


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
        failures[title] = serious_axe_violations(page)
        _open_expanders(page)
        failures[f"{title}, expanders open"] = serious_axe_violations(page)
        for tab in page.get_by_role("tab").all():  # every tab, with its expanders open (axe skips what is hidden)
            tab.click()
            page.wait_for_timeout(300)  # a tab may rerun the page to draw itself
            wait_idle(page)
            _open_expanders(page)
            failures[f"{title}: {tab.inner_text()}"] = serious_axe_violations(page)
    return failures


def _open_expanders(page) -> None:
    """Open every visible closed expander, one at a time: a chart's table view reruns the page to draw itself."""
    for expander in page.locator('[data-testid="stExpander"] summary').all():
        if expander.is_visible() and not expander.evaluate("summary => summary.parentElement.open"):
            expander.click()
            page.wait_for_timeout(300)
            wait_idle(page)


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
    failures = {"Sign in": serious_axe_violations(page)}
    for username in ("admin", "ann", "lee", "cora"):
        sign_in(page, username)
        failures |= {f"{title} ({username})": found for title, found in _check_pages(page).items()}
        sign_out(page)
    assert {where: found for where, found in failures.items() if found} == {}
