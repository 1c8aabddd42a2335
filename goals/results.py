"""The whole follow-up computed at once, as a few long frames, and every view as a filter of them.

:func:`compute` evaluates every indicator of the plan for the organisation, every unit and every
unit type, in every year with data and every period code (T1, T2, helår, Q1–Q4, M01–M12), and
returns it as named *parts* (``dict[str, DataFrame]``), small enough to store and read one at a time:

- ``rows/<year>/<period>``: one follow-up row per indicator × selection (the columns of
  ``goals.followup`` without the goal, plus ``year`` and ``period``);
- ``raw/<year>/<period>``: the rows whose trend reading differs from the follow-up reading (a
  survey without a wave that year; a period the data ends inside, which the follow-up reads as
  January up to the last month but a trend reads as it is);
- ``monthly/<year>``: month and year-to-date values per indicator × selection (``goals.monthly``);
- ``meta/units``, ``meta/selections``, ``meta/years``, ``meta/last_data_date``: what the result covers;
- ``meta/coverage``: the forecast back-test's (hits, tries, stated coverage) per year and period
  (``goals.forecast_coverage``).

:class:`Followup` answers ``followup``, ``trend``, ``unit_comparison`` and ``monthly`` from parts
plus ``forecast_coverage`` and ``status_history`` from parts (fetched by a callable, so they can
live in memory or in the store); its answers equal the ``goals.views`` functions on the same plan and
tables (``tests/test_stored.py``).  :class:`FreshFollowup` asks the same questions of the tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from etl.tables import Tables
from goals.model import ORGANISATION, TYPE_PREFIX, Model, get_model
from goals.periods import PERIOD_CODES, parse_period
from goals.plan import Plan
from goals.views import (
    _FLOAT,
    COMPARISON_COLUMNS,
    FOLLOWUP_COLUMNS,
    MONTHLY_COLUMNS,
    TREND_COLUMNS,
    _frame,
    forecast_coverage,
)

#: Columns of a stored row: the follow-up's without the goal, plus the year and period code.
ROW_COLUMNS: tuple[str, ...] = ("year", "period") + tuple(c for c in FOLLOWUP_COLUMNS if c not in ("goal_id", "goal_name"))
MONTHLY_PART_COLUMNS = ("indicator_id", "unit_id", "month", "value", "cumulative")

Fetch = Callable[[str], "pd.DataFrame | None"]


def rows_key(year: int, period: str) -> str:
    return f"rows/{year}/{period}"


def raw_key(year: int, period: str) -> str:
    return f"raw/{year}/{period}"


def monthly_key(year: int) -> str:
    return f"monthly/{year}"


def compute(plan: Plan, tables: Tables) -> dict[str, pd.DataFrame]:
    """Every part of the follow-up of ``plan`` on ``tables`` (see the module docstring)."""
    model = get_model(plan, tables)
    years = model.years()
    sels = model.all_selections
    parts: dict[str, pd.DataFrame] = {}
    rows, raw = [], []
    for year in years:
        for code in PERIOD_CODES:
            p = parse_period(year, code)
            for ind in plan.indicators:
                for sel in sels:
                    r = model.row(ind, sel, p)
                    r["year"], r["period"] = year, code
                    rows.append(r)
                    if _trend_differs(model, ind, sel, p):
                        t = model.row(ind, sel, p, latest_wave=False, truncate=False)
                        t["year"], t["period"] = year, code
                        raw.append(t)
        parts[monthly_key(year)] = _monthly_part(model, plan, year)
    # one frame for all rows, split per year and period (a frame per part costs more than its rows)
    for key_of, frame in ((rows_key, _frame(rows, ROW_COLUMNS)), (raw_key, _frame(raw, ROW_COLUMNS))):
        for (year, code), part in frame.groupby(["year", "period"], sort=False):
            parts[key_of(int(year), str(code))] = part.reset_index(drop=True)
    units = model.units()
    parts["meta/units"] = units
    parts["meta/selections"] = pd.DataFrame({
        "key": pd.array([s.key for s in sels], dtype="str"),
        "type": pd.array([s.type for s in sels], dtype="str"),
    })
    last = model.last_data_date()
    parts["meta/years"] = pd.DataFrame({"year": pd.array(years, dtype="int64")})
    parts["meta/last_data_date"] = pd.DataFrame({"date": pd.Series([last], dtype="datetime64[s]")})
    cov = [(y, code, *c) for y in years for code in PERIOD_CODES
           if (c := forecast_coverage(plan, tables, y, code)) is not None]
    parts["meta/coverage"] = pd.DataFrame({
        "year": pd.array([c[0] for c in cov], dtype="int64"),
        "period": pd.array([c[1] for c in cov], dtype="str"),
        "hits": pd.array([c[2] for c in cov], dtype="int64"),
        "tries": pd.array([c[3] for c in cov], dtype="int64"),
        "coverage": pd.array([c[4] for c in cov], dtype="float64"),
    })
    return parts


def _trend_differs(model: Model, ind: Any, sel: Any, p: Any) -> bool:
    """Does ``row(latest_wave=False, truncate=False)`` differ from ``row()`` here?"""
    if ind.is_survey:
        return not model.value(ind, sel, p).has_data
    return model.effective_period(ind, p) != p


def _monthly_part(model: Model, plan: Plan, year: int) -> pd.DataFrame:
    ind_ids, unit_ids, months, values, cumulative = [], [], [], [], []
    for ind in plan.indicators:
        if ind.is_survey:
            continue
        for m in range(1, 13):
            cur_p, cum_p = parse_period(year, f"M{m:02d}"), parse_period(year, f"YTD{m:02d}")
            for sel in model.all_selections:
                cur, cum = model.value(ind, sel, cur_p), model.value(ind, sel, cum_p)
                ind_ids.append(ind.id)
                unit_ids.append(sel.key)
                months.append(m)
                values.append(cur.value if cur.complete else math.nan)
                cumulative.append(cum.value if cum.complete else math.nan)
    return pd.DataFrame({
        "indicator_id": pd.array(ind_ids, dtype="str"),
        "unit_id": pd.array(unit_ids, dtype="str"),
        "month": np.asarray(months, dtype="int64"),
        "value": np.asarray(values, dtype="float64"),
        "cumulative": np.asarray(cumulative, dtype="float64"),
    })


class Followup:
    """The follow-up views answered from stored parts (``fetch(key)`` returns a part or None)."""

    def __init__(self, plan: Plan, fetch: Fetch):
        self.plan = plan
        self._fetch = fetch
        self._positions: dict[str, dict[tuple[str, str], int]] = {}
        self._arrays: dict[str, dict[str, Any]] = {}

    def _position(self, key: str, part: pd.DataFrame, indicator_id: str, unit: str) -> int | None:
        """Row position of (indicator, selection) in a part (a dict per part, built once)."""
        pos = self._positions.get(key)
        if pos is None:
            pos = {k: i for i, k in enumerate(zip(part["indicator_id"].tolist(), part["unit_id"].tolist()))}
            self._positions[key] = pos
        return pos.get((indicator_id, unit))

    def part(self, key: str) -> pd.DataFrame | None:
        return self._fetch(key)

    # ------------------------------------------------------------------ meta
    def units(self) -> pd.DataFrame:
        """``unit_id, unit_name, unit_type, district`` (as ``goals.units``)."""
        units = self.part("meta/units")
        return units.copy() if units is not None else pd.DataFrame(columns=["unit_id", "unit_name", "unit_type", "district"])

    def years(self) -> list[int]:
        years = self.part("meta/years")
        return [] if years is None else [int(y) for y in years["year"]]

    def last_data_date(self) -> pd.Timestamp | None:
        d = self.part("meta/last_data_date")
        if d is None or not len(d) or pd.isna(d["date"].iloc[0]):
            return None
        return pd.Timestamp(d["date"].iloc[0])

    def forecast_coverage(self, year: int, period: str) -> tuple[int, int, float] | None:
        """As ``goals.forecast_coverage``."""
        cov = self.part("meta/coverage")
        code = parse_period(year, period).code
        if cov is None:
            return None
        hit = cov[(cov["year"] == year) & (cov["period"] == code)]
        if not len(hit):
            return None
        r = hit.iloc[0]
        return int(r["hits"]), int(r["tries"]), float(r["coverage"])

    def status_history(self, goal_id: str, unit: str | None = None, goal_set: str = "biblioteksplan",
                       years: int | None = None) -> pd.DataFrame:
        """As ``goals.history.status_history``."""
        from goals.history import history_of

        return history_of(self, goal_id, unit, goal_set=goal_set, years=years)

    def unit_keys(self, unit: str | Iterable[str] | None) -> list[str]:
        """As ``goals.views.unit_keys``: None/"ALLA", "*", a unit id, "typ:<type>" or a list."""
        if unit is None:
            return [ORGANISATION]
        items = [unit] if isinstance(unit, str) else list(unit)
        keys: list[str] = []
        for u in items:
            if u == "*":
                units = self.units()
                keys += [ORGANISATION] + list(units["unit_id"])
                keys += [TYPE_PREFIX + t for t in dict.fromkeys(units["unit_type"]) if t]
            else:
                keys.append(self.selection_key(u))
        return list(dict.fromkeys(keys))

    def selection_key(self, key: str | None) -> str:
        """The normalised selection key; KeyError (Swedish) for an unknown unit or unit type."""
        key = ORGANISATION if key is None or str(key).upper() == ORGANISATION else str(key)
        sels = self.part("meta/selections")
        known = set(sels["key"]) if sels is not None else {ORGANISATION}
        if key in known:
            return key
        if key.startswith(TYPE_PREFIX):
            types = sorted({t for t in sels["type"] if t}) if sels is not None else []
            raise KeyError(f"okänd enhetstyp {key[len(TYPE_PREFIX):]!r}; kända: {', '.join(types)}")
        raise KeyError(f"okänd enhet {key!r}; kända enheter: {', '.join(self.units()['unit_id'])}")

    # ------------------------------------------------------------------ rows
    def _rows(self, year: int, code: str) -> pd.DataFrame | None:
        return self.part(rows_key(year, code))

    def _trend_row(self, indicator_id: str, key: str, year: int, code: str) -> tuple[str, int] | None:
        """Where the row a trend shows for one year is (part key, position): the trend reading
        where it differs, else the follow-up row."""
        for part_key in (raw_key(year, code), rows_key(year, code)):
            part = self.part(part_key)
            if part is not None and len(part):
                i = self._position(part_key, part, indicator_id, key)
                if i is not None:
                    return part_key, i
        return None

    def _column(self, part_key: str, column: str) -> Any:
        """A part's column as an array (kept per part: a trend picks one value from each of many parts)."""
        arrays = self._arrays.setdefault(part_key, {})
        if column not in arrays:
            part = self.part(part_key)
            assert part is not None
            arrays[column] = part[column].to_numpy()
        return arrays[column]

    @staticmethod
    def _pick(rows: pd.DataFrame | None, wanted: pd.DataFrame) -> pd.DataFrame:
        """``wanted`` (indicator_id, unit_id, ...) joined with ``rows`` in ``wanted``'s order."""
        if rows is None:
            rows = pd.DataFrame({c: pd.Series(dtype="str") for c in ROW_COLUMNS})
        return wanted.merge(rows, on=["indicator_id", "unit_id"], how="inner", sort=False)

    def followup(self, year: int, period: str, unit: str | Iterable[str] | None = None,
                 goal_set: str = "biblioteksplan", goal: str | None = None) -> pd.DataFrame:
        """As ``goals.followup``: one row per goal × indicator × unit (``FOLLOWUP_COLUMNS``)."""
        p = parse_period(year, period)
        gs = self.plan.goal_set(goal_set)
        keys = self.unit_keys(unit)
        goals = [g for g in gs.goals if goal is None or g.id == goal]
        if goal is not None and not goals:
            raise KeyError(f"okänt mål {goal!r} i {gs.id}; kända: {', '.join(g.id for g in gs.goals)}")
        pairs = [(g.id, g.name, ind, k) for g in goals for ind in g.indicators for k in keys]
        wanted = pd.DataFrame(pairs, columns=["goal_id", "goal_name", "indicator_id", "unit_id"], dtype="str")
        out = self._pick(self._rows(year, p.code), wanted)
        return _conform(out, FOLLOWUP_COLUMNS)

    def unit_comparison(self, indicator_id: str, year: int, period: str) -> pd.DataFrame:
        """As ``goals.unit_comparison``: every unit of the register, in register order."""
        self.plan.indicator(indicator_id)
        p = parse_period(year, period)
        wanted = pd.DataFrame({"indicator_id": indicator_id, "unit_id": self.units()["unit_id"]}, dtype="str")
        return _conform(self._pick(self._rows(year, p.code), wanted), COMPARISON_COLUMNS)

    def trend(self, indicator_id: str, period: str, unit: str | None = None,
              years: Iterable[int] | None = None) -> pd.DataFrame:
        """As ``goals.trend``: the indicator for the same period over the years."""
        self.plan.indicator(indicator_id)
        key = self.selection_key(unit)
        ys = sorted(years) if years is not None else self.years()
        code = parse_period(ys[0] if ys else 2000, period).code
        at = [r for y in ys if (r := self._trend_row(indicator_id, key, y, code)) is not None]
        return pd.DataFrame({c: pd.Series([self._column(k, c)[i] for k, i in at], dtype=_dtype(c))
                             for c in TREND_COLUMNS})

    def monthly(self, indicator_id: str, year: int, unit: str | None = None) -> pd.DataFrame:
        """As ``goals.monthly``: month by month this year and last year, and year to date."""
        ind = self.plan.indicator(indicator_id)
        key = self.selection_key(unit)
        out = pd.DataFrame({"month": np.arange(1, 13, dtype="int64")})
        if ind.is_survey:
            return _conform(out, MONTHLY_COLUMNS)

        def months(y: int) -> pd.DataFrame:
            part = self.part(monthly_key(y))
            if part is None:
                return pd.DataFrame({"month": np.arange(1, 13), "value": math.nan, "cumulative": math.nan})
            mine = part[(part["indicator_id"] == indicator_id) & (part["unit_id"] == key)]
            return mine[["month", "value", "cumulative"]]

        out = out.merge(months(year), on="month", how="left")
        brk = Model.crosses_break(ind, parse_period(year - 1, "M01").start, parse_period(year, "helar").end)
        if brk is None:
            prev = months(year - 1).rename(columns={"value": "previous", "cumulative": "cumulative_previous"})
            out = out.merge(prev, on="month", how="left")
            c, cp = out["cumulative"], out["cumulative_previous"]
            out["cumulative_change_pct"] = ((c - cp) / cp.abs() * 100).where(cp != 0)
        return _conform(out, MONTHLY_COLUMNS)


class FreshFollowup:
    """The same questions as :class:`Followup`, computed from the tables (``goals.views``): for
    callers holding tables rather than a stored result (tests, reports of hand-made data)."""

    def __init__(self, plan: Plan, tables: Tables):
        from goals import views

        self.plan, self.tables, self._v = plan, tables, views

    def units(self) -> pd.DataFrame:
        return self._v.units(self.plan, self.tables)

    def years(self) -> list[int]:
        return get_model(self.plan, self.tables).years()

    def forecast_coverage(self, year: int, period: str) -> tuple[int, int, float] | None:
        return self._v.forecast_coverage(self.plan, self.tables, year, period)

    def status_history(self, goal_id: str, unit: str | None = None, goal_set: str = "biblioteksplan",
                       years: int | None = None) -> pd.DataFrame:
        from goals.history import history_of

        return history_of(self, goal_id, unit, goal_set=goal_set, years=years)

    def last_data_date(self) -> pd.Timestamp | None:
        return self._v.last_data_date(self.plan, self.tables)

    def followup(self, year: int, period: str, unit: Any = None, goal_set: str = "biblioteksplan",
                 goal: str | None = None) -> pd.DataFrame:
        return self._v.followup(self.plan, self.tables, year, period, unit=unit, goal_set=goal_set, goal=goal)

    def trend(self, indicator_id: str, period: str, unit: str | None = None, years: Any = None) -> pd.DataFrame:
        return self._v.trend(self.plan, self.tables, indicator_id, period, unit=unit, years=years)

    def unit_comparison(self, indicator_id: str, year: int, period: str) -> pd.DataFrame:
        return self._v.unit_comparison(self.plan, self.tables, indicator_id, year, period)

    def monthly(self, indicator_id: str, year: int, unit: str | None = None) -> pd.DataFrame:
        return self._v.monthly(self.plan, self.tables, indicator_id, year, unit=unit)


def source_of(plan: Plan, data: Any) -> Followup | FreshFollowup:
    """``data`` as a follow-up source: a stored :class:`Followup` as it is, tables wrapped."""
    return data if isinstance(data, (Followup, FreshFollowup)) else FreshFollowup(plan, data)


def _dtype(column: str) -> str:
    """The dtype ``goals.views`` gives a column."""
    if column in _FLOAT:
        return "float64"
    if column == "complete":
        return "bool"
    if column in ("decimals", "segment", "year", "month"):
        return "int64"
    return "str"


def _conform(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """``df`` with exactly ``columns`` in the dtypes of ``goals.views`` (missing ones empty)."""
    data = {}
    for c in columns:
        dtype = _dtype(c)
        if c in df:
            s = df[c].reset_index(drop=True)
            data[c] = s if str(s.dtype) == dtype else s.astype(dtype)
        else:
            data[c] = pd.Series([None] * len(df), dtype="float64" if dtype == "float64" else "str")
    return pd.DataFrame(data)
