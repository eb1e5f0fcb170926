"""The Review timeline page and Home's list of what is due: a service lead marks their own step, a reviewer cannot
mark the service's, an admin assigns a moderator; each sees on Home what is due from them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from fidelity import db, timeline
from fidelity.lifecycle_models import ReviewStep
from fidelity.scale_files import load_scales
from fidelity.store import accounts, reviews

from ..conftest import ACTOR, SCALES_DIR
from .conftest import open_app, user_id
from .test_pages import _service, shown


def _world(url: str, visit_in_days: int = 30) -> tuple[int, int]:
    """Norfolk IPS with its lead (lee), two reviewers (ann leads, bo) and a third (cy); a review visited in 30 days
    (or `visit_in_days`: negative for a visit in the past)."""
    service = _service(url)
    with db.session_scope(db.make_engine(url)) as s:
        users = {}
        for username, role in [("ann", "reviewer"), ("bo", "reviewer"), ("cy", "reviewer"), ("lee", "service lead")]:
            users[username] = accounts.create_user(
                s, actor=ACTOR, data={"username": username, "display_name": username.title(), "role": role}
            )
        accounts.set_scopes(s, actor=ACTOR, user_id=users["lee"].id, scopes=accounts.Scopes(service_ids=(service.id,)))
        review = reviews.start_review(
            s,
            actor=ACTOR,
            scales=load_scales(SCALES_DIR),
            data={"service_id": service.id, "scale_id": "ips-25", "visit_start": date.today() + timedelta(days=visit_in_days),
                  "lead_user_id": users["ann"].id, "second_user_id": users["bo"].id},
        )  # fmt: skip
    return service.id, review.id


def _open(url: str, service_id: int, who: str):  # type: ignore[no-untyped-def]
    from fidelity.ui import navigation

    at = open_app(navigation.TIMELINE, as_user=who)
    at.selectbox(key="timeline:service").set_value(service_id).run()
    assert not at.exception, at.exception
    return at


def test_timeline__service_lead_marks_their_step__late_or_not__home_shows_what_is_due(app_db: str) -> None:
    service_id, review_id = _world(app_db)
    home = open_app(as_user="lee")
    due = home.dataframe[0].value
    assert "Due from you" in [h.value for h in home.subheader]
    assert set(due["Owner"]) == {"service lead"} and (due["Status"] == "overdue").sum() == 4  # 8 weeks before
    assert "Download these steps as a calendar (.ics)" in [b.proto.label for b in home.get("download_button")]
    at = _open(app_db, service_id, "lee")
    assert "Download the visit and every step as a calendar (.ics)" in [
        b.proto.label for b in at.get("download_button")
    ]
    table = at.dataframe[0].value
    assert len(table) == len(timeline.DEFAULT_TIMELINE) and (table["Status"] == "overdue").sum() == 4
    step_labels = at.selectbox(key="timeline:mark:step").options
    assert len(step_labels) == 8 and all("due" in label for label in step_labels)  # the service's own steps
    at.selectbox(key="timeline:mark:step").set_value(at.selectbox(key="timeline:mark:step").options[0])
    at.button(key="FormSubmitter:timeline:mark-Save the step").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Saved: Aims agreed on a call")
    with Session(db.make_engine(app_db)) as s:
        step = s.exec(
            select(ReviewStep).where(ReviewStep.review_id == review_id, ReviewStep.key == "aims_agreed")
        ).one()
    assert (step.status, step.done_by, step.late) == ("done", "lee", True)
    assert at.dataframe[0].value["Late"].tolist().count("yes") == 1


def test_timeline__reviewer_marks_only_their_steps__admin_assigns_a_moderator(app_db: str) -> None:
    service_id, _ = _world(app_db)
    bo = _open(app_db, service_id, "bo")  # the second reviewer owns no step
    assert "None of this review's steps is yours to mark." in [m.value for m in bo.markdown]
    ann = _open(app_db, service_id, "ann")
    assert len(ann.selectbox(key="timeline:mark:step").options) == 5  # the lead reviewer's steps
    admin = _open(app_db, service_id, "admin")
    choices = admin.selectbox(key="timeline:moderator:user").options
    assert "Ann" not in choices and "Bo" not in choices and "Cy" in choices
    admin.selectbox(key="timeline:moderator:user").set_value(user_id("cy"))
    admin.button(key="FormSubmitter:timeline:moderator-Save the moderator").click().run()
    assert not admin.exception, admin.exception
    assert admin.success[0].value == "Moderator saved."
    assert any("moderator: **Cy**" in m.value for m in admin.markdown), [m.value for m in admin.markdown]
    cy = open_app(as_user="cy")
    assert cy.dataframe[0].value["Step"].tolist() == ["Draft report moderated"]
    assert "Draft report moderated" not in shown(" ".join(open_app(as_user="ann").dataframe[0].value["Step"]))


def test_due_cli__csv_of_a_users_steps_and_of_overdue_ones(app_db: str, capsys) -> None:
    from fidelity import cli

    _world(app_db)
    assert cli.main(["due", "--user", "lee"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "review_id,service,visit,step,owner,due,overdue" and len(lines) == 1 + 8
    assert cli.main(["due", "--overdue"]) == 0
    overdue = capsys.readouterr().out.splitlines()[1:]
    assert len(overdue) == 4 and all(line.endswith(",True") for line in overdue)
    assert cli.main(["due", "--user", "nobody"]) == 2


def test_programme_timeline__admin_edits_the_steps__a_bad_row_refused_by_step_and_field(app_db: str) -> None:
    from fidelity.store import timelines
    from fidelity.ui import navigation

    programme_id = _service(app_db).programme_id
    at = open_app(navigation.PROGRAMME)
    key = f"programme:timeline:{programme_id}:0"
    at.session_state[key] = {"edited_rows": {0: {"title": " "}}, "added_rows": [], "deleted_rows": []}
    at.button(key=f"programme:timeline:save:{programme_id}").click().run()
    assert not at.exception, at.exception
    assert "timeline: step 1: title: must be 1-200 characters" in shown(at.error[0].value)
    at.session_state[key] = {"edited_rows": {0: {"days": -70}}, "added_rows": [], "deleted_rows": [1]}
    at.button(key=f"programme:timeline:save:{programme_id}").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Review timeline saved: reviews started from now follow it."
    with Session(db.make_engine(app_db)) as s:
        steps, version = timelines.programme_timeline(s, programme_id)
    assert version == 1 and steps[0].days == -70 and len(steps) == len(timeline.DEFAULT_TIMELINE) - 1
    at.button(key=f"programme:timeline:reset:{programme_id}").click().run()
    assert at.success[0].value == "The programme's reviews follow IPS Grow's timeline again."
