"""The multi-user deployment: two app processes on one PostgreSQL database. A change saved through one
shows in the other on its next run, although each process caches its reads."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from ..conftest import reset_postgres
from .conftest import choose, go_to, screenshot, seed_service, sign_in, start_app, stop_app

pytestmark = pytest.mark.postgres


def test_two_app_processes__change_in_one_shows_in_the_other(browser, tmp_path) -> None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        pytest.skip("set TEST_DATABASE_URL=postgresql+psycopg://... to run the PostgreSQL leg")
    reset_postgres(url)
    seed_service(url)
    first, first_url = start_app(url, tmp_path / "first.log")
    second, second_url = start_app(url, tmp_path / "second.log")
    contexts = []
    try:
        tabs = []
        for base in (first_url, second_url):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            contexts.append(context)
            tab = context.new_page()
            tab.set_default_timeout(20_000)
            tab.goto(base)
            sign_in(tab, "admin")
            go_to(tab, "Services")  # both processes have read (and cached) the services
            tabs.append(tab)
        a, b = tabs

        a.get_by_role("tab", name="Add a service").click()
        a.get_by_label("Service name").fill("Shared IPS")
        choose(a, "Programme", "IPSPC")
        choose(a, "Area", "Norfolk")
        a.get_by_role("button", name="Add service").click()
        expect(a.get_by_text("Added service “Shared IPS”.")).to_be_visible()

        go_to(b, "Service history")
        go_to(b, "Services")
        b.get_by_role("tab", name="Edit a service").click()
        choose(b, "Service", "Shared IPS — Norfolk")
        expect(b.get_by_role("textbox", name="Service name")).to_have_value("Shared IPS")
        screenshot(b, "second-process-sees-the-change")
    finally:
        for context in contexts:
            context.close()
        stop_app(first)
        stop_app(second)
