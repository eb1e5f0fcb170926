"""IPS Fidelity: page set-up, database and scale checks, then the page router."""

import streamlit as st
from sqlalchemy.exc import OperationalError

from fidelity.scales import ScaleFileError
from fidelity.ui import navigation, resources
from fidelity.ui.state import init_state

st.set_page_config(page_title="IPS Fidelity", page_icon="📋", layout="wide")
init_state()
try:
    resources.database_url()
    resources.scales()
except ScaleFileError as error:
    st.error(f"A fidelity scale file is invalid, so the app cannot start:\n\n{error}", icon="🚫")
    st.stop()
except OperationalError as error:
    st.error(f"Cannot open the database. Check DATABASE_URL.\n\n{error.orig}", icon="🚫")
    st.stop()

st.navigation(navigation.pages()).run()
