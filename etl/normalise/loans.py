"""Loans: one row per unit x month x media type x audience x genre (initial loans and renewals).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from etl.grain import period_end
from etl.normalise.common import (
    Ctx,
    column_name,
    map_labels,
    parse_numbers,
    parse_periods,
    report_duplicates,
    require,
    resolve_units,
    values_into_fields,
)
from etl.spans import month_runs
from etl.units import UnitIndex
from etl.vocabulary import vocabulary


def normalise_loans(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, _: Any) -> pd.DataFrame | None:
    df = values_into_fields(df, ("initial_loans", "renewals", "loans"), ctx)
    ok = require(df, ctx, ("unit", "unit_id"))
    ok &= require(df, ctx, ("month", "period", "date", "year"))
    ok &= require(df, ctx, ("media_type",))
    ok &= require(df, ctx, ("audience",))
    ok &= require(df, ctx, ("initial_loans", "loans"))
    if not ok:
        return None
    month, grain = parse_periods(df, ctx, finest="month")  # type: ignore[misc]
    vocab = vocabulary().value_labels
    out = pd.DataFrame({
        "month": month,
        "unit_id": resolve_units(df, ctx, units, month),
        "media_type": map_labels(df, "media_type", ctx, vocab["media_type"]),
        "audience": map_labels(df, "audience", ctx, vocab["audience"]),
        "genre": map_labels(df, "genre", ctx, vocab["genre"]) if "genre" in df else "ej_angivet",
        "_row": df["_row"].to_numpy(),
        "grain": grain,
    })
    for f in ("initial_loans", "renewals", "loans"):
        if f in df:
            out[f] = parse_numbers(df, f, ctx)[0]
        else:
            out[f] = np.nan
    raw_key = [c for c in ("month", "period", "date", "year", "unit", "unit_id", "media_type", "audience",
                           "genre", "measure", "_col") if c in df]
    report_duplicates(df, raw_key, ctx, out["unit_id"].to_numpy(dtype=object))
    # Rows with an error are left out of the sums (the file is rejected anyway), so that a sum never
    # repeats a cell's error on another row.
    good = ~np.isin(out["_row"].to_numpy(), list(ctx.failed_rows))
    grouped = out[good].groupby(list(_LOAN_KEY), observed=True, sort=False, dropna=True)
    agg = grouped[["initial_loans", "renewals", "loans"]].sum(min_count=1)
    agg["source_row"] = grouped["_row"].min()
    agg["grain"] = grouped["grain"].first()
    agg = agg.reset_index()
    agg = _without_initial_loans(agg, out, df, ctx)
    initial = agg["initial_loans"].where(agg["initial_loans"].notna(),
                                         agg["loans"] - agg["renewals"].fillna(0))
    agg["initial_loans"] = initial.round().astype("Int64")
    agg["renewals"] = agg["renewals"].round().astype("Int64")
    agg["period_end"] = period_end(agg["month"].to_numpy(), agg["grain"].to_numpy())
    return agg


_LOAN_KEY = ("month", "unit_id", "media_type", "audience", "genre")


def _without_initial_loans(agg: pd.DataFrame, out: pd.DataFrame, df: pd.DataFrame, ctx: Ctx) -> pd.DataFrame:
    """``agg`` without the groups that have no initial loans (neither ``initial_loans`` nor
    ``loans``), each explained once where the cause is:

    - a row that already has an error (unknown unit or label, text in a number) could have held
      the value: nothing more is said (one root cause, one record);
    - a cell that should hold the loans is empty: one record per cell, naming its column (the
      month column in a months-as-columns sheet);
    - there are renewals but no row with loans: one record per row of renewals, naming the months.
    """
    missing = (agg["initial_loans"].isna() & agg["loans"].isna()).to_numpy()
    if not missing.any():
        return agg
    error_rows = ctx.failed_rows
    rows = out["_row"].to_numpy()
    keys = out[list(_LOAN_KEY)]
    faulty = keys.isna().any(axis=1).to_numpy() | np.isin(rows, list(error_rows))
    # Faulty rows, per pattern of known key fields: a missing field matches any value.
    patterns: dict[tuple[bool, ...], set[tuple[Any, ...]]] = {}
    for rec in keys[faulty].itertuples(index=False):
        known = tuple(not _is_missing(v) for v in rec)
        patterns.setdefault(known, set()).add(tuple(v for v, k in zip(rec, known) if k))
    gone = agg.loc[missing, list(_LOAN_KEY)]
    covered = np.zeros(len(gone), dtype=bool)
    for known, seen in patterns.items():
        cols = [c for c, k in zip(_LOAN_KEY, known) if k]
        proj = gone[cols].itertuples(index=False, name=None)
        covered |= np.fromiter((t in seen for t in proj), bool, len(gone))
    explain = gone.loc[~covered]
    if not explain.empty:
        carries = np.zeros(len(out), dtype=bool)
        for f in ("initial_loans", "loans"):
            if f in df:
                carries |= (df["_field"] == f).to_numpy() if "_field" in df and f in ctx.value_fields \
                    else np.ones(len(out), dtype=bool)
        recs = out.assign(_carries=carries, _i=np.arange(len(out)))[~faulty].merge(explain, on=list(_LOAN_KEY))
        blank = recs[recs["_carries"]]
        fld = "loans" if "loans" in df else "initial_loans"
        for i in blank["_i"]:
            ctx.add("fel", "missing_value", "Cellen för antalet utlån är tom. Skriv antalet, eller 0 om det "
                    "inte var några utlån.", rows[i], column_name(df, fld, ctx, int(i)), "")
        only_renewals = recs[~recs["_i"].isin(blank["_i"]) & ~recs.set_index(list(_LOAN_KEY)).index.isin(
            blank.set_index(list(_LOAN_KEY)).index)]
        labels = [ctx.col(k) for k in ("unit", "media_type", "audience", "genre") if k in df]
        for row, g in only_renewals.groupby("_row", sort=True):
            i = int(g["_i"].iat[0])
            column = ctx.col("measure") if "measure" in df else column_name(df, "renewals", ctx, i)
            value = df["measure"].iat[i] if "measure" in df else df["renewals"].iat[i]
            ctx.add("fel", "missing_value", f"Raden har omlån men det finns ingen rad med utlån för samma "
                    f"{', '.join(labels)} ({month_runs(g['month'].to_numpy())}). Lägg till raden med utlån "
                    "(0 om det inte var några), eller ta bort raden.", row, column, value)
    return agg.loc[~missing].reset_index(drop=True)


def _is_missing(v: Any) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))
