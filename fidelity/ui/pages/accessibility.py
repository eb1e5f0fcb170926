"""Accessibility statement: what is not yet accessible and why, and how to report a problem."""

import streamlit as st

from fidelity.ui import accessibility

st.title("Accessibility statement")
accessibility.statement()
