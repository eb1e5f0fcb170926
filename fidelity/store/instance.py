"""Settings of this instance that an admin switches, kept in the appsetting table. Today one: whether the demo
accounts (whose passwords the sign-in page shows) may sign in while real services exist beside the demo ones."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from fidelity.models import Service, utc_now
from fidelity.security_models import AppSetting
from fidelity.store.access import Actor, require_admin
from fidelity.store.audit import record

DEMO_SIGN_IN = "demo_sign_in"


@dataclass(frozen=True)
class DemoSignIn:
    real_services: int  # services that are not demo data
    switched_on: bool  # an admin let the demo accounts sign in beside real services

    @property
    def allowed(self) -> bool:
        """Demo accounts sign in (and their passwords are shown) while only demo services exist, or once an admin
        switched it on."""
        return self.real_services == 0 or self.switched_on


def demo_sign_in(session: Session) -> DemoSignIn:
    real = session.exec(select(func.count()).select_from(Service).where(Service.is_demo == False)).one()  # noqa: E712
    setting = session.get(AppSetting, DEMO_SIGN_IN)
    return DemoSignIn(int(real), setting is not None and setting.value == "on")


def set_demo_sign_in(session: Session, *, actor: Actor, on: bool) -> None:
    require_admin(actor, "let the demo accounts sign in")
    setting = session.get(AppSetting, DEMO_SIGN_IN)
    before = {"value": setting.value} if setting else None
    setting = setting or AppSetting(key=DEMO_SIGN_IN, value="off", updated_by=actor.name)
    setting.value, setting.updated_by, setting.updated_at = ("on" if on else "off"), actor.name, utc_now()
    session.add(setting)
    session.flush()
    record(
        session,
        actor=actor.name,
        action="update" if before else "create",
        entity="appsetting",
        entity_id=DEMO_SIGN_IN,
        before=before,
        after={"value": setting.value},
    )
