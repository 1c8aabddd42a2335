"""Why a goal has its status: its indicators ordered worst first, with how far each is from target.

Pure numbers on ``goals.followup`` rows; the words are in ``report.explain``.  An indicator is
judged on its year-end forecast against the full-year target when ``status_basis`` is
``prognos``, else on the period's value against the period's target; ``shortfall_pct`` is how far
that judged value falls short of the target, in percent of the target (negative: beyond it).
"""

from __future__ import annotations

import math

import pandas as pd

#: Worst first: the order indicators are listed in under a goal.
STATUS_RANK: dict[str, int] = {"ej_uppnatt": 0, "delvis": 1, "osakert": 2, "ingen_data": 3, "uppnatt": 4,
                               "inget_mal": 5}

#: Which indicator statuses decide a goal's status (see ``goals.status.goal_rule``).
DECIDING: dict[str, tuple[str, ...]] = {
    "ej_uppnatt": ("ej_uppnatt",),
    "delvis": ("ej_uppnatt", "delvis"),
    "ingen_data": ("osakert", "ingen_data", "inget_mal"),
    "uppnatt": ("uppnatt",),
}


def judged(row: pd.Series | dict) -> tuple[float, float]:
    """(value, target) the status was decided on."""
    if str(row.get("status_basis")) == "prognos":
        return float(row.get("forecast", math.nan)), float(row.get("target_full_year", math.nan))
    return float(row.get("value", math.nan)), float(row.get("target", math.nan))


def shortfall_pct(row: pd.Series | dict) -> float:
    """How far the judged value falls short of its target, in percent of the target (NaN: no
    target or value; negative: the target is passed)."""
    value, target = judged(row)
    if math.isnan(value) or math.isnan(target) or target == 0:
        return math.nan
    direction = str(row.get("direction") or "higher")
    if direction == "lower":
        gap = value - target
    elif direction == "closer":
        gap = abs(value - target)
    else:
        gap = target - value
    return gap / abs(target) * 100


def ranked(rows: pd.DataFrame, goal_status: str) -> pd.DataFrame:
    """A goal's follow-up rows worst first (status, then shortfall), with ``shortfall_pct`` and
    ``decides`` (True for the indicators whose status gives the goal its status)."""
    if rows.empty:
        return rows.assign(shortfall_pct=pd.Series(dtype="float64"), decides=pd.Series(dtype="bool"))
    out = rows.assign(
        shortfall_pct=[shortfall_pct(r) for _, r in rows.iterrows()],
        _rank=[STATUS_RANK.get(str(s), 5) for s in rows["status"]],
    )
    out["decides"] = out["status"].astype(str).isin(DECIDING.get(goal_status, ()))
    out["_gap"] = out["shortfall_pct"].fillna(-math.inf)
    out = out.sort_values(["_rank", "_gap"], ascending=[True, False], kind="stable")
    return out.drop(columns=["_rank", "_gap"]).reset_index(drop=True)


def deciding(rows: pd.DataFrame, goal_status: str) -> pd.DataFrame:
    """Only the indicators that decide the goal's status, worst first."""
    r = ranked(rows, goal_status)
    return r[r["decides"]].reset_index(drop=True)
