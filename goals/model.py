"""The computed goal model: one :class:`Model` per (plan, tables), every view a cheap slice.

Building a :class:`Model` aggregates each indicator's numerator and denominator once to unit ×
month arrays (survey: unit × wave), see ``goals.measures``.  Values for any unit selection and
period are then sums over slices, memoised, so the dashboard's callbacks stay within budget.
:func:`get_model` keeps the last few models keyed by the identity of the plan and tables objects.

Units
-----
A *selection* is the whole organisation (``"ALLA"``, also ``None``), one unit (its id) or a unit
type (``"typ:stadsdelsbibliotek"``, ``"typ:huvudbibliotek"``, ``"typ:bokbuss"``).

Per-capita values need a catchment population.  District libraries have one: the population of
their district (``district`` in the unit register).  Stadsbiblioteket and the bookmobiles serve the
whole municipality and have no catchment of their own, so they get **no per-capita value** (NaN,
with the note "betjänar hela kommunen") -- dividing their use by the whole population would
understate it, and giving it to the districts would count their use twice.  The organisation's
per-capita value divides the use of *all* units by the whole population (all districts).  A unit
type gets a per-capita value only when every unit of the type has a district.  Population is taken
for the period's year (reference date 31 December); when that year is missing, the latest earlier
year is used and noted.

Completeness
------------
A period is *incomplete* for an indicator when the data of its table ends before the period ends,
or (loans, visits) a unit lacks a month inside the period while it has data before and has data for
that calendar month in other years (a gap, or a unit whose export stopped; a bookmobile that never
runs in July is not missing July).  Incomplete periods get ``complete = False``, a
note naming what is missing, no comparison with last year and status ``ingen_data``: they are never
silently compared.  A period from January that the data ends inside (helår 2026 with data through
October) is not treated as incomplete but followed up year to date through the last month with data
(:meth:`Model.effective_period`): compared with the same months last year (``span`` "jan–okt",
``period_start``/``period_end``), judged like a part-year period and noted "ofullständig: data
t.o.m. 2026-10-31".  A unit missing a month inside those months still makes it incomplete.  Survey indicators are complete when the year's wave has answers; when the
period's year has no wave yet, the follow-up shows the previous year's wave (value, comparison and
that year's target) with the note "senaste enkät …" (trends never do).

Forecast (helårsprognos)
------------------------
Only indicators whose value accumulates over the year (sums and counts, also per inhabitant:
``Indicator.grows_with_time``) are forecast; shares, means, survey results, hours per week and
ratios of two flows over the same period are not.  For a period shorter than the year (T1, T2,
quarters, months, year to date), and for a year whose data ends early (forecast from January up to
the last month with data), the full-year value is forecast as ``value × r``, where ``r`` is the median over earlier comparable years of
``full-year value / value of the same period``: the seasonal profile.  Comparable years are the
latest ``forecast.years`` (default 3) earlier years whose period and full year are complete, that
lie in the same series segment (no definition change since), and that are not in
``forecast.exclude_years`` (default 2020 and 2021: the pandemic closures turned the seasonal profile
upside down).  The range is ``value × (median(r) ± spread)``, ``spread`` = max(r) − min(r) of
those years (at least 1 % of the median).  With three years the spread of the ratios is about 1.7
standard deviations, so for a stable seasonal profile the range should hold the outcome about nine
times out of ten; in the sample's back-test (T2 2023–2025, whole organisation, where only two
comparable years exist for 2023) it held 82 % of the time with a median error of 1.4 %.  Survey
indicators have no forecast (the yearly wave is the year's value).

Targets in a follow-up row
--------------------------
``target`` is the period's target, next to the period's value: a change target is last year's
value for the same months × (1 + change); a level target is the level, except an annual level on an
accumulating indicator at a part-year period, which has no period target (``target`` empty).
``target_full_year`` is the target the full-year forecast is read against: the level, or last
year's full-year value × (1 + change).  ``status_basis`` says what ``status`` judged (``period``:
the value against ``target``; ``prognos``: the forecast against ``target_full_year``);
``forecast_status`` always judges the forecast against ``target_full_year``.  ``change_kind`` is
``pp`` for percentage indicators (``change`` in procentenheter, ``change_pct`` empty) and ``pct``
otherwise.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from etl.tables import Tables
from goals.measures import (
    MONTHLY_KINDS,
    DistinctRows,
    Grid,
    SurveyArrays,
    build_grid,
    distinct_rows,
    monthly_array,
    population_array,
    presence,
    survey_arrays,
    survey_normalised,
    TableCache,
)
from goals.periods import MONTHS_SV, Period, month_index, parse_period
from goals.plan import Indicator, Measure, Plan
from goals.status import MIN_ANSWERS, covers, judge, mean_interval, wilson

ORGANISATION = "ALLA"
ORGANISATION_NAME_SV = "Hela organisationen"
TYPE_PREFIX = "typ:"
TYPE_LABELS_SV = {"huvudbibliotek": "Huvudbibliotek", "stadsdelsbibliotek": "Stadsdelsbibliotek", "bokbuss": "Bokbussar"}

#: Kinds reported every month by every unit: a missing month makes a period incomplete.
MONTHLY_SERIES = ("loans", "visits")

NOTE_WHOLE_CITY = "betjänar hela kommunen: inget eget upptagningsområde, inget värde per invånare"


def _isnan(x: float) -> bool:
    return x != x  # NaN is the only value not equal to itself


@dataclass(frozen=True)
class Selection:
    """The units a value is computed over."""

    key: str  # "ALLA", a unit id or "typ:<type>"
    name: str
    type: str  # unit type ("" for the organisation)
    rows: np.ndarray = field(compare=False, hash=False)  # row indices in the grid
    whole: bool = False  # the whole organisation

    @property
    def index(self) -> slice | np.ndarray:
        """``rows`` as a slice when they are contiguous (a view, no copy when summing)."""
        r = self.rows
        if len(r) and r[-1] - r[0] + 1 == len(r):
            return slice(int(r[0]), int(r[-1]) + 1)
        return r


@dataclass
class Value:
    """One indicator for one selection and period, before targets."""

    value: float = math.nan
    n: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    complete: bool = False
    has_data: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class Forecast:
    value: float = math.nan
    low: float = math.nan
    high: float = math.nan
    years: tuple[int, ...] = ()


@dataclass
class _Compiled:
    """An indicator's precomputed arrays."""

    kind: str  # "monthly", "distinct", "survey"
    num: np.ndarray | None = None
    distinct: DistinctRows | None = None
    survey: SurveyArrays | None = None
    den: np.ndarray | None = None  # unit × month (opening hours, measure)
    den_kind: str | None = None
    den_table: str | None = None


class Model:
    """All indicators of ``plan`` computed from ``tables``; see the module docstring."""

    def __init__(self, plan: Plan, tables: Tables):
        self.plan = plan
        self.tables = tables
        self.grid: Grid = build_grid(tables)
        g = self.grid
        units = tables.units
        reg = {str(r.unit_id): r for r in units.itertuples(index=False)} if len(units) else {}
        self.unit_names = {u: (str(reg[u].name) if u in reg else u) for u in g.unit_ids}
        self.unit_types = {u: (str(reg[u].type) if u in reg and not pd.isna(reg[u].type) else "") for u in g.unit_ids}
        self.unit_districts = {
            u: (str(reg[u].district) if u in reg and not pd.isna(reg[u].district) else None) for u in g.unit_ids
        }
        self.register_ids = [u for u in g.unit_ids if u in reg]
        pop_districts = sorted(set(tables.population["district"].astype(str))) if len(tables.population) else []
        unit_districts = sorted({d for d in self.unit_districts.values() if d is not None} - set(pop_districts))
        self.districts = pop_districts + unit_districts
        self.n_pop_districts = len(pop_districts)
        # presence and data range per monthly kind
        self.present: dict[str, np.ndarray] = {}
        self.data_first: dict[str, int | None] = {}
        self.data_last: dict[str, int | None] = {}
        self.unit_first: dict[str, np.ndarray] = {}
        self.calendar_count: dict[str, np.ndarray] = {}
        for kind in MONTHLY_KINDS:
            if kind == "opening_hours":
                oh = tables.opening_hours
                self.data_first[kind] = (
                    month_index(pd.Timestamp(oh["valid_from"].min()).year, pd.Timestamp(oh["valid_from"].min()).month)
                    if len(oh)
                    else None
                )
                self.data_last[kind] = g.m0 + g.n_months - 1 if len(oh) else None
                continue
            p = presence(g, tables, kind)
            cols = np.flatnonzero(p.any(axis=0))
            self.data_first[kind] = int(cols[0]) + g.m0 if len(cols) else None
            self.data_last[kind] = int(cols[-1]) + g.m0 if len(cols) else None
            if kind in MONTHLY_SERIES:  # events: a month without occasions is a real zero
                self.present[kind] = p
                self.unit_first[kind] = np.where(p.any(axis=1), p.argmax(axis=1), g.n_months)
                # years with data per unit and calendar month (a bookmobile that never runs in
                # July is not missing July)
                self.calendar_count[kind] = p.reshape(len(g.unit_ids), g.n_years, 12).sum(axis=1)
        self._arrays: dict[tuple, Any] = {}
        self._compiled: dict[str, _Compiled] = {}
        self._pop: dict[tuple, np.ndarray] = {}
        self._values: dict[tuple, Value] = {}
        self._forecasts: dict[tuple, Forecast] = {}
        self._ratios: dict[tuple, float | None] = {}
        self._pop_values: dict[tuple, tuple[np.ndarray, list[tuple[str, ...]]]] = {}
        self._coverage: dict[tuple, tuple[bool, np.ndarray, list[tuple[str, ...]]]] = {}
        self._selections: dict[str, Selection] = {}
        self._selection_pos: dict[str, int] = {}
        self._units: pd.DataFrame | None = None
        self._survey_norm: pd.DataFrame | None = None
        self.cache = TableCache(g, tables)
        # every selection a value can be asked for, and which units each one sums
        types = sorted({t for t in self.unit_types.values() if t})
        keys = [ORGANISATION, *g.unit_ids, *(TYPE_PREFIX + t for t in types)]
        self.all_selections: list[Selection] = [self.selection(k) for k in keys]
        self.membership = np.zeros((len(keys), len(g.unit_ids)))
        for i, sel in enumerate(self.all_selections):
            self.membership[i, sel.rows] = 1.0
            self._selection_pos[sel.key] = i
        # catchment districts per selection: the organisation has all districts in the population
        # table; a selection with a whole-city unit (no district) has no catchment population
        self.whole_city = np.zeros(len(keys), dtype=bool)
        self.district_membership = np.zeros((len(keys), len(self.districts)))
        dpos = {d: j for j, d in enumerate(self.districts)}
        for i, sel in enumerate(self.all_selections):
            if sel.whole:
                self.district_membership[i, : self.n_pop_districts] = 1.0
                continue
            ds = [self.unit_districts[g.unit_ids[r]] for r in sel.rows]
            if any(d is None for d in ds):
                self.whole_city[i] = True
            else:
                self.district_membership[i, sorted({dpos[d] for d in ds})] = 1.0
        for ind in plan.indicators:
            self.compiled(ind)

    def forget_values(self) -> None:
        """Drop every memoised value, forecast and coverage; keep the aggregated arrays."""
        for memo in (self._values, self._forecasts, self._ratios, self._pop_values, self._coverage):
            memo.clear()

    # ------------------------------------------------------------------ data range
    def last_data_date(self) -> pd.Timestamp | None:
        """The last day of the last month with loans, visits or events ("data t.o.m.")."""
        lasts = [self.data_last[k] for k in ("loans", "visits", "events") if self.data_last.get(k) is not None]
        if not lasts:
            return None
        y, m = divmod(max(lasts), 12)
        return pd.Timestamp(year=y, month=m + 1, day=1) + pd.offsets.MonthEnd(0)

    def years(self) -> list[int]:
        """Years with data (loans, visits, events or survey)."""
        ys: set[int] = set()
        for k in ("loans", "visits", "events"):
            if self.data_first.get(k) is not None:
                ys |= set(range(self.data_first[k] // 12, self.data_last[k] // 12 + 1))
        if len(self.tables.survey):
            ys |= set(int(w) for w in self.tables.survey["wave"].dropna().unique())
        return sorted(ys)

    # ------------------------------------------------------------------ selections
    def units(self) -> pd.DataFrame:
        """The units values are computed for: ``unit_id, unit_name, unit_type, district``."""
        if self._units is None:
            self._units = self._units_frame()
        return self._units.copy()

    def _units_frame(self) -> pd.DataFrame:
        ids = self.register_ids or self.grid.unit_ids
        return pd.DataFrame(
            {
                "unit_id": ids,
                "unit_name": [self.unit_names[u] for u in ids],
                "unit_type": [self.unit_types[u] for u in ids],
                "district": [self.unit_districts[u] for u in ids],
            }
        )

    def selection(self, key: str | None) -> Selection:
        key = ORGANISATION if key is None or str(key).upper() == ORGANISATION else str(key)
        if key in self._selections:
            return self._selections[key]
        g = self.grid
        if key == ORGANISATION:
            sel = Selection(key, ORGANISATION_NAME_SV, "", np.arange(len(g.unit_ids)), whole=True)
        elif key.startswith(TYPE_PREFIX):
            t = key[len(TYPE_PREFIX):]
            rows = np.array([g.uix[u] for u in g.unit_ids if self.unit_types[u] == t], dtype=np.int64)
            if not len(rows):
                known = sorted({v for v in self.unit_types.values() if v})
                raise KeyError(f"okänd enhetstyp {t!r}; kända: {', '.join(known)}")
            sel = Selection(key, TYPE_LABELS_SV.get(t, t), t, rows)
        else:
            if key not in g.uix:
                raise KeyError(f"okänd enhet {key!r}; kända enheter: {', '.join(self.register_ids or g.unit_ids)}")
            sel = Selection(key, self.unit_names[key], self.unit_types[key], np.array([g.uix[key]]))
        self._selections[key] = sel
        return sel

    # ------------------------------------------------------------------ precompute
    def _measure_array(self, m: Measure) -> Any:
        key = ("arr", m.model_dump_json())
        if key not in self._arrays:
            if m.table == "survey":
                if self._survey_norm is None:
                    self._survey_norm = survey_normalised(self.tables)
                self._arrays[key] = survey_arrays(self.grid, self._survey_norm, m)
            elif m.aggregation == "distinct":
                self._arrays[key] = distinct_rows(self.grid, self.tables, m)
            else:
                self._arrays[key] = monthly_array(self.cache, m)
        return self._arrays[key]

    def compiled(self, ind: Indicator) -> _Compiled:
        if ind.id in self._compiled:
            return self._compiled[ind.id]
        d = ind.definition
        m = d.measure
        if m.table == "survey":
            c = _Compiled("survey", survey=self._measure_array(m))
        elif m.aggregation == "distinct":
            c = _Compiled("distinct", distinct=self._measure_array(m))
        else:
            c = _Compiled("monthly", num=self._measure_array(m))
        den = d.denominator
        if den is not None:
            c.den_kind = den.kind
            if den.kind == "opening_hours":
                c.den = self._measure_array(den.hours_measure())
                c.den_table = "opening_hours"
            elif den.kind == "measure":
                assert den.measure is not None
                c.den = self._measure_array(den.measure)  # a sum or count (checked in goals.plan)
                c.den_table = den.measure.table
        self._compiled[ind.id] = c
        return c

    def population(self, age_from: int, age_to: int | None, sel: Selection, year: int) -> tuple[float, list[str]]:
        """Catchment population of ``sel`` in the age band for ``year`` (see the module docstring)."""
        values, notes = self._population_batch(age_from, age_to, year)
        i = self._selection_pos[sel.key]
        return float(values[i]), list(notes[i])

    def _population_batch(self, age_from: int, age_to: int | None, year: int) -> tuple[np.ndarray, list[tuple[str, ...]]]:
        """Population per selection (NaN for whole-city units) and notes, memoised."""
        memo = (age_from, age_to, year)
        if memo in self._pop_values:
            return self._pop_values[memo]
        band = (age_from, age_to)
        if band not in self._pop:
            self._pop[band] = population_array(self.grid, self.tables, self.districts, age_from, age_to)
        arr = self._pop[band]
        n_sel = len(self.all_selections)
        values = np.full(n_sel, np.nan)
        notes: list[tuple[str, ...]] = [()] * n_sel
        pending = ~self.whole_city & (self.district_membership.sum(axis=1) > 0)
        yi = year - self.grid.y0
        for y in [yi, *range(min(yi - 1, self.grid.n_years - 1), -1, -1)]:
            if not pending.any():
                break
            if not 0 <= y < self.grid.n_years:
                continue
            col = arr[:, y]
            known = self.district_membership @ np.isnan(col) == 0
            found = pending & known
            values[found] = (self.district_membership @ np.nan_to_num(col))[found]
            if y != yi:
                for i in np.flatnonzero(found):
                    notes[i] = (f"befolkning {self.grid.y0 + y} ({year} finns inte än)",)
            pending &= ~found
        missing = f"befolkningsuppgift för åldrarna {age_from}–{'' if age_to is None else age_to} saknas"
        for i in range(n_sel):
            if self.whole_city[i]:
                notes[i] = (NOTE_WHOLE_CITY,)
            elif pending[i] or not self.district_membership[i].any():
                notes[i] = (missing,)
        self._pop_values[memo] = (values, notes)
        return values, notes

    # ------------------------------------------------------------------ completeness
    def _completeness(self, table: str, sel: Selection, period: Period) -> tuple[bool, bool, list[str]]:
        """(has_data, complete, notes) of ``table`` for ``sel`` in ``period``."""
        has, complete, notes = self._coverage_batch(table, period)
        i = self._selection_pos[sel.key]
        return has, bool(complete[i]), list(notes[i])

    def _coverage_batch(self, table: str, period: Period) -> tuple[bool, np.ndarray, list[tuple[str, ...]]]:
        """(has_data, complete per selection, notes per selection) of ``table`` in ``period``."""
        key = (table, period.year, period.first_month, period.last_month)
        if key not in self._coverage:
            self._coverage[key] = self._compute_coverage(table, period)
        return self._coverage[key]

    def _compute_coverage(self, table: str, period: Period) -> tuple[bool, np.ndarray, list[tuple[str, ...]]]:
        n_sel = len(self.all_selections)
        first_code = month_index(period.year, period.first_month)
        last_code = month_index(period.year, period.last_month)
        d0, d1 = self.data_first.get(table), self.data_last.get(table)
        if d0 is None or d1 is None or first_code > d1 or last_code < d0:
            return False, np.zeros(n_sel, dtype=bool), [("ingen data för perioden",)] * n_sel
        common: list[str] = []
        if last_code > d1:
            common.append(f"ofullständig period: data t.o.m. {self.last_data_date_of(table):%Y-%m-%d}")
        if first_code < d0:
            y, m = divmod(d0, 12)
            common.append(f"ofullständig period: data från {MONTHS_SV[m]} {y}")
        complete = np.full(n_sel, not common)
        notes = [tuple(common)] * n_sel
        g = self.grid
        lo, hi = max(first_code, d0) - g.m0, min(last_code, d1) - g.m0 + 1
        if table in self.present and hi > lo:
            cols = np.arange(lo, hi)
            p = self.present[table][:, lo:hi]
            in_other_years = self.calendar_count[table][:, cols % 12] - p > 0
            missing = (cols[None, :] >= self.unit_first[table][:, None]) & in_other_years & ~p
            sel_missing = self.membership @ missing.any(axis=1) > 0
            for i in np.flatnonzero(sel_missing):
                rows = self.all_selections[i].rows
                parts = []
                for r, c in zip(*np.nonzero(missing[rows])):
                    y, m = divmod(g.m0 + lo + int(c), 12)
                    parts.append(f"{self.unit_names[g.unit_ids[rows[r]]]} ({MONTHS_SV[m]} {y})")
                more = f" m.fl. ({len(parts)} st)" if len(parts) > 3 else ""
                notes[i] = (*common, "ofullständig period: data saknas för " + ", ".join(parts[:3]) + more)
            complete &= ~sel_missing
        return True, complete, notes

    def last_data_date_of(self, table: str) -> pd.Timestamp:
        return self.last_data_date_of_month(self.data_last[table])  # type: ignore[arg-type]

    @staticmethod
    def last_data_date_of_month(code: int) -> pd.Timestamp:
        """The last day of the month with index ``code`` (see ``goals.periods.month_index``)."""
        y, m = divmod(code, 12)
        return pd.Timestamp(year=y, month=m + 1, day=1) + pd.offsets.MonthEnd(0)

    # ------------------------------------------------------------------ values
    def value(self, ind: Indicator, sel: Selection, period: Period) -> Value:
        """The indicator's value for ``sel`` in ``period`` (memoised)."""
        key = (ind.id, sel.key, period.year, period.code)
        v = self._values.get(key)
        if v is None:
            if self.compiled(ind).kind == "monthly":
                self._compute_batch(ind, period)  # every selection at once
                return self._values[key]
            v = self._compute(ind, sel, period)
            self._values[key] = v
        return v

    def _compute_batch(self, ind: Indicator, period: Period) -> None:
        """Values of a sum/count indicator for every selection in ``period``, into the memo."""
        c = self.compiled(ind)
        d = ind.definition
        sels = self.all_selections
        has, complete, notes_t = self._coverage_batch(d.measure.table, period)
        notes = [list(n) for n in notes_t]
        if has and c.den_table and c.den_table != d.measure.table:
            has2, complete2, notes2 = self._coverage_batch(c.den_table, period)
            complete = complete & complete2
            notes = [a + [n for n in b if n not in a] for a, b in zip(notes, notes2)]
            has = has and has2
        keys = [(ind.id, sel.key, period.year, period.code) for sel in sels]
        if not has:
            for key, nt in zip(keys, notes):
                self._values[key] = Value(notes=nt)
            return
        g = self.grid
        ms = g.month_slice(month_index(period.year, period.first_month), month_index(period.year, period.last_month))
        assert c.num is not None
        num = self.membership @ c.num[:, ms].sum(axis=1)
        if c.den_kind == "population":
            dd = d.denominator
            assert dd is not None
            den, pnotes = self._population_batch(dd.age_from, dd.age_to, period.year)
            for i, pn in enumerate(pnotes):
                if pn:
                    notes[i] += pn
        elif c.den_kind == "weeks":
            den = np.full(len(sels), period.days / 7)
        elif c.den is not None:
            den = self.membership @ c.den[:, ms].sum(axis=1)
        else:
            den = np.ones(len(sels))
        for i, key in enumerate(keys):
            dn = float(den[i])
            if _isnan(dn):
                v = Value(complete=bool(complete[i]), has_data=True, notes=notes[i])
            elif dn == 0:
                v = Value(complete=bool(complete[i]), has_data=True, notes=notes[i] + ["nämnaren är 0"])
            else:
                v = Value(value=float(num[i]) / dn * d.scale, complete=bool(complete[i]), has_data=True, notes=notes[i])
            self._values[key] = v

    def _compute(self, ind: Indicator, sel: Selection, period: Period) -> Value:
        c = self.compiled(ind)
        d = ind.definition
        if c.kind == "survey":
            return self._survey_value(ind, c.survey, sel, period.year)
        table = d.measure.table
        has, complete, notes = self._completeness(table, sel, period)
        if not has:
            return Value(notes=notes)
        if c.den_table and c.den_table != table:
            h2, c2, n2 = self._completeness(c.den_table, sel, period)
            complete = complete and c2
            notes += [n for n in n2 if n not in notes]
            if not h2:
                return Value(complete=False, notes=notes)
        g = self.grid
        ix = sel.index
        ms = g.month_slice(month_index(period.year, period.first_month), month_index(period.year, period.last_month))
        if c.kind == "distinct":
            dr = c.distinct
            assert dr is not None
            ok = np.isin(dr.uix, sel.rows) & (dr.midx >= ms.start) & (dr.midx < ms.stop)
            num = float(np.unique(dr.codes[ok]).size)
        else:  # sums and counts are computed for all selections at once in _compute_batch
            raise AssertionError(f"{ind.id}: use _compute_batch")
        den = 1.0
        if c.den_kind == "population":
            dd = d.denominator
            assert dd is not None
            den, pnotes = self.population(dd.age_from, dd.age_to, sel, period.year)
            notes += pnotes
        elif c.den_kind == "weeks":
            den = period.days / 7
        elif c.den is not None:
            den = float(c.den[ix, ms].sum())
        if _isnan(den):
            return Value(complete=complete, has_data=True, notes=notes)
        if den == 0:
            return Value(complete=complete, has_data=True, notes=notes + ["nämnaren är 0"])
        return Value(value=num / den * d.scale, complete=complete, has_data=True, notes=notes)

    def _survey_value(self, ind: Indicator, sa: SurveyArrays | None, sel: Selection, year: int) -> Value:
        assert sa is not None
        yi = year - self.grid.y0
        if not 0 <= yi < self.grid.n_years:
            return Value(notes=[f"ingen enkät {year}"])
        ix = sel.index
        n = float(sa.n[ix, yi].sum())
        if n == 0:
            return Value(notes=[f"ingen enkät {year}"])
        agg = ind.definition.measure.aggregation
        scale = ind.definition.scale
        notes = []
        if agg == "count":
            return Value(value=n * scale, n=n, complete=True, has_data=True)
        if agg == "top2box":
            k = float(sa.k[ix, yi].sum())
            lo, hi = wilson(k, n)
            val = k / n
        else:
            val, lo, hi = mean_interval(n, float(sa.s[ix, yi].sum()), float(sa.ss[ix, yi].sum()))
        if agg == "nki":
            notes.append("NKI oviktat (lika vikter)")
        if n < MIN_ANSWERS:
            notes.append(f"för få svar (n = {int(n)})")
        return Value(value=val * scale, n=n, ci_low=lo * scale, ci_high=hi * scale, complete=True, has_data=True, notes=notes)

    # ------------------------------------------------------------------ series breaks
    @staticmethod
    def crosses_break(ind: Indicator, start: pd.Timestamp | Any, end: pd.Timestamp | Any) -> Any:
        """The first series break with start < date <= end, or None."""
        for b in sorted(ind.series_breaks, key=lambda b: b.date):
            if start < b.date <= end:
                return b
        return None

    @staticmethod
    def segment(ind: Indicator, period: Period) -> int:
        """Series segment of a period: how many breaks fall on or before its end."""
        return sum(1 for b in ind.series_breaks if b.date <= period.end)

    # ------------------------------------------------------------------ forecast
    def forecast(self, ind: Indicator, sel: Selection, period: Period) -> Forecast:
        """Full-year forecast from a part-year value (see the module docstring)."""
        key = (ind.id, sel.key, period.year, period.code)
        f = self._forecasts.get(key)
        if f is None:
            f = self._forecast(ind, sel, period)
            self._forecasts[key] = f
        return f

    def _forecast(self, ind: Indicator, sel: Selection, period: Period) -> Forecast:
        if not ind.grows_with_time:  # shares, means, survey, hours per week: nothing to add up
            return Forecast()
        if period.is_full_year:
            # a year whose data ends early: forecast from January up to the last month with data
            last = self.data_last.get(ind.definition.measure.table)
            if last is None or last // 12 != period.year or last % 12 == 11:
                return Forecast()
            period = parse_period(period.year, f"YTD{last % 12 + 1:02d}")
        cur = self.value(ind, sel, period)
        if _isnan(cur.value) or not cur.complete:
            return Forecast()
        settings = self.plan.forecast
        ratios: list[float] = []
        used: list[int] = []
        for y in range(period.year - 1, self.grid.y0 - 1, -1):
            if len(used) == settings.years:
                break
            if y in settings.exclude_years:
                continue
            if ind.series_breaks and self.crosses_break(ind, dt.date(y, 1, 1), period.end) is not None:
                break
            r = self._ratio(ind, sel, period.with_year(y))
            if r is None:
                continue
            ratios.append(r)
            used.append(y)
        if not ratios:
            return Forecast()
        med = float(statistics.median(ratios))
        spread = max(max(ratios) - min(ratios), 0.01 * abs(med))
        a, b = cur.value * (med - spread), cur.value * (med + spread)
        return Forecast(cur.value * med, min(a, b), max(a, b), tuple(used))

    def _ratio(self, ind: Indicator, sel: Selection, period: Period) -> float | None:
        """Full-year value / value of ``period`` in the same year (None when not comparable)."""
        key = (ind.id, sel.key, period.year, period.code)
        if key not in self._ratios:
            part = self.value(ind, sel, period)
            full = self.value(ind, sel, period.full_year())
            ok = part.complete and full.complete and not _isnan(part.value) and not _isnan(full.value) and part.value != 0
            self._ratios[key] = full.value / part.value if ok else None
        return self._ratios[key]

    # ------------------------------------------------------------------ a follow-up row
    def data_end_month(self, ind: Indicator) -> int | None:
        """The last month index with data for the indicator's table(s) (None: no data)."""
        tables = [ind.definition.measure.table]
        c = self.compiled(ind)
        if c.den_table:
            tables.append(c.den_table)
        lasts = [self.data_last.get(t) for t in tables if t != "survey"]
        if not lasts or any(x is None for x in lasts):
            return None
        return min(lasts)  # type: ignore[type-var]

    def effective_period(self, ind: Indicator, period: Period) -> Period:
        """``period``, or -- when the data ends inside a period that runs from January (helår 2026
        with data through October) -- January up to the last month with data: an unfinished period
        is followed up year to date, like a tertial, and compared with the same months last year."""
        if ind.is_survey or period.first_month != 1 or period.kind not in ("tertial", "year", "ytd"):
            return period
        last = self.data_end_month(ind)
        if last is None:
            return period
        first_code = month_index(period.year, 1)
        last_code = month_index(period.year, period.last_month)
        if first_code <= last < last_code:
            return parse_period(period.year, f"YTD{last % 12 + 1:02d}")
        return period

    def row(
        self, ind: Indicator, sel: Selection, period: Period, latest_wave: bool = True, truncate: bool = True
    ) -> dict[str, Any]:
        """Everything about one indicator, selection and period (targets, status, forecast).

        ``latest_wave``: for a survey indicator without a wave in the period's year, show last
        year's wave (noted) instead of no data.  ``truncate``: follow up a period the data ends
        inside as January up to the last month with data (see :meth:`effective_period`); trends
        pass False (a year in a trend of full years is either whole or incomplete)."""
        v0 = self.value(ind, sel, period)
        if latest_wave and ind.is_survey and not v0.has_data:
            last = self.value(ind, sel, period.with_year(period.year - 1))
            if last.has_data:
                r = self.row(ind, sel, period.with_year(period.year - 1), latest_wave=False)
                note = f"senaste enkät {period.year - 1} (ingen enkät {period.year} ännu)"
                r["note"] = "; ".join(x for x in (note, r["note"]) if x)
                return r
        eff = self.effective_period(ind, period) if truncate else period
        truncated = eff != period
        v = self.value(ind, sel, eff) if truncated else v0
        notes: list[str] = []
        if truncated:
            end = self.last_data_date_of_month(self.data_end_month(ind))  # type: ignore[arg-type]
            span = f"{MONTHS_SV[0]}–{MONTHS_SV[eff.last_month - 1]}"
            notes.append(f"ofullständig: data t.o.m. {end:%Y-%m-%d}; {span} jämförs med {span} {period.year - 1}")
        notes += list(v.notes)
        part_year = not eff.is_full_year
        prev_p = eff.previous()
        brk = self.crosses_break(ind, prev_p.start, eff.end)
        previous = math.nan
        if brk is not None:
            notes.append(f"serien bryts {brk.date:%Y-%m-%d}: ingen jämförelse med föregående år")
        else:
            pv = self.value(ind, sel, prev_p)
            if pv.complete and not _isnan(pv.value):
                previous = pv.value
            elif pv.has_data and not pv.complete and not ind.is_survey:
                notes.append(f"föregående år ofullständigt ({prev_p.label_sv})")
        comparable = v.complete and not _isnan(v.value)
        change = v.value - previous if comparable and not _isnan(previous) else math.nan
        change_pct = math.nan
        if not ind.is_percentage and not _isnan(change) and previous != 0:
            change_pct = change / abs(previous) * 100

        fc = self.forecast(ind, sel, eff) if part_year else Forecast()
        if truncated and not _isnan(fc.value):
            notes.append("helårsprognos från data hittills i år")
        t = ind.target(period.year)
        level = target = tol_low = tol_high = target_change = full_target = full_previous = math.nan
        tol = margin = 0.0
        annual_level = False  # an annual level judged on the forecast at part-year periods
        if t is not None and t.level is not None:
            level = t.level
            if ind.adds_up_over_units and not sel.whole:
                level = t.units.get(sel.key, math.nan)
                if _isnan(level):
                    notes.append("nivåmålet gäller hela organisationen")
            tol, margin, full_target = t.tolerance, t.margin, level
            annual_level = ind.grows_with_time and part_year
            target = math.nan if annual_level else level
        elif t is not None:
            # a change target in value terms: last year's value x (1 + pct); tolerance in points
            target_change = float(t.change_pct)  # type: ignore[arg-type]
            if previous == 0:
                notes.append("föregående år 0: en förändring i procent går inte att beräkna")
            elif not _isnan(previous):
                target = previous * (1 + target_change / 100)
                tol, margin = abs(previous) * t.tolerance / 100, abs(previous) * t.margin / 100
            if brk is None:
                fp = self.value(ind, sel, prev_p.full_year())
                if fp.complete and not _isnan(fp.value) and fp.value != 0:
                    full_previous = fp.value
                    full_target = fp.value * (1 + target_change / 100)
        judged_target = full_target if annual_level else target
        if not _isnan(judged_target):
            if ind.direction == "higher":
                tol_low = judged_target - tol
            elif ind.direction == "lower":
                tol_low = judged_target + tol
            else:
                tol_low, tol_high = judged_target - margin - tol, judged_target + margin + tol

        # status (see goals.status for the rule)
        basis = "period"
        if _isnan(v.value) or (not v.complete and not ind.is_survey):
            status = "ingen_data"
        elif t is None or (t.level is not None and _isnan(level)):
            status = "inget_mal"
        elif annual_level:
            basis = "prognos"
            if _isnan(fc.value):
                status = "ingen_data"
                notes.append("helårsmål men ingen helårsprognos (för få jämförbara år)")
            else:
                status = judge(fc.value, full_target, ind.direction, tol, margin)
                notes.append("helårsmål: status mot helårsprognosen")
        elif _isnan(target):
            status = "ingen_data"
            if previous != 0:
                notes.append("förändringsmål utan jämförbart värde föregående år")
        else:
            status = judge(v.value, target, ind.direction, tol, margin)
            if status == "ej_uppnatt" and ind.is_survey and covers(v.ci_low, v.ci_high, target, ind.direction, margin):
                status = "delvis"
                notes.append("inom felmarginalen: konfidensintervallet täcker målet")
        forecast_status = ""
        if t is not None and not _isnan(fc.value) and not _isnan(full_target):
            ftol, fmargin = t.tolerance, t.margin
            if t.change_pct is not None:
                ftol, fmargin = abs(full_previous) * t.tolerance / 100, abs(full_previous) * t.margin / 100
            forecast_status = judge(fc.value, full_target, ind.direction, ftol, fmargin)
        target_kind = t.kind if t is not None else ""
        return {
            "indicator_id": ind.id,
            "indicator_name": ind.name_sv,
            "unit_id": sel.key,
            "unit_name": sel.name,
            "unit_type": sel.type,
            "period_start": eff.start.isoformat(),
            "period_end": eff.end.isoformat(),
            "span": f"{MONTHS_SV[eff.first_month - 1]}–{MONTHS_SV[eff.last_month - 1]}"
            if eff.first_month != eff.last_month else MONTHS_SV[eff.first_month - 1],
            "value": v.value,
            "previous": previous,
            "change": change,
            "change_pct": change_pct,
            "change_kind": "pp" if ind.is_percentage else "pct",
            "target": target,
            "target_full_year": full_target,
            "target_kind": target_kind,
            "target_change_pct": target_change,
            "tolerance_low": tol_low,
            "tolerance_high": tol_high,
            "status": status,
            "status_basis": basis,
            "forecast": fc.value,
            "forecast_low": fc.low,
            "forecast_high": fc.high,
            "forecast_status": forecast_status,
            "forecast_years": ", ".join(str(y) for y in sorted(fc.years)),
            "n": v.n,
            "ci_low": v.ci_low,
            "ci_high": v.ci_high,
            "complete": bool(v.complete),
            "segment": self.segment(ind, period),
            "decimals": ind.decimals,
            "unit_label": ind.unit,
            "direction": ind.direction,
            "note": "; ".join(dict.fromkeys(notes)),
        }


_CACHE: OrderedDict[tuple[int, int], Model] = OrderedDict()
_CACHE_SIZE = 4


_CACHE_LOCK = threading.Lock()


def get_model(plan: Plan, tables: Tables) -> Model:
    """The :class:`Model` for this plan and tables, built once and reused (keyed by identity).

    Thread-safe: concurrent callbacks asking for the same pair wait for one build."""
    key = (id(plan), id(tables))
    with _CACHE_LOCK:
        m = _CACHE.get(key)
        if m is not None and m.plan is plan and m.tables is tables:
            _CACHE.move_to_end(key)
            return m
        m = Model(plan, tables)
        _CACHE[key] = m
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
        return m


def as_period(year: int, period: str | Period) -> Period:
    return period if isinstance(period, Period) else parse_period(year, period)
