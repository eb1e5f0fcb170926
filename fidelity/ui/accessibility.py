"""The accessibility statement, in the UK public-sector model: shown on its own page and on the sign-in page."""

from __future__ import annotations

import streamlit as st

from fidelity.settings import Settings
from fidelity.ui import widgets

PREPARED = "30 November 2026"
# What is known not to meet WCAG 2.2 AA yet, with the criterion and why; kept in step with the axe-core
# test (tests/e2e/test_accessibility.py) and the project's open issue on accessibility.
NOT_YET = (
    (
        "2.5.8 Target size (minimum)",
        "In date fields the day and month boxes are about 18 by 20 pixels, under the 24 pixels asked for. "
        "The date field is Streamlit's own; the whole field can be typed into, and its calendar opens from it.",
    ),
    (
        "1.4.1 Use of colour, 1.4.11 Non-text contrast",
        "Some charts tell series and band zones apart by colour alone, and in the outcomes chart of "
        "'One service over time' two reference-line labels can print over each other. Every chart has a "
        "table view with the same figures.",
    ),
    (
        "2.1.1 Keyboard, 2.4.7 Focus visible",
        "Scoring a review with the keyboard alone has not yet been tested from start to finish.",
    ),
    (
        "1.4.10 Reflow",
        "The review workspace has not yet been checked on a phone-sized screen (390 by 844 pixels).",
    ),
)


def statement() -> None:
    contact = Settings.from_env().accessibility_contact or "the administrator of your organisation's IPS Fidelity"
    st.markdown(
        "This statement applies to this IPS Fidelity app, used by reviewers, service leads and "
        "commissioners of Individual Placement and Support services. We want as many people as possible to be "
        "able to use it: to change colours and contrast through your browser, zoom in to 400% without "
        "the text spilling off the screen, move through it with a keyboard or speech recognition, and "
        "listen to it with a screen reader."
    )
    st.markdown("#### How accessible this app is")
    st.markdown("We know some parts are not fully accessible yet:")
    for criterion, text in NOT_YET:
        st.markdown(f"- **{criterion}**: {text}")
    st.markdown("#### Reporting accessibility problems")
    st.markdown(
        f"If you find a problem not listed here, or need information in a different format, contact "
        f"{widgets.md(contact)}. Say which page, what you were doing, and what assistive technology you use."
    )
    st.markdown("#### Enforcement procedure")
    st.markdown(
        "The Equality and Human Rights Commission (EHRC) enforces the Public Sector Bodies (Websites and "
        "Mobile Applications) (No. 2) Accessibility Regulations 2018. If you are not happy with how your "
        "organisation responds to a complaint, contact the Equality Advisory and Support Service (EASS)."
    )
    st.markdown("#### Compliance status")
    st.markdown(
        "This app is partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard, "
        "because of the non-compliances listed above."
    )
    st.markdown("#### How we tested this app")
    st.caption(
        f"This statement was prepared on {PREPARED}. Every page, as each of the four roles sees it, is checked "
        "automatically with axe-core 4.14 (rules for WCAG 2.0, 2.1 and 2.2, levels A and AA) in a real browser "
        "as part of the app's tests."
    )
