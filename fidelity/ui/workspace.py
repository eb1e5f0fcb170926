"""The review workspace's parts: choosing or starting a review, progress, the list of items, submitting.

The page script (`pages/review_workspace.py`) calls these in the order the user sees them; the item on
screen is `item_panel.ItemPanel`.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from fidelity import errors, scoring, snapshot
from fidelity.models import ItemRating, Rater, Review, ReviewKind, ReviewStatus
from fidelity.scales import Item, Scale
from fidelity.store import access, accounts, published_scales, ratings, reviews
from fidelity.store.access import Actor, Role
from fidelity.ui import navigation, resources, widgets
from fidelity.ui.state import Keys, flash

ERROR = "ws:error"
NEW_REVIEW = 0


def review_picker(service_id: int, service_reviews: list[Review], actor: Actor) -> tuple[int, str]:
    """The review chosen (or NEW_REVIEW) and its picker's key; stops the page when there is none to choose."""

    def label(review_id: int) -> str:
        """Stable text: it must not change while the review is on screen (the browser keeps the old one)."""
        if review_id == NEW_REVIEW:
            return "+ Start a new review"
        review = next(r for r in service_reviews if r.id == review_id)
        return (
            f"{review.visit_start:%d %b %Y} · {review.kind} · {review.scale_id} (started {review.created_at:%d %b %Y})"
        )

    options = ([NEW_REVIEW] if actor.is_admin else []) + [r.id for r in service_reviews if r.id is not None]
    if not options:
        st.info("You are not assigned to a review of this service. An admin starts reviews and assigns reviewers.")
        st.stop()
    wanted = st.session_state.get(Keys.REVIEW_ID)
    if wanted not in options:
        wanted = next((r.id for r in service_reviews if r.status != ReviewStatus.FINAL), options[0])
    picker_key = f"ws:review_picker:{service_id}"
    review_id = widgets.remembered_select("Review", options, key=picker_key, wanted=wanted, format_func=label)
    st.session_state[Keys.REVIEW_ID] = review_id or None
    if review_id is None:
        st.info("Choose a review, or start a new one.")
        st.stop()
    return review_id, picker_key


def start_review_form(service_id: int, picker_key: str) -> None:
    """An admin starts a review of the service and assigns its reviewers."""
    scales, actor = resources.scales(), resources.actor()
    st.subheader("Start a new review")
    with resources.reading() as session:
        people = {
            u.id: f"{u.display_name} ({u.username})" + (" · service lead" if u.role == Role.SERVICE_LEAD else "")
            for u in accounts.reviewer_accounts(session, actor=actor)
        }
    scale_ids = sorted(scales)
    with st.form("start_review"):
        scale_id = st.selectbox(
            "Fidelity scale", scale_ids, format_func=lambda i: scales[i].label, key="start_review:scale"
        )
        kind = st.selectbox("Kind of review", [k.value for k in ReviewKind], index=1, key="start_review:kind")
        first, last = st.columns(2)
        visit_start = widgets.date_field("First visit day", date.today(), key="start_review:start", where=first)
        visit_end = widgets.date_field("Last visit day (optional)", None, key="start_review:end", where=last)
        lead, second = st.columns(2)
        lead_user = lead.selectbox(
            "Lead reviewer", list(people), format_func=people.__getitem__, index=None, key="start_review:lead"
        )
        second_user = second.selectbox(
            "Second reviewer (optional)",
            list(people),
            format_func=people.__getitem__,
            index=None,
            key="start_review:second",
            help="With a second reviewer, each scores alone and then you agree the scores together (consensus).",
        )
        guide_user = st.selectbox(
            "Guiding reviewer (guided self-assessment only, optional)",
            list(people),
            format_func=people.__getitem__,
            index=None,
            key="start_review:guide",
            help="In a guided self-assessment the service lead scores their own service (choose them as lead); "
            "a reviewer can guide it and comment on the evidence.",
        )
        submitted = st.form_submit_button("Start review", type="primary")
    if submitted:
        try:
            with resources.transaction() as session:
                review = reviews.start_review(
                    session,
                    actor=resources.actor(),
                    scales=scales,
                    data={
                        "service_id": service_id,
                        "scale_id": scale_id,
                        "kind": kind,
                        "visit_start": widgets.entered_date("First visit day", visit_start),
                        "visit_end": widgets.entered_date("Last visit day", visit_end, required=False),
                        "lead_user_id": lead_user,
                        "second_user_id": second_user,
                        "guide_user_id": guide_user,
                    },
                )
        except errors.Refused as error:
            widgets.show_error(error)
        else:
            st.session_state[Keys.REVIEW_ID] = review.id
            widgets.request_selection(picker_key, review.id)
            flash(f"Review started on {scales[scale_id].id} v{scales[scale_id].version}. Score item 1 below.")
            st.rerun()


def stop_if_guiding(review: Review, actor: Actor, scale: Scale, scores: dict[int, int]) -> None:
    """The reviewer guiding a self-assessment reads the service's scores here and comments on the Site visit page."""
    if actor.is_admin or access.assigned_raters(actor, review) or not access.guides(actor, review):
        return
    st.info(
        "You are guiding this self-assessment: the service scores it. Comment on the evidence, item by item, "
        "on the Site visit page (Evidence notes).",
        icon=":material/support_agent:",
    )
    st.page_link(navigation.VISIT, label="Open the Site visit page", icon=":material/event_note:")
    items_at_a_glance(scale, scores, {}, {})
    st.stop()


def scoring_as(review: Review, actor: Actor) -> str:
    """Whose scores this page shows: the reviewer's own role on the review, or a choice for an admin."""
    own = [r for r in review.raters if r in access.assigned_raters(actor, review)]
    if review.single_reviewer:
        return Rater.LEAD
    if len(own) == 1:
        st.caption(f"Scoring as {widgets.md(review.reviewer_name(own[0]))} ({own[0]} reviewer).")
        return own[0]
    return st.radio(  # type: ignore[no-any-return]
        "Scoring as",
        own or list(review.raters),
        format_func=lambda r: f"{widgets.md(review.reviewer_name(r))} ({r} reviewer)",
        horizontal=True,
        key=f"ws:rater:{review.id}",
        help="Each reviewer scores on their own; neither sees the other's scores until both have submitted.",
    )


def review_heading(review: Review, scale: Scale) -> None:
    st.subheader(f"{review.kind_label.capitalize()} review, visit {review.visit_start:%d %b %Y}")
    st.caption(
        f"{widgets.md(scale.label)} · lead reviewer {widgets.md(review.lead_reviewer)}"
        + (f" · second reviewer {widgets.md(review.second_reviewer)}" if review.second_reviewer else "")
        + f" · status: {review.status}"
    )
    with resources.reading() as session:
        newer = published_scales.newer_version(session, review)
    if newer is not None:
        st.caption(
            f"Version {widgets.md(newer.scale_version)} of this scale was published on {newer.published_at:%d %b %Y}. "
            f"This review keeps version {widgets.md(scale.version)}, exactly as it was when the review started."
        )
        if review.status == ReviewStatus.DRAFT:
            st.button(
                f"Move this review to version {newer.scale_version}",
                key=f"ws:move:{review.id}",
                on_click=_move_to_newer,
                args=(review.id, newer.scale_version),
                help="Only while nobody has scored an item: after that a review keeps its version.",
            )
    widgets.provisional_warning(scale)


def performance_snapshot(rows: list[dict[str, object]] | None) -> None:
    """The service's confirmed performance snapshot, for the reviewers while they score."""
    if rows:
        with st.expander("The service's performance snapshot (the four quarters before the visit)"):
            st.caption(snapshot.NOTE)
            st.dataframe(pd.DataFrame(rows, columns=list(snapshot.COLUMNS)), hide_index=True, width="stretch")


def _move_to_newer(review_id: int, version: str) -> None:
    try:
        with resources.transaction() as session:
            published_scales.move_draft(session, actor=resources.actor(), review_id=review_id)
    except errors.Refused as error:
        st.session_state[ERROR] = str(error)
    else:
        flash(f"This review now uses version {version} of its scale.")


def progress_sidebar(review: Review, scale: Scale, rater: str, scores: dict[int, int], previous: Review | None) -> None:
    """Items scored, running total, the band it reaches, and the previous final review."""
    done = scoring.completeness(scale, scores)
    missing = scoring.unscored_items(scale, scores)
    total = scoring.total_score(scale, scores)
    if done.complete:
        band = scoring.fidelity_band(scale, total)
        band_text = band.label + (" (provisional band)" if band.provisional else "")
    else:
        low, high = scoring.reachable_bands(scale, scores)
        band_text = low.label if low == high else f"{low.label} to {high.label}"
    with st.sidebar:
        st.markdown(
            "**This review**" if review.single_reviewer else f"**{widgets.md(review.reviewer_name(rater))}'s scores**"
        )
        st.progress(done.fraction, text=f"{done.scored} of {done.of} items scored")
        if missing:
            st.caption("Still to score: " + ", ".join(str(i.number) for i in missing))
        st.metric(
            "Running total",
            f"{total}",
            help=f"Sum of scored items; a complete review scores {scale.min_total}-{scale.max_total}",
        )
        st.markdown(f"**{'Band' if done.complete else 'Band when complete'}:** {band_text}")
        st.caption("Bands: " + ", ".join(f"{b.label} {b.min}-{b.max}" for b in scale.bands))
        st.metric(
            "Previous final review",
            f"{previous.total} ({previous.band})" if previous else "none",
            help=f"Visit {previous.visit_start:%d %b %Y}" if previous else "The service's first review on this scale",
        )


def stop_if_locked(review: Review, rater: str) -> None:
    """A final review, or scores this reviewer has submitted, are shown as locked and nothing more."""
    if review.status == ReviewStatus.FINAL:
        st.success(f"This review is final and locked: total {review.total}, {review.band}.", icon=":material/lock:")
        st.page_link(navigation.SUMMARY, label="Open the review summary", icon=":material/summarize:")
        st.stop()
    if not review.single_reviewer and review.submitted(rater):
        st.success(
            f"{widgets.md(review.reviewer_name(rater))} has submitted these scores; they can no longer change.",
            icon=":material/lock:",
        )
        if review.consensus_open:
            st.page_link(
                navigation.CONSENSUS,
                label="Both reviewers have submitted: go to consensus",
                icon=":material/handshake:",
            )
        else:
            other = next(r for r in review.raters if r != rater)
            st.info(f"Consensus opens when {widgets.md(review.reviewer_name(other))} has submitted too.")
        st.stop()


def items_at_a_glance(
    scale: Scale, scores: dict[int, int], previous_scores: dict[int, int], own_ratings: dict[int, ItemRating]
) -> None:
    with st.expander(f"All {len(scale.items)} items at a glance"):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "No.": i.number,
                        "Item": i.name,
                        "Section": scale.section(i.section).title,
                        "Score": scores.get(i.number),
                        "Last time": previous_scores.get(i.number),
                        "Evidence": (own_ratings[i.number].evidence[:80] if i.number in own_ratings else ""),
                        "Provisional": "yes" if i.provisional else "",
                    }
                    for i in scale.items
                ]
            ),
            hide_index=True,
            width="stretch",
        )


def finalise_or_submit(review: Review, scale: Scale, rater: str, missing: list[Item]) -> None:
    """A single reviewer finalises the review; each of two reviewers submits their own scores."""
    review_id = review.id or 0
    st.divider()
    if review.single_reviewer:
        st.subheader("Finalise")
        if missing:
            st.write(
                f"Still to score: items {', '.join(str(i.number) for i in missing)}. "
                f"A review can be finalised only when all {len(scale.items)} items are scored."
            )
        widgets.finalise_section(
            review_id,
            confirm="I have checked every score. Lock this review; it cannot be changed afterwards.",
            key="ws",
        )
        return
    st.subheader("Submit your scores")
    st.write(
        "When you have scored every item, submit your scores. They are then fixed, and the consensus "
        "opens once both reviewers have submitted."
    )
    if missing:
        st.write(f"Still to score: items {', '.join(str(i.number) for i in missing)}.")
    confirmed = st.checkbox(
        f"I, {widgets.md(review.reviewer_name(rater))}, have scored every item independently.",
        key=f"ws:{review_id}:{rater}:confirm",
    )
    if st.button("Submit my scores", type="primary", disabled=not confirmed, key="ws:submit"):
        try:
            with resources.transaction() as session:
                submitted = ratings.submit_scores(session, actor=resources.actor(), review_id=review_id, rater=rater)
        except errors.Refused as error:
            widgets.show_error(error)
        else:
            opened = " Both have submitted: the consensus is open." if submitted.consensus_open else ""
            flash(f"Scores of {widgets.md(review.reviewer_name(rater))} submitted.{opened}")
            st.rerun()
