"""Site visit: the visit plan and its agenda, the case-record sample and what it suggests, evidence notes."""

import streamlit as st

from fidelity.models import GUIDE, ReviewStatus
from fidelity.store import access, reviews, visits
from fidelity.ui import resources, visit_parts, widgets
from fidelity.ui.state import show_flash

st.title("Site visit")
show_flash()
actor = resources.actor()
service_id = widgets.chosen_service(key="visit:service", prompt="Choose the service you are visiting.")
with resources.reading() as session:
    service_reviews = reviews.list_reviews(session, actor=actor, service_id=service_id)
if not service_reviews:
    st.info("This service has no review yet. An admin starts a review in the review workspace.")
    st.stop()
labels = {
    r.id: f"{r.visit_start:%d %b %Y} · {r.kind_label} · {r.scale_id}"
    + ("" if r.status == ReviewStatus.FINAL else f" ({r.status})")
    for r in service_reviews
}
default = next((r.id for r in service_reviews if r.status != ReviewStatus.FINAL), service_reviews[0].id)
review_id = widgets.chosen_review(labels, key=f"visit:review:{service_id}", default=default, prompt="Choose a review.")

with resources.reading() as session:
    visit = visits.visit_of(session, actor=actor, review_id=review_id)
review, scale = visit.review, visit.scale
own = [r for r in review.raters if actor.is_admin or r in access.assigned_raters(actor, review)]
editable = review.status != ReviewStatus.FINAL and bool(own)
if review.status == ReviewStatus.FINAL:
    st.info("This review is final: its visit is shown as it was.", icon=":material/lock:")

plan_tab, records_tab, notes_tab, pack_tab = st.tabs(["Visit plan", "Case records", "Evidence notes", "Offline pack"])
with plan_tab:
    visit_parts.plan_section(review, scale, visit, editable=editable)
with records_tab:
    visit_parts.records_section(review, visit, editable=editable)
with notes_tab:
    commenting = [GUIDE] if review.is_self_assessment and access.guides(actor, review) else []
    visit_parts.notes_section(review, scale, visit, actor, (own if editable else []) + commenting)
with pack_tab:
    scoring = [r for r in own if not review.submitted(r)] if editable else []
    if scoring:
        visit_parts.pack_section(review, scoring)
    else:
        st.info("A pack is for a reviewer still scoring this review; there is nothing to score here now.")
