"""A real `streamlit run` on a free loopback port with its own SQLite file, driven by headless Chromium.

Chromium comes from Debian's package (/usr/bin/chromium); Playwright's own browser download is not
used. Without Chromium these tests are skipped locally but fail under CI=true, so CI cannot hide a
missing install step.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fidelity.ui.app_server import CHROME_ARGS, CHROMIUM, start_app, stop_app
from fidelity.ui.browser_bench import IDLE

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(os.environ.get("AXE_CORE_PATH", ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"))
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html.slice(0, 200))}));
}"""

if not shutil.which(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: CI must install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture
def e2e_db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'e2e.db'}"


@pytest.fixture
def app_url(e2e_db: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    log = tmp_path / "streamlit.log"
    process, url = start_app(e2e_db, log)
    yield url
    stop_app(process)
    if request.node.stash.get(FAILED, False):
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / f"FAILED-{request.node.name}.log")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    # A first page on a fresh database prepares it (migrations, published scales) and a busy 2-core CI machine
    # can take over 5 s for that: wait up to 20 s, as the page's own actions do.
    expect.set_options(timeout=20_000)

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROME_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    if request.node.stash.get(FAILED, False):
        screenshot(tab, f"FAILED-{request.node.name}")
    context.close()


def wait_idle(page) -> None:
    """Streamlit has finished its current run."""
    page.wait_for_selector(IDLE)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


PASSWORDS = {
    "admin": "ada long password 1",
    "ann": "first key 7 east",
    "bo": "bo-password-12",
    "lee": "service key 4 north",
    "cora": "commission key 9 south",
    "cy": "moderate key 3 west",
}


def seed_service(url: str, name: str = "Norfolk IPS") -> None:
    """A service, an admin, two reviewers (Ann Lead, Bo Second) and the service's lead (Lee)."""
    from fidelity import db
    from fidelity.store import access, accounts, services

    db.migrate(url)
    operator = access.operator("e2e")
    with db.session_scope(db.make_engine(url)) as s:
        programme = services.create_programme(s, actor=operator, name="IPSPC")
        area = services.create_area(s, actor=operator, name="Norfolk")
        service = services.create_service(
            s, actor=operator, data={"name": name, "programme_id": programme.id, "area_id": area.id}
        )
        for username, display, role in [
            ("admin", "Ada Admin", "admin"),
            ("ann", "Ann Lead", "reviewer"),
            ("bo", "Bo Second", "reviewer"),
            ("lee", "Lee Service-Lead", "service lead"),
        ]:
            data = {"username": username, "display_name": display, "role": role, "password": PASSWORDS[username]}
            user = accounts.create_user(s, actor=operator, data=data)
        accounts.set_scopes(s, actor=operator, user_id=user.id, scopes=accounts.Scopes(service_ids=(service.id,)))


def sign_in(page, username: str) -> None:
    """Fill the sign-in form (the page the app shows to anyone not signed in)."""
    from playwright.sync_api import expect

    wait_idle(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORDS[username])
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()
    wait_idle(page)


def sign_out(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    wait_idle(page)


def choose(page, label: str, option: str, *, typed: str | None = None) -> None:
    """Pick an option in a select box; with `typed`, type it first to narrow a long list (as people do)."""
    box = page.get_by_role("combobox", name=label)
    box.scroll_into_view_if_needed()  # a box far down a long page may still be moving as the page settles
    box.click()
    if typed is not None:
        box.fill(typed)
    page.get_by_role("option", name=option).click()
    wait_idle(page)


def demo_sign_in(page, app_url: str, e2e_db: str, username: str = "demo.commissioner") -> None:
    """Load the small demo (dated 22 November 2026) and sign in with one of its accounts."""
    from datetime import date

    from playwright.sync_api import expect

    from fidelity import db, demo
    from fidelity.scale_files import load_scales
    from fidelity.store import access, accounts

    db.migrate(e2e_db)
    with db.session_scope(db.make_engine(e2e_db)) as s:
        demo.load_demo(s, actor=access.operator("e2e"), scales=load_scales(ROOT / "scales"), today=date(2026, 11, 22))
    with db.session_scope(db.make_engine(e2e_db)) as s:
        password = {u: p for u, p, _ in accounts.demo_logins(s)}[username]
    page.goto(app_url)
    expect(page.get_by_text("Demo accounts (shown while the demo data is loaded)")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()
    wait_idle(page)


def go_to(page, title: str) -> None:
    """Follow the sidebar link (keeps the session, so choices made on other pages are remembered)."""
    page.get_by_test_id("stSidebar").get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=title if title != "Report" else "Fidelity report").wait_for()
    wait_idle(page)


def start_review(page, *, lead: str, second: str = "") -> None:
    """As the admin: start a review of Norfolk IPS, assigning reviewer accounts by username."""
    from playwright.sync_api import expect

    choose(page, "Service", "Norfolk IPS — Norfolk")
    expect(page.get_by_role("heading", name="Start a new review")).to_be_visible()
    names = {"ann": "Ann Lead (ann)", "bo": "Bo Second (bo)", "admin": "Ada Admin (admin)"}
    choose(page, "Lead reviewer", names[lead])
    if second:
        choose(page, "Second reviewer (optional)", names[second])
    page.get_by_role("button", name="Start review").click()
    expect(page.get_by_text("Review started on ips-25")).to_be_visible()
    wait_idle(page)


def score_items(page, scale, scores: dict[int, int]) -> None:
    """Score every item in order; each choice is saved at once, as the sidebar count shows."""
    import re

    from playwright.sync_api import expect

    for number, score in scores.items():
        expect(page.get_by_role("heading", name=re.compile(rf"^{number}\. "))).to_be_visible()
        wait_idle(page)
        page.locator('[data-testid="stRadio"] label').filter(
            has_text=f"{score} — {scale.item(number).criteria[score]}"
        ).click()
        expect(page.get_by_text(f"{number} of 25 items scored")).to_be_visible()
        wait_idle(page)
        if number < len(scores):
            page.get_by_role("button", name="Next unscored item ▶").click()
            wait_idle(page)


def serious_axe_violations(page) -> list[tuple[str, str]]:
    """axe-core's serious and critical WCAG 2.2 A/AA violations on the page as it is now: (rule, element)."""
    if not AXE.exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{AXE} is missing: CI must install axe-core from npm (see .ci/run)")
        pytest.skip("axe-core not installed (npm install --prefix .ci/node axe-core@4.14.1)")
    page.add_script_tag(content=AXE.read_text())
    return [(violation["id"], node) for violation in page.evaluate(AXE_RUN, AXE_TAGS) for node in violation["nodes"]]


def start_norfolk_review(url: str, scores: dict[int, int], *, lead: str = "ann", second: str | None = None) -> int:
    """A review of Norfolk IPS led by `lead` (with `second`, if given) in which the lead has saved `scores`."""
    from datetime import date

    from sqlmodel import select

    from fidelity import db
    from fidelity.models import Service, User
    from fidelity.scale_files import load_scales
    from fidelity.store import access, ratings, reviews

    operator = access.operator("e2e")
    with db.session_scope(db.make_engine(url)) as s:
        service = s.exec(select(Service)).one()
        user_id = {u.username: u.id for u in s.exec(select(User))}
        data = {"service_id": service.id, "scale_id": "ips-25", "visit_start": date(2026, 9, 1)}
        data |= {"lead_user_id": user_id[lead], "second_user_id": user_id[second] if second else None}
        review = reviews.start_review(s, actor=operator, scales=load_scales(ROOT / "scales"), data=data)
        for number, score in scores.items():
            ratings.save_rating(s, actor=operator, review_id=review.id, data={"item_number": number, "score": score})
        return review.id


def review_in_progress(url: str) -> None:
    """A two-reviewer review of Norfolk IPS (Ann leads, Bo second) in which Ann has scored items 3-25 (4 each)."""
    start_norfolk_review(url, dict.fromkeys(range(3, 26), 4), second="bo")
