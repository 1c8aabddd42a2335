"""Forecast ranges calibrated on the data's own history (back-testing), and the coverage they reach.

For every indicator that is forecast, every selection and every earlier year whose full year is
known, the forecast is made as it would have been made then (from that year's months so far and the
years before it) and compared with the outcome: ``error = outcome / point forecast - 1``.  The
errors are grouped by **months of data** (the period forecast from: T1, T2, January–October, …)
and **indicator kind** (the table counted -- loans, visits, events -- and whether the selection is
one unit or several together, since a single unit's outcome is noisier).  The range of a forecast
is ``point × (1 + q_low) .. point × (1 + q_high)``, ``q`` the empirical quantiles of its group's
errors at ``(1 - c) / 2`` and ``(1 + c) / 2`` for the plan's stated coverage ``c`` (default 90 %).

The coverage that is stated is the *measured* one: each back-test year is checked against the
quantiles of the other years' errors (leave one year out), so the figure is what the range has
achieved on data it was not fitted to.  Years differ (a unit moves, a counter breaks), so quantiles
at exactly ``c`` hold less than ``c`` of a new year's outcomes; each group therefore uses the
smallest quantile level from :data:`LEVELS` whose leave-one-year-out coverage reaches ``c``.
A group with fewer than :data:`MIN_ERRORS` errors is not calibrated; its forecasts keep the spread
rule of ``goals.forecast``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: The fewest back-test errors a group needs before its quantiles are used.
MIN_ERRORS = 30
#: Quantile levels tried, in order, until the leave-one-year-out coverage reaches the stated one.
LEVELS = (0.0, 0.02, 0.04, 0.06, 0.08, 0.09)  # added to the stated coverage, capped below 1


@dataclass(frozen=True)
class Errors:
    """Back-test errors of one group: ``error`` per forecast and the ``year`` it was made in."""

    error: np.ndarray
    year: np.ndarray

    def __len__(self) -> int:
        return len(self.error)


def quantiles(errors: np.ndarray, coverage: float) -> tuple[float, float]:
    """The error quantiles that hold ``coverage`` of the errors between them (NaN when empty)."""
    if len(errors) == 0:
        return math.nan, math.nan
    lo, hi = np.quantile(errors, [(1 - coverage) / 2, (1 + coverage) / 2])
    return float(lo), float(hi)


def leave_one_year_out(errors: Errors, coverage: float) -> tuple[int, int]:
    """(hits, tries): how many back-test outcomes fall inside the range made from the other years'
    errors (groups too small to calibrate without that year are skipped)."""
    hits = tries = 0
    for y in np.unique(errors.year):
        own = errors.year == y
        rest = errors.error[~own]
        if len(rest) < MIN_ERRORS:
            continue
        lo, hi = quantiles(rest, coverage)
        e = errors.error[own]
        hits += int(((e >= lo) & (e <= hi)).sum())
        tries += int(own.sum())
    return hits, tries


def _level_for(errors: Errors, coverage: float) -> float:
    """The smallest quantile level whose leave-one-year-out coverage reaches ``coverage``."""
    level = coverage
    for extra in LEVELS:
        level = min(coverage + extra, 0.995)
        hits, tries = leave_one_year_out(errors, level)
        if tries == 0 or hits >= coverage * tries:
            break
    return level


@dataclass(frozen=True)
class Calibration:
    """Error groups for one forecast period (months of data), the quantile level each uses and
    the stated (nominal) coverage."""

    groups: dict[tuple[str, str], Errors]
    coverage: float
    levels: dict[tuple[str, str], float]
    _intervals: dict[tuple[str, str], tuple[float, float] | None] = field(default_factory=dict, compare=False, repr=False)

    def interval(self, kind: str, level: str) -> tuple[float, float] | None:
        """(q_low, q_high) for the group, or None when it has too few errors (memoised per group)."""
        key = (kind, level)
        if key not in self._intervals:
            g = self.groups.get(key)
            self._intervals[key] = None if g is None or len(g) < MIN_ERRORS else quantiles(g.error, self.levels[key])
        return self._intervals[key]

    def measured(self) -> tuple[int, int]:
        """(hits, tries) over every calibrated group, each year left out in turn."""
        hits = tries = 0
        for key, g in self.groups.items():
            if len(g) >= MIN_ERRORS:
                h, t = leave_one_year_out(g, self.levels[key])
                hits, tries = hits + h, tries + t
        return hits, tries


def calibrate(groups: dict[tuple[str, str], Errors], coverage: float) -> Calibration:
    """A :class:`Calibration` from back-test errors for the stated ``coverage``."""
    levels = {k: _level_for(g, coverage) for k, g in groups.items() if len(g) >= MIN_ERRORS}
    return Calibration(groups, coverage, levels)
