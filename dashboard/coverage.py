"""What data is there: per source kind, a unit × month grid of ok / partial / estimated / missing.

- loans, events: a month is ``ok`` when the unit has at least one row in it, else ``missing``;
- visits (daily door counts): ``missing`` when no day has a count, ``partial`` when some days are
  missing (NaN: a counter outage), ``estimated`` when any day is estimated (bookmobile sample weeks);
- survey: one column per wave (year) instead of months;
- ``pause``: a month missing for a unit in every year of the grid (at least two), such as the
  bookmobiles' July break: planned, not a gap in the data.
Opening hours and population are not monthly and have no grid.
"""

from __future__ import annotations

import pandas as pd

from etl.tables import Tables

KINDS_WITH_GRID: tuple[str, ...] = ("loans", "visits", "events", "survey")
STATES: tuple[str, ...] = ("ok", "partial", "estimated", "missing", "pause")
UNIT_TYPE_ORDER = {"huvudbibliotek": 0, "stadsdelsbibliotek": 1, "bokbuss": 2}


def unit_order(units: pd.DataFrame) -> pd.DataFrame:
    """The unit register sorted as everywhere in the app: main library, districts, bookmobiles."""
    if not len(units):
        return units
    key = units["type"].astype(str).map(UNIT_TYPE_ORDER).fillna(9)
    return units.assign(_k=key).sort_values(["_k", "name"]).drop(columns="_k")


def coverage(tables: Tables, kind: str) -> pd.DataFrame:
    """Long frame: unit_id, unit_name, period (month start, or 1 January of the wave), state."""
    cols = ["unit_id", "unit_name", "period", "state"]
    frame = getattr(tables, kind)
    units = unit_order(tables.units)
    if kind not in KINDS_WITH_GRID or not len(frame) or not len(units):
        return pd.DataFrame({c: pd.Series(dtype="str") for c in cols})
    if kind == "survey":
        answered = frame.dropna(subset=["value"])
        per = answered.groupby(["unit_id", "wave"], observed=True).size().rename("n").reset_index()
        per["period"] = pd.to_datetime(per["wave"].astype(int).astype(str) + "-01-01").astype("datetime64[s]")
        per["state"] = "ok"
        periods = pd.DatetimeIndex(sorted(per["period"].unique()))
    else:
        date_col = "month" if kind == "loans" else "date"
        month = frame[date_col].dt.to_period("M").dt.to_timestamp().astype("datetime64[s]")
        work = pd.DataFrame({"unit_id": frame["unit_id"].astype(str), "period": month})
        if kind == "visits":
            work["missing"] = frame["visits"].isna().to_numpy()
            work["estimated"] = frame["estimated"].fillna(False).astype(bool).to_numpy()
            per = work.groupby(["unit_id", "period"]).agg(
                days=("missing", "size"), missing=("missing", "sum"), estimated=("estimated", "any")
            ).reset_index()
            per["state"] = "ok"
            per.loc[per["missing"] > 0, "state"] = "partial"
            per.loc[per["estimated"], "state"] = "estimated"
            per.loc[per["missing"] >= per["days"], "state"] = "missing"
        else:
            per = work.groupby(["unit_id", "period"]).size().rename("n").reset_index()
            per["state"] = "ok"
        periods = pd.date_range(month.min(), month.max(), freq="MS").astype("datetime64[s]")
    grid = pd.MultiIndex.from_product([units["unit_id"].astype(str), periods], names=["unit_id", "period"])
    out = (
        per.set_index(["unit_id", "period"])["state"]
        .reindex(grid)
        .fillna("missing")
        .reset_index()
    )
    if kind != "survey":
        out["state"] = _mark_pauses(out)
    names = dict(zip(units["unit_id"].astype(str), units["name"].astype(str)))
    out["unit_name"] = out["unit_id"].map(names)
    return out[cols]


def _mark_pauses(grid: pd.DataFrame) -> pd.Series:
    """``state`` with ``missing`` turned into ``pause`` where the unit lacks that calendar month in
    every year the grid covers (at least two years): a seasonal break, not missing data."""
    month = grid["period"].dt.month
    missing = grid["state"].eq("missing")
    per = missing.groupby([grid["unit_id"], month]).agg(["all", "size"])
    paused = per[per["all"] & (per["size"] >= 2)].index
    key = pd.MultiIndex.from_arrays([grid["unit_id"], month])
    return grid["state"].mask(missing & key.isin(paused), "pause")
