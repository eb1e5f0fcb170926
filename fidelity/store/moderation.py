"""After the scores are agreed, for a review with a moderator: the draft goes to the moderator, who approves it or
returns items to the reviewers (every round kept); the lead reviewer presents the approved draft to the service,
whose leads may send further evidence per item within a window; the reviewers answer each; then it is finalised.
A review without a moderator goes from agreed scores to final as before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from fidelity import scoring, timeline
from fidelity.errors import InputError, NotFound, PermissionDenied, ReviewLocked
from fidelity.lifecycle_models import ItemFeedback, ModerationComment, ModerationRound
from fidelity.models import ItemRating, Rater, Review, utc_now
from fidelity.store import access, timelines
from fidelity.store.access import Actor, Role
from fidelity.store.audit import record, snapshot
from fidelity.store.shared import THIS_SCALE, counted_scores, entered_text, require_item, require_open, review_scale
from fidelity.text import required_paragraphs
from fidelity.timeline import Answer, Decision, StepStatus

TEXT_LIMIT = 5_000


def _text(value: str, field: str) -> str:
    return entered_text(value, field, limit=TEXT_LIMIT, check=required_paragraphs)


# --- reading where a review stands --------------------------------------------------------------------------------


def rounds_of(session: Session, review_id: int) -> list[ModerationRound]:
    query = select(ModerationRound).where(ModerationRound.review_id == review_id)
    return list(session.exec(query.order_by(col(ModerationRound.number))))


def comments_of(session: Session, round_ids: list[int]) -> dict[int, dict[int, str]]:
    """Each round's comments by item number."""
    found: dict[int, dict[int, str]] = {}
    query = select(ModerationComment).where(col(ModerationComment.round_id).in_(round_ids))
    for comment in session.exec(query.order_by(col(ModerationComment.item_number))):
        found.setdefault(comment.round_id, {})[comment.item_number] = comment.text
    return found


def feedback_of(session: Session, review_id: int) -> list[ItemFeedback]:
    query = select(ItemFeedback).where(ItemFeedback.review_id == review_id)
    return list(session.exec(query.order_by(col(ItemFeedback.item_number), col(ItemFeedback.id))))


def feedback_rows(feedback: list[ItemFeedback], item_names: dict[int, str]) -> list[dict[str, object]]:
    """The service's further evidence and the answers as the report's appendix shows them (FEEDBACK_COLUMNS)."""
    return [
        {
            "Item": item_names.get(f.item_number, str(f.item_number)),
            "Further evidence": f.evidence,
            "Sent by": f.sent_by,
            "Answer": f.answer or "not answered yet",
            "Reason": f.reason,
            "Score": f"{f.score_before} to {f.score_after}" if f.score_after is not None else "",
        }
        for f in feedback
    ]


def _latest(session: Session, review_id: int) -> ModerationRound | None:
    query = select(ModerationRound).where(ModerationRound.review_id == review_id)
    return session.exec(query.order_by(col(ModerationRound.number).desc())).first()


def _moderated(review: Review, latest: ModerationRound | None) -> bool:
    """The review goes through moderation: it has a moderator, or had one when a round was sent."""
    return review.moderator_user_id is not None or latest is not None


def moderated(session: Session, review: Review) -> bool:
    return _moderated(review, _latest(session, review.id or 0))


def consensus_lock(session: Session, review: Review, item_number: int) -> None:
    """Agreed scores of a moderated review change only before it goes to the moderator, or on the items the
    moderator returned; after approval, only by answering the service's feedback."""
    latest = _latest(session, review.id or 0)
    if latest is None:
        return
    if latest.decision is None:
        raise ReviewLocked("the draft is with the moderator; agreed scores change again if it is returned")
    if latest.decision == Decision.APPROVED:
        raise ReviewLocked(
            "the moderator approved the draft; an agreed score changes now only by accepting the service's feedback"
        )
    returned = comments_of(session, [latest.id or 0]).get(latest.id or 0, {})
    if item_number not in returned:
        items = ", ".join(str(n) for n in returned)
        raise ReviewLocked(f"item {item_number}: the moderator returned item(s) {items}; only those reopen")


@dataclass(frozen=True)
class Lifecycle:
    """Where a review stands after its scores are agreed, for the Review timeline page."""

    review: Review
    stage: timeline.Stage
    rounds: list[ModerationRound]
    comments: dict[int, dict[int, str]]  # round id -> item number -> comment
    feedback: list[ItemFeedback]
    item_names: dict[int, str]
    agreed: dict[int, int]  # item number -> the counted score
    is_lead: bool
    is_reviewer: bool  # the lead or second reviewer (or an admin): answers feedback, finalises
    is_moderator: bool
    sends_feedback: bool  # a lead of the service, while the window is open
    moderated: bool  # goes through moderation before it is finalised

    def item_with_score(self, number: int) -> str:
        return f"{self.item_names[number]} (agreed {self.agreed.get(number, '-')})"

    @property
    def returned_items(self) -> dict[int, str]:
        latest = self.rounds[-1] if self.rounds else None
        if latest is None or latest.decision != Decision.RETURNED:
            return {}
        return self.comments.get(latest.id or 0, {})


def lifecycle_of(session: Session, *, actor: Actor, review_id: int, today: date) -> Lifecycle:
    review = timelines.timeline_review(session, actor, review_id)
    rounds = rounds_of(session, review_id)
    feedback = feedback_of(session, review_id)
    latest = rounds[-1] if rounds else None
    scale = review_scale(session, review)
    reads_draft = access.may_read_review(session, actor, review)  # the service's leads: once it is presented
    is_reviewer = actor.is_admin or bool(access.assigned_raters(actor, review))
    is_moderator = access.moderates(actor, review)
    sees_rounds = is_reviewer or is_moderator
    return Lifecycle(
        review=review,
        stage=timeline.stage(
            final=review.status == "final",
            consensus_open=review.consensus_open or review.single_reviewer,
            decision=Decision(latest.decision) if latest and latest.decision else None,
            awaiting_moderator=latest is not None and latest.decision is None,
            shared_on=review.report_shared_on,
            feedback_until=review.feedback_until,
            unanswered=sum(f.answer is None for f in feedback),
            today=today,
            feedback_done=_feedback_said_done(session, review),
        ),
        rounds=rounds if sees_rounds else [],
        comments=comments_of(session, [r.id or 0 for r in rounds]) if sees_rounds else {},
        feedback=feedback if reads_draft else [],
        item_names={item.number: f"{item.number}. {item.name}" for item in scale.items},
        agreed=counted_scores(session, review) if reads_draft else {},
        is_lead=Rater.LEAD in access.assigned_raters(actor, review),
        is_reviewer=is_reviewer,
        is_moderator=is_moderator,
        sends_feedback=access.leads_service(session, actor, review.service_id)
        and review.report_shared_on is not None
        and review.status != "final"
        and timeline.feedback_open(review.feedback_until, today),
        moderated=_moderated(review, latest),
    )


# --- moderation ---------------------------------------------------------------------------------------------------


def _lead_or_admin(actor: Actor, review: Review, what: str) -> None:
    if not (actor.is_admin or Rater.LEAD in access.assigned_raters(actor, review)):
        raise PermissionDenied(f"not allowed: only the lead reviewer (or an admin) may {what}")


def send_for_moderation(session: Session, *, actor: Actor, review_id: int, today: date) -> ModerationRound:
    """The lead reviewer sends the agreed draft to the moderator (again, after the items returned are changed)."""
    review = access.review_for(session, actor, review_id)
    _lead_or_admin(actor, review, "send the draft to the moderator")
    require_open(review)
    if review.moderator_user_id is None:
        raise InputError("moderator: an admin assigns a moderator on the Review timeline page first")
    if not (review.single_reviewer or review.consensus_open):
        raise InputError("moderation: both reviewers submit their scores and agree them first")
    missing = scoring.unscored_items(review_scale(session, review), counted_scores(session, review))
    if missing:
        numbers = ", ".join(str(item.number) for item in missing)
        raise InputError(f"moderation: {len(missing)} item(s) not agreed yet (item {numbers})")
    latest = _latest(session, review_id)
    if latest is not None and latest.decision is None:
        raise InputError("moderation: the draft is already with the moderator")
    if latest is not None and latest.decision == Decision.APPROVED:
        raise InputError("moderation: the moderator has already approved the draft")
    sent = ModerationRound(review_id=review_id, number=(latest.number if latest else 0) + 1, sent_by=actor.name)
    session.add(sent)
    session.flush()
    record(session, actor=actor.name, action="send_for_moderation", row=sent)
    timelines.complete_step(session, actor, review, "report_written", today)
    return sent


def decide(
    session: Session,
    *,
    actor: Actor,
    review_id: int,
    decision: str,
    comments: dict[int, str],
    comment: str = "",
    today: date,
) -> ModerationRound:
    """The moderator approves the draft, or returns it with a comment on each item to look at again."""
    review = access.review_for(session, actor, review_id)
    if not access.moderates(actor, review):
        raise PermissionDenied("not allowed: only the review's moderator approves or returns the draft")
    require_open(review)
    if decision not in {d.value for d in Decision}:
        raise InputError(f"decision: {decision!r} is not one of {', '.join(d.value for d in Decision)}")
    latest = _latest(session, review_id)
    if latest is None or latest.decision is not None:
        raise InputError("moderation: there is no draft waiting for your decision")
    scale = review_scale(session, review)
    cleaned = {}
    for number, text in comments.items():
        require_item(scale, number, THIS_SCALE)
        if text.strip():
            cleaned[number] = _text(text, f"item {number} comment")
    if decision == Decision.RETURNED and not cleaned:
        raise InputError("comments: say what to look at again on at least one item to return the draft")
    before = snapshot(latest)
    latest.decision, latest.decided_by, latest.decided_at = decision, actor.name, utc_now()
    latest.comment = _text(comment, "comment") if comment.strip() else ""
    session.add(latest)
    session.add_all(ModerationComment(round_id=latest.id or 0, item_number=n, text=t) for n, t in cleaned.items())
    session.flush()
    record(session, actor=actor.name, action=f"moderation_{decision}", row=latest, before=before)
    for number, text in cleaned.items():
        record(
            session,
            actor=actor.name,
            action="create",
            entity="moderationcomment",
            entity_id=f"{latest.id}:{number}",
            after={"round": latest.number, "item_number": number, "text": text},
        )
    if decision == Decision.APPROVED:
        timelines.complete_step(session, actor, review, "report_moderated", today)
    return latest


def present_report(session: Session, *, actor: Actor, review_id: int, today: date) -> Review:
    """The lead reviewer presents the moderated draft to the service: its leads see it from now, may send further
    evidence until the window closes, and the day its personal data is deleted is set."""
    review = access.review_for(session, actor, review_id)
    _lead_or_admin(actor, review, "present the report to the service")
    require_open(review)
    latest = _latest(session, review_id)
    if latest is None or latest.decision != Decision.APPROVED:
        raise InputError("report: the moderator approves the draft before it is presented to the service")
    if review.report_shared_on is not None:
        raise InputError(f"report: presented to the service on {review.report_shared_on:%d %B %Y} already")
    before = snapshot(review)
    review.report_shared_on = today
    review.feedback_until = timelines.day_after_report(session, review_id, timeline.FEEDBACK_STEP, today)
    review.personal_data_delete_on = timelines.day_after_report(session, review_id, timeline.DELETION_STEP, today)
    review.updated_at = utc_now()
    session.add(review)
    session.flush()
    record(session, actor=actor.name, action="present_report", row=review, before=before)
    timelines.complete_step(session, actor, review, timeline.REPORT_PRESENTED, today)
    return review


# --- the service's feedback ------------------------------------------------------------------------------------------


def send_feedback(
    session: Session, *, actor: Actor, review_id: int, item_number: int, evidence: str, today: date
) -> ItemFeedback:
    """A lead of the service sends further evidence on one item of the presented draft, within the window."""
    review = access.review_for(session, actor, review_id)
    if actor.role != Role.SERVICE_LEAD or review.report_shared_on is None:
        raise PermissionDenied("not allowed: the service's leads send feedback on a report presented to them")
    require_open(review)
    if not timeline.feedback_open(review.feedback_until, today):
        raise InputError(f"feedback: the window for further evidence closed on {review.feedback_until:%d %B %Y}")
    require_item(review_scale(session, review), item_number, THIS_SCALE)
    sent = ItemFeedback(
        review_id=review_id, item_number=item_number, evidence=_text(evidence, "further evidence"), sent_by=actor.name
    )
    session.add(sent)
    session.flush()
    record(session, actor=actor.name, action="create", row=sent)
    return sent


def answer_feedback(
    session: Session,
    *,
    actor: Actor,
    feedback_id: int,
    answer: str,
    reason: str,
    new_score: int | None = None,
) -> ItemFeedback:
    """A reviewer answers the service's further evidence: accepted (the agreed score changes to `new_score`) or not
    accepted, with the reason either way."""
    sent = session.get(ItemFeedback, feedback_id)
    if sent is None:
        if actor.is_admin:
            raise NotFound(f"feedback {feedback_id} does not exist")
        raise PermissionDenied(f"not allowed: feedback {feedback_id} is not one you can see")
    review = access.review_for(session, actor, sent.review_id)
    if not (actor.is_admin or access.assigned_raters(actor, review)):
        raise PermissionDenied("not allowed: the review's reviewers answer the service's feedback")
    require_open(review)
    if sent.answer is not None:
        raise InputError(f"feedback: answered already ({sent.answer}, by {sent.answered_by})")
    if answer not in {a.value for a in Answer}:
        raise InputError(f"answer: {answer!r} is not one of {', '.join(a.value for a in Answer)}")
    why = _text(reason, "reason")
    before = snapshot(sent)
    if answer == Answer.ACCEPTED:
        rating = session.exec(
            select(ItemRating).where(
                ItemRating.review_id == review.id,
                ItemRating.item_number == sent.item_number,
                ItemRating.rater == review.counted_rater,
            )
        ).one()
        if new_score is None or isinstance(new_score, bool) or not 1 <= new_score <= 5:
            raise InputError("score: accepting the evidence changes the agreed score: choose the new score, 1-5")
        if new_score == rating.score:
            raise InputError(f"score: the agreed score is {rating.score} already; choose another or do not accept")
        rating_before = snapshot(rating)
        sent.score_before, sent.score_after = rating.score, new_score
        rating.score, rating.updated_at = new_score, utc_now()
        session.add(rating)
        session.flush()
        record(session, actor=actor.name, action="update", row=rating, before=rating_before)
    sent.answer, sent.reason, sent.answered_by, sent.answered_at = answer, why, actor.name, utc_now()
    session.add(sent)
    session.flush()
    record(session, actor=actor.name, action="answer", row=sent, before=before)
    return sent


def _feedback_said_done(session: Session, review: Review) -> bool:
    """The service's lead marked the feedback step done (or not needed): they will send nothing more."""
    step = timelines.step_of(session, review.id or 0, timeline.FEEDBACK_STEP)
    return step is not None and step.status != StepStatus.TO_DO


def require_ready_to_finalise(session: Session, review: Review, today: date) -> None:
    """A moderated review is finalised once the moderator approved it, it was presented, every piece of the
    service's feedback is answered, and the window has closed or the service said it has sent all it will."""
    if not moderated(session, review):
        return
    latest = _latest(session, review.id or 0)
    if latest is None or latest.decision != Decision.APPROVED:
        raise InputError("cannot finalise: the moderator approves the draft first")
    if review.report_shared_on is None:
        raise InputError("cannot finalise: present the moderated draft to the service first")
    unanswered = session.exec(
        select(func.count()).where(ItemFeedback.review_id == review.id, col(ItemFeedback.answer).is_(None))
    ).one()
    if unanswered:
        raise InputError(f"cannot finalise: answer the service's further evidence first ({unanswered} unanswered)")
    if timeline.feedback_open(review.feedback_until, today) and not _feedback_said_done(session, review):
        raise InputError(
            f"cannot finalise: the service may send further evidence until {review.feedback_until:%d %B %Y} "
            "(or until its lead marks the feedback step done)"
        )
