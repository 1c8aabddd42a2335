"""Completeness of a period's data per selection, and the period a row is followed up over.

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

Completeness is judged at the data's own grain: a quarterly or yearly row is data for every month it
covers, and a period that cuts such a row has no value ("årsdata: ingen uppgift per tertial").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from etl.grain import GRAIN_DATA_SV, frame_period_end
from etl.schedule import open_status, swedish_holidays
from goals.periods import MONTHS_SV, Period, month_index, parse_period
from goals.plan import Indicator
from goals.selection import Selection

if TYPE_CHECKING:
    from goals.model import Model

#: How a note names the follow-up period a coarser grain (etl.grain) cannot be split into.
_PERIOD_NOUN_SV = {"month": "månad", "quarter": "kvartal", "tertial": "tertial", "ytd": "del av året", "year": "år"}
SOURCE_SV = {"visits": "besök", "loans": "utlån", "events": "arrangemang"}


class CoverageMixin:
    """Completeness and data-range methods of :class:`goals.model.Model`."""

    def _cut_partial_month(self: "Model", kind: str) -> None:
        """Leave out the last month of a daily source when any unit's data stops before its last
        open day of that month (by its schedule; holidays closed): ``data_last`` moves to the month
        before, ``last_day``/``cut_month`` remember the cut."""
        df = getattr(self.tables, kind)
        last = self.data_last.get(kind)
        if last is None or not len(df):
            return
        y, m = divmod(last, 12)
        start = pd.Timestamp(y, m + 1, 1)
        month_end = start + pd.offsets.MonthEnd(0)
        rows = df[df["date"] >= start]
        ends = frame_period_end(kind, rows)  # a monthly row covers its whole month (etl.grain)
        by_unit = ends.groupby(rows["unit_id"].astype(str), observed=True).max()
        if not len(by_unit):
            return
        self.last_day[kind] = pd.Timestamp(by_unit.max())
        units, dates = [], []
        for u, d in by_unit.items():
            rest = pd.date_range(pd.Timestamp(d) + pd.Timedelta(days=1), month_end, freq="D")
            units += [u] * len(rest)
            dates += list(rest)
        if not dates:
            return
        after = pd.DataFrame({"unit_id": units, "date": pd.Series(dates, dtype="datetime64[s]")})
        is_open = open_status(after["unit_id"], after["date"], self.tables.opening_hours).fillna(True)
        holidays = pd.to_datetime(swedish_holidays([y])).astype("datetime64[s]")
        open_after = is_open.to_numpy(dtype=bool) & ~after["date"].isin(holidays).to_numpy()
        if open_after.any():
            self.cut_month[kind] = last
            self.data_last[kind] = last - 1

    def cut_note(self: "Model", tables: list[str]) -> str:
        """"besök t.o.m. 2026-10-14, okt 2026 utelämnad (ofullständig månad)" for each cut source
        among ``tables`` ("" when none is cut)."""
        parts = []
        for t in tables:
            if t in self.cut_month:
                y, m = divmod(self.cut_month[t], 12)
                parts.append(f"{SOURCE_SV.get(t, t)} t.o.m. {self.last_day[t]:%Y-%m-%d}, {MONTHS_SV[m]} {y} utelämnad "
                             "(ofullständig månad)")
        return "; ".join(parts)

    def _completeness(self: "Model", table: str, sel: Selection, period: Period) -> tuple[bool, bool, list[str]]:
        """(has_data, complete, notes) of ``table`` for ``sel`` in ``period``."""
        has, complete, notes = self._coverage_batch(table, period)
        i = self._selection_pos[sel.key]
        return has, bool(complete[i]), list(notes[i])

    def _coverage_batch(self: "Model", table: str, period: Period) -> tuple[bool, np.ndarray, list[tuple[str, ...]]]:
        """(has_data, complete per selection, notes per selection) of ``table`` in ``period``."""
        key = (table, period.year, period.first_month, period.last_month)
        if key not in self._coverage:
            self._coverage[key] = self._compute_coverage(table, period)
        return self._coverage[key]

    def _compute_coverage(self: "Model", table: str, period: Period) -> tuple[bool, np.ndarray, list[tuple[str, ...]]]:
        n_sel = len(self.all_selections)
        first_code = month_index(period.year, period.first_month)
        last_code = month_index(period.year, period.last_month)
        d0, d1 = self.data_first.get(table), self.data_last.get(table)
        cut = self.cut_note([table])
        if d0 is None or d1 is None or first_code > d1 or last_code < d0:
            note = f"ofullständig period: {cut}" if cut and first_code <= self.cut_month[table] else "ingen data för perioden"
            return False, np.zeros(n_sel, dtype=bool), [(note,)] * n_sel
        common: list[str] = []
        if last_code > d1:
            common.append(f"ofullständig period: data t.o.m. {self.last_data_date_of(table):%Y-%m-%d}"
                          + (f" ({cut})" if cut else ""))
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
        split, why = self._split_batch(table, period)
        for i in np.flatnonzero(split):
            notes[i] = (why[i],)
        complete &= ~split
        return True, complete, notes

    def _split_batch(self: "Model", table: str, period: Period) -> tuple[np.ndarray, list[str]]:
        """Per selection: whether one of its units has a quarterly or yearly row that ``period``
        cuts (a tertial of yearly data), and the note saying so ("årsdata: ingen uppgift per
        tertial").  Such a value is not computed: splitting a total over months would invent it."""
        key = (table, period.year, period.first_month, period.last_month)
        if key in self._split:
            return self._split[key]
        n_sel = len(self.all_selections)
        split, why = np.zeros(n_sel, dtype=bool), [""] * n_sel
        cs = self.coarse.get(table)
        if cs is not None and cs.any():
            g = self.grid
            lo = month_index(period.year, period.first_month) - g.m0
            hi = month_index(period.year, period.last_month) - g.m0
            u, c = np.nonzero(cs)
            end = c + cs[u, c] - 1
            cut = ((c < lo) & (end >= lo)) | ((c <= hi) & (end > hi))
            widest = np.zeros(len(g.unit_ids), dtype=np.int64)
            np.maximum.at(widest, u[cut], cs[u, c][cut])
            split = self.membership @ (widest > 0) > 0
            span = (self.membership * widest[None, :]).max(axis=1)
            noun = _PERIOD_NOUN_SV.get(period.kind, "period")
            for i in np.flatnonzero(split):
                grain = "year" if span[i] >= 12 else "quarter"
                why[i] = f"{GRAIN_DATA_SV[grain]}: ingen uppgift per {noun}"
        self._split[key] = (split, why)
        return split, why

    def last_data_date_of(self: "Model", table: str) -> pd.Timestamp:
        return self.last_data_date_of_month(self.data_last[table])  # type: ignore[arg-type]

    @staticmethod
    def last_data_date_of_month(code: int) -> pd.Timestamp:
        """The last day of the month with index ``code`` (see ``goals.periods.month_index``)."""
        y, m = divmod(code, 12)
        return pd.Timestamp(year=y, month=m + 1, day=1) + pd.offsets.MonthEnd(0)


    def data_end_month(self: "Model", ind: Indicator) -> int | None:
        """The last month index with data for the indicator's table(s) (None: no data).

        Opening hours are schedules that run on past the data: they end where the observed data
        (loans, visits, events) end, so "helår 2026" with data to October compares the opening
        hours of January–October, like everything else."""
        tables = [ind.definition.measure.table]
        c = self.compiled(ind)
        if c.den_table:
            tables.append(c.den_table)
        observed = [self.data_last[k] for k in ("loans", "visits", "events") if self.data_last.get(k) is not None]
        lasts = []
        for t in tables:
            if t == "survey":
                continue
            last = self.data_last.get(t)
            if t == "opening_hours" and last is not None and observed:
                last = min(last, max(observed))
            lasts.append(last)
        if not lasts or any(x is None for x in lasts):
            return None
        return min(lasts)  # type: ignore[type-var]

    def effective_period(self: "Model", ind: Indicator, period: Period) -> Period:
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

