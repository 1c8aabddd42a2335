"""Checks of the callback inputs that get stored (comments, reviews, loads to undo).

A browser sends whatever it likes: a goal that does not exist, year 99999, ``"abc"`` as a year,
5 MB of text.  Every callback that writes passes its inputs through these first; a bad one raises
:class:`BadInput`, which the app answers with ``400`` JSON and a Swedish message (see
``dashboard.auth.hardening``), and nothing is stored.
"""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import BadRequest

from dashboard.state import PERIODS

#: Longest Analys/Åtgärder text and review comment (characters): about ten pages.
MAX_TEXT_CHARS = 20_000
#: Longest author name typed in local mode.
MAX_NAME_CHARS = 200


class BadInput(BadRequest):
    """A callback input that must not be stored; ``description`` is Swedish."""

    def __init__(self, message: str):
        super().__init__(description=f"Felaktig förfrågan: {message}.")


def checked_int(value: Any, what: str) -> int:
    """An integer, given as a number or digits; not a bool, a float with decimals or text."""
    if isinstance(value, bool):
        raise BadInput(f"{what} ska vara ett heltal")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise BadInput(f"{what} ska vara ett heltal, inte {str(value)[:40]!r}")


def checked_text(value: Any, what: str, limit: int = MAX_TEXT_CHARS) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"{what} ska vara text")
    if len(value) > limit:
        raise BadInput(f"{what} är för lång ({_int_sv(len(value))} tecken, högst {_int_sv(limit)})")
    return value


def _int_sv(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def checked_view(ds: Any, goal: Any, year: Any, period: Any, unit: Any) -> tuple[str, int, str, str | None]:
    """(goal, year, period, unit) when each exists: a goal of the plan, a year with data (or the
    default view's year), a period code, a unit of the register or ``None`` (the whole library)."""
    goal_ids = {g.id for g in ds.plan().goals}
    if not isinstance(goal, str) or goal not in goal_ids:
        raise BadInput(f"målet {str(goal)[:40]!r} finns inte")
    year = checked_int(year, "året")
    if year not in set(ds.years()) | {ds.default_view()[0]}:
        raise BadInput(f"det finns inga data för år {year}")
    if not isinstance(period, str) or period not in PERIODS:
        raise BadInput(f"perioden {str(period)[:40]!r} finns inte")
    if unit in (None, "", "ALLA"):
        unit = None
    elif not isinstance(unit, str) or unit not in set(ds.units()["unit_id"].astype(str)):
        raise BadInput(f"enheten {str(unit)[:40]!r} finns inte")
    return goal, year, period, unit


__all__ = ["MAX_NAME_CHARS", "MAX_TEXT_CHARS", "BadInput", "checked_int", "checked_text", "checked_view"]
