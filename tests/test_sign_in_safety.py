"""Sign-in gives nothing away; passwords as the NCSC advises; sessions end when the password changes; a record one
may not see gets the same answer whether or not it exists (issue 19, points 2-4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from fidelity import db, passwords
from fidelity.errors import InputError, PermissionDenied
from fidelity.store import accounts, reviews
from fidelity.store.access import Actor, Role

from .conftest import ACTOR

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GOOD = "correct horse battery"


def _write(url: str):  # type: ignore[no-untyped-def]
    return db.session_scope(db.make_engine(url))


def _account(url: str, username: str = "rita", password: str = GOOD) -> Actor:
    with _write(url) as s:
        return accounts.actor_of(
            accounts.create_user(
                s,
                actor=ACTOR,
                data={"username": username, "display_name": "R", "role": "reviewer", "password": password},
            )
        )


def _try(url: str, username: str, password: str, *, client: str = "10.0.0.1", seconds: int = 0) -> accounts.SignIn:
    with _write(url) as s:
        return accounts.sign_in(
            s, username=username, password=password, client=client, now=T0 + timedelta(seconds=seconds)
        )


def test_sign_in__unknown_username__throttled_in_the_same_words_as_a_known_one(db_url: str) -> None:
    _account(db_url)
    answers = {}
    for name in ("rita", "nobody-here"):
        for attempt in range(3):
            assert _try(db_url, name, "wrong guess", seconds=attempt).actor is None
        answers[name] = _try(db_url, name, "wrong guess", seconds=3).message
    assert (
        answers["rita"]
        == answers["nobody-here"]
        == "Too many failed sign-ins with this username. Try again in 2 seconds."
    )


def test_sign_in__in_back_off__answered_before_any_password_is_hashed(db_url: str, monkeypatch) -> None:
    _account(db_url)
    for name in ("rita", "nobody-here"):
        for attempt in range(3):
            _try(db_url, name, "wrong guess", seconds=attempt)
    hashed: list[str] = []
    real = accounts.password_matches
    monkeypatch.setattr(accounts, "password_matches", lambda h, p: hashed.append(p) or real(h, p))
    for name in ("rita", "nobody-here"):
        assert "Too many failed sign-ins" in _try(db_url, name, GOOD, seconds=3).message
    assert hashed == []


def test_sign_in__stranger_in_back_off__owner_signs_in_from_elsewhere(db_url: str) -> None:
    _account(db_url)
    for attempt in range(6):
        _try(db_url, "rita", "wrong guess", client="203.0.113.9", seconds=attempt)
    assert "Too many failed sign-ins" in _try(db_url, "rita", GOOD, client="203.0.113.9", seconds=6).message
    assert _try(db_url, "rita", GOOD, client="10.0.0.1", seconds=6).actor is not None  # the owner, elsewhere
    assert "Too many failed sign-ins" in _try(db_url, "rita", GOOD, client="203.0.113.9", seconds=7).message


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("aaaaaaaaaa", "fewer than 4 different characters"),
        ("1212121212", "fewer than 4 different characters"),
        ("password123", "one of the passwords people choose most often"),
        ("qwertyuiop", "one of the passwords people choose most often"),
        ("Sunshine2024!", "one of the passwords people choose most often"),
        ("rita-is-my-name", "must not contain your username"),
        ("short", "at least 10 characters"),
        ("x" * 150 + "y" * 51, "at most 200 characters"),
    ],
)
def test_password__common_repetitive_or_with_the_username__refused(password: str, problem: str) -> None:
    assert problem in (passwords.problem(password, username="rita") or "")


@pytest.mark.parametrize("password", [GOOD, "tea at four in leeds", "7 bridges, no boats"])
def test_password__long_and_uncommon__accepted_without_composition_rules(password: str) -> None:
    assert passwords.problem(password, username="rita") is None


def test_create_user__common_password__refused_naming_the_field(db_url: str) -> None:
    with pytest.raises(InputError, match=r"password: .*one of the passwords people choose most often"):
        _account(db_url, password="password123")


def test_change_own_password__needs_the_current_one(db_url: str) -> None:
    rita = _account(db_url)
    with pytest.raises(InputError, match="current password: not right"), _write(db_url) as s:
        accounts.change_own_password(s, actor=rita, current="not my password", new="a brand new passphrase")
    assert _try(db_url, "rita", GOOD).actor is not None  # unchanged
    with pytest.raises(PermissionDenied), _write(db_url) as s:
        accounts.set_password(s, actor=rita, user_id=rita.user_id, password="a brand new passphrase")
    with _write(db_url) as s:
        accounts.change_own_password(s, actor=rita, current=GOOD, new="a brand new passphrase")
    assert _try(db_url, "rita", "a brand new passphrase").actor is not None


def test_password_changed_or_reset__other_sessions_signed_out(db_url: str) -> None:
    rita = _account(db_url)
    first = _try(db_url, "rita", GOOD)
    with Session(db.make_engine(db_url)) as s:
        assert accounts.current_actor(s, rita.user_id, first.credential_version) == rita
    with _write(db_url) as s:
        kept = accounts.change_own_password(s, actor=rita, current=GOOD, new="a brand new passphrase")
    with Session(db.make_engine(db_url)) as s:
        assert accounts.current_actor(s, rita.user_id, first.credential_version) is None  # the other session
        assert accounts.current_actor(s, rita.user_id, kept) == rita  # the one that changed it
    with _write(db_url) as s:
        accounts.set_password(s, actor=ACTOR, user_id=rita.user_id, password="reset by the admin 7")
    with Session(db.make_engine(db_url)) as s:
        assert accounts.current_actor(s, rita.user_id, kept) is None


def test_review_missing_or_not_yours__the_same_answer(db_url: str, make_service, make_review) -> None:
    service = make_service()
    draft = make_review(service.id)
    rita = _account(db_url)
    answers = []
    for review_id in (draft.id, draft.id + 1000):
        with pytest.raises(PermissionDenied) as refused, Session(db.make_engine(db_url)) as s:
            reviews.get_review(s, review_id, actor=rita)
        answers.append(str(refused.value).replace(str(review_id), "N"))
    assert answers[0] == answers[1] == "not allowed: review N is not one you can see"
    deleted = []
    for review_id in (draft.id, draft.id + 1000):
        with pytest.raises(PermissionDenied) as refused, _write(db_url) as s:
            reviews.delete_draft_review(s, actor=rita, review_id=review_id)
        deleted.append(str(refused.value).replace(str(review_id), "N"))
    assert deleted[0] == deleted[1]
    commissioner = Actor(name="cora", role=Role.COMMISSIONER, user_id=99)
    with pytest.raises(PermissionDenied, match="is not one you can see"), Session(db.make_engine(db_url)) as s:
        reviews.get_review(s, draft.id + 1000, actor=commissioner)


def test_demo_accounts__sign_in_only_with_demo_services_alone_or_once_an_admin_lets_them(
    db_url: str, scales, make_service
) -> None:
    from fidelity import demo
    from fidelity.store import instance

    with _write(db_url) as s:
        demo.load_demo(s, actor=ACTOR, scales=scales, today=T0.date())
    with Session(db.make_engine(db_url)) as s:
        username, password, _ = accounts.demo_logins(s)[0]
    assert _try(db_url, username, password).actor is not None  # demo services alone: the demo works
    make_service("Real IPS")
    with Session(db.make_engine(db_url)) as s:
        assert accounts.demo_logins(s) == []
    refused = _try(db_url, username, password, client="10.0.0.2")
    assert refused.actor is None and refused.message == _try(db_url, "nobody", password, client="10.0.0.3").message
    with pytest.raises(PermissionDenied), _write(db_url) as s:
        instance.set_demo_sign_in(s, actor=Actor(name="cora", role=Role.COMMISSIONER, user_id=1), on=True)
    with _write(db_url) as s:
        instance.set_demo_sign_in(s, actor=ACTOR, on=True)
    with Session(db.make_engine(db_url)) as s:
        assert username in {u for u, _, _ in accounts.demo_logins(s)}
    assert _try(db_url, username, password, client="10.0.0.4").actor is not None


def test_outcome_figures__past_a_plausible_range__refused_by_field(db_url: str, make_service) -> None:
    """A caseload of 1e300 crashed the import with an OverflowError and a traceback; now it is a problem."""
    from fidelity import errors
    from fidelity.store import outcomes

    from .test_outcome_data import _csv, _row

    make_service("North IPS")
    with pytest.raises(errors.ImportRefused) as refused, _write(db_url) as s:
        outcomes.import_outcomes(
            s, actor=ACTOR, content=_csv(_row(active_caseload="1e300", specialist_fte=5000)), filename="q.csv"
        )
    assert [str(p) for p in refused.value.problems] == [
        "row 2, column specialist_fte: '5000' is more than 1,000; check the figure",
        "row 2, column active_caseload: '1e300' is more than 100,000; check the figure",
    ]
