"""The Review timeline page's part after the scores are agreed: moderation (send, approve or return items with
comments, every round), presenting the report, the service's further evidence per item and the reviewers' answers.
Each control shows only to whoever may use it; the store refuses everyone else anyway."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from fidelity import errors
from fidelity.store import moderation, personal_data
from fidelity.timeline import Answer, Decision, Stage
from fidelity.ui import resources, widgets
from fidelity.ui.state import flash

STAGE_NOTES = {
    Stage.SCORING: "The reviewers are scoring.",
    Stage.CONSENSUS: "The reviewers are agreeing the scores; then the lead reviewer sends the draft to the moderator.",
    Stage.IN_MODERATION: "The draft report is with the moderator, who approves it or returns items to look at again.",
    Stage.RETURNED: "The moderator returned items: the reviewers look at them again and send the draft back.",
    Stage.MODERATED: "The moderator approved the draft: the lead reviewer presents it to the service.",
    Stage.FEEDBACK: "The service has the draft and may send further evidence on items; the reviewers answer each.",
    Stage.READY: "Every piece of further evidence is answered and the window has closed: the review can be finalised.",
    Stage.FINAL: "The review is final.",
}


def after_consensus(review_id: int, today: date) -> None:
    actor = resources.actor()
    with resources.reading() as session:
        life = moderation.lifecycle_of(session, actor=actor, review_id=review_id, today=today)
    st.subheader("Moderation and the service's feedback")
    if not life.moderated:
        st.write(
            "No moderator is assigned, so this review goes from agreed scores to final. "
            "An admin assigns a moderator below to have the draft report moderated first."
        )
        return
    st.write(f"Stage: **{life.stage}**. {STAGE_NOTES[life.stage]}")
    if life.review.report_shared_on:
        st.write(
            f"Presented to the service on {life.review.report_shared_on:%d %B %Y}; further evidence on items "
            f"until {life.review.feedback_until:%d %B %Y}."
        )
    _personal_data(life, today)
    _rounds(life)
    if life.review.status == "final":
        _feedback_table(life)
        return
    sends = (life.is_lead or actor.is_admin) and life.stage in (Stage.CONSENSUS, Stage.RETURNED)
    if sends and st.button("Send the draft to the moderator", type="primary", key="life:send"):
        widgets.save_then_rerun(
            lambda s: moderation.send_for_moderation(s, actor=actor, review_id=review_id, today=today),
            "The draft went to the moderator.",
        )
    if life.is_moderator and life.stage == Stage.IN_MODERATION:
        _decide(life, today)
    if (life.is_lead or actor.is_admin) and life.stage == Stage.MODERATED:
        confirmed = st.checkbox(
            "I have presented the moderated draft to the service. Its leads see it from now on.", key="life:present:ok"
        )
        if st.button("Record the report as presented", disabled=not confirmed, key="life:present"):
            widgets.save_then_rerun(
                lambda s: moderation.present_report(s, actor=actor, review_id=review_id, today=today),
                "The report is recorded as presented; the service's leads can read it and send further evidence.",
            )
    _feedback_table(life)
    if life.sends_feedback:
        _send_feedback(life, today)
    if life.is_reviewer:
        _answer_feedback(life)
    if life.stage == Stage.READY and life.is_reviewer:
        widgets.finalise_section(
            review_id, confirm="The service's further evidence is answered. Lock this review.", key="life"
        )


def _rounds(life: moderation.Lifecycle) -> None:
    if not life.rounds:
        return
    rows = []
    for r in life.rounds:
        comments = life.comments.get(r.id or 0, {})
        for number, text in comments.items() or [(None, "")]:
            rows.append(
                {
                    "Round": r.number,
                    "Sent by": r.sent_by,
                    "Sent": r.sent_at.date(),
                    "Decision": r.decision or "awaited",
                    "By": r.decided_by or "",
                    "Item": life.item_names.get(number, "") if number else "",
                    "Comment": text or r.comment,
                }
            )
    st.caption("Moderation: every round, with the moderator's comment on each item returned.")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={"Sent": widgets.day_column()})
    if life.returned_items and life.is_reviewer:
        st.info(
            "Returned items reopen on the Consensus page: "
            + ", ".join(widgets.md(life.item_names[n]) for n in life.returned_items)
            + ". Change their agreed scores there, then send the draft again.",
            icon=":material/undo:",
        )


def _decide(life: moderation.Lifecycle, today: date) -> None:
    st.markdown("**Your decision as moderator**")
    decision = st.radio(
        "Decision",
        [d.value for d in Decision],
        format_func={"approved": "Approve the draft", "returned": "Return items to the reviewers"}.__getitem__,
        horizontal=True,
        key="life:decision",
    )
    comments: dict[int, str] = {}
    if decision == Decision.RETURNED:
        chosen = st.multiselect(
            "Items to look at again",
            list(life.item_names),
            format_func=life.item_with_score,
            key="life:returned",
        )
        for number in chosen:
            comments[number] = st.text_area(
                f"Comment on {life.item_names[number]}", key=f"life:comment:{number}", max_chars=moderation.TEXT_LIMIT
            )
    comment = st.text_area("Overall comment (optional)", key="life:comment", max_chars=moderation.TEXT_LIMIT)
    label = "Approve the draft" if decision == Decision.APPROVED else "Return the items"
    if st.button(label, type="primary", key="life:decide"):
        actor = resources.actor()
        widgets.save_then_rerun(
            lambda s: moderation.decide(
                s,
                actor=actor,
                review_id=life.review.id or 0,
                decision=decision,
                comments=comments,
                comment=comment,
                today=today,
            ),
            "Draft approved."
            if decision == Decision.APPROVED
            else f"{len(comments)} item(s) returned to the reviewers.",
        )


def _feedback_table(life: moderation.Lifecycle) -> None:
    if not life.feedback:
        if life.review.report_shared_on and life.agreed:
            st.write("No further evidence has been sent.")
        return
    st.caption("The service's further evidence on items, and the reviewers' answers.")
    st.dataframe(
        pd.DataFrame(moderation.feedback_rows(life.feedback, life.item_names)), hide_index=True, width="stretch"
    )


def _send_feedback(life: moderation.Lifecycle, today: date) -> None:
    with st.form("life:feedback", clear_on_submit=True):
        st.markdown(f"**Send further evidence on an item** (until {life.review.feedback_until:%d %B %Y})")
        number = st.selectbox(
            "Item",
            list(life.item_names),
            format_func=life.item_with_score,
            key="life:feedback:item",
        )
        evidence = st.text_area(
            "Further evidence (describe it; no names or details of the people you support)",
            key="life:feedback:text",
            max_chars=moderation.TEXT_LIMIT,
        )
        if st.form_submit_button("Send the evidence", type="primary"):
            actor = resources.actor()
            widgets.save_then_rerun(
                lambda s: moderation.send_feedback(
                    s,
                    actor=actor,
                    review_id=life.review.id or 0,
                    item_number=number,
                    evidence=evidence,
                    today=today,
                ),
                f"Sent: further evidence on {widgets.md(life.item_names[number])}.",
            )


def _answer_feedback(life: moderation.Lifecycle) -> None:
    for sent in (f for f in life.feedback if f.answer is None):
        name = life.item_names.get(sent.item_number, str(sent.item_number))
        with st.form(f"life:answer:{sent.id}"):
            st.markdown(f"**Answer the further evidence on {widgets.md(name)}**")
            st.text(sent.evidence)
            answer = st.radio("Answer", [a.value for a in Answer], horizontal=True, key=f"life:answer:{sent.id}:a")
            current = life.agreed.get(sent.item_number)
            score = st.selectbox(
                f"New agreed score, if accepted (now {current})",
                [1, 2, 3, 4, 5],
                index=(current or 1) - 1,
                key=f"life:answer:{sent.id}:score",
            )
            reason = st.text_area("Reason", key=f"life:answer:{sent.id}:reason", max_chars=moderation.TEXT_LIMIT)
            if st.form_submit_button("Save the answer", type="primary"):
                _save_answer(sent.id or 0, answer, reason, score if answer == Answer.ACCEPTED else None)


def _save_answer(feedback_id: int, answer: str, reason: str, score: int | None) -> None:
    actor = resources.actor()
    widgets.save_then_rerun(
        lambda s: moderation.answer_feedback(
            s, actor=actor, feedback_id=feedback_id, answer=answer, reason=reason, new_score=score
        ),
        f"Answer saved: {answer}.",
    )


def _personal_data(life: moderation.Lifecycle, today: date) -> None:
    """When the case-record sample and evidence notes go (or went); an admin moves the day or deletes now."""
    review, actor = life.review, resources.actor()
    if review.personal_data_deleted_at is not None:
        st.write(
            f"Personal data: the case records and evidence notes were deleted on "
            f"{review.personal_data_deleted_at:%d %B %Y}; the sample's measures and the scores are kept."
        )
        return
    if review.personal_data_delete_on is None:
        return
    st.write(
        f"Personal data: the case records and evidence notes are deleted on **{review.personal_data_delete_on:%d %B %Y}**"
        " (the sample's measures and the scores are kept)."
    )
    if not actor.is_admin:
        return
    with st.expander("Change the deletion day, or delete now"):
        with st.form("life:deletion"):
            typed = widgets.date_field("Deletion day", review.personal_data_delete_on, key="life:deletion:day")
            if st.form_submit_button("Save the deletion day"):
                _save_deletion_day(review.id or 0, typed)
        confirmed = st.checkbox(
            "Delete this review's case records and evidence notes now. This cannot be undone.",
            key="life:delete:ok",
        )
        if st.button("Delete the personal data now", disabled=not confirmed, key="life:delete"):
            _delete_now(review.id or 0, today)


def _save_deletion_day(review_id: int, typed: str) -> None:
    actor = resources.actor()
    try:
        day = widgets.entered_date("Deletion day", typed)
    except errors.InputError as error:
        widgets.show_error(error)
        return
    assert day is not None  # required
    widgets.save_then_rerun(
        lambda s: personal_data.set_deletion_day(s, actor=actor, review_id=review_id, day=day),
        f"The personal data will be deleted on {day:%d %B %Y}.",
    )


def _delete_now(review_id: int, today: date) -> None:
    try:
        with resources.transaction() as session:
            deleted = personal_data.delete_personal_data(
                session, actor=resources.actor(), review_id=review_id, today=today
            )
    except errors.Refused as error:
        widgets.show_error(error)
        return
    resources.forget_deleted()
    flash(
        f"Deleted: {deleted.case_records} case record(s) and {deleted.evidence_notes} evidence note(s); "
        "the sample's measures and the scores are kept."
    )
    st.rerun()
