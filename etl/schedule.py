"""Opening schedules and the calendar: the one owner of "is this unit open on this day".

:func:`combine_opening_hours` merges new weekly schedules into stored ones, :func:`open_status`
tells per unit and date whether the schedule valid then has opening hours that weekday, and
:func:`swedish_holidays` lists the days Swedish public libraries are normally closed.  Used by the
normalise step (which marks counter outages as missing) and by the anomaly rules (which report
them), so both read the schedule the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd
from dateutil.easter import easter


def combine_opening_hours(base: pd.DataFrame | None, new: pd.DataFrame | list[pd.DataFrame] | None) -> pd.DataFrame | None:
    """The schedules ``base`` (e.g. the store's) with those in ``new`` replacing the ones of the same
    unit and ``valid_from``.  ``new`` may be one frame or several; None when there is nothing."""
    if isinstance(new, list):
        new = pd.concat(new, ignore_index=True) if new else None
    if new is None or new.empty:
        return base
    if base is None or base.empty:
        return new
    key = ["unit_id", "valid_from"]
    old = base.assign(unit_id=base["unit_id"].astype(str))
    fresh = new.assign(unit_id=new["unit_id"].astype(str))
    keep = ~old.set_index(key).index.isin(fresh.set_index(key).index)
    return pd.concat([old[keep], fresh], ignore_index=True)


def _weekday_between(year: int, month: int, first_day: int, iso_weekday: int) -> dt.date:
    start = dt.date(year, month, first_day)
    return start + dt.timedelta(days=(iso_weekday - start.isoweekday()) % 7)


def swedish_holidays(years: Iterable[int]) -> list[dt.date]:
    """Days Swedish public libraries are normally closed: the public holidays (röda dagar) plus
    påskafton, midsommarafton, julafton and nyårsafton."""
    out: list[dt.date] = []
    for y in sorted(set(years)):
        sunday = easter(y)
        out += [dt.date(y, 1, 1), dt.date(y, 1, 6)]
        out += [sunday + dt.timedelta(days=n) for n in (-2, -1, 0, 1, 39, 49)]
        out += [dt.date(y, 5, 1), dt.date(y, 6, 6)]
        midsummer_eve = _weekday_between(y, 6, 19, 5)
        out += [midsummer_eve, midsummer_eve + dt.timedelta(days=1)]
        out.append(_weekday_between(y, 10, 31, 6))  # alla helgons dag
        out += [dt.date(y, 12, 24), dt.date(y, 12, 25), dt.date(y, 12, 26), dt.date(y, 12, 31)]
    return out


def open_status(units: pd.Series, dates: pd.Series, opening_hours: pd.DataFrame | None) -> pd.Series:
    """Whether each (unit, date) is an opening day by the weekly schedule valid at that date.

    A schedule (the rows of one unit with one ``valid_from``) holds until the unit's next
    ``valid_from``.  A weekday is open when the schedule has a row for it with hours > 0 (or
    unknown), staffed or meröppet alike.  Returns a ``boolean`` Series aligned with ``units``:
    True open, False closed, NA when no schedule of the unit is valid at that date.
    """
    result = pd.Series(pd.NA, index=units.index, dtype="boolean")
    needed = {"unit_id", "valid_from", "weekday"}
    if len(units) == 0 or opening_hours is None or opening_hours.empty or not needed <= set(opening_hours.columns):
        return result
    oh = opening_hours.dropna(subset=list(needed))
    hours = oh["hours"] if "hours" in oh else pd.Series(np.nan, index=oh.index)
    oh = pd.DataFrame(
        {
            "unit_id": oh["unit_id"].astype(str),
            "valid_from": oh["valid_from"].astype("datetime64[s]"),
            "weekday": oh["weekday"].astype(int),
            "open": ~(hours.astype(float) <= 0),
        }
    )
    versions = (
        oh[["unit_id", "valid_from"]].drop_duplicates().sort_values("valid_from").reset_index(drop=True)
    )
    versions["vid"] = np.arange(len(versions))
    table = np.zeros((len(versions), 8), dtype=bool)  # column = ISO weekday; 0 unused
    opened = oh[oh["open"] & oh["weekday"].between(1, 7)].merge(versions, on=["unit_id", "valid_from"])
    table[opened["vid"].to_numpy(), opened["weekday"].to_numpy()] = True

    d = pd.Series(dates).astype("datetime64[s]")
    left = (
        pd.DataFrame(
            {
                "unit_id": pd.Series(units).astype(str).to_numpy(),
                "date": d.to_numpy(),
                "weekday": d.dt.day_of_week.to_numpy() + 1,
                "pos": np.arange(len(units)),
            }
        )
        .dropna(subset=["date"])
        .sort_values("date", kind="stable")
    )
    matched = pd.merge_asof(
        left, versions, left_on="date", right_on="valid_from", by="unit_id", direction="backward"
    )
    known = matched["vid"].notna().to_numpy()
    values = table[matched["vid"].to_numpy()[known].astype(int), matched["weekday"].to_numpy()[known]]
    arr = result.to_numpy(dtype=object)
    arr[matched["pos"].to_numpy()[known]] = values
    return pd.Series(pd.array(arr, dtype="boolean"), index=units.index)

