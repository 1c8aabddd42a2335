"""Which actions belong to a follow-up period: the rule that carries open actions forward.

An action is listed for a period when it was written in that period or earlier, and it is still
open (planerad, pågår) or it was closed (klar, stoppad) in that period or later: so an open action
from T1 appears again in T2 and next year's T1 until someone marks it done, and a done action
stays in the report of the period it was closed in.  Pure: works on the store's ``Action`` rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from goals.periods import parse_period

OPEN_STATES = ("planerad", "pagar")
STATE_LABELS: dict[str, tuple[str, str]] = {
    "planerad": ("Planerad", "Planned"), "pagar": ("Pågår", "In progress"),
    "klar": ("Klar", "Done"), "stoppad": ("Stoppad", "Stopped"),
}


def period_key(year: int, period: str) -> tuple[int, int, int]:
    """Sort key of a follow-up period: its year and last month, then its length (a month before
    the tertial that ends with it)."""
    p = parse_period(int(year), str(period))
    return p.year, p.last_month, len(p.months)


def for_period(actions: Iterable[Any], year: int, period: str) -> list[Any]:
    """The actions to list for ``year`` and ``period`` (see the module docstring), open first,
    then by due date."""
    here = period_key(year, period)
    out = []
    for a in actions:
        if period_key(a.year, a.period) > here:
            continue
        if a.state not in OPEN_STATES and period_key(a.saved_year, a.saved_period) < here:
            continue
        out.append(a)
    return sorted(out, key=lambda a: (a.state not in OPEN_STATES, a.due is None, a.due or 0, a.action_id))


def state_label(state: str, lang: str = "sv") -> str:
    pair = STATE_LABELS.get(state)
    return pair[1 if lang == "en" else 0] if pair else state
