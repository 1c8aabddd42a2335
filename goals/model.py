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
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from etl.grain import DATA_UNTIL_KINDS, data_until
from etl.tables import Tables
from goals.measures import (
    coarse_spans,
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
    _month_codes,
)
from goals.coverage import CoverageMixin
from goals.forecast import Forecast, ForecastMixin
from goals.outages import Outages, find_outages
from goals.periods import Period, month_index, parse_period
from goals.plan import Indicator, Measure, Plan
from goals.row import followup_row
from goals.selection import (
    NOTE_WHOLE_CITY,
    ORGANISATION,
    ORGANISATION_NAME_SV,
    TYPE_LABELS_SV,
    TYPE_PREFIX,
    Selection,
)
from goals.status import MIN_ANSWERS, mean_interval, wilson

__all__ = [
    "MONTHLY_SERIES",
    "ORGANISATION",
    "ORGANISATION_NAME_SV",
    "TYPE_PREFIX",
    "Forecast",
    "Model",
    "Selection",
    "Value",
    "as_period",
    "get_model",
]

#: Kinds reported every month by every unit: a missing month makes a period incomplete.
MONTHLY_SERIES = ("loans", "visits")
#: Kinds stored per day whose export can stop inside a month (see ``goals.coverage``).
DAILY_KINDS = ("visits",)


def _isnan(x: float) -> bool:
    return x != x  # NaN is the only value not equal to itself


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
    count: float = math.nan  # the numerator's raw count (loans, visits, events, participants)


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


class Model(CoverageMixin, ForecastMixin):
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
        self.coarse: dict[str, np.ndarray] = {}  # quarterly/yearly rows: months covered, at their start
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
                self.coarse[kind] = coarse_spans(g, tables, kind)
                self.present[kind] = p
                self.unit_first[kind] = np.where(p.any(axis=1), p.argmax(axis=1), g.n_months)
                # years with data per unit and calendar month (a bookmobile that never runs in
                # July is not missing July)
                self.calendar_count[kind] = p.reshape(len(g.unit_ids), g.n_years, 12).sum(axis=1)
        # data end to the day: a daily source whose last month stops before a unit's last open day
        # of that month is followed up to the month before (see goals.coverage)
        self.last_day: dict[str, pd.Timestamp] = {}
        self.cut_month: dict[str, int] = {}
        for kind in DAILY_KINDS:
            self._cut_partial_month(kind)
        self._arrays: dict[tuple, Any] = {}
        self._compiled: dict[str, _Compiled] = {}
        self._pop: dict[tuple, np.ndarray] = {}
        self._values: dict[tuple, Value] = {}
        self._forecasts: dict[tuple, Forecast] = {}
        self._ratios: dict[tuple, float | None] = {}
        self._calibrations: dict[tuple[int, int], Any] = {}
        self._pop_values: dict[tuple, tuple[np.ndarray, list[tuple[str, ...]]]] = {}
        self._coverage: dict[tuple, tuple[bool, np.ndarray, list[tuple[str, ...]]]] = {}
        self._split: dict[tuple, tuple[np.ndarray, list[str]]] = {}
        self._selections: dict[str, Selection] = {}
        self._selection_pos: dict[str, int] = {}
        self._units: pd.DataFrame | None = None
        self._survey_norm: pd.DataFrame | None = None
        # counter outages: missing open days of visits, imputed or not (see goals.outages)
        out = find_outages(tables.visits, tables.opening_hours, impute=plan.status.outages == "impute")
        self.outage_days = self._visit_day_arrays(out)
        value_tables = replace(tables, visits=out.visits) if out.imputed.any() else tables
        self.cache = TableCache(g, value_tables)
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

    def _visit_day_arrays(self, out: Outages) -> dict[str, np.ndarray]:
        """Open, missing and imputed days of visits per unit × month."""
        g = self.grid
        arrays = {k: np.zeros(g.shape) for k in ("open", "missing", "imputed")}
        if not len(out.visits):
            return arrays
        uix = g.unit_index(out.visits["unit_id"])
        months = _month_codes(out.visits["date"]) - g.m0
        ok = (uix >= 0) & (months >= 0) & (months < g.n_months)
        for key, flags in (("open", out.open_day), ("missing", out.missing), ("imputed", out.imputed)):
            np.add.at(arrays[key], (uix[ok & flags], months[ok & flags]), 1.0)
        return arrays

    def _outage_notes(self, ms: slice) -> tuple[np.ndarray, list[list[str]]]:
        """(complete, notes) per selection from the counter outages in the months ``ms``."""
        sets = self.plan.status
        days = {k: self.membership @ a[:, ms].sum(axis=1) for k, a in self.outage_days.items()}
        complete = np.ones(len(self.all_selections), dtype=bool)
        notes: list[list[str]] = [[] for _ in self.all_selections]
        for i in range(len(self.all_selections)):
            miss, imp, opn = days["missing"][i], days["imputed"][i], days["open"][i]
            if not miss:
                continue
            if sets.outages == "none" or miss > imp:
                complete[i] = False
                notes[i].append(f"avbrott i besöksräknaren: {int(miss - imp if imp else miss)} öppetdagar utan värde "
                                f"(planen: outages {sets.outages})")
                continue
            share = imp / opn if opn else 1.0
            pct = f"{100 * share:.1f}".replace(".", ",")
            if share > sets.max_imputed_share:
                complete[i] = False
                notes[i].append(f"för stor andel skattad: {int(imp)} av {int(opn)} öppetdagar ({pct} %), "
                                f"över {round(100 * sets.max_imputed_share)} %")
            else:
                notes[i].append(f"skattat: {int(imp)} av {int(opn)} öppetdagar ({pct} %) med samma veckodags median")
        return complete, notes

    def forget_values(self) -> None:
        """Drop every memoised value, forecast and coverage; keep the aggregated arrays."""
        for memo in (self._values, self._forecasts, self._ratios, self._pop_values, self._coverage, self._calibrations):
            memo.clear()

    # ------------------------------------------------------------------ data range
    def last_data_date(self) -> pd.Timestamp | None:
        """"Data t.o.m." by the store's one rule (:func:`etl.grain.data_until`): the last day the
        loans and visits cover, each by its own grain (a daily source's last day, a monthly one's
        month end).  Events are dated occasions and do not extend it."""
        last = data_until({k: self.source_end(k) for k in DATA_UNTIL_KINDS})
        return None if last is None else pd.Timestamp(last)

    def source_end(self, kind: str) -> pd.Timestamp | None:
        """The last day with data of one source (a cut partial month counts to its last day)."""
        if kind in self.last_day:
            return self.last_day[kind]
        last = self.data_last.get(kind)
        return None if last is None else self.last_data_date_of_month(last)

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
        projected = self._projection(arr, yi)
        if projected is not None:
            col, first, last = projected
            known = self.district_membership @ np.isnan(col) == 0
            found = pending & known
            values[found] = (self.district_membership @ np.nan_to_num(col))[found]
            for i in np.flatnonzero(found):
                notes[i] = (f"befolkning {year} framskriven med trenden {first}–{last} (ej publicerad än)",)
            pending &= ~found
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

    def _projection(self, arr: np.ndarray, yi: int) -> tuple[np.ndarray, int, int] | None:
        """The population of year index ``yi`` projected per district when that year is not
        published yet (at most two years after the last one): the last year × the mean yearly
        growth of the last three years.  (column, first year, last year) of the trend, or None."""
        if not 0 <= yi < self.grid.n_years or not np.isnan(arr[:, yi]).all():
            return None
        have = [y for y in range(yi) if not np.isnan(arr[:, y]).all()]
        if len(have) < 2 or yi - have[-1] > 2:
            return None
        last = have[-1]
        first = max(have[0], last - 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = (arr[:, last] / arr[:, first]) ** (1 / (last - first))
        col = arr[:, last] * growth ** (yi - last)
        return col, self.grid.y0 + first, self.grid.y0 + last

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
        split = self._split_batch(d.measure.table, period)[0]
        if c.den_table and c.den_table != d.measure.table:
            split = split | self._split_batch(c.den_table, period)[0]
        g = self.grid
        ms = g.month_slice(month_index(period.year, period.first_month), month_index(period.year, period.last_month))
        if "visits" in (d.measure.table, c.den_table):
            ok, onotes = self._outage_notes(ms)
            complete = complete & ok
            notes = [a + b for a, b in zip(notes, onotes)]
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
            if split[i]:
                v = Value(complete=False, has_data=True, notes=notes[i])
            elif _isnan(dn):
                v = Value(complete=bool(complete[i]), has_data=True, notes=notes[i], count=float(num[i]))
            elif dn == 0:
                v = Value(complete=bool(complete[i]), has_data=True, notes=notes[i] + ["nämnaren är 0"], count=float(num[i]))
            else:
                v = Value(value=float(num[i]) / dn * d.scale, complete=bool(complete[i]), has_data=True, notes=notes[i],
                          count=float(num[i]))
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
        pos = self._selection_pos[sel.key]
        if any(self._split_batch(t, period)[0][pos] for t in {table, c.den_table} if t):
            return Value(complete=False, has_data=True, notes=notes)
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
            return Value(complete=complete, has_data=True, notes=notes, count=num)
        if den == 0:
            return Value(complete=complete, has_data=True, notes=notes + ["nämnaren är 0"], count=num)
        return Value(value=num / den * d.scale, complete=complete, has_data=True, notes=notes, count=num)

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
            notes.append("NKI oviktat (lika vikter), bara svarande som besvarat alla NKI-frågor")
        if n < MIN_ANSWERS:
            notes.append(f"för få svar (n = {int(n)})")
        return Value(value=val * scale, n=n, ci_low=lo * scale, ci_high=hi * scale, complete=True, has_data=True, notes=notes)


    # ------------------------------------------------------------------ a follow-up row
    def row(
        self, ind: Indicator, sel: Selection, period: Period, latest_wave: bool = True, truncate: bool = True
    ) -> dict[str, Any]:
        """One follow-up row (see :func:`goals.row.followup_row`)."""
        return followup_row(self, ind, sel, period, latest_wave=latest_wave, truncate=truncate)


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
