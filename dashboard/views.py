"""View models: the small reshaping of ``goals`` output that pages and downloads share.

Pure functions on DataFrames and the plan, so callbacks stay thin (read inputs, call these or
``goals``, call a figure builder) and the reshaping is tested without a browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dashboard.theme import GOAL_STATUSES

GOAL_SET = "biblioteksplan"


@dataclass(frozen=True)
class GoalInfo:
    id: str
    number: int  # 1-based position in the plan
    name: str
    description: str
    indicators: tuple[str, ...]


def goal_list(plan: Any, goal_set: str = GOAL_SET) -> list[GoalInfo]:
    """The goals in plan order with their indicators (the first is the goal's key indicator)."""
    return [
        GoalInfo(g.id, i + 1, g.name, g.description, tuple(g.indicators))
        for i, g in enumerate(plan.goal_set(goal_set).goals)
    ]


def find_goal(plan: Any, goal_id: str | None) -> GoalInfo:
    """The goal with ``goal_id``, or the first goal when it is None or unknown."""
    goals = goal_list(plan)
    return next((g for g in goals if g.id == goal_id), goals[0])


def neighbour_goal(plan: Any, goal_id: str | None, step: int) -> str:
    """The id of the goal ``step`` places after ``goal_id`` (wrapping round)."""
    goals = goal_list(plan)
    ids = [g.id for g in goals]
    index = ids.index(goal_id) if goal_id in ids else 0
    return ids[(index + step) % len(ids)]


def status_counts(goal_status_df: pd.DataFrame) -> dict[str, int]:
    """How many goals have each status: ``{"uppnatt": 3, "delvis": 2, ...}`` (all four keys)."""
    counts = goal_status_df["status"].astype(str).value_counts() if len(goal_status_df) else pd.Series()
    return {s: int(counts.get(s, 0)) for s in GOAL_STATUSES}


def goal_rows(followup_df: pd.DataFrame, goal_id: str, indicator_order: tuple[str, ...] = ()) -> pd.DataFrame:
    """The follow-up rows of one goal, in the plan's indicator order."""
    rows = followup_df[followup_df["goal_id"] == goal_id]
    if indicator_order:
        position = {ind: i for i, ind in enumerate(indicator_order)}
        ids = rows["indicator_id"].tolist()
        rows = rows.iloc[sorted(range(len(ids)), key=lambda i: position.get(ids[i], len(position)))]
    return rows.reset_index(drop=True)


def key_row(followup_df: pd.DataFrame, goal: GoalInfo) -> pd.Series | None:
    """The key indicator's follow-up row of a goal (the first indicator with a value, else the first)."""
    rows = goal_rows(followup_df, goal.id, goal.indicators)
    if not len(rows):
        return None
    with_value = rows[rows["value"].notna()]
    return (with_value if len(with_value) else rows).iloc[0]


def unit_profile(unit_df: pd.DataFrame, org_df: pd.DataFrame, plan: Any = None) -> pd.DataFrame:
    """One unit's indicators next to the whole organisation's: the Enheter page's table.

    Columns: goal_id, goal_name, indicator_id, indicator_name, value, org_value, diff_pct (unit
    against the organisation, relative, in percent), target, status, decimals, unit_label, note.
    With ``plan``, ``diff_pct`` is left empty where a relative difference says nothing: counts that
    add up over units (see :func:`compare_with_organisation`) and percentage indicators (whose
    difference is in procentenheter; the two values stand side by side).
    """
    keep = ["goal_id", "goal_name", "indicator_id", "indicator_name", "value", "target", "status",
            "decimals", "unit_label", "note"]  # fmt: skip
    unit = unit_df[keep]
    org = org_df[["goal_id", "indicator_id", "value"]].rename(columns={"value": "org_value"})
    out = unit.merge(org, on=["goal_id", "indicator_id"], how="left")
    out["diff_pct"] = (out["value"] / out["org_value"] - 1) * 100
    out.loc[out["org_value"].fillna(0) == 0, "diff_pct"] = float("nan")
    if plan is not None:
        skip = {i.id for i in plan.indicators if not compare_with_organisation(i) or i.is_percentage}
        out.loc[out["indicator_id"].isin(skip), "diff_pct"] = float("nan")
    return out[["goal_id", "goal_name", "indicator_id", "indicator_name", "value", "org_value", "diff_pct",
                "target", "status", "decimals", "unit_label", "note"]]  # fmt: skip


def per_capita_indicators(plan: Any) -> list[Any]:
    """Indicators divided by a catchment population (comparable between units)."""
    return [i for i in plan.indicators if i.is_per_capita]


def monthly_table(monthly_df: pd.DataFrame, year: int) -> pd.DataFrame:
    """The month-by-month table: this year, last year, cumulative both, cumulative change."""
    return monthly_df[
        ["month", "value", "previous", "cumulative", "cumulative_previous", "cumulative_change_pct"]
    ].reset_index(drop=True)


def trend_period(indicator: Any, period: str) -> str:
    """The period the trend chart shows: full years for indicators that accumulate over the year
    (a year-to-date value is not comparable with an annual target), else the chosen period."""
    return "helar" if indicator.grows_with_time else period


def trend_frame(trend_df: pd.DataFrame, year: int, followup_row: pd.Series | None) -> pd.DataFrame:
    """The trend to draw: incomplete years lose their partial value; the chosen year gets the
    full-year forecast (and range) of its follow-up row instead, when there is one.

    ``trend_df``: ``goals.trend`` output; ``followup_row``: the indicator's ``goals.followup`` row
    for the chosen year and period (its ``forecast`` is the expected full-year value)."""
    out = trend_df.copy()
    for col in ("forecast", "forecast_low", "forecast_high"):
        out[col] = float("nan")
    partial = ~out["complete"].fillna(True).astype(bool)
    out.loc[partial, "value"] = float("nan")
    if followup_row is not None and not pd.isna(followup_row.get("forecast")):
        mask = (out["year"] == year) & partial
        for col in ("forecast", "forecast_low", "forecast_high"):
            out.loc[mask, col] = followup_row.get(col)
    return out


def loads_table(loads_df: pd.DataFrame) -> pd.DataFrame:
    """The load history for the Data page, newest first: started_at, user, files (names), n_files,
    rows_added, rows_replaced."""
    cols = ["started_at", "user", "files", "n_files", "rows_added", "rows_replaced"]
    if not len(loads_df):
        return pd.DataFrame(columns=cols)
    files = [list(f) if isinstance(f, list) else [] for f in loads_df["files"]]
    out = pd.DataFrame({
        "started_at": pd.to_datetime(loads_df["started_at"]).dt.strftime("%Y-%m-%d %H:%M"),
        "user": loads_df["user"].astype(str),
        "files": [", ".join(str(x.get("file", "")) for x in f) for f in files],
        "n_files": [len(f) for f in files],
        "rows_added": loads_df["rows_added"],
        "rows_replaced": loads_df["rows_replaced"],
    })  # fmt: skip
    return out.iloc[::-1].reset_index(drop=True)


def status_table(status_df: pd.DataFrame, units_df: pd.DataFrame, kind_label: Callable[[str], str]) -> pd.DataFrame:
    """``Store.status()`` for display: kind labels, unit names, dates as ``YYYY-MM-DD`` and the last
    load as ``YYYY-MM-DD HH:MM``."""
    if not len(status_df):
        return status_df
    names = dict(zip(units_df["unit_id"].astype(str), units_df["name"].astype(str)))

    def stamp(values: pd.Series, fmt: str) -> list[str | None]:
        return [None if pd.isna(v) else pd.Timestamp(v).strftime(fmt) for v in values]

    return status_df.assign(
        kind=[kind_label(str(k)) for k in status_df["kind"]],
        unit_name=[names.get(str(u), "" if pd.isna(u) else str(u)) for u in status_df["unit_id"]],
        first_period=stamp(status_df["first_period"], "%Y-%m-%d"),
        last_period=stamp(status_df["last_period"], "%Y-%m-%d"),
        last_load=stamp(status_df["last_load"], "%Y-%m-%d %H:%M"),
    )


# --------------------------------------------------------------------------- targets and forecasts
_WORDS = {
    "target": {"sv": "mål", "en": "target"},
    "forecast": {"sv": "prognos helår", "en": "full-year forecast"},
    "full_target": {"sv": "helårsmål", "en": "full-year target"},
    "on_forecast": {"sv": "status mot helårsprognosen", "en": "status on the full-year forecast"},
}


def word(key: str, lang: str = "sv") -> str:
    """A short label used next to targets and forecasts (``mål``, ``prognos helår``, ``helårsmål``)."""
    return _WORDS[key]["en" if lang == "en" else "sv"]


def _get(row: Any, key: str) -> Any:
    try:
        return row.get(key)
    except AttributeError:
        return row[key] if key in row else None


def _span(row: Any) -> str:
    """The months the row covers, for labels (``jan–aug``); empty for the whole year."""
    span = _get(row, "span")
    return "" if span in (None, "", "jan–dec") or pd.isna(span) else str(span)


@dataclass(frozen=True)
class TargetText:
    """What to print next to an indicator's value: the period's target, and the full-year
    forecast next to the full-year target.  ``status_on_forecast``: the status was judged on the
    forecast (an annual level at a part-year period), so the forecast line carries the status."""

    period: str  # "mål jan–aug 248" or ""
    forecast: str  # "prognos helår 382 (343–422) · helårsmål 372" or ""
    status_on_forecast: bool

    def joined(self) -> str:
        return " · ".join(x for x in (self.period, self.forecast) if x)


def target_text(row: Any, lang: str = "sv", with_range: bool = False) -> TargetText:
    """Labelled target and forecast texts of a ``goals.followup`` (or ``unit_comparison``) row:
    the period value goes with the period target, the forecast with the full-year target."""
    from dashboard.formatting import fmt_range, fmt_value, is_missing

    decimals = int(_get(row, "decimals")) if not is_missing(_get(row, "decimals")) else 1
    unit_label = str(_get(row, "unit_label") or "")
    period = ""
    if not is_missing(_get(row, "target")):
        span = _span(row)
        label = f"{word('target', lang)} {span}".strip()
        period = f"{label} {fmt_value(_get(row, 'target'), decimals, unit_label, lang)}"
    forecast = ""
    if not is_missing(_get(row, "forecast")):
        forecast = f"{word('forecast', lang)} {fmt_value(_get(row, 'forecast'), decimals, unit_label, lang)}"
        if with_range:
            rng = fmt_range(_get(row, "forecast_low"), _get(row, "forecast_high"), decimals, unit_label, lang)
            forecast += f" ({rng})" if rng else ""
        if not is_missing(_get(row, "target_full_year")):
            forecast += f" · {word('full_target', lang)} {fmt_value(_get(row, 'target_full_year'), decimals, unit_label, lang)}"
    on_forecast = str(_get(row, "status_basis") or "") == "prognos"
    return TargetText(period, forecast, on_forecast)


def change_text(row: Any, lang: str = "sv", long: bool = False) -> str:
    """The change on last year of a follow-up row: procentenheter for percentages, else percent."""
    from dashboard.formatting import fmt_change, is_missing

    kind = str(_get(row, "change_kind") or "pct")
    if is_missing(_get(row, "change")) and is_missing(_get(row, "change_pct")):
        return ""
    return fmt_change(_get(row, "change"), _get(row, "change_pct"), kind, lang, long)


def compare_with_organisation(indicator: Any) -> bool:
    """May a unit's value be set against the whole library's (``Skillnad mot hela biblioteket``)?

    Only for rates, per-capita values, shares, means and survey results.  Counts and sums that add
    up over units (loans, events, hours per week) are parts of the whole: a district library always
    has a small fraction of the organisation's total, and "−92 %" says nothing."""
    return not indicator.adds_up_over_units


def difference_with_organisation(value: Any, org_value: Any, indicator: Any) -> tuple[float, str]:
    """``(difference, kind)`` of a unit against the organisation: ``pp`` (procentenheter) for
    percentage indicators, ``pct`` (relative, in percent) for other rates; NaN when
    :func:`compare_with_organisation` says no or a value is missing."""
    nan = float("nan")
    if not compare_with_organisation(indicator) or pd.isna(value) or pd.isna(org_value):
        return nan, ""
    if indicator.is_percentage:
        return float(value) - float(org_value), "pp"
    if float(org_value) == 0:
        return nan, ""
    return (float(value) / float(org_value) - 1) * 100, "pct"


def unfinished_note(followup_df: pd.DataFrame, year: int, period: str, last_data: Any, lang: str = "sv") -> str:
    """`` (ofullständig: jan–okt, data t.o.m. 2026-10-31)`` when the chosen period is followed up
    year to date because the data ends inside it (helår 2026 with data through October); empty
    otherwise."""
    from goals import parse_period

    if not len(followup_df) or "period_end" not in followup_df or last_data is None:
        return ""
    p = parse_period(int(year), str(period))
    ends = {str(e) for e in followup_df["period_end"].dropna()}
    # same year only: a survey row showing last year's wave is not a shorter period
    shorter = sorted(e for e in ends if e.startswith(f"{p.year}-") and e < p.end.isoformat())
    if not shorter:
        return ""
    rows = followup_df[followup_df["period_end"].astype(str) == shorter[-1]]
    span = str(rows["span"].iloc[0])
    date = pd.Timestamp(last_data).strftime("%Y-%m-%d")
    if lang == "en":
        return f" (incomplete: {span}, data up to {date})"
    return f" (ofullständig: {span}, data t.o.m. {date})"


def drawn_status(row: Any) -> str:
    """The status of the point a small trend draws for the chosen year: the forecast's status when
    a full-year forecast is drawn (``forecast_status``), else the row's status."""
    fstatus = _get(row, "forecast_status")
    if _get(row, "forecast") is not None and not pd.isna(_get(row, "forecast")) and fstatus:
        return str(fstatus)
    return str(_get(row, "status") or "ingen_data")
