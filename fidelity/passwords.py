"""What makes a password acceptable, as the NCSC advises: no composition rules (no "one capital, one digit"), but
long enough, not one of the passwords people choose most (the 30,000 commonest in zxcvbn's list, which come from
leaked password sets), not mostly one or two characters repeated, and not containing the username. Pure."""

from __future__ import annotations

from functools import cache

MIN_LENGTH = 10
MAX_LENGTH = 200
MIN_DISTINCT = 4  # characters: "aaaaaaaaaa" and "1212121212" are guessed first


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def problem(password: str, *, username: str = "") -> str | None:
    """Why `password` is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    folded = password.casefold()
    if len(set(folded)) < MIN_DISTINCT:
        return f"uses fewer than {MIN_DISTINCT} different characters; choose one that is harder to guess"
    stem = folded.rstrip("0123456789!?.*#@$ ")
    if folded in _common() or (len(stem) >= 4 and stem in _common()):
        return "is one of the passwords people choose most often; choose one that is harder to guess"
    name = username.strip().casefold()
    if len(name) >= 3 and name in folded:
        return "must not contain your username"
    return None
