"""Review workspace: start a review, score each item with its criteria beside the score, finalise.

Moving to another item saves the one on screen first, so nothing typed is lost. The parts are in
`fidelity/ui/workspace.py`; this script lays them out in the order the reviewer sees them.
"""

import streamlit as st

from fidelity import scoring
from fidelity.store import reviews
from fidelity.ui import resources, widgets, workspace
from fidelity.ui.item_panel import ItemPanel
from fidelity.ui.state import show_flash

st.title("Review workspace")
show_flash()
if st.session_state.get(workspace.ERROR):
    st.error(st.session_state.pop(workspace.ERROR), icon=":material/error:")

actor = resources.actor()
service_id = widgets.chosen_service(key="ws:service", prompt="Choose the service under review.")
with resources.reading() as session:
    service_reviews = reviews.list_reviews(session, actor=actor, service_id=service_id)
review_id, picker_key = workspace.review_picker(service_id, service_reviews, actor)

if review_id == workspace.NEW_REVIEW:
    workspace.start_review_form(service_id, picker_key)
    st.stop()

with resources.reading() as session:
    context = reviews.review_context(session, review_id, actor=actor)
review, scale = context.review, context.scale
rater = workspace.scoring_as(review, actor)
own_ratings = context.ratings.get(rater, {})
scores = context.scores(rater)
missing = scoring.unscored_items(scale, scores)

workspace.review_heading(review, scale)
workspace.performance_snapshot(context.snapshot)
workspace.stop_if_guiding(review, actor, scale, scores)
workspace.progress_sidebar(review, scale, rater, scores, context.previous)
workspace.stop_if_locked(review, rater)

panel = ItemPanel(review_id=review_id, rater=rater, scale=scale, actor=actor)
number = panel.item_on_screen(missing)
panel.navigation(number)
panel.item(number, own_ratings.get(number), context)
panel.last_saved(number, own_ratings.get(number), complete=scoring.completeness(scale, scores).complete)

workspace.items_at_a_glance(scale, scores, context.previous_scores, own_ratings)
workspace.finalise_or_submit(review, scale, rater, missing)
