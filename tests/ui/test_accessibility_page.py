"""The accessibility statement: a page for every role, and on the sign-in page; the contact is configurable."""

from __future__ import annotations

import pytest

from fidelity.ui import accessibility, navigation

from .conftest import open_app
from .test_pages import shown


def test_statement__its_own_page_with_what_is_not_yet_accessible_and_the_contact(
    app_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIDELITY_ACCESSIBILITY_CONTACT", "ips.fidelity@example.nhs.uk")
    at = open_app(navigation.ACCESSIBILITY)
    assert not at.exception, at.exception
    text = " ".join(shown(m.value) for m in at.markdown)
    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA" in text
    assert all(criterion in text for criterion, _ in accessibility.NOT_YET)
    assert "contact ips.fidelity@example.nhs.uk." in text.replace("\u2060", "")  # shown as text, never a link


def test_statement__on_the_sign_in_page_too(app_db: str) -> None:
    at = open_app(as_user=None)
    assert at.expander[-1].label == "Accessibility statement"
    assert any("Reporting accessibility problems" in m.value for m in at.markdown)


def test_navigation__every_role_has_the_statement() -> None:
    from fidelity.store.access import Actor, Role

    for role in Role:
        assert "Accessibility statement" in navigation.titles(Actor(name="x", role=role, user_id=None))["Help"]
