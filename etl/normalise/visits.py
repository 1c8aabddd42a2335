"""Visits: door-counter readings -> visits per unit and day (counter modes, cumulative readings,
outage days marked missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.grain import period_end
from etl.normalise.common import (
    Ctx,
    map_labels,
    parse_numbers,
    parse_periods,
    report_duplicates,
    require,
    resolve_units,
    values_into_fields,
)
from etl.parse import is_blank, parse_time
from etl.schedule import open_status
from etl.units import UnitIndex
from etl.vocabulary import vocabulary


def normalise_visits(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, opening: pd.DataFrame | None) -> pd.DataFrame | None:
    df = values_into_fields(df, ("visits", "in", "total"), ctx)
    mode = ctx.source.counter_mode
    ok = require(df, ctx, ("unit", "unit_id"))
    ok &= require(df, ctx, ("date", "month", "period", "year"))
    ok &= require(df, ctx, ("in", "total", "visits"))
    if not ok:
        return None
    days, grain = parse_periods(df, ctx)  # type: ignore[misc]
    if not (grain == "day").all():
        return _totals(df, ctx, units, days, grain)
    hours = np.array([parse_time(v) if not is_blank(v) else 0.0 for v in df["time"]], dtype=float) \
        if "time" in df else np.zeros(len(df))
    day = days.astype("datetime64[D]").astype("datetime64[s]")
    timestamp = day + (np.nan_to_num(hours) * 3600).astype("timedelta64[s]")
    unit_ids = resolve_units(df, ctx, units, day)
    reading_field = next(f for f in ("in", "total", "visits") if f in df)
    # Estimates (bookmobile sample weeks) may have decimals; counted visits are whole.
    estimated = np.asarray(map_labels(df, "estimated", ctx, vocabulary().value_labels["estimated"]) == True) \
        if "estimated" in df else None  # noqa: E712 (labels are objects: True, False or None)
    if mode == "in_out" and "in" in df and "out" in df:
        vin, oin = parse_numbers(df, "in", ctx, outage_ok=True, fractional=estimated)
        vout, oout = parse_numbers(df, "out", ctx, outage_ok=True, fractional=estimated)
        value, outage = (vin + vout) / 2, oin | oout
        said = np.where(oin, df["in"].to_numpy(dtype=object), df["out"].to_numpy(dtype=object))
    else:
        value, outage = parse_numbers(df, reading_field, ctx, outage_ok=True, fractional=estimated)
        said = df[reading_field].to_numpy(dtype=object)
        if mode == "in_out":
            value = value / 2
    # Why a day is an outage, for the one warning per run of outage days (see _outages).
    cause = np.where(outage, [f"{str(v).strip()!r}" for v in said], "")
    sensor = df["sensor"].astype(str).to_numpy() if "sensor" in df else np.full(len(df), "")
    raw = pd.DataFrame({"ts": timestamp, "date": day, "unit_id": unit_ids, "sensor": sensor,
                        "value": value, "outage": outage, "blank": np.isnan(value) & ~outage,
                        "cause": cause, "_row": df["_row"].to_numpy()})
    dup_key = [c for c in ("date", "month", "time", "unit", "unit_id", "sensor") if c in df]
    report_duplicates(df, dup_key, ctx, np.asarray(unit_ids, dtype=object))
    # A cell already reported as an error (text such as "stängt") is not also an outage: the file
    # is refused, nothing is stored, and one cell gets one problem.
    raw["failed"] = np.isin(raw["_row"].to_numpy(), list(ctx.failed_rows))
    raw = raw.dropna(subset=["unit_id", "date"])
    if mode == "cumulative":
        raw = _differences(raw, ctx, reading_field, units)
    raw = raw.assign(missing=raw["value"].isna())
    grouped = raw.groupby(["date", "unit_id"], sort=True)
    day_df = grouped[["value"]].sum(min_count=1).rename(columns={"value": "visits"})
    day_df["any_missing"] = grouped["missing"].any()
    day_df["outage"] = grouped["outage"].any()
    day_df["blank"] = grouped["blank"].all()
    day_df["cause"] = grouped["cause"].max()
    day_df["failed"] = grouped["failed"].any()
    day_df["source_row"] = grouped["_row"].min()
    day_df = day_df.reset_index()
    day_df.loc[day_df["any_missing"], "visits"] = np.nan
    if ctx.outages:
        day_df = _outages(day_df, ctx, opening, reading_field, units)
    else:  # the counter-outage rule is switched off in anomaly_rules.yaml: a 0 is a 0
        day_df = day_df.drop(columns=["any_missing", "outage", "blank", "cause", "failed"])
    day_df = _estimated(df, ctx, day_df)
    return day_df.assign(grain="day", period_end=day_df["date"])


def _estimated(df: pd.DataFrame, ctx: Ctx, out: pd.DataFrame) -> pd.DataFrame:
    """``out`` with ``estimated`` from the sheet's estimated column (False without one)."""
    if "estimated" not in df:
        return out.assign(estimated=False)
    labels = map_labels(df, "estimated", ctx, vocabulary().value_labels["estimated"])
    flag = pd.DataFrame({"source_row": df["_row"].to_numpy(), "estimated": labels})
    out = out.merge(flag.groupby("source_row").first().reset_index(), on="source_row", how="left")
    out["estimated"] = out["estimated"].fillna(False).astype(bool)
    return out


def _totals(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, start: np.ndarray, grain: np.ndarray) -> pd.DataFrame:
    """Visits given as totals per month, quarter or year: one row per unit and period, stored at
    that grain.  A 0 is a 0 (a closed month) and an empty cell is missing; none of the daily rules
    (outages, closed days, counter modes other than halving in+out) apply."""
    unit_ids = resolve_units(df, ctx, units, start)
    reading_field = next(f for f in ("in", "total", "visits") if f in df)
    if ctx.source.counter_mode == "in_out" and "in" in df and "out" in df:
        value = (parse_numbers(df, "in", ctx)[0] + parse_numbers(df, "out", ctx)[0]) / 2
    else:
        value = parse_numbers(df, reading_field, ctx)[0]
        if ctx.source.counter_mode == "in_out":
            value = value / 2
    report_duplicates(df, [c for c in ("date", "month", "period", "year", "unit", "unit_id", "sensor", "_col")
                           if c in df], ctx)
    raw = pd.DataFrame({"date": start, "unit_id": unit_ids, "grain": grain, "value": value,
                        "_row": df["_row"].to_numpy()}).dropna(subset=["unit_id", "date", "grain"])
    raw = raw[~np.isin(raw["_row"].to_numpy(), list(ctx.failed_rows))]
    grouped = raw.assign(missing=raw["value"].isna()).groupby(["date", "unit_id", "grain"], sort=True)
    out = grouped[["value"]].sum(min_count=1).rename(columns={"value": "visits"})
    out.loc[grouped["missing"].any(), "visits"] = np.nan
    out["source_row"] = grouped["_row"].min()
    out = out.reset_index()
    out["period_end"] = period_end(out["date"].to_numpy(), out["grain"].to_numpy())
    return _estimated(df, ctx, out)


def _differences(raw: pd.DataFrame, ctx: Ctx, reading_field: str, units: UnitIndex) -> pd.DataFrame:
    """Cumulative counter readings -> counts per reading; a reset (negative difference) is missing."""
    raw = raw.sort_values(["unit_id", "sensor", "ts"]).reset_index(drop=True)
    # A missing reading (outage) does not break the series: the next reading covers both days and is
    # therefore also unknown for the day; carry the last good reading forward for the difference.
    last = raw.groupby(["unit_id", "sensor"], sort=False)["value"].transform(lambda s: s.ffill().shift())
    diff = raw["value"] - last
    first = raw.groupby(["unit_id", "sensor"], sort=False).cumcount().to_numpy() == 0
    prev_missing = raw.groupby(["unit_id", "sensor"], sort=False)["value"].transform(
        lambda s: s.isna().shift(fill_value=False)).to_numpy(dtype=bool)
    reset = (diff < 0).to_numpy()
    for i in np.flatnonzero(reset):
        ctx.add("varning", "counter_reset", f"Mätarställningen sjönk ({last.iat[i]:.0f} → {raw['value'].iat[i]:.0f}): "
                "räknaren har nollställts. Dagen sparas som saknad; kontrollera räknaren.",
                raw["_row"].iat[i], ctx.col(reading_field), raw["value"].iat[i], unit_id=str(raw["unit_id"].iat[i]))
    if first.any():  # one record: the export starts at the first reading of every unit
        idx = np.flatnonzero(first)
        idx = idx[np.argsort(raw["_row"].to_numpy()[idx], kind="stable")]
        ids = [str(u) for u in raw["unit_id"].to_numpy()[idx]]
        names = [units.name(u) for u in ids]
        which = "för " + (names[0] if len(names) == 1 else f"{', '.join(names[:-1])} och {names[-1]}")
        rows = raw["_row"].to_numpy()[idx]
        listed = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
        where = f" (rad {listed})" if len(rows) > 1 else ""
        ctx.add("varning", "counter_first_reading", f"Första mätarställningen {which}{where} saknar föregående "
                "avläsning och används bara som utgångsläge: den dagen får inget besökstal. Ta med dagen "
                "före perioden i exporten.", rows[0], ctx.col(reading_field), raw["value"].iat[idx[0]],
                unit_id=ids[0] if len(ids) == 1 else "")
    # The day after a missing reading cannot be counted either: part of the same outage (_outages).
    after = prev_missing & ~first & raw["value"].notna().to_numpy()
    cause = raw["cause"].where(~after, "dagen efter avbrottet")
    cause = cause.where(~(raw["value"].isna() & (cause == "")).to_numpy(), "tom cell")
    value = diff.mask(reset | first | prev_missing)
    return raw.assign(value=value, blank=False, cause=cause).loc[~first].reset_index(drop=True)


def _cell_text(cause: str) -> str:
    """The cell's content behind an outage cause: ``'trasig'`` -> ``trasig``, ``0``; else empty."""
    if cause.startswith("'"):
        return cause.strip("'")
    return "0" if cause == "0" else ""


def _open_days(day_df: pd.DataFrame, opening: pd.DataFrame | None) -> np.ndarray:
    """1 where the unit is open that day, 0 where closed, -1 when unknown: from the opening hours
    (:func:`etl.schedule.open_status`) when they cover the day, otherwise from the unit's median for
    the weekday (above zero = open)."""
    weekday = pd.DatetimeIndex(day_df["date"]).day_of_week.to_numpy() + 1
    med = day_df.assign(wd=weekday).groupby(["unit_id", "wd"])["visits"].transform("median").to_numpy()
    heuristic = np.where(np.isnan(med), -1, (med > 0).astype(int))
    status = open_status(day_df["unit_id"], day_df["date"], opening)
    known = status.notna().to_numpy()
    return np.where(known, status.fillna(False).to_numpy(dtype=bool).astype(int), heuristic)


def _outages(day_df: pd.DataFrame, ctx: Ctx, opening: pd.DataFrame | None, reading_field: str,
             units: UnitIndex) -> pd.DataFrame:
    """Counter outages: 0 or blank on a day the unit is open, a text such as "trasig", or (cumulative
    counters) the day after a missing reading.  Stored as missing, never 0; one warning per unit and
    run of outage days (closed days do not break a run), naming the days and the causes."""
    state = _open_days(day_df, opening)
    is_open = state == 1
    zero = (day_df["visits"] == 0).to_numpy()
    blank = day_df["blank"].to_numpy(dtype=bool)
    flagged = is_open & (zero | blank)
    cause = day_df["cause"].to_numpy(dtype=object).copy()
    cause[flagged & (cause == "")] = np.where(zero, "0", "tom cell")[flagged & (cause == "")]
    out_days = (cause != "") & ~day_df["failed"].to_numpy(dtype=bool)
    units_out = day_df["unit_id"].to_numpy()[out_days]
    seq = day_df.assign(_out=out_days, _cause=cause)[(state != 0) & day_df["unit_id"].isin(units_out).to_numpy()]
    seq = seq.sort_values(["unit_id", "date"])
    run = ((seq["_out"] != seq["_out"].shift()) | (seq["unit_id"] != seq["unit_id"].shift())).cumsum()
    for _, g in seq[seq["_out"]].groupby(run[seq["_out"]], sort=False):
        unit, first, last, n = str(g["unit_id"].iat[0]), g["date"].min(), g["date"].max(), len(g)
        when = str(first)[:10] if n == 1 else f"{str(first)[:10]} t.o.m. {str(last)[:10]}"
        counts = g["_cause"].value_counts(sort=False)
        causes = ", ".join(f"{c} {k}" for c, k in counts.items()) if n > 1 else str(counts.index[0])
        ctx.add("varning", "counter_outage", f"{units.name(unit)}: besöksräknaren fungerade inte {when} "
                f"({n} {'dag' if n == 1 else 'dagar'}: {causes}). "
                f"{'Dagen sparas som saknad' if n == 1 else 'Dagarna sparas som saknade'}, inte som 0. "
                "Kontrollera räknaren; var enheten stängd, lägg in det i öppettiderna.",
                g["source_row"].iat[0], ctx.col(reading_field), _cell_text(str(g["_cause"].iat[0])), unit_id=unit)
    visits = day_df["visits"].mask(flagged)
    # Blank on a closed day means no visits.
    visits = visits.where(~((state == 0) & blank), 0.0)
    return day_df.assign(visits=visits).drop(columns=["any_missing", "outage", "blank", "cause", "failed"])
