"""IPS Fidelity: page set-up, database and scale checks, then the page router."""

from pathlib import Path

import streamlit as st
from sqlalchemy.exc import OperationalError

from fidelity.scales import ScaleFileError
from fidelity.ui import failures, navigation, resources, signin
from fidelity.ui.state import init_state

FAVICON = Path(__file__).parent / "fidelity" / "ui" / "static" / "favicon.png"

st.set_page_config(page_title="IPS Fidelity", page_icon=str(FAVICON), layout="wide")
init_state()
try:
    resources.database_url()
    resources.scales()
except ScaleFileError as error:
    st.error(f"A fidelity scale file is invalid, so the app cannot start:\n\n{error}", icon=":material/error:")
    st.stop()
except OperationalError as error:  # the details (a host, a file path) go to the log, not the page
    failures.show(error, where="start", what="The app cannot open its database (check DATABASE_URL)")
    st.stop()

resources.delete_due_personal_data()  # once a day per process: personal data whose deletion day has come

links = st.sidebar.container()  # above the signed-in user's box, which the gate draws
actor = signin.gate()
pages = navigation.pages(actor)
page = st.navigation(pages, position="hidden")
navigation.sidebar_links(pages, links)
try:
    page.run()
except Exception as error:  # st.stop and st.rerun are not Exceptions: they pass through
    failures.show(error, where=page.title)
