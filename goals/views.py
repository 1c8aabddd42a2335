"""The views the dashboard, the report and the CLI call: pure functions of (plan, tables, ...).

Each call takes the cached :class:`goals.model.Model` for the (plan, tables) pair, so only the first
call after a data load pays for aggregation; every later call is a slice of precomputed arrays.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from etl.tables import Tables
from goals.model import ORGANISATION, TYPE_PREFIX, Model, as_period, get_model
from goals.periods import Period, parse_period
from goals.plan import Plan

FOLLOWUP_COLUMNS: tuple[str, ...] = (
    "goal_id",
    "goal_name",
    "indicator_id",
    "indicator_name",
    "unit_id",
    "unit_name",
    "unit_type",
    "period_start",
    "period_end",
    "span",
    "value",
    "previous",
    "change",
    "change_pct",
    "change_kind",
    "target",
    "target_full_year",
    "target_kind",
    "target_change_pct",
    "tolerance_low",
    "tolerance_high",
    "status",
    "status_basis",
    "status_reason",
    "forecast",
    "forecast_low",
    "forecast_high",
    "forecast_status",
    "forecast_reason",
    "forecast_years",
    "n",
    "ci_low",
    "ci_high",
    "complete",
    "segment",
    "decimals",
    "unit_label",
    "direction",
    "note",
)

_FLOAT = {"value", "previous", "change", "change_pct", "target", "target_full_year", "target_change_pct", "tolerance_low",
          "tolerance_high", "forecast", "forecast_low", "forecast_high", "n", "ci_low", "ci_high",
          "cumulative", "cumulative_previous", "cumulative_change_pct"}


def _frame(rows: list[dict], columns: Sequence[str]) -> pd.DataFrame:
    data = {}
    for c in columns:
        vals = [r.get(c) for r in rows]
        if c in _FLOAT:
            data[c] = pd.Series(vals, dtype="float64")
        elif c == "complete":
            data[c] = pd.Series(vals, dtype="bool")
        elif c in ("decimals", "segment", "year", "month"):
            data[c] = pd.Series(vals, dtype="int64")
        else:
            data[c] = pd.Series(vals, dtype="str")
    return pd.DataFrame(data)


def unit_keys(model: Model, unit: str | Iterable[str] | None) -> list[str]:
    """Expand a unit argument: None/"ALLA" = organisation, "*" = organisation, every unit and
    every unit type; a unit id; "typ:<type>"; or a list of these."""
    if unit is None:
        return [ORGANISATION]
    items = [unit] if isinstance(unit, str) else list(unit)
    keys: list[str] = []
    for u in items:
        if u == "*":
            units = model.units()
            keys += [ORGANISATION] + list(units["unit_id"])
            keys += [TYPE_PREFIX + t for t in dict.fromkeys(units["unit_type"]) if t]
        else:
            keys.append(model.selection(u).key)
    return list(dict.fromkeys(keys))


def followup(
    plan: Plan,
    tables: Tables,
    year: int,
    period: str | Period,
    unit: str | Iterable[str] | None = None,
    goal_set: str = "biblioteksplan",
    goal: str | None = None,
) -> pd.DataFrame:
    """One row per goal × indicator × unit for the period (columns: :data:`FOLLOWUP_COLUMNS`).

    ``unit``: None or "ALLA" = the whole organisation (``unit_id`` "ALLA"); a unit id;
    ``"typ:<unit type>"``; ``"*"`` = organisation, every unit and every unit type; or a list.
    ``goal`` limits the rows to one goal (or commitment) of the goal set.
    """
    model = get_model(plan, tables)
    p = as_period(year, period)
    gs = plan.goal_set(goal_set)
    sels = [model.selection(k) for k in unit_keys(model, unit)]
    rows = []
    goals = [g for g in gs.goals if goal is None or g.id == goal]
    if goal is not None and not goals:
        raise KeyError(f"okänt mål {goal!r} i {gs.id}; kända: {', '.join(g.id for g in gs.goals)}")
    for g in goals:
        for ind_id in g.indicators:
            ind = plan.indicator(ind_id)
            for sel in sels:
                r = model.row(ind, sel, p)
                r["goal_id"] = g.id
                r["goal_name"] = g.name
                rows.append(r)
    return _frame(rows, FOLLOWUP_COLUMNS)


TREND_COLUMNS = ("year", "value", "previous", "change", "change_pct", "change_kind", "target", "target_full_year",
                 "tolerance_low", "tolerance_high", "status", "status_basis", "forecast", "forecast_low", "forecast_high", "n", "ci_low", "ci_high",
                 "complete", "segment", "note")


def trend(
    plan: Plan,
    tables: Tables,
    indicator_id: str,
    period: str,
    unit: str | None = None,
    years: Iterable[int] | None = None,
) -> pd.DataFrame:
    """The indicator for the same period over the years: ``year, value, target, status, complete,
    segment`` (+ interval and forecast columns).  ``segment`` increases at each series break:
    never draw a line across segments."""
    model = get_model(plan, tables)
    ind = plan.indicator(indicator_id)
    sel = model.selection(unit)
    ys = sorted(years) if years is not None else model.years()
    rows = []
    for y in ys:
        r = model.row(ind, sel, parse_period(y, period), latest_wave=False, truncate=False)
        r["year"] = y
        rows.append(r)
    return _frame(rows, TREND_COLUMNS)


COMPARISON_COLUMNS = ("unit_id", "unit_name", "unit_type", "span", "value", "previous", "change", "change_pct",
                      "change_kind", "target", "target_full_year", "tolerance_low", "status", "status_basis",
                      "forecast", "forecast_low", "forecast_high", "forecast_status", "n", "ci_low", "ci_high",
                      "complete", "decimals", "unit_label", "note")


def unit_comparison(plan: Plan, tables: Tables, indicator_id: str, year: int, period: str | Period) -> pd.DataFrame:
    """The indicator for every unit in the register, in register order."""
    model = get_model(plan, tables)
    ind = plan.indicator(indicator_id)
    p = as_period(year, period)
    rows = [model.row(ind, model.selection(u), p) for u in model.units()["unit_id"]]
    return _frame(rows, COMPARISON_COLUMNS)


MONTHLY_COLUMNS = ("month", "value", "previous", "cumulative", "cumulative_previous", "cumulative_change_pct")


def monthly(plan: Plan, tables: Tables, indicator_id: str, year: int, unit: str | None = None) -> pd.DataFrame:
    """Month by month: the month's value and the cumulative (year-to-date) value, each against
    the previous year.  Months after the last data date are NaN; survey indicators are all NaN."""
    model = get_model(plan, tables)
    ind = plan.indicator(indicator_id)
    sel = model.selection(unit)
    brk = model.crosses_break(ind, parse_period(year - 1, "M01").start, parse_period(year, "helar").end)
    rows = []
    for m in range(1, 13):
        row = {"month": m}
        if ind.is_survey:
            rows.append(row)
            continue
        cur = model.value(ind, sel, parse_period(year, f"M{m:02d}"))
        cum = model.value(ind, sel, parse_period(year, f"YTD{m:02d}"))
        row["value"] = cur.value if cur.complete else math.nan
        row["cumulative"] = cum.value if cum.complete else math.nan
        if brk is None:
            prev = model.value(ind, sel, parse_period(year - 1, f"M{m:02d}"))
            cprev = model.value(ind, sel, parse_period(year - 1, f"YTD{m:02d}"))
            row["previous"] = prev.value if prev.complete else math.nan
            row["cumulative_previous"] = cprev.value if cprev.complete else math.nan
            c, cp = row["cumulative"], row["cumulative_previous"]
            if not (np.isnan(c) or np.isnan(cp)) and cp != 0:
                row["cumulative_change_pct"] = (c - cp) / abs(cp) * 100
        rows.append(row)
    out = _frame(rows, MONTHLY_COLUMNS)
    return out


def units(plan: Plan, tables: Tables) -> pd.DataFrame:
    """The units values can be shown for: ``unit_id, unit_name, unit_type, district``."""
    return get_model(plan, tables).units()


def last_data_date(plan: Plan, tables: Tables) -> pd.Timestamp | None:
    """The last day with loans, visits or events data ("data t.o.m.")."""
    return get_model(plan, tables).last_data_date()


def forecast_coverage(plan: Plan, tables: Tables, year: int, period: str | Period) -> tuple[int, int, float] | None:
    """(hits, tries, stated coverage) of the forecast range in the back-test of forecasts made from
    the same months as ``period`` (a year the data ends inside: January up to the last month with
    data); None when nothing is forecast from it.  See ``goals.calibration``."""
    model = get_model(plan, tables)
    p = as_period(year, period)
    if p.is_full_year:
        last = model.last_data_date()
        if last is None or last.year != p.year or last.month == 12:
            return None
        p = parse_period(p.year, f"YTD{last.month:02d}")
    hits, tries = model.forecast_coverage(p)
    return (hits, tries, plan.forecast.coverage) if tries else None
