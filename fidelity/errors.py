"""What the data layer refuses, each with a message a user can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError
from sqlmodel import SQLModel

if TYPE_CHECKING:
    from fidelity.imports import Problem

Input = TypeVar("Input", bound=SQLModel)


class Refused(Exception):
    """Anything the data layer refuses with a message for the user; nothing was saved."""


class InputError(Refused, ValueError):
    """Input a user can correct; the message names the field."""


class ImportRefused(InputError):
    """A file with problems; nothing was imported. `problems` names each row and column."""

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems = problems  # the first ones (fidelity.imports keeps at most 100)
        self.total = len(problems) if total is None else total  # how many in all
        shown = "; ".join(str(p) for p in problems[:10])
        more = f"; and {self.total - len(problems[:10])} more" if self.total > 10 else ""
        super().__init__(f"nothing imported: {self.total} problem(s): {shown}{more}")


class NotFound(Refused, LookupError):
    pass


class ReviewLocked(Refused, ValueError):
    """A final review cannot change (correct it with an amendment)."""


class PermissionDenied(Refused, PermissionError):
    """The signed-in user's role or scope does not allow this; nothing was changed."""


class Conflict(Refused, RuntimeError):
    """Someone else saved the same thing first; nothing of this save was written."""


def validated(model: type[Input], data: dict[str, Any]) -> Input:
    """Validate user input into `model`, or raise InputError naming each field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            field = ".".join(str(part) for part in detail["loc"]) or "input"
            problems.append(f"{field.replace('_', ' ')}: {detail['msg'].removeprefix('Value error, ')}")
        raise InputError("; ".join(problems)) from error


def check_version(row: Any, expected_version: int | None, *, what: str) -> None:
    """Refuse a save made from a stale copy: someone else saved `row` since this user loaded it."""
    if expected_version is not None and row.version != expected_version:
        when = getattr(row, "updated_at", None)
        since = f" (at {when:%H:%M:%S} UTC)" if when else ""
        raise Conflict(
            f"{what} was changed by someone else{since} after you opened it, so your change was not saved. "
            "Your entry is still shown: check the current values and save again."
        )
