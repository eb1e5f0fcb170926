"""Import past reviews: upload CSV or XLSX, see every problem by row and column, import all or none."""

from datetime import date

import pandas as pd
import streamlit as st

from fidelity import errors, imports
from fidelity.store import past_reviews
from fidelity.ui import resources, widgets
from fidelity.ui.state import flash, show_flash

st.title("Import past reviews")
show_flash()
st.write(
    "Bring in final reviews done before this app, one row per review: the service (as named on the Services page), "
    "the review date, the scale (`ips-25` or `ipspc`), the kind, optionally the reviewers, and the 25 item scores. "
    "A file with any problem imports nothing; a review already in the app (same service, date and scale) is skipped, "
    "so importing the same file twice adds nothing."
)
upload = widgets.upload_with_template(
    "File of past reviews",
    imports.template_csv(),
    "past-reviews-template.csv",
    key="import",
    row_limit=imports.REVIEW_ROW_LIMIT,
)
if upload is None:
    st.stop()

content = upload.getvalue()
try:
    rows = imports.read_rows(content, upload.name, row_limit=imports.REVIEW_ROW_LIMIT)
except imports.ImportFileError as error:
    widgets.show_error(error)
    st.stop()
services = resources.services_frame(resources.database_url())
checked = imports.check_rows(
    rows, services={name.lower(): name for name in services["Service"]}, scales=resources.scales(), today=date.today()
)
if not checked.ok:
    st.error(
        f"Nothing can be imported: {checked.problems.total:,} problem(s). Correct the file and upload it again.",
        icon=":material/error:",
    )
    widgets.problems_table(checked.problems.shown, checked.problems.total)
    st.stop()

st.success(f"{len(checked.reviews)} review(s) checked: no problems found.", icon=":material/check_circle:")
st.dataframe(
    pd.DataFrame(
        [
            {
                "Row": r.row,
                "Service": r.service,
                "Date": r.visit,
                "Scale": r.scale_id,
                "Kind": r.kind,
                "Total": sum(r.scores.values()),
            }
            for r in checked.reviews
        ]
    ),
    hide_index=True,
    width="stretch",
)
if st.button(f"Import {len(checked.reviews)} review(s)", type="primary", key="import:go"):
    try:
        with st.spinner("Importing the reviews…"), resources.transaction() as session:
            result = past_reviews.import_past_reviews(
                session,
                actor=resources.actor(),
                scales=resources.scales(),
                content=content,
                filename=upload.name,
                today=date.today(),
            )
    except errors.Refused as error:
        widgets.show_error(error)
    else:
        skipped = f" Skipped {len(result.already_present)} already in the app." if result.already_present else ""
        flash(f"Imported {len(result.imported)} review(s).{skipped}")
        st.rerun()
