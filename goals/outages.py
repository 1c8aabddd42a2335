"""Counter outages inside a period: missing open days of visits, handled as the plan declares.

A door counter that is broken on an open day leaves the day *missing* (NaN, never 0; see the ETL).
``status.outages`` in the plan says what a follow-up does with such days:

- ``impute`` (default): each missing open day gets the median of the unit's own visits on the same
  weekday in the four weeks before and after (counted days only).  The value is flagged *skattat*
  with the imputed share of open days; when more than ``status.max_imputed_share`` (default 15 %)
  of a selection's open days in the period are imputed, the period is incomplete instead.
- ``none``: a period with a missing open day is incomplete: no comparison, no status.

Open days are the unit's schedule's (``etl.schedule.open_status``) less the holidays; a unit
without a schedule counts every day with a row as open.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.schedule import open_status, swedish_holidays

#: Weeks before and after a missing day whose same weekday gives the imputed value.
WINDOW_WEEKS = 4


@dataclass(frozen=True)
class Outages:
    """The visits table with missing open days filled (mode ``impute``) and per row whether the
    day is an open day and whether it was missing."""

    visits: pd.DataFrame  # as stored, with imputed values in ``visits`` when imputing
    open_day: np.ndarray  # bool per row
    missing: np.ndarray  # bool per row: an open day without a count
    imputed: np.ndarray  # bool per row: a missing day given an imputed value


def find_outages(visits: pd.DataFrame, opening_hours: pd.DataFrame | None, impute: bool) -> Outages:
    """Mark the missing open days of ``visits`` and, when ``impute``, fill them (see the module
    docstring)."""
    if not len(visits):
        none = np.zeros(0, dtype=bool)
        return Outages(visits, none, none, none)
    v = visits.reset_index(drop=True)
    dates = v["date"]
    status = open_status(v["unit_id"], dates, opening_hours).fillna(True).to_numpy(dtype=bool)
    years = range(int(dates.dt.year.min()), int(dates.dt.year.max()) + 1)
    holidays = pd.to_datetime(swedish_holidays(years)).astype("datetime64[s]")
    open_day = status & ~dates.isin(holidays).to_numpy() & ~v["estimated"].fillna(False).to_numpy(dtype=bool)
    missing = open_day & v["visits"].isna().to_numpy()
    if not impute or not missing.any():
        return Outages(v, open_day, missing, np.zeros(len(v), dtype=bool))
    raw = v["visits"].to_numpy(dtype=float)
    filled = raw.copy()
    counted = open_day & ~missing
    unit = v["unit_id"].astype(str).to_numpy()
    day = dates.to_numpy(dtype="datetime64[D]").astype(np.int64)
    for u in np.unique(unit[missing]):
        own = np.flatnonzero((unit == u) & counted)
        for i in np.flatnonzero(missing & (unit == u)):
            delta = day[own] - day[i]
            near = own[(delta % 7 == 0) & (np.abs(delta) <= 7 * WINDOW_WEEKS)]
            if len(near):
                filled[i] = float(np.median(raw[near]))
    imputed = missing & ~np.isnan(filled)
    return Outages(v.assign(visits=filled), open_day, missing, imputed)
