"""Accounts: the first admin, Argon2 password hashes, sign-in slowed after failures and logged, roles."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from fidelity import db
from fidelity.errors import InputError, PermissionDenied
from fidelity.models import AuditEvent, User
from fidelity.security_models import SignInThrottle
from fidelity.store import accounts, audit, throttle
from fidelity.store.access import Role

from .conftest import ACTOR, ROOT

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _write(url: str):  # type: ignore[no-untyped-def]
    return db.session_scope(db.make_engine(url))


def _admin(url: str) -> User:
    with _write(url) as s:
        return accounts.create_first_admin(
            s, {"username": "ada", "display_name": "Ada", "password": "correct horse battery"}
        )


def test_first_admin__hashed_with_argon2_and_only_once(db_url: str) -> None:
    user = _admin(db_url)
    assert user.role == Role.ADMIN
    assert user.password_hash.startswith("$argon2id$") and "correct horse" not in user.password_hash
    with pytest.raises(PermissionDenied, match="already exists"), _write(db_url) as s:
        accounts.create_first_admin(s, {"username": "eve", "display_name": "Eve", "password": "0123456789"})
    with Session(db.make_engine(db_url)) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.entity == "user")).all()
    assert [e.action for e in events] == ["create"]
    assert "password_hash" not in (events[0].after or {})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "A b"}, "username: use 2-80"),
        ({"username": "a"}, "username: use 2-80"),
        ({"password": "short"}, "password: must be at least 10 characters"),
        ({"display_name": "  "}, "display name: must not be empty"),
        ({"email": "not-an-email"}, "email: is not an email address"),
        ({"role": "superuser"}, "role: "),
    ],
)
def test_create_user__bad_input_names_the_field(db_url: str, data: dict, message: str) -> None:
    base = {"username": "rev.one", "display_name": "Rev One", "role": "reviewer", "password": "long enough pw"}
    with pytest.raises(InputError, match=message), _write(db_url) as s:
        accounts.create_user(s, actor=ACTOR, data=base | data)


def test_create_user__duplicate_username_and_email_refused(db_url: str) -> None:
    with _write(db_url) as s:
        accounts.create_user(
            s, actor=ACTOR, data={"username": "sam", "display_name": "Sam", "role": "reviewer", "email": "sam@nhs.net"}
        )
    with pytest.raises(InputError, match="username: 'sam' is already taken"), _write(db_url) as s:
        accounts.create_user(s, actor=ACTOR, data={"username": "SAM", "display_name": "Sam 2", "role": "reviewer"})
    with pytest.raises(InputError, match=r"email: sam@nhs\.net already belongs"), _write(db_url) as s:
        accounts.create_user(
            s,
            actor=ACTOR,
            data={"username": "sam2", "display_name": "Sam 2", "role": "reviewer", "email": "SAM@nhs.net"},
        )


def test_sign_in__right_password_signs_in_and_is_logged(db_url: str) -> None:
    admin = _admin(db_url)
    with _write(db_url) as s:
        result = accounts.sign_in(s, username=" ADA ", password="correct horse battery", now=T0)
    assert result.actor is not None and result.actor.user_id == admin.id and result.actor.role == Role.ADMIN
    with Session(db.make_engine(db_url)) as s:
        events, _ = audit.list_audit(s, actor=ACTOR, chosen=audit.AuditFilter(action="sign_in"))
    assert [(e.actor, e.entity_id) for e in events] == [("ada", str(admin.id))]


def test_sign_in__failures_slow_down_then_succeed_after_the_wait(db_url: str) -> None:
    _admin(db_url)
    for attempt in range(3):
        with _write(db_url) as s:
            result = accounts.sign_in(s, username="ada", password="wrong", now=T0 + timedelta(seconds=attempt))
        assert result.actor is None and "not right" in result.message
    # third failure at T0+2s: the account waits 2 s, so the right password at T0+3s is not even checked
    with _write(db_url) as s:
        early = accounts.sign_in(s, username="ada", password="correct horse battery", now=T0 + timedelta(seconds=3))
    assert early.actor is None and "Try again in 2 seconds" in early.message
    with _write(db_url) as s:
        later = accounts.sign_in(s, username="ada", password="correct horse battery", now=T0 + timedelta(seconds=5))
    assert later.actor is not None
    with Session(db.make_engine(db_url)) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id)) if e.entity == "user"]
        user = s.exec(select(User)).one()
    assert actions == ["create", *["sign_in_failed"] * 3, "sign_in_throttled", "sign_in"]
    assert user.last_signed_in_at is not None
    with Session(db.make_engine(db_url)) as s:
        assert s.exec(select(SignInThrottle)).all() == []  # a sign-in that succeeds clears its client's count


def test_sign_in__eight_at_once_to_one_account__none_fails(db_url: str) -> None:
    """Two tabs, a shared demo account, a single sign-on refresh: before, 7 of 8 failed with a version Conflict."""
    import threading

    _admin(db_url)
    start, results, failures = threading.Barrier(8), [], []

    def sign_in(password: str) -> None:
        start.wait()
        try:
            with _write(db_url) as s:
                results.append(accounts.sign_in(s, username="ada", password=password).actor is not None)
        except Exception as error:  # any failure is what this test looks for
            failures.append(repr(error))

    threads = [
        threading.Thread(target=sign_in, args=("correct horse battery" if i % 2 else "wrong",)) for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == [] and sorted(results) == [False] * 4 + [True] * 4
    with Session(db.make_engine(db_url)) as s:
        actions = [e.action for e in s.exec(select(AuditEvent)) if e.action.startswith("sign_in")]
    assert sorted(actions) == ["sign_in"] * 4 + ["sign_in_failed"] * 4


@pytest.mark.parametrize(
    ("failures", "seconds_since", "wait"),
    [(0, 0, 0), (2, 0, 0), (3, 0, 2), (3, 2, 0), (4, 1, 3), (5, 0, 8), (30, 0, 900), (30, 899, 1), (30, 900, 0)],
)
def test_wait_before_next_try__doubles_and_is_capped(failures: int, seconds_since: int, wait: int) -> None:
    now = T0 + timedelta(seconds=seconds_since)
    assert throttle.wait_before_next_try(failures, T0, now) == timedelta(seconds=wait)


def test_sign_in__unknown_user_and_switched_off_account_refused_alike(db_url: str) -> None:
    admin = _admin(db_url)
    with _write(db_url) as s:
        accounts.create_user(
            s,
            actor=ACTOR,
            data={"username": "old", "display_name": "Old", "role": "reviewer", "password": "retired password 1"},
        )
        user = s.exec(select(User).where(User.username == "old")).one()
        accounts.update_user(s, actor=ACTOR, user_id=user.id, data={"is_active": False})
    with _write(db_url) as s:
        unknown = accounts.sign_in(s, username="nobody", password="whatever12")
        off = accounts.sign_in(s, username="old", password="retired password 1")
    assert unknown.actor is None and off.actor is None and unknown.message == off.message
    assert admin.id is not None


def test_last_active_admin__cannot_be_demoted_or_switched_off(db_url: str) -> None:
    admin = _admin(db_url)
    for change in ({"role": "reviewer"}, {"is_active": False}):
        with pytest.raises(InputError, match="only active admin"), _write(db_url) as s:
            accounts.update_user(s, actor=ACTOR, user_id=admin.id, data=change)


def test_update_user__stale_version_is_a_conflict(db_url: str) -> None:
    from fidelity.errors import Conflict

    admin = _admin(db_url)
    with _write(db_url) as s:
        accounts.update_user(s, actor=ACTOR, user_id=admin.id, data={"display_name": "Ada L."}, expected_version=1)
    with pytest.raises(Conflict, match="changed by someone else"), _write(db_url) as s:
        accounts.update_user(s, actor=ACTOR, user_id=admin.id, data={"display_name": "Ada B."}, expected_version=1)


def test_scopes__by_role(db_url: str, make_service) -> None:
    service = make_service()
    with _write(db_url) as s:
        lead = accounts.create_user(
            s, actor=ACTOR, data={"username": "lead", "display_name": "L", "role": "service lead"}
        )
        reviewer = accounts.create_user(
            s, actor=ACTOR, data={"username": "rev", "display_name": "R", "role": "reviewer"}
        )
    with _write(db_url) as s:
        accounts.set_scopes(s, actor=ACTOR, user_id=lead.id, scopes=accounts.Scopes(service_ids=(service.id,)))
    with pytest.raises(InputError, match="a service lead leads services"), _write(db_url) as s:
        accounts.set_scopes(s, actor=ACTOR, user_id=lead.id, scopes=accounts.Scopes(area_ids=(service.area_id,)))
    with pytest.raises(InputError, match="a reviewer has no services"), _write(db_url) as s:
        accounts.set_scopes(s, actor=ACTOR, user_id=reviewer.id, scopes=accounts.Scopes(service_ids=(service.id,)))
    with pytest.raises(InputError, match=r"service: \[999\] do not exist"), _write(db_url) as s:
        accounts.set_scopes(s, actor=ACTOR, user_id=lead.id, scopes=accounts.Scopes(service_ids=(999,)))
    with Session(db.make_engine(db_url)) as s:
        assert accounts.scopes_of(s, lead.id) == accounts.Scopes(service_ids=(service.id,))


def test_single_sign_on__matches_an_active_account_by_email(db_url: str) -> None:
    with _write(db_url) as s:
        accounts.create_user(
            s,
            actor=ACTOR,
            data={"username": "sso", "display_name": "S", "role": "commissioner", "email": "S@Council.gov.uk"},
        )
    with _write(db_url) as s:
        known = accounts.sign_in_by_email(s, email="s@council.gov.uk")
        unknown = accounts.sign_in_by_email(s, email="x@council.gov.uk")
    assert known.actor is not None and known.actor.role == Role.COMMISSIONER
    assert unknown.actor is None and "Ask an admin" in unknown.message


def test_set_password__only_own_unless_admin(db_url: str) -> None:
    admin = _admin(db_url)
    with _write(db_url) as s:
        rev = accounts.actor_of(
            accounts.create_user(
                s,
                actor=ACTOR,
                data={"username": "rev", "display_name": "R", "role": "reviewer", "password": "first password"},
            )
        )
    with _write(db_url) as s:
        accounts.change_own_password(s, actor=rev, current="first password", new="second password")
    for user_id in (rev.user_id, admin.id):
        with (
            pytest.raises(PermissionDenied, match="change your own password with your current one"),
            _write(db_url) as s,
        ):
            accounts.set_password(s, actor=rev, user_id=user_id, password="hijacked password")
    with _write(db_url) as s:
        assert accounts.sign_in(s, username="rev", password="second password").actor is not None


def test_cli_create_user__first_admin_then_others(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    def run(*args: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fidelity", "create-user", *args],
            input=password + "\n",
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
            check=False,
        )

    refused = run("rev", "--role", "reviewer", password="long enough pw")
    assert refused.returncode == 2 and "the first account must be an admin" in refused.stderr
    first = run("boss", "--role", "admin", "--name", "The Boss", password="long enough pw")
    assert first.returncode == 0, first.stderr
    assert "created admin account 'boss'" in first.stdout
    second = run("rev", "--role", "reviewer", password="short")
    assert second.returncode == 2 and "password: must be at least 10 characters" in second.stderr
    third = run("rev", "--role", "reviewer", password="long enough pw")
    assert third.returncode == 0 and "created reviewer account 'rev'" in third.stdout
    with Session(db.make_engine(url)) as s:
        assert accounts.sign_in(s, username="boss", password="long enough pw").actor is not None
