"""What the anomaly rules look at: the new rows against the store, prepared once (:func:`prepare`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from etl.anomalies.thresholds import AnomalyRules, default_rules
from etl.grain import frame_grain
from etl.schedule import combine_opening_hours, open_status, swedish_holidays
from etl.tables import Tables, loans_total


def _month_index(dates: pd.Series) -> pd.Series:
    """Months as consecutive integers (year * 12 + month - 1)."""
    return dates.dt.year * 12 + dates.dt.month - 1


def _month_start(t: int) -> dt.date:
    return dt.date(t // 12, t % 12 + 1, 1)

# --------------------------------------------------------------------------- context
def _traced(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``unit_id`` as str and the trace as ``file``, ``sheet``, ``row`` (Excel row)."""
    out = df.copy()
    if "unit_id" in out:
        out["unit_id"] = out["unit_id"].astype(str)
    for col, src in (("file", "source_file"), ("sheet", "source_sheet")):
        out[col] = out[src].astype(str).where(out[src].notna(), "") if src in out else ""
        out[col] = out[col].astype(str)
    out["row"] = (
        pd.to_numeric(out["source_row"], errors="coerce").astype("Int64")
        if "source_row" in out
        else pd.Series(pd.NA, index=out.index, dtype="Int64")
    )
    return out


_TRACE = ["file", "sheet", "row"]


@dataclass(frozen=True)
class Context:
    """What the rules look at, prepared once by :func:`prepare`.

    - ``new``: the rows being loaded per kind, with ``unit_id`` as str and ``file``/``sheet``/``row``.
    - ``visits``: daily visits of the units being loaded, existing rows around the new dates
      included (new rows replace existing ones of the same unit and date), sorted by unit and date,
      with ``is_new``, ``weekday`` (1 = måndag), ``open`` (see :func:`open_status`), ``holiday``
      and ``trailing`` (after the last day with visits in its file: not yet counted).
    - ``monthly``: per kind, one row per unit x month (``t`` = year * 12 + month - 1) over the
      store and the new rows (new rows replace), with ``value`` (loans: loans + renewals; visits:
      sum; events: occasions), ``n_missing`` (blank visit days), ``is_new`` and the trace of the
      month's first row.
    """

    rules: AnomalyRules
    new: dict[str, pd.DataFrame]
    visits: pd.DataFrame
    monthly: dict[str, pd.DataFrame]
    opening_hours: pd.DataFrame
    unit_names: dict[str, str]
    export_dates: Mapping[str, dt.date]

    def unit_name(self, unit_id: str) -> str:
        return self.unit_names.get(unit_id, unit_id)


def _frames(tables: Tables | Mapping[str, pd.DataFrame] | None) -> dict[str, pd.DataFrame]:
    if tables is None:
        return {}
    if isinstance(tables, Tables):
        return tables.kinds()
    return {k: v for k, v in tables.items() if isinstance(v, pd.DataFrame)}


def _monthly_values(kind: str, df: pd.DataFrame) -> pd.DataFrame:
    """One row per unit x month: value, n_missing and the trace of the month's first row."""
    if df.empty:
        dtypes = {"unit_id": "str", "t": "int64", "value": "float64", "n_missing": "int64"}
        dtypes |= {"file": "str", "sheet": "str", "row": "Int64"}
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})
    period = "month" if kind == "loans" else "date"
    d = df.dropna(subset=[period, "unit_id"])
    if kind in ("loans", "visits"):  # quarterly and yearly totals have no monthly value to compare
        d = d[frame_grain(kind, d).isin(["day", "month"]).to_numpy()]
    if kind == "loans":
        val = loans_total(d)
        missing = pd.Series(0, index=d.index)
    elif kind == "visits":
        val = d["visits"].astype(float)
        missing = val.isna().astype(int)
    else:
        val = pd.Series(1.0, index=d.index)
        missing = pd.Series(0, index=d.index)
    work = pd.DataFrame(
        {
            "unit_id": d["unit_id"],
            "t": _month_index(d[period]),
            "value": val,
            "n_missing": missing,
            "file": d["file"],
            "sheet": d["sheet"],
            "row": d["row"],
        }
    )
    agg = work.groupby(["unit_id", "t"], sort=True).agg(
        value=("value", "sum"),
        n_valid=("value", "count"),
        n_missing=("n_missing", "sum"),
        file=("file", "first"),
        sheet=("sheet", "first"),
        row=("row", "min"),
    )
    # A month whose visit days are all blank has no value (NaN), not 0 visits.
    agg["value"] = agg["value"].where(agg.pop("n_valid") > 0)
    return agg.reset_index()


def _combine_monthly(kind: str, new: pd.DataFrame | None, old: pd.DataFrame | None) -> pd.DataFrame:
    n = _monthly_values(kind, new) if new is not None else _monthly_values(kind, pd.DataFrame())
    o = _monthly_values(kind, old) if old is not None else _monthly_values(kind, pd.DataFrame())
    if not n.empty and not o.empty:
        o = o[~o.set_index(["unit_id", "t"]).index.isin(n.set_index(["unit_id", "t"]).index)]
    out = pd.concat([o.assign(is_new=False), n.assign(is_new=True)], ignore_index=True)
    out["t"] = out["t"].astype(int)
    return out.sort_values(["unit_id", "t"], ignore_index=True)


def _daily_visits(
    new: pd.DataFrame | None, old: pd.DataFrame | None, opening_hours: pd.DataFrame, rules: AnomalyRules
) -> pd.DataFrame:
    cols = ["unit_id", "date", "visits", "estimated", "is_new", *_TRACE]
    if new is not None and not new.empty:  # the daily rules act on daily data only
        new = new[frame_grain("visits", new).eq("day").to_numpy()]
    if new is None or new.empty:
        frame = pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in zip(
                    cols,
                    ["str", "datetime64[s]", "float64", "bool", "bool", "str", "str", "Int64"],
                    strict=True,
                )
            }
        )
    else:
        n = new.dropna(subset=["date", "unit_id"]).assign(is_new=True)
        pad = pd.Timedelta(weeks=rules.catch_up_spike.window_weeks + 1)
        lo, hi = n["date"].min() - pad, n["date"].max() + pad
        parts = [n]
        if old is not None and not old.empty:
            old = old[frame_grain("visits", old).eq("day").to_numpy()]
            o = old[old["unit_id"].isin(n["unit_id"].unique()) & old["date"].between(lo, hi)]
            o = o[~o.set_index(["unit_id", "date"]).index.isin(n.set_index(["unit_id", "date"]).index)]
            parts.insert(0, o.assign(is_new=False))
        frame = pd.concat(parts, ignore_index=True)[cols]
    frame = frame.astype({"date": "datetime64[s]", "visits": "float64", "row": "Int64"})
    frame["estimated"] = frame["estimated"].astype("boolean").fillna(False).astype(bool)
    frame = frame.sort_values(["unit_id", "date"], ignore_index=True, kind="stable")
    frame["weekday"] = frame["date"].dt.day_of_week + 1
    frame["open"] = open_status(frame["unit_id"], frame["date"], opening_hours)
    if rules.holidays_closed and not frame.empty:
        days = swedish_holidays(range(frame["date"].dt.year.min(), frame["date"].dt.year.max() + 1))
        frame["holiday"] = frame["date"].isin(pd.to_datetime(days).astype("datetime64[s]"))
    else:
        frame["holiday"] = False
    data_end = frame[frame["is_new"] & (frame["visits"] > 0)].groupby("file")["date"].max()
    if data_end.empty:
        frame["trailing"] = False
    else:
        ends = frame["file"].map(data_end).astype("datetime64[s]")
        frame["trailing"] = frame["is_new"] & (frame["date"] > ends).fillna(False)
    return frame


def prepare(
    new: Tables | Mapping[str, pd.DataFrame],
    existing: Tables | Mapping[str, pd.DataFrame] | None = None,
    opening_hours: pd.DataFrame | None = None,
    *,
    rules: AnomalyRules | None = None,
    export_dates: Mapping[str, dt.date] | None = None,
    unit_names: Mapping[str, str] | None = None,
) -> Context:
    """Build the :class:`Context` the rules run on (see :func:`detect` for the arguments)."""
    rules = rules or default_rules()
    new_f = {k: _traced(v) for k, v in _frames(new).items() if not v.empty}
    old_f = {k: _traced(v) for k, v in _frames(existing).items() if not v.empty}
    if opening_hours is None:
        opening_hours = combine_opening_hours(old_f.get("opening_hours"), new_f.get("opening_hours"))
        if opening_hours is None:
            opening_hours = pd.DataFrame()
    units = existing.units if isinstance(existing, Tables) else None
    names: dict[str, str] = {}
    if units is not None and not units.empty and {"unit_id", "name"} <= set(units.columns):
        names = dict(zip(units["unit_id"].astype(str), units["name"].astype(str), strict=True))
    names.update(unit_names or {})
    monthly = {k: _combine_monthly(k, new_f.get(k), old_f.get(k)) for k in ("loans", "visits", "events")}
    visits = _daily_visits(new_f.get("visits"), old_f.get("visits"), opening_hours, rules)
    return Context(
        rules=rules,
        new=new_f,
        visits=visits,
        monthly=monthly,
        opening_hours=opening_hours,
        unit_names=names,
        export_dates=dict(export_dates or {}),
    )
