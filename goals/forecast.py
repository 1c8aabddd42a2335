"""Full-year forecast (helårsprognos) from a part-year value, and series breaks.

Only indicators whose value accumulates over the year (sums and counts, also per inhabitant:
``Indicator.grows_with_time``) are forecast; shares, means, survey results, hours per week and
ratios of two flows over the same period are not.  For a period shorter than the year (T1, T2,
quarters, months, year to date), and for a year whose data ends early (forecast from January up to
the last month with data), the full-year value is forecast as ``value × r``, where ``r`` is the median over earlier comparable years of
``full-year value / value of the same period``: the seasonal profile.  Comparable years are the
latest ``forecast.years`` (default 3) earlier years whose period and full year are complete, that
lie in the same series segment (no definition change since), and that are not in
``forecast.exclude_years`` (default 2020 and 2021: the pandemic closures turned the seasonal profile
upside down).  The range is calibrated on the data's own back-test (``goals.calibration``): the
point × the error quantiles of earlier forecasts from the same months of the same kind of
indicator, so that it holds the outcome as often as the plan states (``forecast.coverage``, 90 %).
Where a group has too few earlier forecasts, the range is ``value × (median(r) ± spread)``,
``spread`` = max(r) − min(r) of those years (at least 1 % of the median).  Survey indicators have
no forecast (the yearly wave is the year's value).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from goals.calibration import Calibration, Errors, calibrate
from goals.periods import Period, parse_period
from goals.plan import Indicator
from goals.selection import Selection

if TYPE_CHECKING:
    from goals.model import Model


def _isnan(x: float) -> bool:
    return x != x


@dataclass
class Forecast:
    value: float = math.nan
    low: float = math.nan
    high: float = math.nan
    years: tuple[int, ...] = ()
    calibrated: bool = False  # the range comes from the back-test (else the spread rule)


def _level(sel: Selection) -> str:
    """The calibration group of a selection: one unit, or several units together."""
    return "enhet" if not sel.whole and not sel.key.startswith("typ:") else "samlat"


class ForecastMixin:
    """Forecast and series-break methods of :class:`goals.model.Model`."""

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
    def forecast(self: "Model", ind: Indicator, sel: Selection, period: Period) -> Forecast:
        """Full-year forecast from a part-year value (see the module docstring)."""
        key = (ind.id, sel.key, period.year, period.code)
        f = self._forecasts.get(key)
        if f is None:
            f = self._forecast(ind, sel, period)
            self._forecasts[key] = f
        return f

    def _forecast(self: "Model", ind: Indicator, sel: Selection, period: Period) -> Forecast:
        pt = self._point(ind, sel, period)
        if pt is None:
            return Forecast()
        cur, ratios, used, period = pt
        med = float(statistics.median(ratios))
        point = cur * med
        q = self.calibration(period).interval(ind.definition.measure.table, _level(sel))
        if q is not None:
            a, b = point * (1 + q[0]), point * (1 + q[1])
            return Forecast(point, min(a, b), max(a, b), tuple(used), calibrated=True)
        spread = max(max(ratios) - min(ratios), 0.01 * abs(med))
        a, b = cur * (med - spread), cur * (med + spread)
        return Forecast(point, min(a, b), max(a, b), tuple(used))

    def _point(
        self: "Model", ind: Indicator, sel: Selection, period: Period
    ) -> tuple[float, list[float], list[int], Period] | None:
        """(value so far, seasonal ratios, their years, the period forecast from), or None."""
        if not ind.grows_with_time:  # shares, means, survey, hours per week: nothing to add up
            return None
        if period.is_full_year:
            # a year whose data ends early: forecast from January up to the last month with data
            last = self.data_last.get(ind.definition.measure.table)
            if last is None or last // 12 != period.year or last % 12 == 11:
                return None
            period = parse_period(period.year, f"YTD{last % 12 + 1:02d}")
        cur = self.value(ind, sel, period)
        if _isnan(cur.value) or not cur.complete:
            return None
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
            return None
        return cur.value, ratios, used, period

    # ------------------------------------------------------------------ calibration
    def calibration(self: "Model", period: Period) -> Calibration:
        """The back-test of forecasts from ``period``'s months (memoised; see ``goals.calibration``)."""
        key = (period.first_month, period.last_month)
        if key not in self._calibrations:
            self._calibrations[key] = self._back_test(period)
        return self._calibrations[key]

    def _back_test(self: "Model", period: Period) -> Calibration:
        settings = self.plan.forecast
        errors: dict[tuple[str, str], tuple[list[float], list[int]]] = {}
        years = [y for y in range(self.grid.y0 + 1, self.grid.y0 + self.grid.n_years) if y not in settings.exclude_years]
        for ind in self.plan.indicators:
            if not ind.grows_with_time:
                continue
            kind = ind.definition.measure.table
            for y in years:
                p = period.with_year(y)
                for sel in self.all_selections:
                    full = self.value(ind, sel, p.full_year())
                    if not full.complete or _isnan(full.value):
                        continue
                    pt = self._point(ind, sel, p)
                    if pt is None:
                        continue
                    point = pt[0] * float(statistics.median(pt[1]))
                    if not point > 0:
                        continue
                    e, ys = errors.setdefault((kind, _level(sel)), ([], []))
                    e.append(full.value / point - 1)
                    ys.append(y)
        groups = {k: Errors(np.array(e), np.array(ys)) for k, (e, ys) in errors.items()}
        return calibrate(groups, settings.coverage)

    def forecast_coverage(self: "Model", period: Period) -> tuple[int, int]:
        """(hits, tries): how often the calibrated range held the outcome in the back-test of
        forecasts from ``period``'s months, each year left out of its own calibration."""
        return self.calibration(period).measured()

    def _ratio(self: "Model", ind: Indicator, sel: Selection, period: Period) -> float | None:
        """Full-year value / value of ``period`` in the same year (None when not comparable)."""
        key = (ind.id, sel.key, period.year, period.code)
        if key not in self._ratios:
            part = self.value(ind, sel, period)
            full = self.value(ind, sel, period.full_year())
            ok = part.complete and full.complete and not _isnan(part.value) and not _isnan(full.value) and part.value != 0
            self._ratios[key] = full.value / part.value if ok else None
        return self._ratios[key]

