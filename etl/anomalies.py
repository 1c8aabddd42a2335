"""Anomaly warnings on every load (domain.md §6, issue 6 §4).

:func:`detect` looks at the rows being loaded against what the store already holds and returns
warnings (:class:`etl.problems.Problem` with severity ``"varning"``): counter outages, catch-up
spikes, double counting, counts on closed days, missing months, incomplete last periods, survey
waves with too few answers and large changes against the same month last year.

Each rule is a small function ``rule(ctx) -> DataFrame`` returning one row per finding at its
natural grain (a day, a unit-month, a file, a survey wave), so tests can check the flagged dates
directly; :func:`detect` groups related findings (a run of outage days, consecutive months) into
one problem each and writes the Swedish message.  Thresholds come from ``anomaly_rules.yaml``
(:func:`load_rules`): the bundled defaults next to this module, overridable per data directory.

Everything is vectorised pandas/numpy over the whole frames; Python loops only run over findings
and files, which are few.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from etl.config import ConfigError, parse_model, read_yaml
from etl.problems import Problem
from etl.tables import Tables

#: The bundled defaults.
DEFAULT_RULES_PATH = Path(__file__).with_name("anomaly_rules.yaml")
#: Name of the override file in a data directory.
RULES_FILE_NAME = "anomaly_rules.yaml"

MonthlyKind = Literal["loans", "visits", "events"]


# --------------------------------------------------------------------------- configuration
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Rule(_Model):
    enabled: bool


class CounterOutageRule(_Rule):
    per_day: bool


class CatchUpSpikeRule(_Rule):
    above_median: float = Field(gt=0)
    window_weeks: int = Field(ge=1)
    min_reference_days: int = Field(ge=1)


class DoubleCountingRule(_Rule):
    kinds: list[Literal["loans", "visits"]]
    ratio: float = Field(gt=1)
    previous_months: int = Field(ge=1)


class ClosedDayCountsRule(_Rule):
    tolerance: float = Field(ge=0)


class MissingMonthRule(_Rule):
    kinds: list[MonthlyKind]
    lookback_months: int = Field(ge=1)
    seasonal_pause_years: int = Field(ge=1)


class PartialPeriodRule(_Rule):
    loans_share: float = Field(gt=0, lt=1)
    previous_months: int = Field(ge=1)


class FewSurveyAnswersRule(_Rule):
    min_answers: int = Field(ge=1)


class ChangeVsLastYearRule(_Rule):
    kinds: list[MonthlyKind]
    share: float = Field(gt=0)
    noise_z: float = Field(ge=0)
    min_previous: dict[MonthlyKind, float]


class AnomalyRules(_Model):
    """Thresholds of every rule; the defaults are in ``etl/anomaly_rules.yaml``."""

    holidays_closed: bool
    max_listed: int = Field(ge=1)
    counter_outage: CounterOutageRule
    catch_up_spike: CatchUpSpikeRule
    double_counting: DoubleCountingRule
    closed_day_counts: ClosedDayCountsRule
    missing_month: MissingMonthRule
    partial_period: PartialPeriodRule
    few_survey_answers: FewSurveyAnswersRule
    change_vs_last_year: ChangeVsLastYearRule


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


@cache
def default_rules() -> AnomalyRules:
    """The bundled defaults (``etl/anomaly_rules.yaml``)."""
    return parse_model(AnomalyRules, read_yaml(DEFAULT_RULES_PATH), DEFAULT_RULES_PATH)


def load_rules(override: Path | None = None) -> AnomalyRules:
    """The defaults, with the keys in ``override`` (if that file exists) replacing them.

    Lists are replaced, mappings are merged key by key.  A wrong key or value raises
    :class:`etl.config.ConfigError` naming the override file, the key path and the fix.
    """
    if override is None or not Path(override).exists():
        return default_rules()
    user = read_yaml(Path(override))
    if not isinstance(user, dict):
        raise ConfigError(
            override,
            [
                (
                    "",
                    "filen ska bestå av nycklar som i etl/anomaly_rules.yaml, t.ex. "
                    "'change_vs_last_year: {share: 0.15}'",
                )
            ],
        )
    merged = _deep_merge(read_yaml(DEFAULT_RULES_PATH), user)
    return parse_model(AnomalyRules, merged, override)


# --------------------------------------------------------------------------- calendar
def _easter(year: int) -> dt.date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    day = (h + l_ - 7 * m + 33 * month + 19) % 32
    return dt.date(year, month, day)


def _weekday_between(year: int, month: int, first_day: int, iso_weekday: int) -> dt.date:
    start = dt.date(year, month, first_day)
    return start + dt.timedelta(days=(iso_weekday - start.isoweekday()) % 7)


def swedish_holidays(years: Iterable[int]) -> list[dt.date]:
    """Days Swedish public libraries are normally closed: the public holidays (röda dagar) plus
    påskafton, midsommarafton, julafton and nyårsafton."""
    out: list[dt.date] = []
    for y in sorted(set(years)):
        easter = _easter(y)
        out += [dt.date(y, 1, 1), dt.date(y, 1, 6)]
        out += [easter + dt.timedelta(days=n) for n in (-2, -1, 0, 1, 39, 49)]
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


def _combined_opening_hours(new: dict[str, pd.DataFrame], existing: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The store's opening hours with the new schedules replacing those of the same unit and date."""
    old = existing.get("opening_hours")
    fresh = new.get("opening_hours")
    if fresh is None or fresh.empty:
        return old if old is not None else pd.DataFrame()
    if old is None or old.empty:
        return fresh
    key = ["unit_id", "valid_from"]
    o = old.assign(unit_id=old["unit_id"].astype(str))
    f = fresh.assign(unit_id=fresh["unit_id"].astype(str))
    keep = ~o.set_index(key).index.isin(f.set_index(key).index)
    return pd.concat([o[keep], f], ignore_index=True)


def _monthly_values(kind: str, df: pd.DataFrame) -> pd.DataFrame:
    """One row per unit x month: value, n_missing and the trace of the month's first row."""
    if df.empty:
        dtypes = {"unit_id": "str", "t": "int64", "value": "float64", "n_missing": "int64"}
        dtypes |= {"file": "str", "sheet": "str", "row": "Int64"}
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})
    period = "month" if kind == "loans" else "date"
    d = df.dropna(subset=[period, "unit_id"])
    if kind == "loans":
        val = (
            d["initial_loans"].astype("Float64").fillna(0) + d["renewals"].astype("Float64").fillna(0)
        ).astype(float)
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
        opening_hours = _combined_opening_hours(new_f, old_f)
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
        lo = loans.dropna(subset=["month"]).assign(t=lambda d: _month_index(d["month"]))
        lo["value"] = (
            lo["initial_loans"].astype("Float64").fillna(0) + lo["renewals"].astype("Float64").fillna(0)
        ).astype(float)
        for file, f in lo.groupby("file", sort=True):
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


# --------------------------------------------------------------------------- messages
_MONTHS_SV = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
_WEEKDAYS_SV = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
#: Indefinite and definite plural, as used mid-sentence.
_KIND_NOUN = {
    "loans": ("utlån", "utlånen"),
    "visits": ("besök", "besöken"),
    "events": ("arrangemang", "arrangemangen"),
}
_KIND_COLUMN = {"loans": "Utlån", "visits": "Besök", "events": "Arrangemang"}


def _num(x: float) -> str:
    """A whole number the Swedish way: ``1 234 567`` (no-break spaces, as babel's sv_SE)."""
    return f"{round(float(x)):,}".replace(",", "\u00a0").replace("-", "−")


def _pct(x: float, signed: bool = False) -> str:
    p = round(float(x) * 100)
    sign = ("+" if p > 0 else "−" if p < 0 else "±") if signed else ""
    return f"{sign}{_num(abs(p) if signed else p)}\u00a0%"


def _ratio(x: float) -> str:
    return "×" + f"{x:.1f}".replace(".", ",")


def _date(d: Any) -> str:
    return pd.Timestamp(d).date().isoformat()


def _month(t: int) -> str:
    return f"{_MONTHS_SV[t % 12]} {t // 12}"


def _month_span(first: int, last: int) -> str:
    if first == last:
        return _month(first)
    if first // 12 == last // 12:
        return f"{_MONTHS_SV[first % 12]}–{_MONTHS_SV[last % 12]} {first // 12}"
    return f"{_month(first)}–{_month(last)}"


def _listed(items: list[str], limit: int, total: int | None = None) -> str:
    """The first ``limit`` items, and how many more of ``total`` (default: all items) there are."""
    total = len(items) if total is None else total
    shown = ", ".join(items[:limit])
    return shown + (f" och {total - limit} till" if total > limit else "")


def _row(x: Any) -> int | None:
    return None if pd.isna(x) else int(x)


def _blocks(f: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Block number of consecutive months (``t``) with the same ``keys``; ``f`` sorted by keys, t."""
    start = f["t"].diff() != 1
    for k in keys:
        start |= f[k] != f[k].shift()
    return start.cumsum()


def _warn(
    code: str,
    message: str,
    rec: Mapping[str, Any] | pd.Series,
    column: str = "",
    value: str = "",
    one_unit: bool = True,
) -> Problem:
    """A warning traced to ``rec``'s file, sheet and row; it concerns ``rec``'s unit unless
    ``one_unit`` is False (a finding listed for several units)."""
    unit = rec.get("unit_id", None) if one_unit else None
    return Problem(
        severity="varning",
        code=code,
        message=message,
        file=str(rec.get("file", "") or ""),
        sheet=str(rec.get("sheet", "") or ""),
        row=_row(rec.get("row", None)),
        column=column,
        value=value,
        unit_id="" if unit is None or (not isinstance(unit, str) and pd.isna(unit)) else str(unit),
    )


def _outage_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    out = []
    if ctx.rules.counter_outage.per_day:
        f = f.assign(run=np.arange(len(f)))
    for (unit, _), g in f.groupby(["unit_id", "run"], sort=True):
        first, last, n = g["date"].min(), g["date"].max(), len(g)
        when = _date(first) if n == 1 else f"{_date(first)} t.o.m. {_date(last)}"
        shown = (
            "besök saknas (tom cell)"
            if g["visits"].isna().all()
            else "besök är 0"
            if (g["visits"] == 0).all()
            else "besök är 0 eller saknas"
        )
        days = "öppetdag" if n == 1 else "öppetdagar"
        rec = g.iloc[0]
        out.append(
            _warn(
                "counter_outage",
                f"{ctx.unit_name(unit)}: {shown} {when} ({n} {days}), fast enheten har öppet "
                "enligt öppettiderna. Troligen var räknaren ur funktion. Kontrollera räknaren och lämna "
                "sådana dagar tomma i filen (0 räknas som inga besök); var enheten stängd, lägg in det i "
                "öppettiderna.",
                rec,
                "Besök",
                "" if pd.isna(rec["visits"]) else _num(rec["visits"]),
            )
        )
    return out


def _spike_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    return [
        _warn(
            "catch_up_spike",
            f"{ctx.unit_name(r['unit_id'])}: {_num(r['visits'])} besök {_date(r['date'])} "
            f"({_WEEKDAYS_SV[pd.Timestamp(r['date']).day_of_week]}) direkt efter ett räknaravbrott är "
            f"{_pct(r['visits'] / r['median'] - 1)} mer än medianen för samma veckodag veckorna runt "
            f"omkring ({_num(r['median'])}). Räknaren har troligen räknat ikapp de missade dagarna. "
            "Kontrollera värdet och rätta det så att besöken inte räknas dubbelt.",
            r,
            "Besök",
            _num(r["visits"]),
        )
        for _, r in f.iterrows()
    ]


def _double_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    out = []
    f = f.sort_values(["kind", "unit_id", "t"], ignore_index=True)
    for _, g in f.groupby(_blocks(f, ["kind", "unit_id"]), sort=False):
        kind, unit = g["kind"].iloc[0], g["unit_id"].iloc[0]
        against = []
        if g["ratio_year"].notna().any():
            against.append(f"{_ratio(g['ratio_year'].max())} mot samma månad förra året")
        if (g["ratio_previous"] >= ctx.rules.double_counting.ratio).any():
            against.append(f"{_ratio(g['ratio_previous'].max())} mot månaderna före")
        if kind == "visits":
            cause = (
                "Troligen räknar räknaren både in- och utpassager. Gör den det, ange counter_mode: in_out "
                "för källan i sources.yaml så delas värdena med 2."
            )
            change = _schedule_change(ctx, unit, int(g["t"].min()))
            if change is not None:
                since, before, after = change
                cause = (
                    f"Enheten har nya öppettider från {_date(since)} ({_num(before)} → {_num(after)} timmar "
                    "i veckan), vilket kan förklara ökningen; annars räknar räknaren troligen både in- och "
                    "utpassager. Gör den det, ange counter_mode: in_out för källan i sources.yaml så delas "
                    "värdena med 2."
                )
        else:
            cause = (
                "Troligen räknar exporten samma lån två gånger (t.ex. både utlån och återlämningar, eller "
                "två rapporter ihop). Kontrollera exporten och läs in den rättade filen."
            )
        rec = g.iloc[0]
        out.append(
            _warn(
                "double_counting",
                f"{ctx.unit_name(unit)}: {_KIND_NOUN[kind][1]} {_month_span(g['t'].min(), g['t'].max())} är "
                f"ungefär dubbelt så många som väntat ({' och '.join(against)}). {cause}",
                rec,
                _KIND_COLUMN[kind],
                _num(rec["value"]),
            )
        )
    return out


def _schedule_change(ctx: Context, unit: str, t: int) -> tuple[pd.Timestamp, float, float] | None:
    """A new opening-hours schedule of ``unit`` starting in month ``t`` or the month before, with
    the weekly hours of the schedule before it and of the new one; None if there is none."""
    oh = ctx.opening_hours
    if oh is None or oh.empty or "hours" not in oh:
        return None
    mine = oh[oh["unit_id"].astype(str) == unit]
    weekly = mine.groupby("valid_from")["hours"].sum().sort_index()
    months = weekly.index.year * 12 + weekly.index.month - 1
    starts = np.nonzero((months >= t - 1) & (months <= t))[0]
    if len(starts) == 0 or starts[-1] == 0:
        return None
    i = starts[-1]
    return weekly.index[i], float(weekly.iloc[i - 1]), float(weekly.iloc[i])


def _closed_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    out = []
    limit = ctx.rules.max_listed
    for (unit, wd), g in f.groupby(["unit_id", "weekday"], sort=True):
        day = _WEEKDAYS_SV[int(wd) - 1]
        n = len(g)
        rec = g.iloc[0]
        out.append(
            _warn(
                "closed_day_counts",
                f"{ctx.unit_name(unit)}: {_num(g['visits'].sum())} besök på {n} "
                f"{day if n == 1 else day + 'ar'} då enheten är stängd enligt öppettiderna "
                f"({_listed([_date(d) for d in g['date']], limit)}). "
                "Kontrollera öppettiderna (saknas en öppetdag eller meröppet?) eller om räknaren räknar "
                "personalens passager.",
                rec,
                "Besök",
                _num(rec["visits"]),
            )
        )
    return out


def _missing_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    out = []
    f = f.sort_values(["kind", "unit_id", "t"], ignore_index=True)
    for _, g in f.groupby(_blocks(f, ["kind", "unit_id"]), sort=False):
        kind, unit = g["kind"].iloc[0], g["unit_id"].iloc[0]
        why = (
            "enheten har data före och efter"
            if (g["reason"] == "gap").all()
            else "andra enheter har data för perioden och enheten hade data månaderna före"
        )
        out.append(
            _warn(
                "missing_month",
                f"{ctx.unit_name(unit)}: {_KIND_NOUN[kind][0]} saknas för "
                f"{_month_span(g['t'].min(), g['t'].max())}, fast {why}. Kontrollera att enheten "
                "finns med i exporten (heter den något annat, lägg till namnet som alias i units.yaml) "
                "och läs in den saknade perioden.",
                g.iloc[0],
                "",
                "",
            )
        )
    return out


def _partial_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    out = []
    for _, r in f.iterrows():
        month = _month(int(r["t"]))
        if r["kind"] == "visits":
            start = r["data_end"] + pd.Timedelta(days=1)
            what = f"resten av {month}" if start.day != 1 else month
            msg = (
                f"besöken slutar {_date(r['data_end'])} och {what} saknas. Exporten gjordes troligen "
                f"innan månaden var slut, så {month} räknas som ofullständig. Läs in en ny export efter "
                "månadsskiftet (den ersätter perioden)."
            )
            out.append(_warn("partial_period", msg, r, "Datum", _date(r["data_end"])))
            continue
        if r["export_date"] is not None and not pd.isna(r["export_date"]):
            basis = f"exporten gjordes {_date(r['export_date'])}, före månadens slut"
        else:
            basis = (
                f"utlånen ({_num(r['value'])}) är bara {_pct(r['value'] / r['previous'])} av medianen "
                f"för månaderna före ({_num(r['previous'])})"
            )
            if not np.isnan(r["last_year"]) and r["last_year"] > 0:
                basis += f" och {_pct(r['value'] / r['last_year'])} av samma månad förra året"
        msg = (
            f"{month} är troligen ofullständig: {basis}. Läs in en ny export efter månadsskiftet "
            f"(den ersätter perioden); till dess räknas {month} som ofullständig."
        )
        out.append(_warn("partial_period", msg, r, "Utlån", "" if pd.isna(r["value"]) else _num(r["value"])))
    return out


def _survey_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    n_min = ctx.rules.few_survey_answers.min_answers
    return [
        _warn(
            "few_survey_answers",
            f"{ctx.unit_name(r['unit_id'])}: enkäten {int(r['wave'])} har bara {int(r['answers'])} svar "
            f"(färre än {n_min}). Resultatet är osäkert och markeras 'för få svar'; redovisa antalet svar "
            "och jämför inte enheten med andra utan det, eller samla in fler svar.",
            r,
            "Enhet",
            str(int(r["answers"])),
        )
        for _, r in f.iterrows()
    ]


def _change_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    """One warning per unit, kind and file listing the months; when one file has findings for more
    than ``max_listed`` units (a first load of several years), one warning for the file instead,
    listing per unit how many months deviate and the largest deviation."""
    out = []
    cfg = ctx.rules
    share = _pct(cfg.change_vs_last_year.share)
    advice = (
        "Kontrollera att filen är rätt (rätt enhet, hela månaden, samma sätt att räkna som förra året); "
        "stämmer siffrorna, förklara gärna i analysen."
    )
    records = f.sort_values(["kind", "file", "unit_id", "t"]).to_dict("records")
    for (kind, _), file_grp in groupby(records, key=itemgetter("kind", "file")):
        by_unit = [list(g) for _, g in groupby(file_grp, key=itemgetter("unit_id"))]
        if len(by_unit) > cfg.max_listed:
            by_unit.sort(key=lambda g: (-len(g), ctx.unit_name(g[0]["unit_id"])))
            items = []
            for g in by_unit[: cfg.max_listed]:
                top = max(g, key=lambda r: abs(r["change"]))
                months = "1 månad" if len(g) == 1 else f"{len(g)} månader"
                items.append(
                    f"{ctx.unit_name(g[0]['unit_id'])} {months} (störst {_month(int(top['t']))} "
                    f"{_pct(top['change'], signed=True)})"
                )
            first = min((r for g in by_unit for r in g), key=lambda r: (pd.isna(r["row"]), 0 if pd.isna(r["row"]) else int(r["row"])))
            n_months = sum(len(g) for g in by_unit)
            out.append(
                _warn(
                    "change_vs_last_year",
                    f"{_KIND_NOUN[kind][1].capitalize()} avviker mer än {share} från samma månad förra året "
                    f"för {len(by_unit)} enheter ({n_months} månader): "
                    f"{_listed(items, cfg.max_listed, len(by_unit))}. {advice}",
                    first,
                    _KIND_COLUMN[kind],
                    _num(first["value"]),
                    one_unit=False,
                )
            )
            continue
        for g in by_unit:
            unit = g[0]["unit_id"]
            items = [
                f"{_month(int(r['t']))} {_pct(r['change'], signed=True)} ({_num(r['value'])} mot "
                f"{_num(r['last_year'])})"
                for r in g[: cfg.max_listed]
            ]
            out.append(
                _warn(
                    "change_vs_last_year",
                    f"{ctx.unit_name(unit)}: {_KIND_NOUN[kind][1]} avviker mer än {share} från samma månad "
                    f"förra året: {_listed(items, cfg.max_listed, len(g))}. {advice}",
                    g[0],
                    _KIND_COLUMN[kind],
                    _num(g[0]["value"]),
                )
            )
    return out


def _opening_hours_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    if ctx.opening_hours is None or ctx.opening_hours.empty:
        if f.empty:
            return []
        return [
            _warn(
                "no_opening_hours",
                "Inga öppettider är inlästa, så räknaravbrott och besök på stängda dagar kan inte "
                "kontrolleras. Läs in enheternas öppettider.",
                f.iloc[0],
                one_unit=False,
            )
        ]
    out = []
    for _, r in f.iterrows():
        n = int(r["days"])
        when = _date(r["first"]) if n == 1 else f"{_date(r['first'])} t.o.m. {_date(r['last'])}"
        out.append(
            _warn(
                "no_opening_hours",
                f"{ctx.unit_name(r['unit_id'])}: öppettider saknas för {n} {'dag' if n == 1 else 'dagar'} "
                f"med besök ({when}), så räknaravbrott och besök på stängda dagar kan inte kontrolleras "
                "där. Lägg in enhetens öppettider för perioden.",
                r,
            )
        )
    return out


# --------------------------------------------------------------------------- entry point
def detect(
    new: Tables | Mapping[str, pd.DataFrame],
    existing: Tables | Mapping[str, pd.DataFrame] | None = None,
    opening_hours: pd.DataFrame | None = None,
    *,
    rules: AnomalyRules | Path | str | None = None,
    export_dates: Mapping[str, dt.date] | None = None,
    unit_names: Mapping[str, str] | None = None,
) -> list[Problem]:
    """All anomaly warnings for a load.

    ``new``: the rows being loaded, per kind (tidy frames as in ``etl.tables``, with the trace
    columns ``source_file``, ``source_sheet``, ``source_row`` when known).  ``existing``: what the
    store holds (baselines: last year, the months before, the unit register for names).
    ``opening_hours``: the schedules as they will be after the load; default: the store's,
    with the new ones replacing those of the same unit and ``valid_from``.  ``rules``: thresholds,
    or the path of an override file for :func:`load_rules` (default :func:`default_rules`).
    ``export_dates``: file name (as in ``source_file``) -> export date, when known.
    ``unit_names``: unit id -> name for the messages (default: the names in ``existing.units``;
    these win, so a check against an empty store still names units as the register does).

    Returns warnings (severity ``"varning"``) in rule order; related findings (a run of days,
    consecutive months, the same weekday) are one warning each.
    """
    if isinstance(rules, (Path, str)):
        rules = load_rules(Path(rules))
    ctx = prepare(new, existing, opening_hours, rules=rules, export_dates=export_dates, unit_names=unit_names)
    r = ctx.rules
    problems: list[Problem] = []
    skip: list[pd.DataFrame] = []
    if not ctx.visits.empty and (r.counter_outage.enabled or r.closed_day_counts.enabled):
        problems += _opening_hours_problems(ctx, units_without_opening_hours(ctx))
    if r.counter_outage.enabled:
        outages = counter_outages(ctx)
        problems += _outage_problems(ctx, outages)
        skip.append(
            pd.DataFrame(
                {"kind": "visits", "unit_id": outages["unit_id"], "t": _month_index(outages["date"])}
            )
        )
    if r.catch_up_spike.enabled:
        problems += _spike_problems(ctx, catch_up_spikes(ctx))
    if r.double_counting.enabled:
        doubles = double_counting(ctx)
        problems += _double_problems(ctx, doubles)
        skip.append(doubles[["kind", "unit_id", "t"]])
    if r.closed_day_counts.enabled:
        problems += _closed_problems(ctx, closed_day_counts(ctx))
    if r.missing_month.enabled:
        problems += _missing_problems(ctx, missing_months(ctx))
    if r.partial_period.enabled:
        partial = partial_periods(ctx)
        problems += _partial_problems(ctx, partial)
        if not partial.empty:
            exploded = partial[["kind", "t", "units"]].explode("units").rename(columns={"units": "unit_id"})
            skip.append(exploded)
    if r.few_survey_answers.enabled:
        problems += _survey_problems(ctx, few_survey_answers(ctx))
    if r.change_vs_last_year.enabled:
        skip_frame = (
            pd.concat([s.astype({"t": int}) for s in skip if not s.empty], ignore_index=True)
            if any(not s.empty for s in skip)
            else None
        )
        problems += _change_problems(ctx, change_vs_last_year(ctx, skip_frame))
    return problems
