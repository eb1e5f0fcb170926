"""User accounts: first admin, sign-in with slowed-down retries, roles and scopes, passwords.

Passwords are hashed with Argon2id (argon2-cffi) and checked as fidelity.passwords says. A failed sign-in is logged
and counted per username and client (fidelity.store.throttle). Changing or resetting a password raises the
account's credential version, which signs it out of every other session.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import ValidationInfo, field_validator
from sqlalchemy import func, update
from sqlmodel import Field, Session, SQLModel, col, delete, select

from fidelity import passwords
from fidelity.errors import InputError, NotFound, PermissionDenied, check_version, validated
from fidelity.models import Area, Programme, Service, User, UserScope, utc_now
from fidelity.store import instance, throttle
from fidelity.store.access import Actor, Role, require_admin
from fidelity.store.audit import record, snapshot
from fidelity.text import one_line, required_line

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,79}$")

_hasher = PasswordHasher()
_UNKNOWN_USER_HASH = _hasher.hash(secrets.token_hex(16))  # same work for unknown names: no timing tell


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_password(password: str, username: str = "") -> str:
    if found := passwords.problem(password, username=username):
        raise ValueError(found)
    return password


class UserInput(SQLModel):
    username: str = Field(max_length=80)
    display_name: str = Field(max_length=120)
    email: str | None = Field(default=None, max_length=254)
    role: Role
    password: str | None = None

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        value = value.strip().lower()
        if not USERNAME.match(value):
            raise ValueError("use 2-80 lower-case letters, digits and . _ @ - (starting with a letter or digit)")
        return value

    _display_name = field_validator("display_name")(required_line)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        value = one_line(value or "").lower() or None
        if value is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
            raise ValueError("is not an email address")
        return value

    @field_validator("password")
    @classmethod
    def _password(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else _check_password(value, str(info.data.get("username") or ""))


def actor_of(user: User) -> Actor:
    return Actor(name=user.username, role=Role(user.role), user_id=user.id)


def has_users(session: Session) -> bool:
    return session.exec(select(User.id).limit(1)).first() is not None


def _user_snapshot(user: User) -> dict[str, Any]:
    """The audit log never holds password hashes or demo passwords."""
    return {k: v for k, v in snapshot(user).items() if k not in {"password_hash", "demo_password"}}


def _add_user(session: Session, actor: Actor, user_in: UserInput, *, is_demo: bool = False) -> User:
    if session.exec(select(User).where(User.username == user_in.username)).first():
        raise InputError(f"username: {user_in.username!r} is already taken")
    if user_in.email and session.exec(select(User).where(func.lower(User.email) == user_in.email)).first():
        raise InputError(f"email: {user_in.email} already belongs to another account")
    user = User(
        username=user_in.username,
        display_name=user_in.display_name,
        email=user_in.email,
        role=str(user_in.role),
        password_hash=hash_password(user_in.password) if user_in.password else "",
        is_demo=is_demo,
        demo_password=user_in.password if is_demo else None,
    )
    session.add(user)
    session.flush()
    record(session, actor=actor.name, action="create", row=user, after=_user_snapshot(user))
    return user


def create_first_admin(session: Session, data: dict[str, Any]) -> User:
    """The first account, made on first start (or by `create-user` on an empty database)."""
    if has_users(session):
        raise PermissionDenied("not allowed: the first admin account already exists; sign in to add users")
    user_in = validated(UserInput, {**data, "role": Role.ADMIN})
    if not user_in.password:
        raise InputError("password: an admin needs a password")
    return _add_user(session, Actor(name=user_in.username, role=Role.ADMIN), user_in)


def create_user(session: Session, *, actor: Actor, data: dict[str, Any], is_demo: bool = False) -> User:
    require_admin(actor, "add users")
    user_in = validated(UserInput, data)
    return _add_user(session, actor, user_in, is_demo=is_demo)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def list_users(session: Session, *, actor: Actor) -> list[User]:
    require_admin(actor, "see the user accounts")
    return list(session.exec(select(User).order_by(User.username)))


def reviewer_accounts(session: Session, *, actor: Actor) -> list[User]:
    """Active accounts that can be assigned to score a review (service leads score guided self-assessments)."""
    require_admin(actor, "assign reviewers")
    query = select(User).where(User.is_active, col(User.role).in_([Role.REVIEWER, Role.ADMIN, Role.SERVICE_LEAD]))
    return list(session.exec(query.order_by(User.display_name)))


def _other_active_admins(session: Session, user_id: int) -> int:
    query = select(func.count()).where(User.role == Role.ADMIN, User.is_active, User.id != user_id)
    return int(session.exec(query).one())


def update_user(
    session: Session, *, actor: Actor, user_id: int, data: dict[str, Any], expected_version: int | None = None
) -> User:
    """Change an account's name, email, role or whether it may sign in (admins only)."""
    require_admin(actor, "change user accounts")
    user = get_user(session, user_id)
    check_version(user, expected_version, what=f"user {user.username}")
    before = _user_snapshot(user)
    current = {"username": user.username, "display_name": user.display_name, "email": user.email, "role": user.role}
    user_in = validated(UserInput, {**current, **{k: v for k, v in data.items() if k != "is_active"}})
    if user_in.username != user.username:
        raise InputError("username: cannot be changed; add a new account instead")
    if user_in.email and user_in.email != user.email:
        clash = session.exec(select(User).where(func.lower(User.email) == user_in.email, User.id != user_id)).first()
        if clash:
            raise InputError(f"email: {user_in.email} already belongs to another account")
    is_active = bool(data.get("is_active", user.is_active))
    losing_admin = user.role == Role.ADMIN and (user_in.role != Role.ADMIN or not is_active)
    if losing_admin and _other_active_admins(session, user_id) == 0:
        raise InputError("role: this is the only active admin; make another admin first")
    user.display_name, user.email, user.role, user.is_active = (
        user_in.display_name,
        user_in.email,
        str(user_in.role),
        is_active,
    )
    if _user_snapshot(user) == before:
        return user
    user.updated_at = utc_now()
    session.add(user)
    session.flush()
    record(session, actor=actor.name, action="update", row=user, before=before, after=_user_snapshot(user))
    return user


def set_password(session: Session, *, actor: Actor, user_id: int, password: str) -> None:
    """An admin sets (resets) anyone's password; a user changes their own with change_own_password. Either signs the
    account out of every other session."""
    if not actor.is_admin:
        raise PermissionDenied("not allowed: change your own password with your current one")
    _new_password(session, actor, get_user(session, user_id), password)


def change_own_password(session: Session, *, actor: Actor, current: str, new: str) -> int:
    """Change the signed-in user's own password, given the current one (someone at an unattended browser cannot
    take the account over). Returns the new credential version, for the session that made the change to keep."""
    user = session.get(User, actor.user_id or 0)
    if user is None or not user.is_active:
        raise PermissionDenied("not allowed: sign in to change your password")
    if not user.password_hash or not password_matches(user.password_hash, current):
        record(session, actor=actor.name, action="set_password_refused", entity="user", entity_id=user.id)
        raise InputError("current password: not right; your password is unchanged")
    return _new_password(session, actor, user, new)


def _new_password(session: Session, actor: Actor, user: User, password: str) -> int:
    try:
        _check_password(password, user.username)
    except ValueError as error:
        raise InputError(f"password: {error}") from error
    user.password_hash = hash_password(password)
    user.demo_password = None
    user.credential_version += 1
    user.updated_at = utc_now()
    session.add(user)
    session.flush()
    throttle.cleared(session, username=user.username)
    record(session, actor=actor.name, action="set_password", entity="user", entity_id=user.id, after=None)
    return user.credential_version


@dataclass(frozen=True)
class Scopes:
    service_ids: tuple[int, ...] = ()
    programme_ids: tuple[int, ...] = ()
    area_ids: tuple[int, ...] = ()


def scopes_of(session: Session, user_id: int) -> Scopes:
    rows = list(session.exec(select(UserScope).where(UserScope.user_id == user_id)))
    return Scopes(
        service_ids=tuple(sorted(r.service_id for r in rows if r.service_id is not None)),
        programme_ids=tuple(sorted(r.programme_id for r in rows if r.programme_id is not None)),
        area_ids=tuple(sorted(r.area_id for r in rows if r.area_id is not None)),
    )


def all_scopes(session: Session, *, actor: Actor) -> dict[int, Scopes]:
    """Every user's scopes in one query (the Users page lists them all)."""
    require_admin(actor, "see the user accounts")
    found: dict[int, dict[str, list[int]]] = {}
    for row in session.exec(select(UserScope).order_by(UserScope.id)):
        mine = found.setdefault(row.user_id, {"service_ids": [], "programme_ids": [], "area_ids": []})
        for field in mine:
            value = getattr(row, field.removesuffix("s"))
            if value is not None:
                mine[field].append(value)
    return {user: Scopes(**{k: tuple(sorted(v)) for k, v in fields.items()}) for user, fields in found.items()}


def set_scopes(session: Session, *, actor: Actor, user_id: int, scopes: Scopes) -> Scopes:
    """A service lead's services, or a commissioner's programmes and areas."""
    require_admin(actor, "change what a user can see")
    user = get_user(session, user_id)
    if user.role == Role.SERVICE_LEAD and (scopes.programme_ids or scopes.area_ids):
        raise InputError("scope: a service lead leads services, not programmes or areas")
    if user.role == Role.COMMISSIONER and scopes.service_ids:
        raise InputError("scope: a commissioner commissions programmes or areas, not single services")
    if user.role in (Role.ADMIN, Role.REVIEWER) and scopes != Scopes():
        raise InputError(f"scope: a {user.role} has no services, programmes or areas to set")
    for model, ids, label in (
        (Service, scopes.service_ids, "service"),
        (Programme, scopes.programme_ids, "programme"),
        (Area, scopes.area_ids, "area"),
    ):
        missing = sorted(set(ids) - set(session.exec(select(model.id).where(col(model.id).in_(ids)))))
        if missing:
            raise InputError(f"{label}: {missing} do not exist")
    before = scopes_of(session, user_id)
    if before == scopes:
        return before
    session.exec(delete(UserScope).where(col(UserScope.user_id) == user_id))  # type: ignore[call-overload]
    session.add_all(UserScope(user_id=user_id, service_id=i) for i in scopes.service_ids)
    session.add_all(UserScope(user_id=user_id, programme_id=i) for i in scopes.programme_ids)
    session.add_all(UserScope(user_id=user_id, area_id=i) for i in scopes.area_ids)
    session.flush()
    record(
        session,
        actor=actor.name,
        action="set_scope",
        entity="user",
        entity_id=user_id,
        before=before.__dict__,
        after=scopes.__dict__,
    )
    return scopes


@dataclass(frozen=True)
class SignIn:
    actor: Actor | None
    message: str = ""
    credential_version: int = 0  # of the account signed in: the session keeps it


def sign_in(session: Session, *, username: str, password: str, client: str = "", now: datetime | None = None) -> SignIn:
    """Check a username and password from `client` (its IP address; empty when unknown). Failures are logged and
    returned, not raised, so they commit. A client in back-off for the username is answered before any hashing,
    with the same words whether or not an account has that username."""
    now = now or utc_now()
    name = username.strip().lower()
    wait = throttle.waiting(session, username=name, client=client, now=now)
    if wait:
        record(session, actor=name[:120] or "(blank)", action="sign_in_throttled", entity="user", entity_id=client)
        seconds = int(wait.total_seconds()) + 1
        return SignIn(None, f"Too many failed sign-ins with this username. Try again in {seconds} seconds.")
    user = session.exec(select(User).where(User.username == name)).first()
    matches = password_matches(user.password_hash if user else _UNKNOWN_USER_HASH, password)
    demo_refused = user is not None and _published_demo(user) and not instance.demo_sign_in(session).allowed
    if user is None or not matches or not user.is_active or not user.password_hash or demo_refused:
        throttle.failed(session, username=name, client=client, now=now)
        record(
            session,
            actor=name[:120] or "(blank)",
            action="sign_in_failed",
            entity="user",
            entity_id=user.id if user else "unknown",
            after={"why": "demo accounts are off beside real services"} if demo_refused and matches else None,
        )
        return SignIn(None, "The username or password is not right, or the account is switched off.")
    throttle.cleared(session, username=name, client=client)
    rehashed = {"password_hash": hash_password(password)} if _hasher.check_needs_rehash(user.password_hash) else {}
    _bookkeep(session, user.id, last_signed_in_at=now, **rehashed)
    record(session, actor=user.username, action="sign_in", entity="user", entity_id=user.id)
    return SignIn(actor_of(user), credential_version=user.credential_version)


def _bookkeep(session: Session, user_id: int | None, **values: object) -> None:
    """Sign-in bookkeeping as one UPDATE in the database, outside the account's version check: two sign-ins to one
    account at the same moment (two tabs, a shared account) both succeed instead of the second being refused as an
    edit made from a stale copy, and an admin editing the account meanwhile is not refused either."""
    session.execute(
        update(User).where(col(User.id) == user_id).values(**values), execution_options={"synchronize_session": False}
    )


def sign_in_by_email(session: Session, *, email: str) -> SignIn:
    """Single sign-on: the identity provider vouched for `email`; it must belong to an active account."""
    user = session.exec(select(User).where(func.lower(User.email) == email.strip().lower())).first()
    if user is None or not user.is_active:
        record(session, actor=email[:120], action="sign_in_failed", entity="user", entity_id="sso")
        return SignIn(None, f"No active account has the email {email}. Ask an admin to add you.")
    _bookkeep(session, user.id, last_signed_in_at=utc_now())
    record(session, actor=user.username, action="sign_in_sso", entity="user", entity_id=user.id)
    return SignIn(actor_of(user), credential_version=user.credential_version)


def current_actor(session: Session, user_id: int, credential_version: int) -> Actor | None:
    """The signed-in user as they are now: a switched-off account, a changed role, or a password changed or reset
    since this session signed in (another credential version) takes effect at once."""
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.credential_version != credential_version:
        return None
    return actor_of(user)


def actor_named(session: Session, username: str) -> Actor:
    """An active account by its username, acting as itself (for the command line's --user)."""
    user = session.exec(select(User).where(func.lower(User.username) == username.strip().lower())).first()
    if user is None or not user.is_active:
        raise InputError(f"user: there is no active account {username!r}")
    return actor_of(user)


def sign_out(session: Session, *, actor: Actor) -> None:
    record(session, actor=actor.name, action="sign_out", entity="user", entity_id=actor.user_id)


def _published_demo(user: User) -> bool:
    """A demo account whose password the sign-in page may show (an admin who resets it makes it an account like
    any other; benchmark accounts get a fresh password each run and none is shown)."""
    return user.is_demo and user.demo_password is not None


def demo_logins(session: Session) -> list[tuple[str, str, str]]:
    """(username, password, role) of the demo accounts while they may sign in (fidelity.store.instance); empty
    otherwise, and once the demo data is removed."""
    if not instance.demo_sign_in(session).allowed:
        return []
    rows = session.exec(select(User).where(User.is_demo, col(User.demo_password).is_not(None)).order_by(User.role))
    return [(u.username, u.demo_password or "", u.role) for u in rows]
