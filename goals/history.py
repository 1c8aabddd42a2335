"""Status history: a goal's and its indicators' status at every T1, T2 and full year in the data.

A period is in the trail when the data reach its end (the current year's full year appears once
the year's data are in); each status is the follow-up's own, decided by the same rules as today.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from etl.tables import Tables
from goals.model import get_model
from goals.periods import parse_period
from goals.plan import Plan
from goals.status import goal_status
from goals.views import last_data_date

#: The periods of the trail, in order within a year.
TRAIL_PERIODS: tuple[str, ...] = ("T1", "T2", "helar")

COLUMNS = ("year", "period", "indicator_id", "status")


def trail_periods(plan: Plan, tables: Tables, years: int | None = None) -> list[tuple[int, str]]:
    """(year, period) pairs the data reach the end of, oldest first; ``years`` keeps the last n years."""
    return _trail(get_model(plan, tables).years(), last_data_date(plan, tables), years)


def _trail(all_years: list[int], last: pd.Timestamp | None, years: int | None) -> list[tuple[int, str]]:
    if last is None:
        return []
    out = [(y, p) for y in all_years for p in TRAIL_PERIODS if pd.Timestamp(parse_period(y, p).end) <= last]
    if years is not None:
        keep = sorted({y for y, _ in out})[-years:]
        out = [(y, p) for y, p in out if y in keep]
    return out


def status_history(plan: Plan, tables: Tables, goal_id: str, unit: str | None = None,
                   goal_set: str = "biblioteksplan", years: int | None = None) -> pd.DataFrame:
    """One row per trail period for the goal (``indicator_id`` empty) and per indicator of it:
    ``year, period, indicator_id, status``."""
    from goals.results import FreshFollowup

    return history_of(FreshFollowup(plan, tables), goal_id, unit, goal_set=goal_set, years=years)


def history_of(source: Any, goal_id: str, unit: str | None = None, goal_set: str = "biblioteksplan",
               years: int | None = None) -> pd.DataFrame:
    """:func:`status_history` asked of a follow-up source (``goals.results``: stored or fresh)."""
    rows: list[dict] = []
    for year, period in _trail(source.years(), source.last_data_date(), years):
        fu = source.followup(year, period, unit, goal_set=goal_set, goal=goal_id)
        gs = goal_status(fu)
        status = str(gs["status"].iloc[0]) if len(gs) else "ingen_data"
        rows.append({"year": year, "period": period, "indicator_id": "", "status": status})
        rows += [{"year": year, "period": period, "indicator_id": str(r.indicator_id), "status": str(r.status)}
                 for r in fu.itertuples(index=False)]
    return pd.DataFrame(rows, columns=list(COLUMNS)).astype({"year": "int64", "period": "str",
                                                             "indicator_id": "str", "status": "str"})
