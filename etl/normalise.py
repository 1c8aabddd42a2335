"""Normalise step: a :class:`~etl.read.RawSheet` -> the tidy table of its kind (``etl.tables``).

Handles layouts (long, months as columns), totals rows, personal data, value labels, numbers and
dates written as text, unit names with validity dates, counter modes and outages.  Problems found on
the way become :class:`~etl.problems.Problem` records with the Excel row and header of the cell.
Transaction exports take the fast path in :mod:`etl.transactions`.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from etl.config import Source
from etl.headers import FIELD_LABELS_SV, ColumnMap, map_columns, missing_column
from etl.parse import datetimes, hhmm, is_blank, numbers, parse_month, parse_time
from etl.problems import Problem
from etl.read import RawSheet
from etl.tables import SURVEY_ITEMS, conform, empty
from etl.units import UnitIndex
from etl.vocabulary import norm, vocabulary

#: At most this many records per problem code and column; the rest are summarised in one record.
MAX_PER_COLUMN = 20

#: Fields whose text marks a totals row ("Totalt", "Summa") when it appears in them.
TOTALS_FIELDS: dict[str, tuple[str, ...]] = {
    "loans": ("unit", "unit_id", "media_type", "audience", "genre", "month", "date", "period"),
    "visits": ("unit", "unit_id", "date"),
    "events": ("unit", "unit_id", "title", "date"),
    "opening_hours": ("unit", "unit_id"),
    "survey": (),
    "population": ("district", "age", "age_from"),
}

#: Default field held by month cells in ``months_as_columns``.
DEFAULT_VALUE_FIELD = {"loans": "loans", "visits": "visits", "population": "population",
                       "events": "participants"}


class Ctx:
    """Problem collector for one sheet: knows the file, sheet and column headers."""

    def __init__(self, sheet: RawSheet, source: Source, columns: dict[str, str]):
        self.sheet, self.source, self.columns = sheet, source, columns
        self.problems: list[Problem] = []
        self.value_fields: set[str] = {"_value"}  # fields holding month-cell values (column = _col)
        self._counts: Counter[tuple[str, str]] = Counter()

    def col(self, fld: str) -> str:
        return self.columns.get(fld, FIELD_LABELS_SV.get(fld, fld))

    def add(self, severity: str, code: str, message: str, row: Any = None, column: str = "",
            value: Any = "") -> None:
        key = (code, column)
        self._counts[key] += 1
        if self._counts[key] <= MAX_PER_COLUMN:
            self.problems.append(Problem(
                severity, code, message, file=self.sheet.file, sheet=self.sheet.sheet,  # type: ignore[arg-type]
                row=None if row is None else int(row), column=column,
                value=_show(value)))

    def cells(self, severity: str, code: str, message: str, df: pd.DataFrame, mask: np.ndarray,
              fld: str, values: Any = None) -> None:
        """One record per flagged cell of field ``fld``."""
        vals = df[fld].to_numpy() if values is None else np.asarray(values, dtype=object)
        cols = df["_col"].to_numpy() if fld in self.value_fields and "_col" in df else None
        for i in np.flatnonzero(mask):
            col = cols[i] if cols is not None else self.col(fld)
            self.add(severity, code, message, df["_row"].iat[i], col, vals[i])

    def finish(self) -> list[Problem]:
        for (code, column), n in self._counts.items():
            if n > MAX_PER_COLUMN:
                first = next(p for p in self.problems if p.code == code and p.column == column)
                self.problems.append(Problem(
                    first.severity, code, f"… och {n - MAX_PER_COLUMN} rader till med samma problem "
                    f"i kolumnen {column!r} (endast de {MAX_PER_COLUMN} första visas).",
                    file=first.file, sheet=first.sheet, column=column))
        return self.problems


def _blank_mask(values: Any) -> np.ndarray:
    """True for empty cells ("" / whitespace, None, NaN), vectorised over an object column."""
    arr = np.asarray(values, dtype=object)
    mask = pd.isna(arr) | (arr == "")
    maybe = ~mask & np.fromiter((isinstance(v, str) for v in arr), bool, len(arr))
    if maybe.any():
        idx = np.flatnonzero(maybe)
        mask[idx] = np.fromiter((not arr[i].strip() for i in idx), bool, len(idx))
    return mask


def _show(value: Any) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def normalise(sheet: RawSheet, source: Source, units: UnitIndex,
              opening_hours: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """The tidy table for ``sheet`` (with trace columns) and the problems found."""
    cmap = map_columns(sheet, source.kind, source)
    ctx = Ctx(sheet, source, {f: sheet.names[i] for f, i in cmap.fields.items()})
    ctx.problems += sheet.problems + cmap.problems
    df = pd.DataFrame({f: pd.Series(sheet.columns[i], dtype=object) for f, i in cmap.fields.items()})
    df["_row"] = sheet.rows
    for fld, value in source.constants.items():
        if fld not in df:
            df[fld] = pd.Series([value] * len(df), dtype=object)
    df = _drop_totals(df, cmap, sheet, source, ctx)
    if source.layout == "months_as_columns":
        df = _melt_months(df, cmap, sheet, source, ctx)
        if df is None:
            return empty(source.kind), ctx.finish()
    out = NORMALISERS[source.kind](df, ctx, units, opening_hours)
    if out is None:
        return empty(source.kind), ctx.finish()
    out["source_file"] = sheet.file
    out["source_sheet"] = sheet.sheet
    result = conform(source.kind, out)
    result.attrs["columns"] = dict(ctx.columns)
    return result, ctx.finish()


# --------------------------------------------------------------------------- shared steps
def _drop_totals(df: pd.DataFrame, cmap: ColumnMap, sheet: RawSheet, source: Source, ctx: Ctx) -> pd.DataFrame:
    totals = vocabulary().totals
    label_cols = [f for f in TOTALS_FIELDS[source.kind] if f in cmap.fields]
    mask = np.zeros(len(df), dtype=bool)
    hit_col: dict[int, str] = {}
    candidates = [(f, df[f].to_numpy()) for f in label_cols]
    if cmap.unrecognised and cmap.unrecognised[0] == 0:
        candidates.append((sheet.names[0], np.asarray(sheet.columns[0], dtype=object)))
    for name, values in candidates:
        uniques = pd.unique(values)
        labels = [u for u in uniques if isinstance(u, str) and norm(u) in totals]
        if not labels:
            continue
        hits = pd.Series(values).isin(labels).to_numpy()
        for i in np.flatnonzero(hits & ~mask):
            hit_col[i] = ctx.col(name) if name in cmap.fields else name
        mask |= hits
    for i in np.flatnonzero(mask):
        ctx.add("varning", "totals_row", "Summeringsraden togs bort (räknas inte två gånger). "
                "Ta gärna bort summeringsrader ur exporten.", df["_row"].iat[i], hit_col[i],
                next(v for v in df.iloc[i] if isinstance(v, str) and norm(v) in totals))
    return df.loc[~mask].reset_index(drop=True)


def _melt_months(df: pd.DataFrame, cmap: ColumnMap, sheet: RawSheet, source: Source,
                 ctx: Ctx) -> pd.DataFrame | None:
    """One row per (row, month column); the cell value goes to ``_value``, the month to ``month``."""
    totals = vocabulary().totals
    month_cols: list[tuple[int, int | None, int]] = []
    for i in cmap.unrecognised:
        parsed = parse_month(sheet.names[i])
        if parsed is None:
            if norm(sheet.names[i]) in totals or norm(sheet.names[i]) in {"helar", "hela aret", "ar totalt"}:
                ctx.add("varning", "totals_row", "Summeringskolumnen togs bort (räknas inte två gånger).",
                        sheet.header_row, sheet.names[i], sheet.names[i])
            continue
        year, month = parsed
        if year is None:
            for part in sheet.header_parts[i][:-1]:
                if re.fullmatch(r"\d{4}", part.strip()):
                    year = int(part)
        month_cols.append((i, year, month))
    if not month_cols:
        ctx.add("fel", "missing_column", "Inga månadskolumner hittades (t.ex. jan, Januari, 2024-01). "
                f"Hittade kolumner: {', '.join(n for n in sheet.names if n)}. Kontrollera header_rows "
                "och layout i sources.yaml.", sheet.header_row, "månad")
        return None
    n, k = len(df), len(month_cols)
    out = df.loc[np.repeat(np.arange(n), k)].reset_index(drop=True)
    # The rows left after dropping totals, located in the sheet through their Excel row number.
    pos = np.searchsorted(sheet.rows, df["_row"].to_numpy())
    values = np.empty(n * k, dtype=object)
    for j, (i, _, _) in enumerate(month_cols):
        values[j::k] = np.asarray(sheet.columns[i], dtype=object)[pos]
    out["_value"] = values
    out["_col"] = np.tile([sheet.names[i] for i, _, _ in month_cols], n)
    header_years = np.tile(np.array([y if y is not None else -1 for _, y, _ in month_cols]), n)
    months = np.tile(np.array([m for _, _, m in month_cols]), n)
    if "year" in out:
        row_years, bad, _ = numbers(out["year"].tolist())
        ctx.cells("fel", "bad_date", "Året går inte att tolka; skriv det som fyra siffror (2024).", out, bad, "year")
        years = np.where(header_years >= 0, header_years, np.nan_to_num(row_years, nan=-1)).astype(int)
    else:
        years = header_years
    if (years < 0).any():
        ctx.add("fel", "bad_date", "Året framgår inte: månadskolumnerna saknar år och filen har ingen "
                "årskolumn. Lägg till år i rubriken (t.ex. Jan-24), en kolumn År, en rubrikrad med år "
                "(header_rows: 2) eller constants: {year: 2024} i sources.yaml.", sheet.header_row, "månad")
        return None
    out["month"] = pd.to_datetime({"year": years, "month": months, "day": 1}).to_numpy().astype("datetime64[s]")
    if "measure" in out:
        labels = _labels(out, "measure", ctx, vocabulary().value_labels["measure"])
        out["_field"] = labels
    else:
        out["_field"] = source.value_field or DEFAULT_VALUE_FIELD.get(source.kind, "_value")
    ctx.columns.setdefault("_value", "månadskolumn")
    return out


def _labels(df: pd.DataFrame, fld: str, ctx: Ctx, builtin: dict[str, Any],
            allowed: tuple[str, ...] = ()) -> np.ndarray:
    """Map the labels of ``fld`` to canonical values (source value_labels, then the vocabulary).
    Unknown labels are one error per label (listing the rows) and ``None`` in the result."""
    own = {norm(k): v for k, v in ctx.source.value_labels.get(fld, {}).items()}
    values = df[fld].to_numpy()
    out = np.empty(len(values), dtype=object)
    unknown: dict[str, list[int]] = {}
    cache: dict[str, Any] = {}
    raw_cache: dict[str, Any] = {}
    for i, v in enumerate(values):
        raw_key = v if isinstance(v, str) else repr(v)
        if raw_key in raw_cache:
            hit = raw_cache[raw_key]
            if hit is _UNKNOWN:
                unknown.setdefault("" if is_blank(v) else str(v), []).append(i)
                out[i] = None
            else:
                out[i] = hit
            continue
        key = norm(v) if not is_blank(v) else ""
        if key not in cache:
            if key in own:
                cache[key] = own[key]
            elif key in builtin:
                cache[key] = builtin[key]
            elif allowed and key in allowed:
                cache[key] = key
            else:
                cache[key] = _UNKNOWN
        hit = raw_cache[raw_key] = cache[key]
        if hit is _UNKNOWN:
            unknown.setdefault("" if is_blank(v) else str(v), []).append(i)
            out[i] = None
        else:
            out[i] = hit
    for label, idx in unknown.items():
        rows = df["_row"].to_numpy()[idx]
        where = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
        known = ", ".join(sorted({str(v) for v in builtin.values() if v is not None} | set(allowed)))
        what = "saknas" if label == "" else f"{label!r} är okänt"
        ctx.add("fel", "unknown_label", f"{FIELD_LABELS_SV.get(fld, fld).capitalize()} {what} "
                f"(rad {where}). Tillåtna värden: {known}. Lägg till value_labels: {{{fld}: "
                f"{{\"{label}\": …}}}} i sources.yaml eller rätta filen.", rows[0], ctx.col(fld), label)
    return out


_UNKNOWN = object()


def _numbers(df: pd.DataFrame, fld: str, ctx: Ctx, *, outage_ok: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Parse a numeric field; text that is not a number is an error (outage labels: a warning).
    -> (values, outage mask)."""
    vals, bad, text = numbers(df[fld].tolist())
    outage = np.zeros(len(vals), dtype=bool)
    if outage_ok and bad.any():
        labels = vocabulary().outage
        outage = bad & np.fromiter((isinstance(v, str) and norm(v) in labels for v in df[fld]), bool, len(df))
        bad &= ~outage
    ctx.cells("fel", "text_in_number", "Cellen ska innehålla ett tal men innehåller text. Skriv talet "
              "(t.ex. 1 234) eller lämna cellen tom om värdet saknas.", df, bad, fld)
    if text.any():
        i = int(np.flatnonzero(text)[0])
        ctx.add("varning", "number_as_text", f"{int(text.sum())} tal var skrivna som text (t.ex. med "
                "decimalkomma eller mellanslag som tusentalsavgränsare) och tolkades som tal. "
                "Kontrollera att värdena blev rätt.", df["_row"].iat[i], _colname(df, fld, ctx, i),
                df[fld].iat[i])
    return vals, outage


def _colname(df: pd.DataFrame, fld: str, ctx: Ctx, i: int) -> str:
    return str(df["_col"].iat[i]) if fld in ctx.value_fields and "_col" in df else ctx.col(fld)


def _dates(df: pd.DataFrame, fld: str, ctx: Ctx) -> np.ndarray:
    vals, bad = datetimes(df[fld].tolist(), ctx.source.dayfirst)
    ctx.cells("fel", "bad_date", "Datumet går inte att tolka. Skriv det som ÅÅÅÅ-MM-DD "
              "(t.ex. 2024-03-15).", df, bad, fld)
    return vals


def _months(df: pd.DataFrame, ctx: Ctx) -> np.ndarray | None:
    """First day of the month for each row, from month (+ year), period or date."""
    if "month" in df and df["month"].dtype.kind == "M":
        return df["month"].to_numpy().astype("datetime64[s]")
    if "month" in df or "period" in df:
        fld = "month" if "month" in df else "period"
        years = numbers(df["year"].tolist())[0] if "year" in df else np.full(len(df), np.nan)
        out = np.full(len(df), np.datetime64("NaT"), dtype="datetime64[s]")
        bad = np.zeros(len(df), dtype=bool)
        for i, v in enumerate(df[fld].tolist()):
            parsed = parse_month(v)
            year = parsed[0] if parsed and parsed[0] is not None else (None if np.isnan(years[i]) else int(years[i]))
            if parsed is None or year is None:
                bad[i] = True
                continue
            out[i] = np.datetime64(f"{year:04d}-{parsed[1]:02d}-01")
        ctx.cells("fel", "bad_date", "Månaden går inte att tolka. Skriv den som ÅÅÅÅ-MM (t.ex. 2024-03) "
                  "eller ange året i en kolumn År.", df, bad, fld)
        return out
    if "date" in df:
        days = _dates(df, "date", ctx)
        return days.astype("datetime64[M]").astype("datetime64[s]")
    return None


def _unit_ids(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, days: np.ndarray) -> np.ndarray:
    fld = "unit_id" if "unit_id" in df else "unit"
    blank = _blank_mask(df[fld].to_numpy())
    ctx.cells("fel", "missing_value", "Enhet saknas på raden; fyll i enhetens namn.", df, blank, fld)
    ids, errors = units.lookup(df[fld].tolist(), days)
    for i, msg in errors.items():
        if not blank[i]:
            ctx.add("fel", "unknown_unit", msg, df["_row"].iat[i], ctx.col(fld), df[fld].iat[i])
    return ids


def _require(df: pd.DataFrame, ctx: Ctx, fields: tuple[str, ...], alternatives: tuple[str, ...] = ()) -> bool:
    if any(f in df for f in fields):
        return True
    ctx.problems.append(missing_column(ctx.sheet, ctx.source.kind, fields[0], fields[1:] + alternatives))
    return False


def _values_into_fields(df: pd.DataFrame, fields: tuple[str, ...], ctx: Ctx) -> pd.DataFrame:
    """After a month melt, move ``_value`` into the field each row names (``_field``)."""
    if "_value" not in df:
        return df
    df = df.copy()
    for f in fields:
        sel = (df["_field"] == f).to_numpy()
        if sel.any():
            if f not in df:
                df[f] = pd.Series([None] * len(df), dtype=object)
            col = df[f].to_numpy(dtype=object).copy()
            col[sel] = df["_value"].to_numpy()[sel]
            df[f] = col
            ctx.value_fields.add(f)
    return df


# --------------------------------------------------------------------------- loans
def _loans(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, _: Any) -> pd.DataFrame | None:
    df = _values_into_fields(df, ("initial_loans", "renewals", "loans"), ctx)
    ok = _require(df, ctx, ("unit", "unit_id"))
    ok &= _require(df, ctx, ("month", "period", "date"))
    ok &= _require(df, ctx, ("media_type",))
    ok &= _require(df, ctx, ("audience",))
    ok &= _require(df, ctx, ("initial_loans", "loans"))
    if not ok:
        return None
    month = _months(df, ctx)
    vocab = vocabulary().value_labels
    out = pd.DataFrame({
        "month": month,
        "unit_id": _unit_ids(df, ctx, units, month),
        "media_type": _labels(df, "media_type", ctx, vocab["media_type"]),
        "audience": _labels(df, "audience", ctx, vocab["audience"]),
        "genre": _labels(df, "genre", ctx, vocab["genre"]) if "genre" in df else "ej_angivet",
        "_row": df["_row"].to_numpy(),
    })
    for f in ("initial_loans", "renewals", "loans"):
        if f in df:
            out[f] = _numbers(df, f, ctx)[0]
        else:
            out[f] = np.nan
    raw_key = [c for c in ("month", "period", "date", "year", "unit", "unit_id", "media_type", "audience",
                           "genre", "measure", "_col") if c in df]
    _duplicates(df, raw_key, ctx)
    grouped = out.groupby(["month", "unit_id", "media_type", "audience", "genre"], observed=True, sort=False,
                          dropna=True)
    agg = grouped[["initial_loans", "renewals", "loans"]].sum(min_count=1)
    agg["source_row"] = grouped["_row"].min()
    agg = agg.reset_index()
    initial = agg["initial_loans"].where(agg["initial_loans"].notna(),
                                         agg["loans"] - agg["renewals"].fillna(0))
    agg["initial_loans"] = initial.round().astype("Int64")
    agg["renewals"] = agg["renewals"].round().astype("Int64")
    return agg


def _duplicates(df: pd.DataFrame, key: list[str], ctx: Ctx) -> None:
    """Rows that repeat the same key in the file itself (before any mapping): an error each."""
    if not key or df.empty:
        return
    frame = df[key]
    dup = frame.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    first_row = df.loc[dup].groupby(key, sort=False)["_row"].transform("min").to_numpy()
    rows = df["_row"].to_numpy()[dup]
    for r, f in zip(rows, first_row):
        if r != f:
            ctx.add("fel", "duplicate", f"Raden är en dubblett av rad {f} (samma {', '.join(ctx.col(k) for k in key if k != '_col')}). "
                    "Ta bort en av raderna; ska värdena läggas ihop, summera dem i en rad.", r,
                    ctx.col(key[0]))


# --------------------------------------------------------------------------- visits
def _visits(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, opening: pd.DataFrame | None) -> pd.DataFrame | None:
    df = _values_into_fields(df, ("visits", "in", "total"), ctx)
    mode = ctx.source.counter_mode
    ok = _require(df, ctx, ("unit", "unit_id"))
    ok &= "month" in df or _require(df, ctx, ("date",))
    ok &= _require(df, ctx, ("in", "total", "visits"))
    if not ok:
        return None
    days = df["month"].to_numpy().astype("datetime64[s]") if "date" not in df else _dates(df, "date", ctx)
    hours = np.array([parse_time(v) if not is_blank(v) else 0.0 for v in df["time"]], dtype=float) \
        if "time" in df else np.zeros(len(df))
    day = days.astype("datetime64[D]").astype("datetime64[s]")
    timestamp = day + (np.nan_to_num(hours) * 3600).astype("timedelta64[s]")
    unit_ids = _unit_ids(df, ctx, units, day)
    reading_field = next(f for f in ("in", "total", "visits") if f in df)
    if mode == "in_out" and "in" in df and "out" in df:
        vin, oin = _numbers(df, "in", ctx, outage_ok=True)
        vout, oout = _numbers(df, "out", ctx, outage_ok=True)
        value, outage = (vin + vout) / 2, oin | oout
    else:
        value, outage = _numbers(df, reading_field, ctx, outage_ok=True)
        if mode == "in_out":
            value = value / 2
    sensor = df["sensor"].astype(str).to_numpy() if "sensor" in df else np.full(len(df), "")
    raw = pd.DataFrame({"ts": timestamp, "date": day, "unit_id": unit_ids, "sensor": sensor,
                        "value": value, "outage": outage, "blank": np.isnan(value) & ~outage,
                        "_row": df["_row"].to_numpy()})
    dup_key = [c for c in ("date", "month", "time", "unit", "unit_id", "sensor") if c in df]
    _duplicates(df, dup_key, ctx)
    for i in np.flatnonzero(outage):
        ctx.add("varning", "counter_outage", "Räknaren fungerade inte (" + str(df[reading_field].iat[i]).strip()
                + "); dagen sparas som saknad, inte som 0.", raw["_row"].iat[i], ctx.col(reading_field),
                df[reading_field].iat[i])
    raw = raw.dropna(subset=["unit_id", "date"])
    if mode == "cumulative":
        raw = _differences(raw, ctx, reading_field)
    raw = raw.assign(missing=raw["value"].isna())
    grouped = raw.groupby(["date", "unit_id"], sort=True)
    day_df = grouped[["value"]].sum(min_count=1).rename(columns={"value": "visits"})
    day_df["any_missing"] = grouped["missing"].any()
    day_df["outage"] = grouped["outage"].any()
    day_df["blank"] = grouped["blank"].all()
    day_df["source_row"] = grouped["_row"].min()
    day_df = day_df.reset_index()
    day_df.loc[day_df["any_missing"], "visits"] = np.nan
    day_df = _outages(day_df, ctx, opening, reading_field)
    est = df["estimated"] if "estimated" in df else None
    if est is not None:
        labels = _labels(df, "estimated", ctx, vocabulary().value_labels["estimated"])
        flag = pd.DataFrame({"source_row": df["_row"].to_numpy(), "estimated": labels})
        day_df = day_df.merge(flag.groupby("source_row").first().reset_index(), on="source_row", how="left")
        day_df["estimated"] = day_df["estimated"].fillna(False).astype(bool)
    else:
        day_df["estimated"] = False
    return day_df


def _differences(raw: pd.DataFrame, ctx: Ctx, reading_field: str) -> pd.DataFrame:
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
                raw["_row"].iat[i], ctx.col(reading_field), raw["value"].iat[i])
    for i in np.flatnonzero(first):
        ctx.add("varning", "counter_first_reading", "Första mätarställningen för enheten saknar föregående "
                "avläsning och används bara som utgångsläge: den dagen får inget besökstal. Ta med dagen "
                "före perioden i exporten.",
                raw["_row"].iat[i], ctx.col(reading_field), raw["value"].iat[i])
    for i in np.flatnonzero(prev_missing & ~first & raw["value"].notna().to_numpy()):
        ctx.add("varning", "counter_outage", "Föregående avläsning saknas, så besöken kan inte fördelas "
                "per dag; dagen sparas som saknad.", raw["_row"].iat[i], ctx.col(reading_field),
                raw["value"].iat[i])
    value = diff.mask(reset | first | prev_missing)
    return raw.assign(value=value, blank=False).loc[~first].reset_index(drop=True)


def _open_days(day_df: pd.DataFrame, opening: pd.DataFrame | None) -> np.ndarray:
    """1 where the unit is open that day, 0 where closed, -1 when unknown: from the opening hours
    when they cover the day, otherwise from the unit's median for the weekday (above zero = open)."""
    weekday = pd.DatetimeIndex(day_df["date"]).day_of_week.to_numpy() + 1
    med = day_df.assign(wd=weekday).groupby(["unit_id", "wd"])["visits"].transform("median").to_numpy()
    heuristic = np.where(np.isnan(med), -1, (med > 0).astype(int))
    if opening is None or opening.empty:
        return heuristic
    sched = opening.loc[opening["hours"].fillna(0) > 0, ["unit_id", "valid_from", "weekday"]].copy()
    sched["unit_id"] = sched["unit_id"].astype(str)
    starts = opening[["unit_id", "valid_from"]].drop_duplicates().astype({"unit_id": str}).sort_values("valid_from")
    left = pd.DataFrame({"date": day_df["date"].to_numpy(), "unit_id": day_df["unit_id"].astype(str).to_numpy(),
                         "weekday": weekday, "i": np.arange(len(day_df))}).sort_values("date")
    m = pd.merge_asof(left, starts.rename(columns={"valid_from": "vf"}), left_on="date", right_on="vf",
                      by="unit_id", direction="backward")
    known = m["vf"].notna()
    keys = set(zip(sched["unit_id"], sched["valid_from"], sched["weekday"].astype(int)))
    is_open = np.array([(u, v, w) in keys for u, v, w in zip(m["unit_id"], m["vf"], m["weekday"])])
    out = heuristic.copy()
    idx = m["i"].to_numpy()
    out[idx[known.to_numpy()]] = is_open[known.to_numpy()].astype(int)
    return out


def _outages(day_df: pd.DataFrame, ctx: Ctx, opening: pd.DataFrame | None, reading_field: str) -> pd.DataFrame:
    state = _open_days(day_df, opening)
    is_open = state == 1
    zero = (day_df["visits"] == 0).to_numpy()
    blank = day_df["blank"].to_numpy(dtype=bool)
    flagged = is_open & (zero | blank)
    for i in np.flatnonzero(flagged):
        what = "0" if zero[i] else "tom"
        ctx.add("varning", "counter_outage", f"Besöksräknaren visar {what} en dag då enheten har öppet: "
                "troligen ett räknaravbrott. Dagen sparas som saknad, inte som 0.",
                day_df["source_row"].iat[i], ctx.col(reading_field), "0" if zero[i] else "")
    visits = day_df["visits"].mask(flagged)
    # Blank on a closed day means no visits.
    visits = visits.where(~((state == 0) & blank), 0.0)
    return day_df.assign(visits=visits).drop(columns=["any_missing", "outage", "blank"])


# --------------------------------------------------------------------------- events
_KB_CODE = re.compile(r"(?:publ)?\s*(\d{3})")


def _events(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, _: Any) -> pd.DataFrame | None:
    ok = _require(df, ctx, ("unit", "unit_id"))
    ok &= _require(df, ctx, ("date",))
    ok &= _require(df, ctx, ("title",))
    ok &= _require(df, ctx, ("kb_category",))
    ok &= _require(df, ctx, ("target_group",))
    if not ok:
        return None
    date = _dates(df, "date", ctx).astype("datetime64[D]").astype("datetime64[s]")
    kb = np.full(len(df), np.nan)
    bad = np.zeros(len(df), dtype=bool)
    for i, v in enumerate(df["kb_category"]):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            kb[i] = v
        elif not is_blank(v) and (m := _KB_CODE.match(norm(v))):
            kb[i] = int(m[1])
        elif not is_blank(v):
            bad[i] = True
    ctx.cells("fel", "text_in_number", "KB-kategorin ska vara en kod 101–120 (t.ex. 113 eller "
              "Publ113).", df, bad, "kb_category")
    participants = _numbers(df, "participants", ctx)[0] if "participants" in df else np.full(len(df), np.nan)
    partner = [None if is_blank(v) else str(v).strip() for v in df["partner"]] if "partner" in df else None
    return pd.DataFrame({
        "date": date,
        "unit_id": _unit_ids(df, ctx, units, date),
        "title": [str(v).strip() if not is_blank(v) else None for v in df["title"]],
        "kb_category": pd.array(np.round(kb), dtype="Float64").astype("Int64"),
        "target_group": _labels(df, "target_group", ctx, vocabulary().value_labels["target_group"]),
        "participants": pd.array(np.round(participants), dtype="Float64").astype("Int64"),
        "partner": partner,
        "source_row": df["_row"].to_numpy(),
    })


# --------------------------------------------------------------------------- opening hours
def _opening_hours(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, _: Any) -> pd.DataFrame | None:
    ok = _require(df, ctx, ("unit", "unit_id"))
    for f in ("valid_from", "weekday", "opens", "closes"):
        ok &= _require(df, ctx, (f,))
    if not ok:
        return None
    valid_from = _dates(df, "valid_from", ctx)
    weekdays = vocabulary().weekdays
    wd = np.full(len(df), np.nan)
    for i, v in enumerate(df["weekday"]):
        if isinstance(v, (int, float)) and 1 <= v <= 7:
            wd[i] = v
        elif norm(v) in weekdays:
            wd[i] = weekdays[norm(v)]
        else:
            ctx.add("fel", "bad_value", "Veckodagen ska vara måndag–söndag eller 1–7.", df["_row"].iat[i],
                    ctx.col("weekday"), v)
    opens = np.array([parse_time(v) for v in df["opens"]], dtype=float)
    closes = np.array([parse_time(v) for v in df["closes"]], dtype=float)
    closed = np.isnan(opens) & np.isnan(closes)
    for f, arr in (("opens", opens), ("closes", closes)):
        bad = np.isnan(arr) & ~closed
        ctx.cells("fel", "bad_time", "Klockslaget går inte att tolka; skriv det som TT:MM (t.ex. 10:00).",
                  df, bad, f)
    service = _labels(df, "service", ctx, vocabulary().value_labels["service"]) if "service" in df else "bemannad"
    out = pd.DataFrame({
        "unit_id": _unit_ids(df, ctx, units, valid_from),
        "valid_from": valid_from,
        "weekday": pd.array(wd, dtype="Float64").astype("Int64"),
        "service": service,
        "opens": [hhmm(h) if not np.isnan(h) else None for h in opens],
        "closes": [hhmm(h) if not np.isnan(h) else None for h in closes],
        "hours": closes - opens,
        "source_row": df["_row"].to_numpy(),
    })
    return out.loc[~closed].reset_index(drop=True)


# --------------------------------------------------------------------------- survey
def _survey(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, _: Any) -> pd.DataFrame | None:
    items = [f for f in SURVEY_ITEMS if f in df]
    ok = _require(df, ctx, ("unit", "unit_id"))
    ok &= _require(df, ctx, ("wave", "timestamp"))
    if not items:
        ctx.add("fel", "missing_column", "Inga enkätfrågor hittades. Hittade kolumner: "
                f"{', '.join(n for n in ctx.sheet.names if n)}. Ange frågornas rubriker under columns "
                f"i sources.yaml (t.ex. columns: {{bemotande: \"Hur nöjd är du med bemötandet?\"}}).",
                ctx.sheet.header_row, "enkätfrågor")
        ok = False
    if not ok:
        return None
    if "wave" in df:
        wave, bad, _ = numbers(df["wave"].tolist())
        ctx.cells("fel", "bad_date", "Enkätvågen (året) ska vara ett årtal, t.ex. 2024.", df, bad, "wave")
        stamp = np.array([f"{int(w)}-07-01" if not np.isnan(w) else "NaT" for w in wave], dtype="datetime64[s]")
    else:
        stamp = _dates(df, "timestamp", ctx)
        wave = stamp.astype("datetime64[Y]").astype(int) + 1970.0
        wave[np.isnat(stamp)] = np.nan
    unit_ids = _unit_ids(df, ctx, units, stamp)
    resp = ([_show(v).strip() if not is_blank(v) else f"rad{r}" for v, r in zip(df["respondent_id"], df["_row"])]
            if "respondent_id" in df else [f"rad{r}" for r in df["_row"]])
    age_labels = {norm(k): v for k, v in ctx.source.value_labels.get("age_group", {}).items()}
    age = [age_labels.get(norm(v), _show(v).strip()) if not is_blank(v) else "okand" for v in df["age_group"]] \
        if "age_group" in df else ["okand"] * len(df)
    vocab = vocabulary()
    unmapped: dict[str, list[tuple[int, str]]] = {}
    unmapped_items: dict[str, str] = {}
    frames = []
    for item in items:
        scale = int(ctx.source.constants.get("scale_max", SURVEY_ITEMS[item]))
        labels = {**vocab.likert.get(scale, {}), **{norm(k): v for k, v in ctx.source.value_labels.get(item, {}).items()}}
        cells = df[item].tolist()
        values, bad, _ = numbers(cells)
        for i in np.flatnonzero(bad):  # text answers: labels
            v = cells[i]
            key = norm(v)
            if key in vocab.likert_missing:
                continue
            if key in labels:
                values[i] = np.nan if labels[key] is None else labels[key]
            else:
                unmapped.setdefault(str(v), []).append((int(df["_row"].iat[i]), ctx.col(item)))
                unmapped_items.setdefault(item, str(v))
        frames.append(pd.DataFrame({"wave": wave, "respondent_id": resp, "unit_id": unit_ids, "age_group": age,
                                    "item": item, "value": values, "scale_max": scale,
                                    "source_row": df["_row"].to_numpy()}))
    if unmapped:
        unmapped = {lbl: sorted(hits) for lbl, hits in sorted(unmapped.items(), key=lambda kv: min(kv[1]))}
        listing = "; ".join(f"{lbl!r} (rad {', '.join(str(r) for r, _ in hits[:5])}{' …' if len(hits) > 5 else ''})"
                            for lbl, hits in unmapped.items())
        first = min(h for hits in unmapped.values() for h in hits)
        ctx.add("fel", "unmapped_likert", f"{len(unmapped)} svarsalternativ går inte att översätta till "
                f"skalan: {listing}. Lägg till dem i sources.yaml, t.ex. value_labels: "
                + "{" + ", ".join(f"{it}: {{\"{lbl}\": 5}}" for it, lbl in unmapped_items.items()) + "}"
                + " (värdet på skalan); \"Vet ej\" och \"Ej aktuellt\" räknas som saknade.", first[0], first[1],
                ", ".join(unmapped))
    # Waves with too few answers are warned about by the anomaly rule few_survey_answers
    # (etl/anomalies.py), which names the unit, the file and the first row of the unit.
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- population
_AGE_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)(?:\s*ar)?$")
_AGE_OPEN = re.compile(r"^(\d+)\s*(?:[+-]\s*(?:ar)?|(?:ar\s*)?(?:\+|och aldre|eller aldre|och over))$")
_AGE_ONE = re.compile(r"^(\d+)(?:\s*ar)?$")


def parse_age_band(v: Any) -> tuple[float, float] | None:
    """"0-5", "0–5 år" -> (0, 5); "7", "7 år" -> (7, 7); "65+", "100+ år", "65 år och äldre" -> (65, NaN)."""
    text = norm(v)
    if m := _AGE_RANGE.match(text):
        return float(m[1]), float(m[2])
    if m := _AGE_ONE.match(text):
        return float(m[1]), float(m[1])
    if m := _AGE_OPEN.match(text):
        return float(m[1]), np.nan
    return None


def _population(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, _: Any) -> pd.DataFrame | None:
    df = _values_into_fields(df, ("population",), ctx)
    ok = _require(df, ctx, ("year",)) if "month" not in df else True
    ok &= _require(df, ctx, ("district",))
    ok &= _require(df, ctx, ("age", "age_from"))
    ok &= _require(df, ctx, ("population",))
    if not ok:
        return None
    if "year" in df:
        year, bad, _ = numbers(df["year"].tolist())
        ctx.cells("fel", "bad_date", "Året ska vara ett årtal, t.ex. 2024.", df, bad, "year")
    else:
        year = df["month"].to_numpy().astype("datetime64[Y]").astype(int) + 1970.0
    if "age" in df:
        age_from = np.full(len(df), np.nan)
        age_to = np.full(len(df), np.nan)
        for i, v in enumerate(df["age"]):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                age_from[i] = age_to[i] = v
                continue
            band = parse_age_band(v)
            if band is None:
                ctx.add("fel", "bad_value", "Åldersgruppen går inte att tolka; skriv t.ex. 0-5, 65+ eller 7.",
                        df["_row"].iat[i], ctx.col("age"), v)
                continue
            age_from[i], age_to[i] = band
    else:
        age_from = numbers(df["age_from"].tolist())[0]
        age_to = numbers(df["age_to"].tolist())[0] if "age_to" in df else np.full(len(df), np.nan)
    pop, _ = _numbers(df, "population", ctx)
    districts = {norm(u.district): u.district for u in units.units.units if u.district}
    return pd.DataFrame({
        "year": pd.array(year, dtype="Float64").astype("Int64"),
        "district": [districts.get(norm(v), str(v).strip()) for v in df["district"]],
        "age_from": pd.array(age_from, dtype="Float64").astype("Int64"),
        "age_to": pd.array(age_to, dtype="Float64").astype("Int64"),
        "population": pd.array(np.round(pop), dtype="Float64").astype("Int64"),
        "source_row": df["_row"].to_numpy(),
    })


NORMALISERS = {
    "loans": _loans,
    "visits": _visits,
    "events": _events,
    "opening_hours": _opening_hours,
    "survey": _survey,
    "population": _population,
}
