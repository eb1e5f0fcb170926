"""Review workspace: start a review, score each item with its criteria beside the score, finalise.

Moving to another item saves the one on screen first, so nothing typed is lost.
"""

import functools
from datetime import date

import pandas as pd
import streamlit as st

from fidelity import access, accounts, repository, scoring
from fidelity.models import ItemRating, Rater, ReviewKind, ReviewStatus
from fidelity.scales import DATA_SOURCE_LABELS, Item
from fidelity.ui import navigation, resources, widgets
from fidelity.ui.state import Keys, flash, show_flash

ERROR = "ws:error"
NEW_REVIEW = 0

st.title("Review workspace")
show_flash()
if st.session_state.get(ERROR):
    st.error(st.session_state.pop(ERROR), icon=":material/error:")

scales = resources.scales()
actor = resources.actor()
service_id = widgets.chosen_service(key="ws:service", prompt="Choose the service under review.")

with resources.reading() as session:
    reviews = repository.list_reviews(session, actor=resources.actor(), service_id=service_id)


def _review_label(review_id: int) -> str:
    """Stable text: it must not change while the review is on screen (the browser keeps the old one)."""
    if review_id == NEW_REVIEW:
        return "+ Start a new review"
    review = next(r for r in reviews if r.id == review_id)
    return f"{review.visit_start:%d %b %Y} · {review.kind} · {review.scale_id} (started {review.created_at:%d %b %Y})"


options = ([NEW_REVIEW] if actor.is_admin else []) + [r.id for r in reviews if r.id is not None]
if not options:
    st.info("You are not assigned to a review of this service. An admin starts reviews and assigns reviewers.")
    st.stop()
wanted = st.session_state.get(Keys.REVIEW_ID)
if wanted not in options:
    wanted = next((r.id for r in reviews if r.status != ReviewStatus.FINAL), options[0])
picker_key = f"ws:review_picker:{service_id}"
review_id = widgets.remembered_select("Review", options, key=picker_key, wanted=wanted, format_func=_review_label)
st.session_state[Keys.REVIEW_ID] = review_id or None
if review_id is None:
    st.info("Choose a review, or start a new one.")
    st.stop()

# --- start a new review ------------------------------------------------------------------------

if review_id == NEW_REVIEW:
    st.subheader("Start a new review")
    with resources.reading() as session:
        people = {u.id: f"{u.display_name} ({u.username})" for u in accounts.reviewer_accounts(session, actor=actor)}
    scale_ids = sorted(scales)
    with st.form("start_review"):
        scale_id = st.selectbox(
            "Fidelity scale", scale_ids, format_func=lambda i: scales[i].label, key="start_review:scale"
        )
        kind = st.selectbox("Kind of review", [k.value for k in ReviewKind], index=1, key="start_review:kind")
        first, last = st.columns(2)
        visit_start = first.date_input(
            "First visit day", value=date.today(), format="DD/MM/YYYY", key="start_review:start"
        )
        visit_end = last.date_input(
            "Last visit day (optional)", value=None, format="DD/MM/YYYY", key="start_review:end"
        )
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
        submitted = st.form_submit_button("Start review", type="primary")
    if submitted:
        try:
            with resources.transaction() as session:
                review = repository.start_review(
                    session,
                    actor=resources.actor(),
                    scales=scales,
                    data={
                        "service_id": service_id,
                        "scale_id": scale_id,
                        "kind": kind,
                        "visit_start": visit_start,
                        "visit_end": visit_end,
                        "lead_user_id": lead_user,
                        "second_user_id": second_user,
                    },
                )
        except repository.Refused as error:
            widgets.show_error(error)
        else:
            st.session_state[Keys.REVIEW_ID] = review.id
            widgets.request_selection(picker_key, review.id)
            flash(f"Review started on {scales[scale_id].id} v{scales[scale_id].version}. Score item 1 below.")
            st.rerun()
    st.stop()

# --- the review --------------------------------------------------------------------------------

with resources.reading() as session:
    context = repository.review_context(session, review_id, actor=resources.actor())
review, scale = context.review, context.scale
previous, previous_scores = context.previous, context.previous_scores

own = [r for r in review.raters if r in access.assigned_raters(actor, review)]
if review.single_reviewer:
    rater = Rater.LEAD
elif len(own) == 1:
    rater = own[0]
    st.caption(f"Scoring as {widgets.md(review.reviewer_name(rater))} ({rater} reviewer).")
else:
    rater = st.radio(
        "Scoring as",
        own or list(review.raters),
        format_func=lambda r: f"{widgets.md(review.reviewer_name(r))} ({r} reviewer)",
        horizontal=True,
        key=f"ws:rater:{review_id}",
        help="Each reviewer scores on their own; neither sees the other's scores until both have submitted.",
    )
ratings = context.ratings.get(rater, {})
scores = context.scores(rater)
done = scoring.completeness(scale, scores)
missing = scoring.unscored_items(scale, scores)
total = scoring.total_score(scale, scores)

st.subheader(f"{review.kind_label.capitalize()} review, visit {review.visit_start:%d %b %Y}")
st.caption(
    f"{scale.label} · lead reviewer {widgets.md(review.lead_reviewer)}"
    + (f" · second reviewer {widgets.md(review.second_reviewer)}" if review.second_reviewer else "")
    + f" · status: {review.status}"
)
current_file = scales.get(scale.id)
if current_file is not None and current_file.content_hash != scale.content_hash:
    st.caption(
        "This review keeps the scale exactly as it was when the review started; the scale file has changed since."
    )
widgets.provisional_warning(scale)

band_text = ""
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
            navigation.CONSENSUS, label="Both reviewers have submitted: go to consensus", icon=":material/handshake:"
        )
    else:
        other = next(r for r in review.raters if r != rater)
        st.info(f"Consensus opens when {widgets.md(review.reviewer_name(other))} has submitted too.")
    st.stop()

# --- one item ----------------------------------------------------------------------------------


def _key(number: int, field: str) -> str:
    return f"ws:{review_id}:{rater}:{number}:{field}"


def _entered(item: Item) -> dict[str, object]:
    """The fields of `item` that are on screen, read from widget state.

    A widget the browser has not reported yet is left out, so its stored value is kept rather
    than overwritten with an empty one.
    """
    state = st.session_state
    key_of = functools.partial(_key, item.number)
    data: dict[str, object] = {"item_number": item.number}
    data |= widgets.entered_fields(key_of, {"score": "score", "evidence": "evidence", "data_sources": "sources"})
    if item.metric and item.metric.calculator:
        data |= widgets.entered_fields(key_of, {"metric_numerator": "num", "metric_denominator": "den"})
        numerator, denominator = data.get("metric_numerator"), data.get("metric_denominator")
        if isinstance(numerator, float) and isinstance(denominator, float):
            data["metric_value"] = scoring.metric_value(item.metric.calculator, numerator, denominator)
        elif "metric_numerator" in data and "metric_denominator" in data:
            data["metric_value"] = None
    elif item.metric and _key(item.number, "value") in state:
        data["metric_value"] = state[_key(item.number, "value")]
    if item.checklist:
        ticks = {i: _key(item.number, f"check:{i}") for i in range(len(item.checklist.elements))}
        if all(key in state for key in ticks.values()):
            data["checklist_ticked"] = [i for i, key in ticks.items() if state[key]]
    if "data_sources" in data:
        data["data_sources"] = list(data["data_sources"])  # type: ignore[call-overload]
    return data


def _save(number: int) -> bool:
    """Save what is on screen for item `number`; False (with the error kept) when refused."""
    try:
        data = _entered(scale.item(number))
        if len(data) == 1:
            return True  # none of the item's widgets is on screen: nothing to save
        with resources.transaction() as session:
            saved = repository.save_rating(
                session,
                actor=actor,
                review_id=review_id,
                data=data,
                rater=rater,
                expected_version=widgets.seen_version(_key(number, "version"), 0),
            )
    except (repository.Refused, scoring.ScoringError) as error:
        st.session_state[ERROR] = f"Item {number} not saved: {error}"
        return False
    if saved is not None:
        widgets.mark_seen(_key(number, "version"), saved.version)
    return True


ITEM_PICKER = f"ws:item_picker:{review_id}:{rater}"
CURRENT = f"ws:current:{review_id}:{rater}"  # each reviewer keeps their own place


def _go_to(number: int) -> None:
    """Save the current item, then show `number`."""
    current = st.session_state[CURRENT]
    if not isinstance(number, int):
        return
    if _save(current):
        st.session_state[CURRENT] = number
        st.session_state[ITEM_PICKER] = number
    else:
        st.session_state[ITEM_PICKER] = current


def _picked() -> None:
    _go_to(st.session_state[ITEM_PICKER])


def _next_unscored(number: int) -> None:
    """Save the item on screen, then show the next item without a score."""
    if not _save(number):
        return
    with resources.reading() as session:
        saved = repository.review_context(session, review_id, actor=actor).scores(rater)
    remaining = [item.number for item in scoring.unscored_items(scale, saved)]
    following = next((n for n in remaining if n > number), remaining[0] if remaining else number)
    st.session_state[CURRENT] = following
    st.session_state[ITEM_PICKER] = following


st.session_state.setdefault(CURRENT, missing[0].number if missing else 1)
number = st.session_state[CURRENT]
if not isinstance(number, int) or not 1 <= number <= len(scale.items):
    number = st.session_state[CURRENT] = 1
if st.session_state.get(ITEM_PICKER) not in range(1, len(scale.items) + 1):
    st.session_state[ITEM_PICKER] = number

st.divider()
nav_prev, nav_pick, nav_next = st.columns([1, 6, 1], vertical_alignment="bottom")
nav_pick.selectbox(
    "Item",
    [item.number for item in scale.items],
    format_func=lambda n: widgets.item_title(scale.item(n)),  # stable text: the browser sends the label back
    key=ITEM_PICKER,
    on_change=_picked,
)
nav_prev.button("◀ Previous", disabled=number == 1, on_click=_go_to, args=(number - 1,), key="ws:prev", width="stretch")
nav_next.button(
    "Next ▶", disabled=number == len(scale.items), on_click=_go_to, args=(number + 1,), key="ws:next", width="stretch"
)

item = scale.item(number)
saved: ItemRating | None = ratings.get(number)
widgets.mark_seen(_key(number, "version"), saved.version if saved else 0)
st.markdown(f"### {widgets.item_title(item)}")
st.caption(
    f"Section: {scale.section(item.section).title} · Principles: "
    + (", ".join(p.title for p in scale.principles if p.id in item.principles) or "programme structure")
    + f" · Usual data sources: {', '.join(item.data_sources)}"
)
if item.modification:
    st.info(
        f"**Modified for primary care.** {item.modification.what} *Why:* {item.modification.why}",
        icon=":material/stethoscope:",
    )
if item.notes:
    st.caption(item.notes)

criteria_col, tools_col = st.columns([3, 2], gap="large")
with criteria_col:
    widgets.score_radio(
        "Score (the criteria for each score)",
        item,
        saved.score if saved else None,
        key=_key(number, "score"),
        on_change=_save,
        args=(number,),
    )
    if number in previous_scores and previous:
        st.caption(f"Last final review ({previous.visit_start:%d %b %Y}): scored {previous_scores[number]}.")
    for action in (a for a in context.previous_actions if a.item_number == number):
        st.caption(f"Action since then ({action.status}): {widgets.md(action.description)}")

with tools_col:
    suggestion: int | None = None
    if item.metric and item.metric.calculator:
        calc = item.metric.calculator
        st.markdown(f"**Calculator: {item.metric.name}**")
        numerator = st.number_input(
            calc.numerator,
            min_value=0.0,
            value=saved.metric_numerator if saved else None,
            step=1.0,
            key=_key(number, "num"),
            on_change=_save,
            args=(number,),
        )
        denominator = st.number_input(
            calc.denominator,
            min_value=0.0,
            value=saved.metric_denominator if saved else None,
            step=0.5,
            key=_key(number, "den"),
            on_change=_save,
            args=(number,),
        )
        if numerator is not None and denominator is not None:
            try:
                value = scoring.metric_value(calc, numerator, denominator)
            except scoring.ScoringError as error:
                st.warning(str(error))
            else:
                suggestion = scoring.suggested_score_from_metric(item, value, denominator=denominator)
                st.write(f"= **{value:.1f}** {item.metric.unit}")
    elif item.metric:
        st.markdown(f"**Measure: {item.metric.name}**")
        value = st.number_input(
            f"Value ({item.metric.unit})",
            min_value=0.0,
            value=saved.metric_value if saved else None,
            key=_key(number, "value"),
            on_change=_save,
            args=(number,),
        )
        if value is not None:
            suggestion = scoring.suggested_score_from_metric(item, value)
    elif item.checklist:
        st.markdown("**Checklist: tick what is in place**")
        ticked = set(saved.checklist_ticked) if saved else set()
        count = sum(
            st.checkbox(element, value=i in ticked, key=_key(number, f"check:{i}"), on_change=_save, args=(number,))
            for i, element in enumerate(item.checklist.elements)
        )
        suggestion = scoring.suggested_score_from_checklist(item, count)
        st.write(f"{count} of {len(item.checklist.elements)} in place")
    else:
        st.caption("This item is a reviewer's judgement against the criteria; there is nothing to calculate.")
    if suggestion is not None:
        st.info(f"Suggested score: **{suggestion}**. You decide the score.", icon=":material/lightbulb:")

    st.text_area(
        "Evidence note",
        value=saved.evidence if saved else "",
        height=140,
        max_chars=20_000,
        key=_key(number, "evidence"),
        on_change=_save,
        args=(number,),
        placeholder="What you saw, read or heard that supports the score",
    )
    st.multiselect(
        "Data sources used",
        list(DATA_SOURCE_LABELS),
        default=saved.data_sources if saved else [],
        format_func=lambda code: f"{code} — {DATA_SOURCE_LABELS[code]}",
        key=_key(number, "sources"),
        on_change=_save,
        args=(number,),
    )

saved_col, next_col = st.columns([3, 2], vertical_alignment="center")
saved_col.caption(
    f"Changes save as you go. Last saved {saved.updated_at.astimezone():%H:%M:%S on %d %b %Y}."
    if saved
    else "Changes save as you go. Nothing saved for this item yet."
)
next_col.button(
    "Next unscored item ▶",
    type="primary",
    on_click=_next_unscored,
    args=(number,),
    key="ws:next_unscored",
    width="stretch",
    disabled=done.complete,
)

# --- the whole list ----------------------------------------------------------------------------

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
                    "Evidence": (ratings[i.number].evidence[:80] if i.number in ratings else ""),
                    "Provisional": "yes" if i.provisional else "",
                }
                for i in scale.items
            ]
        ),
        hide_index=True,
        width="stretch",
    )

# --- finalise (one reviewer) or submit (each of two) -------------------------------------------------

st.divider()
if review.single_reviewer:
    st.subheader("Finalise")
    if missing:
        st.write(
            f"Still to score: items {', '.join(str(i.number) for i in missing)}. "
            f"A review can be finalised only when all {len(scale.items)} items are scored."
        )
    widgets.finalise_section(
        review_id, confirm="I have checked every score. Lock this review; it cannot be changed afterwards.", key="ws"
    )
else:
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
                submitted = repository.submit_scores(session, actor=resources.actor(), review_id=review_id, rater=rater)
        except repository.Refused as error:
            widgets.show_error(error)
        else:
            opened = " Both have submitted: the consensus is open." if submitted.consensus_open else ""
            flash(f"Scores of {widgets.md(review.reviewer_name(rater))} submitted.{opened}")
            st.rerun()
