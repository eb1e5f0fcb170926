"""Pages for signing in and for each role: first admin, sign-in, navigation by role, users, audit log,
amendments, export and demo accounts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from fidelity import db, demo
from fidelity.models import AuditEvent, Review, Service, User
from fidelity.scale_files import load_scales
from fidelity.store import accounts, plans, ratings, reviews
from fidelity.store.access import Actor, Role
from fidelity.ui import navigation
from fidelity.ui.state import Keys

from ..conftest import ACTOR, SCALES_DIR, all_items
from .conftest import APP, open_app, user_id
from .test_pages import _final_single, _service, shown


def _pages(role: Role) -> set[str]:
    return {title for group in navigation.titles(Actor("x", role, 1)).values() for title in group}


def test_first_start__no_accounts__asks_for_the_admin_then_signs_in(tmp_path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    url = f"sqlite:///{tmp_path / 'new.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.subheader[0].value == "Create the admin account"
    at.text_input(key="first_admin:username").input("ada")
    at.text_input(key="first_admin:name").input("Ada Lovelace")
    at.text_input(key="first_admin:password").input("short")
    at.text_input(key="first_admin:again").input("short")
    at.button(key="FormSubmitter:first_admin-Create admin account").click().run()
    assert "password: must be at least 10 characters" in shown(at.error[0].value)
    at.text_input(key="first_admin:password").input("a long password")
    at.text_input(key="first_admin:again").input("a long password")
    at.button(key="FormSubmitter:first_admin-Create admin account").click().run()
    assert not at.exception, at.exception
    assert any("Signed in as **ada** · admin" in c.value for c in at.sidebar.caption)
    st.cache_resource.clear()
    db.dispose_engine(url)


def test_sign_in__wrong_password_refused_right_one_signs_in(app_db: str) -> None:
    at = open_app(as_user=None)
    assert at.subheader[0].value == "Sign in"
    at.text_input(key="sign_in:username").input("admin")
    at.text_input(key="sign_in:password").input("not it")
    at.button(key="FormSubmitter:sign_in-Sign in").click().run()
    assert "not right" in at.error[0].value
    at.text_input(key="sign_in:password").input("ada long password 1")
    at.button(key="FormSubmitter:sign_in-Sign in").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "IPS Fidelity" and not at.error
    with Session(db.make_engine(app_db)) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.entity == "user"))]
    assert actions == ["create", "sign_in_failed", "sign_in"]


def test_sign_in__the_database_refuses_the_write__a_message_not_a_traceback(
    app_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fidelity import errors

    def busy(*args: object, **kwargs: object) -> None:
        raise errors.Conflict("Someone else saved the same thing at the same moment, so your change was not saved.")

    monkeypatch.setattr(accounts, "sign_in", busy)
    at = open_app(as_user=None)
    at.text_input(key="sign_in:username").input("admin")
    at.text_input(key="sign_in:password").input("ada long password 1")
    at.button(key="FormSubmitter:sign_in-Sign in").click().run()
    assert not at.exception, at.exception
    assert "at the same moment" in at.error[0].value and at.subheader[0].value == "Sign in"


def test_sign_out__back_to_the_sign_in_page(app_db: str) -> None:
    at = open_app()
    at.sidebar.button(key="sign_out").click().run()
    assert at.subheader[0].value == "Sign in"


def test_navigation__each_role_sees_its_pages() -> None:
    every = _pages(Role.ADMIN)
    admin_only = {"Users", "Scales", "Audit log", "Export and demo data", "Import past reviews"}
    assert admin_only | {"Review workspace"} <= every
    insight = {"Programme view", "Items and outcomes"}  # commissioners' and admins'; a reviewer calibrates
    assert _pages(Role.REVIEWER) == every - admin_only - insight
    readers = every - {
        "Users",
        "Scales",
        "Audit log",
        "Export and demo data",
        "Import past reviews",
        "Review workspace",
        "Site visit",
        "Consensus",
    }
    assert _pages(Role.COMMISSIONER) == readers
    lead_pages = readers - insight - {"Reviewer calibration"}
    assert _pages(Role.SERVICE_LEAD) == lead_pages | {"Review workspace", "Site visit"}  # guided self-assessments


def test_users__admin_adds_a_service_lead_and_sets_their_service(app_db: str) -> None:
    service = _service(app_db)
    at = open_app(navigation.USERS)
    at.text_input(key="add_user:username").input("Bad Name")
    at.text_input(key="add_user:name").input("Lee")
    at.button(key="FormSubmitter:add_user-Add user").click().run()
    assert "username: use 2-80" in shown(at.error[0].value)
    at.text_input(key="add_user:username").input("lee")
    at.text_input(key="add_user:name").input("Lee Lead")
    at.selectbox(key="add_user:role").set_value("service lead")
    at.text_input(key="add_user:password").input("a good long passphrase")
    at.button(key="FormSubmitter:add_user-Add user").click().run()
    assert not at.exception, at.exception
    lee = user_id("lee")
    at.selectbox(key="edit_user:id").set_value(lee).run()
    at.multiselect(key=f"scope:{lee}:services").set_value([service.id])
    at.button(key=f"FormSubmitter:scope:{lee}-Save what they see").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert table.loc[table["Username"] == "lee", "Sees"].item() == "Norfolk IPS"
    # and the service lead, signed in, sees that service only, read-only
    lead = open_app(navigation.SERVICES, as_user="lee")
    assert lead.dataframe[0].value["Service"].tolist() == ["Norfolk IPS"]
    assert [t.label for t in lead.tabs] == ["Your services"]


def test_audit_log__filters_shows_changes_and_exports(app_db: str) -> None:
    _service(app_db, "Audited IPS")
    at = open_app(navigation.AUDIT)
    assert not at.exception, at.exception
    events = at.dataframe[0].value
    assert {"create"} <= set(events["Action"]) and "service" in set(events["What"])
    at.selectbox(key="audit:entity").set_value("service").run()
    events = at.dataframe[0].value
    assert events["What"].unique().tolist() == ["service"] and "name: None → 'Audited IPS'" in events["Changes"][0]
    at.button(key="audit:prepare").click().run()
    assert at.get("download_button")[0].proto.label == "Download the audit log (CSV)"
    at.text_input(key="audit:until").input("01/01/2020").run()
    assert at.info[0].value == "No event matches these filters."  # nothing that old
    at.text_input(key="audit:until").input("1 Jan").run()
    assert not at.exception, at.exception
    assert "To: enter a date as DD/MM/YYYY" in shown(at.error[0].value) and not at.dataframe


def test_summary__amend_a_final_review__both_shown(app_db: str) -> None:
    service = _service(app_db)
    review = _final_single(app_db, service.id, all_items(4))
    at = open_app(navigation.SUMMARY)
    at.selectbox(key="summary:service").set_value(service.id).run()
    at.selectbox(key="amend:item").set_value(7)
    at.radio(key="amend:score").set_value(2)
    at.text_area(key="amend:reason").input("Score for item 7 was keyed in the wrong row")
    at.button(key=f"FormSubmitter:amend:{review.id}-Record the amendment").click().run()
    assert "Tick the box" in at.error[0].value  # confirmation first
    at.checkbox[0].check()
    at.button(key=f"FormSubmitter:amend:{review.id}-Record the amendment").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Amendment recorded: total 98")
    assert any("Reason: “Score for item 7 was keyed in the wrong row”" in shown(i.value) for i in at.info)
    with Session(db.make_engine(app_db)) as s:
        reviews = s.exec(select(Review).order_by(Review.id)).all()
    assert [(r.total, r.amends_id) for r in reviews] == [(100, None), (98, review.id)]


def test_export_page__prepares_a_download(app_db: str) -> None:
    _service(app_db)
    at = open_app(navigation.DATA)
    at.button(key="data:csv").click().run()
    assert not at.exception, at.exception
    assert at.get("download_button")[0].proto.label.startswith("Download the export")
    at.text_input(key="data:backup:passphrase").input("tea at four in leeds")
    at.text_input(key="data:backup:again").input("tea at four in leeds!")
    at.button(key="FormSubmitter:data:backup-Prepare the encrypted backup").click().run()
    assert "the two passphrases differ" in shown(at.error[0].value)
    at.text_input(key="data:backup:again").input("tea at four in leeds")
    at.button(key="FormSubmitter:data:backup-Prepare the encrypted backup").click().run()
    assert not at.exception and not at.error, at.exception
    assert [b.proto.label for b in at.get("download_button")][-1].startswith("Download the encrypted backup")


def test_data_page__loads_demo_beside_real_services(app_db: str) -> None:
    _service(app_db)
    at = open_app(navigation.DATA)
    at.button(key="data:load_demo").click().run()
    assert not at.exception, at.exception
    with Session(db.make_engine(app_db)) as s:
        demo_services = len(s.exec(select(Service.id).where(Service.is_demo)).all())
    assert demo_services >= 24  # the twelve IPSPC areas, two or three services each
    assert at.success[0].value == (
        f"Demo data loaded: {demo_services} services and the demo accounts, which cannot sign in beside your own "
        "services unless you let them (below)."
    )
    assert at.button(key="data:remove_demo")  # the page now offers removal instead
    assert not open_app(as_user=None).dataframe  # no demo passwords on the sign-in page
    assert at.button(key="data:demo_sign_in:on").disabled  # until the warning is acknowledged
    at.checkbox(key="data:demo_sign_in:confirm").check().run()
    at.button(key="data:demo_sign_in:on").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "The demo accounts can sign in; the sign-in page shows their passwords."
    assert set(open_app(as_user=None).dataframe[0].value["Role"]) == {"reviewer", "service lead", "commissioner"}
    at.button(key="data:demo_sign_in:off").click().run()
    assert not open_app(as_user=None).dataframe


def test_demo_accounts__shown_while_loaded_and_gone_after_removal(app_db: str) -> None:
    with db.session_scope(db.make_engine(app_db)) as s:
        demo.load_demo(s, actor=ACTOR, scales=load_scales(SCALES_DIR), today=date(2026, 11, 22))
    signed_out = open_app(as_user=None)
    logins = signed_out.dataframe[0].value
    assert (
        set(logins["Role"]) == {"reviewer", "service lead", "commissioner"} and logins["Password"].str.len().min() >= 12
    )
    password = logins.loc[logins["Username"] == "demo.commissioner", "Password"].item()
    with db.session_scope(db.make_engine(app_db)) as s:
        assert accounts.sign_in(s, username="demo.commissioner", password=password).actor.role == Role.COMMISSIONER
    at = open_app(navigation.DATA)
    at.checkbox(key="data:remove_demo:confirm").check().run()
    at.button(key="data:remove_demo").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Demo data removed: 37 services")  # 32, and 5 at the stages of a review
    assert not open_app(as_user=None).dataframe
    with Session(db.make_engine(app_db)) as s:
        assert s.exec(select(User.username)).all() == ["admin"]


def test_workspace__reviewer_scores_as_themselves_only(app_db: str) -> None:
    service = _service(app_db)
    with db.session_scope(db.make_engine(app_db)) as s:
        ids = {}
        for name in ("ann", "bob"):
            ids[name] = accounts.create_user(
                s,
                actor=ACTOR,
                data={"username": name, "display_name": name.title(), "role": "reviewer", "password": "a password 12"},
            ).id
        review = reviews.start_review(
            s,
            actor=ACTOR,
            scales=load_scales(SCALES_DIR),
            data={
                "service_id": service.id,
                "scale_id": "ips-25",
                "visit_start": date(2026, 3, 1),
                "lead_user_id": ids["ann"],
                "second_user_id": ids["bob"],
            },
        )
    at = open_app(navigation.WORKSPACE, as_user="bob")
    at.selectbox(key="ws:service").set_value(service.id).run()
    assert not at.exception, at.exception
    assert not at.radio(key=f"ws:rater:{review.id}") if f"ws:rater:{review.id}" in [r.key for r in at.radio] else True
    assert any("Scoring as Bob (second reviewer)" in c.value for c in at.caption)
    at.radio(key=f"ws:{review.id}:second:1:score").set_value(3).run()
    with Session(db.make_engine(app_db)) as s:
        assert ratings.scores_of(s, review.id, rater="second") == {1: 3}
        assert ratings.scores_of(s, review.id, rater="lead") == {}


@pytest.mark.parametrize("role", ["reviewer", "commissioner"])
def test_non_admins__cannot_start_reviews_or_see_others(app_db: str, role: str) -> None:
    _service(app_db)
    with db.session_scope(db.make_engine(app_db)) as s:
        accounts.create_user(
            s, actor=ACTOR, data={"username": "someone", "display_name": "S", "role": role, "password": "a password 12"}
        )
    at = open_app(as_user="someone")
    assert not at.exception, at.exception
    assert "No service is open to you yet" in at.info[0].value


def test_plan__someone_else_saved_first__conflict_shown_and_nothing_overwritten(app_db: str) -> None:
    from .test_pages import _final_single

    service = _service(app_db)
    review = _final_single(app_db, service.id, dict.fromkeys(range(1, 26), 4))
    with db.session_scope(db.make_engine(app_db)) as s:
        action = plans.add_action(
            s,
            actor=ACTOR,
            review_id=review.id,
            data={"description": "Weekly supervision", "due_date": date(2026, 6, 1)},
        )
    at = open_app(navigation.PLAN)
    at.selectbox(key="plan:service").set_value(service.id).run()
    at.text_input(key=f"edit_action:{action.id}:owner").input("Me")  # I am typing...
    with db.session_scope(db.make_engine(app_db)) as s:  # ...while a colleague saves the same action
        plans.update_action(s, actor=ACTOR, action_id=action.id, data={"owner": "Colleague"})
    at.button(key=f"FormSubmitter:edit_action:{action.id}-Save action").click().run()
    assert "was changed by someone else" in shown(at.error[0].value)
    assert at.text_input(key=f"edit_action:{action.id}:owner").value == "Me"  # my entry is still there
    with Session(db.make_engine(app_db)) as s:
        assert plans.list_actions(s, actor=ACTOR, review_id=review.id)[0].owner == "Colleague"
    at.button(key=f"FormSubmitter:edit_action:{action.id}-Save action").click().run()  # having checked, save again
    assert at.success[0].value == "Action saved."


def test_change_my_password__needs_the_current_one__signs_out_every_other_session(app_db: str) -> None:
    here, elsewhere = open_app(), open_app()
    here.text_input(key="own_password:current").input("not my password")
    here.text_input(key="own_password:new").input("a fresh long passphrase")
    here.text_input(key="own_password:again").input("a fresh long passphrase")
    here.button(key="FormSubmitter:own_password-Change password").click().run()
    assert "current password: not right" in shown(here.error[0].value)
    here.text_input(key="own_password:current").input("ada long password 1")
    here.button(key="FormSubmitter:own_password-Change password").click().run()
    assert not here.exception, here.exception
    assert here.success[0].value == "Password changed. You are signed out everywhere else."
    here.run()
    assert not here.warning and here.session_state[Keys.USER_ID]  # the session that changed it stays signed in
    elsewhere.run()
    assert elsewhere.warning[0].value.startswith("You have been signed out")
    assert [s.value for s in elsewhere.subheader] == ["Sign in"]
