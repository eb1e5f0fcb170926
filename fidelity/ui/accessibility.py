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
        "1.4.11 Non-text contrast (focus)",
        "When a radio button (such as an item's scores) or an unticked tick box has the keyboard focus, Streamlit "
        "shows it only as a faint grey tint behind its row, about 1.2:1 against the page where 3:1 is asked for. "
        "Buttons, links, text boxes and lists show a ring or border of 3:1 or more. The radio button and tick box "
        "are Streamlit's own: making their focus stronger needs a change in Streamlit itself, not in this app.",
    ),
    (
        "1.4.10 Reflow",
        "On a phone-sized screen (390 by 844 pixels) signing in, Home and the review workspace have been checked "
        "for sideways scrolling and target size. Other pages, most of all Compare sites with its wide tables and "
        "charts, have not yet been checked at that size.",
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
        "as part of the app's tests, with every tab and expander opened. The tests also score and submit a "
        "review with the keyboard alone, checking that each control reached shows where the focus is; score an "
        "item on a 390-pixel-wide touch screen; and check the charts' colours (3:1 against the page and each "
        "band zone), that series differ by line and marker as well as colour, and that labels never print over "
        "each other. Every chart has a name for screen readers and its figures in a table."
    )
