"""The rules: each ``rule(ctx) -> DataFrame`` returns one row per finding at its natural grain (a day,
a unit-month, a file, a survey wave), so tests can check the flagged dates directly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from etl.anomalies.context import _TRACE, Context, _month_index, _month_start
from etl.grain import frame_grain
from etl.schedule import open_status, swedish_holidays
from etl.tables import loans_total


# --------------------------------------------------------------------------- rules
def _open_day_sequence(v: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Counted opening days (open by schedule, no holiday, counter not estimated, not after the
    file's data end) and whether each is an outage (visits blank or 0)."""
    seq = v[v["open"].fillna(False).astype(bool) & ~v["holiday"] & ~v["estimated"] & ~v["trailing"]]
    out = seq["visits"].isna() | (seq["visits"] == 0)
    return seq, out


def counter_outages(ctx: Context) -> pd.DataFrame:
    """Days being loaded with visits blank or 0 although the unit is open by its opening hours.

    Holidays (when ``holidays_closed``), estimated values and the days after the last counted
    day of a file (an incomplete period, see :func:`partial_periods`) are not outages.  ``run``
    numbers consecutive outage days of a unit (closed days in between do not break a run).
    """
    cols = ["unit_id", "date", "visits", "run", *_TRACE]
    seq, out = _open_day_sequence(ctx.visits)
    start = (seq["unit_id"] != seq["unit_id"].shift()) | (out != out.shift())
    run = start.cumsum()
    return seq.assign(run=run)[out & seq["is_new"]][cols].reset_index(drop=True)


def catch_up_spikes(ctx: Context) -> pd.DataFrame:
    """The first opening day after an outage when its visits are more than ``above_median`` above
    the median of the same weekday within ``window_weeks`` weeks before and after (outage days and
    other such days left out; needs ``min_reference_days`` of them)."""
    cfg = ctx.rules.catch_up_spike
    cols = ["unit_id", "date", "visits", "median", *_TRACE]
    seq, out = _open_day_sequence(ctx.visits)
    prev_out = out.shift(fill_value=False) & (seq["unit_id"] == seq["unit_id"].shift())
    after = ~out & prev_out & (seq["visits"] > 0)
    cand = seq[after & seq["is_new"]]
    if cand.empty:
        return pd.DataFrame(columns=cols)
    ref = seq[~out & ~after & seq["visits"].notna()]
    pairs = (
        cand[["unit_id", "weekday", "date"]]
        .reset_index()
        .merge(
            ref[["unit_id", "weekday", "date", "visits"]], on=["unit_id", "weekday"], suffixes=("", "_ref")
        )
    )
    pairs = pairs[(pairs["date_ref"] - pairs["date"]).abs() <= pd.Timedelta(weeks=cfg.window_weeks)]
    stats = pairs.groupby("index")["visits"].agg(["median", "size"])
    cand = cand.join(stats)
    hit = (cand["size"] >= cfg.min_reference_days) & (
        cand["visits"] > (1 + cfg.above_median) * cand["median"]
    )
    return cand[hit][cols].reset_index(drop=True)


def _series_matrix(m: pd.DataFrame, column: str) -> pd.DataFrame:
    """unit x month matrix over the full month range (NaN where a unit has no row)."""
    wide = m.pivot(index="unit_id", columns="t", values=column)
    return wide.reindex(columns=range(int(m["t"].min()), int(m["t"].max()) + 1))


def double_counting(ctx: Context) -> pd.DataFrame:
    """Unit-months being loaded that are about twice (>= ``ratio``) what they should be.

    A *jump* is a month at >= ``ratio`` times both the same month last year and the median of the
    ``previous_months`` before (either alone where the other is unknown).  The months after a jump
    that stay at >= ``ratio`` against last year belong to it (a sustained level shift).  A run of
    months high against last year that does not start with a jump (a recovery after a year with
    closures) is not flagged: the months before it were already at the same level.
    """
    cfg = ctx.rules.double_counting
    cols = ["kind", "unit_id", "t", "value", "last_year", "previous", "ratio_year", "ratio_previous", *_TRACE]
    found = []
    for kind in cfg.kinds:
        m = ctx.monthly[kind]
        if not m["is_new"].any():
            continue
        m = m[m["unit_id"].isin(m.loc[m["is_new"], "unit_id"].unique())]
        v = _series_matrix(m, "value")
        last_year = v.shift(12, axis=1)
        previous = v.T.rolling(cfg.previous_months, min_periods=1).median().shift(1).T
        ratio_year = v / last_year.where(last_year > 0)
        ratio_prev = v / previous.where(previous > 0)
        long = pd.DataFrame(
            {
                "value": v.stack(future_stack=True),
                "last_year": last_year.stack(future_stack=True),
                "previous": previous.stack(future_stack=True),
                "ratio_year": ratio_year.stack(future_stack=True),
                "ratio_previous": ratio_prev.stack(future_stack=True),
            }
        ).reset_index()
        ry, rp = long["ratio_year"], long["ratio_previous"]
        jump = ((ry >= cfg.ratio) | ry.isna()) & ((rp >= cfg.ratio) | rp.isna()) & ~(ry.isna() & rp.isna())
        jump = jump.fillna(False)
        candidate = jump | (ry >= cfg.ratio).fillna(False)
        run = ((candidate != candidate.shift()) | (long["unit_id"] != long["unit_id"].shift())).cumsum()
        flagged = long[candidate & jump.groupby(run).transform("first")]
        flagged = flagged.merge(m[m["is_new"]][["unit_id", "t", *_TRACE]], on=["unit_id", "t"])
        found.append(flagged.assign(kind=kind))
    if not found:
        return pd.DataFrame(columns=cols)
    return pd.concat(found, ignore_index=True)[cols]


def closed_day_counts(ctx: Context) -> pd.DataFrame:
    """Days being loaded with visits above ``tolerance`` on a weekday the unit's schedule has no
    opening hours for (neither staffed nor meröppet)."""
    cfg = ctx.rules.closed_day_counts
    v = ctx.visits
    closed = v["open"].eq(False).fillna(False).astype(bool)
    hit = v[closed & v["is_new"] & (v["visits"] > cfg.tolerance)]
    return hit[["unit_id", "date", "weekday", "visits", *_TRACE]].reset_index(drop=True)


def missing_months(ctx: Context) -> pd.DataFrame:
    """Months in the span being loaded for which a unit has no rows although it had data in the
    ``lookback_months`` before and other units have data for the month, or the month lies between
    months the unit has data for (a gap in its series).  ``reason``: ``"others"`` or ``"gap"``.

    A calendar month the unit never has data for, missing in at least ``seasonal_pause_years``
    years of its series, is a seasonal pause (a bookmobile resting in July), not a missing month.
    """
    cfg = ctx.rules.missing_month
    cols = ["kind", "unit_id", "t", "reason", "file", "sheet"]
    found = []
    for kind in cfg.kinds:
        m = ctx.monthly[kind]
        new_t = m.loc[m["is_new"], "t"]
        if new_t.empty:
            continue
        present = _series_matrix(m.assign(p=1.0), "p").notna()
        p = present.to_numpy()
        before = np.zeros_like(p)
        before[:, 1:] = np.maximum.accumulate(p, axis=1)[:, :-1]
        after = np.zeros_like(p)
        after[:, :-1] = np.maximum.accumulate(p[:, ::-1], axis=1)[:, ::-1][:, 1:]
        csum = np.concatenate([np.zeros((p.shape[0], 1), int), np.cumsum(p, axis=1)], axis=1)
        idx = np.arange(p.shape[1])
        recent = (csum[:, idx] - csum[:, np.maximum(idx - cfg.lookback_months, 0)]) > 0
        others = p.any(axis=0)[None, :]
        calendar = np.eye(12, dtype=int)[np.asarray(present.columns) % 12]  # T x 12
        in_series = (before | p) & (after | p)
        pause = (p.astype(int) @ calendar == 0) & (
            (in_series & ~p).astype(int) @ calendar >= cfg.seasonal_pause_years
        )
        expected = ~p & ~(pause @ calendar.T).astype(bool)
        gap = expected & before & after
        by_others = expected & recent & others & ~gap
        span = (present.columns >= new_t.min()) & (present.columns <= new_t.max())
        for reason, mask in (("gap", gap), ("others", by_others)):
            u, c = np.nonzero(mask & span[None, :])
            if len(u):
                found.append(
                    pd.DataFrame(
                        {"kind": kind, "unit_id": present.index[u], "t": present.columns[c], "reason": reason}
                    )
                )
    if not found:
        return pd.DataFrame(columns=cols)
    res = pd.concat(found, ignore_index=True).sort_values(["kind", "unit_id", "t"], ignore_index=True)
    parts = []
    for kind, g in res.groupby("kind", sort=False):
        own, (file, sheet) = _unit_files(ctx.new[kind])
        parts.append(g.merge(own, on="unit_id", how="left").fillna({"file": file, "sheet": sheet}))
    return pd.concat(parts, ignore_index=True)[cols]


def _unit_files(df: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, str]]:
    """Where a unit's missing months most likely belong: per unit its only file (and sheet) in
    the load, and the load's only file of the kind (or none) for the other units."""
    pairs = df[["unit_id", "file", "sheet"]].drop_duplicates()
    own = pairs[~pairs["unit_id"].duplicated(keep=False)]
    files = pairs[["file", "sheet"]].drop_duplicates()
    only = (str(files["file"].iloc[0]), str(files["sheet"].iloc[0])) if len(files) == 1 else ("", "")
    return own, only


def partial_periods(ctx: Context) -> pd.DataFrame:
    """Files whose last month is incomplete.

    Visits: the last day with visits in the file is followed, within the file's last month, by an
    opening day of one of its units (by schedule; days without a schedule count as open).  Loans:
    the file's last month total is below ``loans_share`` of the median of the ``previous_months``
    before (and of the same month last year, when the store has it), and the file's export date is
    unknown; a known export date before the month's end always flags it.  One row per file:
    ``t`` is the incomplete month, ``data_end`` the last counted day (visits), ``units`` the units.
    """
    cfg = ctx.rules.partial_period
    cols = [
        "kind",
        "file",
        "sheet",
        "row",
        "t",
        "data_end",
        "value",
        "previous",
        "last_year",
        "export_date",
        "units",
    ]
    rows: list[dict[str, Any]] = []
    v = ctx.visits[ctx.visits["is_new"]]
    data_end = v[v["visits"] > 0].groupby("file")["date"].max()
    month_end = (v.groupby("file")["date"].max() + pd.offsets.MonthEnd(0)).dt.normalize()
    data_end = data_end[data_end < month_end.reindex(data_end.index)]
    if not data_end.empty:
        units = v.groupby("file")["unit_id"].unique()
        grids = []
        for file, end in data_end.items():
            rest = pd.date_range(end + pd.Timedelta(days=1), month_end[file], freq="D")
            us = units[file]
            grids.append(
                pd.DataFrame(
                    {"file": file, "unit_id": np.repeat(us, len(rest)), "date": np.tile(rest, len(us))}
                )
            )
        grid = pd.concat(grids, ignore_index=True)
        # Days without a schedule count as open: better a warning too many than a month taken as whole.
        is_open = open_status(grid["unit_id"], grid["date"], ctx.opening_hours).fillna(True).astype(bool)
        if ctx.rules.holidays_closed:
            is_open &= ~grid["date"].isin(
                pd.to_datetime(swedish_holidays(grid["date"].dt.year.unique().tolist()))
            )
        after = v[v["date"] > v["file"].map(data_end).astype("datetime64[s]")]
        first_row = after.groupby("file")["row"].min()
        sheet = v.groupby("file")["sheet"].first()
        for file in sorted(grid.loc[is_open, "file"].unique()):
            end = data_end[file]
            rows.append(
                {
                    "kind": "visits",
                    "file": file,
                    "sheet": sheet[file],
                    "row": first_row.get(file, pd.NA),
                    "t": (end + pd.Timedelta(days=1)).year * 12 + (end + pd.Timedelta(days=1)).month - 1,
                    "data_end": end,
                    "units": sorted(units[file]),
                }
            )
    loans = ctx.new.get("loans")
    if loans is not None and not loans.empty:
        m = ctx.monthly["loans"]
        lo = loans.dropna(subset=["month"])
        lo = lo[frame_grain("loans", lo).eq("month").to_numpy()].assign(t=lambda d: _month_index(d["month"]))
        lo["value"] = loans_total(lo)
        for file, f in (lo.groupby("file", sort=True) if not lo.empty else ()):
            last = int(f["t"].max())
            cur = f[f["t"] == last]
            units = sorted(cur["unit_id"].unique())
            mine = m[m["unit_id"].isin(units)].groupby("t")["value"].sum()
            prev = mine.reindex(range(last - cfg.previous_months, last)).dropna()
            previous = float(prev.median()) if not prev.empty else np.nan
            last_year = float(mine.get(last - 12, np.nan))
            value = float(cur["value"].sum())
            export = ctx.export_dates.get(file)
            month_end = _month_start(last + 1) - dt.timedelta(days=1)
            if export is not None:
                hit = export < month_end
            else:
                low_prev = previous > 0 and value < cfg.loans_share * previous
                low_year = np.isnan(last_year) or value < cfg.loans_share * last_year
                hit = bool(low_prev and low_year)
            if hit:
                rows.append(
                    {
                        "kind": "loans",
                        "file": file,
                        "sheet": cur["sheet"].iloc[0],
                        "row": cur["row"].min(),
                        "t": last,
                        "value": value,
                        "previous": previous,
                        "last_year": last_year,
                        "export_date": export,
                        "units": units,
                    }
                )
    return pd.DataFrame(rows, columns=cols)


def few_survey_answers(ctx: Context) -> pd.DataFrame:
    """Survey waves being loaded with fewer than ``min_answers`` respondents for a unit."""
    cfg = ctx.rules.few_survey_answers
    cols = ["wave", "unit_id", "answers", *_TRACE]
    s = ctx.new.get("survey")
    if s is None:
        return pd.DataFrame(columns=cols)
    s = s.dropna(subset=["wave", "unit_id"])
    res = (
        s.groupby(["wave", "unit_id"])
        .agg(
            answers=("respondent_id", "nunique"),
            file=("file", "first"),
            sheet=("sheet", "first"),
            row=("row", "min"),
        )
        .reset_index()
    )
    return res[res["answers"] < cfg.min_answers][cols].sort_values(["wave", "unit_id"], ignore_index=True)


def change_vs_last_year(ctx: Context, skip: pd.DataFrame | None = None) -> pd.DataFrame:
    """Unit-months being loaded further than ``share`` from the same month last year.

    Counts vary by chance, so the difference must also exceed ``noise_z`` * sqrt(this + last
    year) (the normal approximation of comparing two Poisson counts).  Skipped: months without
    last year's value or with one below ``min_previous``; visit months with blank days in either
    year; and the (kind, unit_id, t) rows in ``skip`` (months already reported as double
    counting, incomplete or with an outage).
    """
    cfg = ctx.rules.change_vs_last_year
    cols = ["kind", "unit_id", "t", "value", "last_year", "change", *_TRACE]
    found = []
    for kind in cfg.kinds:
        m = ctx.monthly[kind]
        cur = m[m["is_new"]]
        if cur.empty:
            continue
        prev = m[["unit_id", "t", "value", "n_missing"]].assign(t=m["t"] + 12)
        j = cur.merge(prev, on=["unit_id", "t"], suffixes=("", "_ly"))
        j = j[(j["value_ly"] >= cfg.min_previous.get(kind, 0)) & (j["value_ly"] > 0) & j["value"].notna()]
        if kind == "visits":
            j = j[(j["n_missing"] == 0) & (j["n_missing_ly"] == 0)]
        j = j.assign(kind=kind, last_year=j["value_ly"], change=j["value"] / j["value_ly"] - 1)
        beyond_chance = (j["value"] - j["value_ly"]).abs() > cfg.noise_z * np.sqrt(j["value"] + j["value_ly"])
        found.append(j[(j["change"].abs() > cfg.share) & beyond_chance])
    if not found:
        return pd.DataFrame(columns=cols)
    res = pd.concat(found, ignore_index=True)
    if skip is not None and not skip.empty:
        key = ["kind", "unit_id", "t"]
        res = res[~res.set_index(key).index.isin(skip.set_index(key).index)]
    return res[cols].sort_values(["kind", "unit_id", "t"], ignore_index=True)


def units_without_opening_hours(ctx: Context) -> pd.DataFrame:
    """Counted (not estimated, not blank) visit days being loaded for which no schedule of the unit
    is valid, so outages and closed-day counts cannot be checked: one row per unit."""
    v = ctx.visits
    hit = v[v["is_new"] & ~v["estimated"] & v["visits"].notna() & v["open"].isna()]
    if hit.empty:
        return pd.DataFrame(columns=["unit_id", "first", "last", "days", *_TRACE])
    g = hit.groupby("unit_id")
    res = pd.DataFrame({"first": g["date"].min(), "last": g["date"].max(), "days": g.size()})
    first = hit.drop_duplicates("unit_id").set_index("unit_id")[_TRACE]
    return res.join(first).reset_index()
