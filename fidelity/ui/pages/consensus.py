"""Consensus: both reviewers' independent scores side by side, agreement figures, and the agreed scores.

Opens only when both reviewers have submitted; only the agreed scores count for the total and band.
"""

import functools
from datetime import date

import pandas as pd
import streamlit as st

from fidelity import agreement, errors, scoring
from fidelity.models import Rater, ReviewStatus
from fidelity.store import moderation, ratings, reviews
from fidelity.timeline import Stage
from fidelity.ui import navigation, resources, widgets
from fidelity.ui.state import show_flash

ERROR = "cs:error"

st.title("Consensus")
show_flash()
if st.session_state.get(ERROR):
    st.error(st.session_state.pop(ERROR), icon=":material/error:")

service_id = widgets.chosen_service(key="cs:service", prompt="Choose a service.")

with resources.reading() as session:
    service_reviews = [
        r
        for r in reviews.list_reviews(session, actor=resources.actor(), service_id=service_id)
        if not r.single_reviewer
    ]
if not service_reviews:
    st.info("This service has no two-reviewer review. Consensus is for reviews scored by two reviewers.")
    st.page_link(navigation.WORKSPACE, label="Go to the review workspace", icon=":material/edit_note:")
    st.stop()
labels = {
    r.id: f"{r.visit_start:%d %b %Y} · {r.kind} · {r.scale_id} · {r.lead_reviewer} and {r.second_reviewer}"
    for r in service_reviews
}
open_ids = [r.id for r in service_reviews if r.status != ReviewStatus.FINAL]
review_id = widgets.chosen_review(labels, key=f"cs:review:{service_id}", default=(open_ids or list(labels))[0])

with resources.reading() as session:
    context = reviews.review_context(session, review_id, actor=resources.actor())
review, scale = context.review, context.scale
if not review.consensus_open:
    waiting = [review.reviewer_name(r) for r in review.raters if not review.submitted(r)]
    st.info(
        f"Consensus opens when both reviewers have submitted their independent scores. Still to submit: "
        f"{' and '.join(widgets.md(w) for w in waiting)}.",
        icon=":material/hourglass:",
    )
    st.page_link(navigation.WORKSPACE, label="Go to the review workspace", icon=":material/edit_note:")
    st.stop()

lead, second = context.scores(Rater.LEAD), context.scores(Rater.SECOND)
if not set(lead) & set(second):
    st.info(
        "The reviewers' independent scores were not recorded for this review (it was imported with its agreed "
        "scores only), so there is nothing to compare."
    )
    st.page_link(navigation.SUMMARY, label="Open the review summary", icon=":material/summarize:")
    st.stop()
agreed = context.scores(Rater.CONSENSUS)
agreed_ratings = context.ratings.get(Rater.CONSENSUS, {})
stats = agreement.agreement(lead, second)
lead_name, second_name = review.lead_reviewer, review.second_reviewer or ""

exact_col, adjacent_col, kappa_col, differ_col = st.columns(4)
exact_col.metric("Exact agreement", f"{stats.exact:.0%}", help="Items both reviewers scored the same")
adjacent_col.metric("Within one point", f"{stats.adjacent:.0%}", help="Items whose two scores are at most 1 apart")
kappa_col.metric(
    "Weighted kappa",
    f"{stats.kappa:.2f}" if stats.kappa is not None else "not defined",
    help="Cohen's kappa with quadratic weights: 1 is perfect agreement, 0 is what chance alone would give",
)
differ_col.metric("Items to discuss", f"{len(stats.differences)} of {stats.items}")

table = pd.DataFrame(
    [
        {
            "No.": item.number,
            "Item": item.name,
            lead_name: lead.get(item.number),
            second_name: second.get(item.number),
            "Difference": stats.differences.get(item.number, 0),
            "Agreed": agreed.get(item.number),
            "Record sample suggests": context.measures[item.number].suggested
            if item.number in context.measures
            else None,
        }
        for item in scale.items
    ]
)


def _highlight(row: pd.Series) -> list[str]:
    gap = abs(row["Difference"])
    colour = "" if gap == 0 else ("background-color: #FBE3C2" if gap == 1 else "background-color: #F4B6A6")
    return [colour] * len(row)


st.dataframe(
    table.style.apply(_highlight, axis=1).format(
        precision=0, na_rep="", subset=["Agreed", "Record sample suggests"]
    ),  # whole scores; blank where none
    hide_index=True,
    width="stretch",
    column_config={
        "Difference": st.column_config.NumberColumn(
            format="%+d", help=f"{widgets.md(second_name)} minus {widgets.md(lead_name)}"
        )
    },
)
st.caption("Rows where the reviewers differ are shaded: light for one point apart, darker for two or more.")

done = scoring.completeness(scale, agreed)
missing = scoring.unscored_items(scale, agreed)
with st.sidebar:
    st.markdown("**Agreed scores**")
    st.progress(done.fraction, text=f"{done.scored} of {done.of} items agreed")
    st.metric("Agreed total so far", f"{scoring.total_score(scale, agreed)}")
    if done.complete:
        st.markdown(f"**Band:** {scoring.fidelity_band(scale, scoring.total_score(scale, agreed)).label}")
    if missing:
        st.caption("Still to agree: " + ", ".join(str(i.number) for i in missing))

if review.status == ReviewStatus.FINAL:
    st.success(f"This review is final and locked: total {review.total}, {review.band}.", icon=":material/lock:")
    st.page_link(navigation.SUMMARY, label="Open the review summary", icon=":material/summarize:")
    st.stop()

with resources.reading() as session:
    life = moderation.lifecycle_of(session, actor=resources.actor(), review_id=review_id, today=date.today())
returned = life.returned_items
if life.stage in (Stage.IN_MODERATION, Stage.MODERATED, Stage.FEEDBACK, Stage.READY):
    st.info(
        f"The draft report is {life.stage}: agreed scores are locked here. An agreed score changes now only if the "
        "moderator returns its item, or by accepting the service's further evidence on the Review timeline page.",
        icon=":material/lock:",
    )
    st.page_link(navigation.TIMELINE, label="Open the review timeline", icon=":material/event_upcoming:")
elif returned:
    st.warning(
        f"The moderator returned {len(returned)} item(s): "
        + ", ".join(widgets.md(life.item_names[n]) for n in returned)
        + ". Only these reopen; send the draft again from the Review timeline page.",
        icon=":material/undo:",
    )

# --- agree one item ------------------------------------------------------------------------------------


def _key(number: int, field: str) -> str:
    return f"cs:{review_id}:{number}:{field}"


FIELDS = {"score": "score", "rationale": "rationale", "strength": "strength", "recommendation": "recommendation"}


def _save(number: int) -> bool:
    data = {"item_number": number} | widgets.entered_fields(functools.partial(_key, number), FIELDS)
    if len(data) == 1:
        return True
    try:
        with resources.transaction() as session:
            saved = ratings.save_rating(
                session,
                actor=resources.actor(),
                review_id=review_id,
                data=data,
                rater=Rater.CONSENSUS,
                expected_version=widgets.seen_version(_key(number, "version"), 0),
            )
    except errors.Refused as error:
        st.session_state[ERROR] = f"Item {number} not saved: {error}"
        return False
    if saved is not None:
        widgets.mark_seen(_key(number, "version"), saved.version)
    return True


PICKER = f"cs:item_picker:{review_id}"
CURRENT = f"cs:current:{review_id}"


def _go_to(number: int) -> None:
    if _save(st.session_state[CURRENT]):
        st.session_state[CURRENT] = st.session_state[PICKER] = number
    else:
        st.session_state[PICKER] = st.session_state[CURRENT]


first_open = missing[0].number if missing else 1  # items the reviewers scored alike start agreed
st.session_state.setdefault(CURRENT, first_open)
if st.session_state.get(PICKER) not in range(1, len(scale.items) + 1):
    st.session_state[PICKER] = st.session_state[CURRENT]
number = st.session_state[CURRENT]

st.divider()
st.selectbox(
    "Item to agree",
    [item.number for item in scale.items],
    format_func=lambda n: (
        f"{widgets.item_title(scale.item(n))} — {lead_name} {lead.get(n)}, {second_name} {second.get(n)}"
    ),
    key=PICKER,
    on_change=lambda: _go_to(st.session_state[PICKER]),
)
item = scale.item(number)
saved = agreed_ratings.get(number)
widgets.mark_seen(_key(number, "version"), saved.version if saved else 0)
lead_rating, second_rating = (context.ratings.get(r, {}).get(number) for r in (Rater.LEAD, Rater.SECOND))
st.markdown(f"### {widgets.md(widgets.item_title(item))}")
if number in returned:
    st.warning(f"**The moderator's comment.** {widgets.md(returned[number])}", icon=":material/rate_review:")
if number in context.measures:
    st.info(
        f"**From the case-record sample.** {widgets.md(context.measures[number].text)}", icon=":material/folder_open:"
    )
left, right = st.columns(2)
for column, name, rating in ((left, lead_name, lead_rating), (right, second_name, second_rating)):
    with column:
        st.markdown(f"**{widgets.md(name)}: {rating.score if rating else '—'}**")
        st.caption(widgets.md(rating.evidence) if rating and rating.evidence else "No evidence note.")

score_col, notes_col = st.columns([3, 2], gap="large")
with score_col:
    widgets.score_radio(
        "Agreed score", item, saved.score if saved else None, key=_key(number, "score"), on_change=_save, args=(number,)
    )
with notes_col:
    for field, label, hint in (
        ("rationale", "Rationale for the agreed score", "Why this score, especially where you differed"),
        ("strength", "Strength", "What the service does well on this item (goes in the report)"),
        ("recommendation", "Recommendation", "What would raise the score (goes in the report and the plan)"),
    ):
        st.text_area(
            label,
            value=getattr(saved, field) if saved else "",
            height=90,
            max_chars=20_000,
            placeholder=hint,
            key=_key(number, field),
            on_change=_save,
            args=(number,),
        )

next_open = [i.number for i in missing if i.number != number]
st.button(
    "Next item to agree ▶",
    type="primary",
    disabled=not next_open,
    key="cs:next",
    on_click=lambda: _go_to(next((n for n in next_open if n > number), next_open[0])) if next_open else None,
)

st.divider()
st.subheader("Finalise")
if life.moderated:
    st.write(
        "This review is moderated: the draft goes to the moderator, then to the service for further evidence, "
        "and is finalised on the Review timeline page."
    )
    st.page_link(navigation.TIMELINE, label="Open the review timeline", icon=":material/event_upcoming:")
else:
    st.write("Only the agreed scores count for the total and band. Finalising locks the review and its consensus.")
    widgets.finalise_section(review_id, confirm="Both reviewers agree every score. Lock this review.", key="cs")
