"""Shared steps of the normalise package: the problem collector :class:`Ctx` and the cell helpers
every kind uses (numbers, dates, months, unit names, value labels, required fields, duplicates).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from etl.config import Source
from etl.grain import GRAIN_NOUN_SV, GRAINS, month_names, parse_period, truncate
from etl.headers import FIELD_LABELS_SV, missing_column
from etl.parse import (NUM_BOOL, NUM_NONFINITE, NUM_OK, NUM_TEXT, ambiguous_date_message, ambiguous_number_message,
                       is_blank, numbers, read_dates, read_numbers)
from etl.problems import Problem
from etl.read import RawSheet
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
    "benchmark": (),
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
        self._seen: set[tuple[Any, ...]] = set()
        self._text_numbers: tuple[int, Any] = (0, None)
        #: Excel rows with an error, also those a grouped record only lists (validate skips them).
        self.failed_rows: set[int] = set()
        #: Mark counter outages (0 or blank on an open day) as missing: the counter_outage rule of
        #: anomaly_rules.yaml; off, a 0 is stored as 0.
        self.outages = True

    def col(self, fld: str) -> str:
        return self.columns.get(fld, FIELD_LABELS_SV.get(fld, fld))

    def add(self, severity: str, code: str, message: str, row: Any = None, column: str = "",
            value: Any = "", unit_id: str = "") -> None:
        """Add a record (once: the same record again is ignored); ``unit_id``: the unit it concerns,
        when it concerns one."""
        shown = show_value(value)
        row = None if row is None else int(row)
        ident = (severity, code, message, row, column, shown)
        if ident in self._seen:  # the same cell and problem again (a row repeated once per month)
            return
        self._seen.add(ident)
        if severity == "fel" and row is not None:
            self.failed_rows.add(row)
        key = (code, column)
        self._counts[key] += 1
        if self._counts[key] <= MAX_PER_COLUMN:
            self.problems.append(Problem(
                severity, code, message, file=self.sheet.file, sheet=self.sheet.sheet,  # type: ignore[arg-type]
                row=row, column=column, value=shown, unit_id=unit_id))

    def cells(self, severity: str, code: str, message: str, df: pd.DataFrame, mask: np.ndarray,
              fld: str, values: Any = None) -> None:
        """One record per flagged cell of field ``fld``."""
        vals = df[fld].to_numpy() if values is None else np.asarray(values, dtype=object)
        cols = df["_col"].to_numpy() if fld in self.value_fields and "_col" in df else None
        for i in np.flatnonzero(mask):
            col = cols[i] if cols is not None else self.col(fld)
            self.add(severity, code, message, df["_row"].iat[i], col, vals[i])

    def text_numbers(self, n: int, row: Any, column: str, value: Any) -> None:
        """Note ``n`` numbers written as text; :meth:`finish` reports them all in one warning (one
        export habit, one record), at the first such cell."""
        def place(cell: tuple[Any, str, Any]) -> tuple[int, int]:  # reading order: row, then column
            names = self.sheet.names
            return (int(cell[0]) if cell[0] is not None else -1,
                    names.index(cell[1]) if cell[1] in names else len(names))

        count, first = self._text_numbers
        cell = (row, column, value)
        self._text_numbers = (count + n, cell if not count or place(cell) < place(first) else first)

    def finish(self) -> list[Problem]:
        n, first = self._text_numbers
        if n:
            self._text_numbers = (0, None)
            self.add("varning", "number_as_text", f"{n} tal var skrivna som text (t.ex. med decimalkomma eller "
                     "mellanslag som tusentalsavgränsare) och tolkades som tal. Kontrollera att värdena blev rätt.",
                     *first)
        for (code, column), n in self._counts.items():
            if n > MAX_PER_COLUMN:
                first = next(p for p in self.problems if p.code == code and p.column == column)
                self.problems.append(Problem(
                    first.severity, code, f"… och {n - MAX_PER_COLUMN} rader till med samma problem "
                    f"i kolumnen {column!r} (endast de {MAX_PER_COLUMN} första visas).",
                    file=first.file, sheet=first.sheet, column=column))
        return self.problems


def blank_mask(values: Any) -> np.ndarray:
    """True for empty cells ("" / whitespace, None, NaN), vectorised over an object column."""
    arr = np.asarray(values, dtype=object)
    mask = pd.isna(arr) | (arr == "")
    maybe = ~mask & np.fromiter((isinstance(v, str) for v in arr), bool, len(arr))
    if maybe.any():
        idx = np.flatnonzero(maybe)
        mask[idx] = np.fromiter((not arr[i].strip() for i in idx), bool, len(idx))
    return mask


def show_value(value: Any) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def map_labels(df: pd.DataFrame, fld: str, ctx: Ctx, builtin: dict[str, Any],
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
        rows = np.array(list(dict.fromkeys(df["_row"].to_numpy()[idx].tolist())))
        where = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
        known = ", ".join(sorted({str(v) for v in builtin.values() if v is not None} | set(allowed)))
        what = "saknas" if label == "" else f"{label!r} är okänt"
        ctx.failed_rows.update(int(r) for r in rows)
        ctx.add("fel", "unknown_label", f"{FIELD_LABELS_SV.get(fld, fld).capitalize()} {what} "
                f"(rad {where}). Tillåtna värden: {known}. Lägg till value_labels: {{{fld}: "
                f"{{\"{label}\": …}}}} i sources.yaml eller rätta filen.", rows[0], ctx.col(fld), label)
    return out


_UNKNOWN = object()


def parse_numbers(df: pd.DataFrame, fld: str, ctx: Ctx, *, outage_ok: bool = False,
                  fractional: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Parse a count field; text that is not a number is an error (outage labels: a warning), and so
    are a number that reads two ways ("1,234"), a boolean, infinity and a count that is not whole
    (rows in ``fractional``, e.g. estimates, may be).  -> (values, outage mask)."""
    col = read_numbers(df[fld].tolist(), ctx.source.number_style)
    vals, reason = col.values, col.reason
    bad = reason == NUM_TEXT
    outage = np.zeros(len(vals), dtype=bool)
    if outage_ok and bad.any():
        labels = vocabulary().outage
        outage = bad & np.fromiter((isinstance(v, str) and norm(v) in labels for v in df[fld]), bool, len(df))
        bad &= ~outage
    ctx.cells("fel", "text_in_number", "Cellen ska innehålla ett tal men innehåller text. Skriv talet "
              "(t.ex. 1 234) eller lämna cellen tom om värdet saknas.", df, bad, fld)
    cells = df[fld].to_numpy(dtype=object)
    if col.readings:  # one root cause, one record: the first such cell, listing the rows of the others
        i, readings = next(iter(col.readings.items()))
        ctx.add("fel", "ambiguous_number", ambiguous_number_message(str(cells[i]), readings)
                + _also(ctx, df, list(col.readings), "tal"), df["_row"].iat[i], column_name(df, fld, ctx, i), cells[i])
    ctx.cells("fel", "not_a_number", "Cellen innehåller ett sanningsvärde (SANT/FALSKT, TRUE/FALSE), inte ett tal. "
              "Skriv antalet, eller lämna cellen tom om värdet saknas.", df, reason == NUM_BOOL, fld)
    ctx.cells("fel", "not_a_number", "Talet är oändligt eller för stort för att kunna vara ett antal. Rätta värdet.",
              df, reason == NUM_NONFINITE, fld)
    # Every field read here is a count or a counter reading: the cell, not a sum, is what to fix.
    ctx.cells("fel", "negative", "Antalet är negativt. Rätta värdet; ett antal kan inte vara mindre än 0.",
              df, np.nan_to_num(vals, nan=0.0) < 0, fld)
    broken = np.isfinite(vals) & (vals != np.round(vals))
    if fractional is not None:
        broken &= ~fractional
    ctx.cells("fel", "not_whole", "Ett antal måste vara ett heltal, men cellen har decimaler. Rätta värdet (är "
              "decimaltecknet fel, ange decimal och thousands för källan i sources.yaml).", df, broken, fld)
    text = col.text & (reason == NUM_OK)
    if text.any():
        i = int(np.flatnonzero(text)[0])
        ctx.text_numbers(int(text.sum()), df["_row"].iat[i], column_name(df, fld, ctx, i), df[fld].iat[i])
    return vals, outage


def _also(ctx: Ctx, df: pd.DataFrame, idx: list[int], what: str) -> str:
    """`` Samma gäller rad 3, 4 …`` for the other cells of one record; marks all their rows failed
    (nothing else is reported or stored for them)."""
    rows = list(dict.fromkeys(int(r) for r in df["_row"].to_numpy()[idx]))
    ctx.failed_rows.update(rows)
    if len(rows) < 2:
        return ""
    listed = ", ".join(str(r) for r in rows[1:11]) + (" …" if len(rows) > 11 else "")
    return f" Samma gäller {len(rows) - 1} {what} till i kolumnen (rad {listed})."


def column_name(df: pd.DataFrame, fld: str, ctx: Ctx, i: int) -> str:
    return str(df["_col"].iat[i]) if fld in ctx.value_fields and "_col" in df else ctx.col(fld)


def parse_dates(df: pd.DataFrame, fld: str, ctx: Ctx) -> np.ndarray:
    """Dates of a field; a date that reads two ways (11/02/2026) or not at all is an error."""
    col = read_dates(df[fld].tolist(), ctx.source.date_format)
    bad = col.bad.copy()
    cells = df[fld].to_numpy(dtype=object)
    if col.ambiguous:  # one root cause, one record: the first such cell, listing the rows of the others
        bad[list(col.ambiguous)] = False
        i, both = next(iter(col.ambiguous.items()))
        ctx.add("fel", "ambiguous_date", ambiguous_date_message(str(cells[i]), both)
                + _also(ctx, df, list(col.ambiguous), "datum"), df["_row"].iat[i], ctx.col(fld), cells[i])
    fmt = f" eller i formatet date_format: {ctx.source.date_format!r}" if ctx.source.date_format else ""
    ctx.cells("fel", "bad_date", f"Datumet går inte att tolka. Skriv det som ÅÅÅÅ-MM-DD (t.ex. 2024-03-15){fmt}, "
              "utan andra tecken.", df, bad, fld)
    return col.values


_GRAIN_RANK = {g: i for i, g in enumerate(GRAINS)}


def parse_periods(df: pd.DataFrame, ctx: Ctx, finest: str = "day") -> tuple[np.ndarray, np.ndarray] | None:
    """First day and grain of each row's period, from month (+ year), period, date or a year alone
    (see :func:`etl.grain.parse_period`).  Periods finer than ``finest`` (loans: month) or than the
    source's declared ``grain`` are widened to it; a coarser one than declared is an error.
    None when the sheet has no period field."""
    declared = ctx.source.grain
    floor = declared or finest
    n = len(df)
    if finest == "day" and "date" in df:  # visits: a date column wins over a month column
        start = parse_dates(df, "date", ctx).astype("datetime64[D]").astype("datetime64[s]")
        grain = np.full(n, "day", dtype=object)
    elif "month" in df and df["month"].dtype.kind == "M":  # months as columns: melted
        start = df["month"].to_numpy().astype("datetime64[s]")
        grain = np.full(n, "month", dtype=object)
    elif "month" in df or "period" in df:
        fld = "month" if "month" in df else "period"
        years = numbers(df["year"].tolist())[0] if "year" in df else np.full(n, np.nan)
        names = month_names(ctx.source.locale)
        start = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
        grain = np.full(n, None, dtype=object)
        bad = np.zeros(n, dtype=bool)
        cache: dict[tuple[Any, float], tuple[dt.date, str] | None] = {}
        for i, v in enumerate(df[fld].tolist()):
            key = (v if isinstance(v, str) else repr(v), years[i])
            if key not in cache:
                cache[key] = parse_period(v, names=names, year=None if np.isnan(years[i]) else int(years[i]),
                                          date_format=ctx.source.date_format)
            parsed = cache[key]
            if parsed is None:
                bad[i] = True
                continue
            day, g = parsed
            if fld == "month" and g == "day":
                g = "month"  # a date in a month column is its month
            start[i] = np.datetime64(day, "s")
            grain[i] = g
        if fld == "month":
            msg = "Månaden går inte att tolka. Skriv den som ÅÅÅÅ-MM (t.ex. 2024-03) eller ange året i en kolumn År."
        else:
            msg = ("Perioden går inte att tolka. Skriv den som ÅÅÅÅ-MM (2024-03), ÅÅÅÅQ1–Q4 (2024Q1), ÅÅÅÅ "
                   "(2024) eller ett datum.")
        ctx.cells("fel", "bad_date", msg, df, bad, fld)
    elif "date" in df:
        start = parse_dates(df, "date", ctx)
        start = start.astype("datetime64[D]").astype("datetime64[s]")
        grain = np.full(n, "day", dtype=object)
    elif "year" in df:
        years, bad, _ = numbers(df["year"].tolist())
        bad |= ~np.isnan(years) & ((years < 1900) | (years > 2200) | (years % 1 != 0))
        ctx.cells("fel", "bad_date", "Året går inte att tolka; skriv det som fyra siffror (2024).", df, bad, "year")
        start = np.array([f"{int(y):04d}-01-01" if not (np.isnan(y) or b) else "NaT" for y, b in zip(years, bad)],
                         dtype="datetime64[s]")
        grain = np.array([None if np.isnat(x) else "year" for x in start], dtype=object)
    else:
        return None
    # Widen periods finer than the floor; refuse periods coarser than a declared grain.
    rank = np.array([_GRAIN_RANK.get(g, -1) if g is not None else -1 for g in grain])
    widen = (rank >= 0) & (rank < _GRAIN_RANK[floor])
    if widen.any():
        for k in np.flatnonzero(widen):
            start[k] = np.datetime64(truncate(start[k].astype(dt.datetime).date(), floor), "s")
            grain[k] = floor
    if declared is not None:
        coarse = rank > _GRAIN_RANK[declared]
        if coarse.any():
            fld = next(f for f in ("month", "period", "date", "year") if f in df)
            ctx.cells("fel", "bad_date", f"Perioden är grövre än källans grain: {declared} "
                      f"({GRAIN_NOUN_SV[declared]}). Ta bort grain ur sources.yaml eller rätta perioden.",
                      df, coarse, fld)
            start[coarse] = np.datetime64("NaT")
            grain[coarse] = None
    return start, grain


def resolve_units(df: pd.DataFrame, ctx: Ctx, units: UnitIndex, days: np.ndarray) -> np.ndarray:
    """Unit ids of the rows (None where the unit cannot be resolved).  One root cause, one record:
    a name that fails is reported once (listing its rows, and for a name outside its validity dates
    the months or days it is used for), and a sheet row whose unit fails for any month fails for
    all its months, so nothing else is reported or stored for it."""
    fld = "unit_id" if "unit_id" in df else "unit"
    values = df[fld].tolist()
    rows = df["_row"].to_numpy()
    blank = blank_mask(np.asarray(values, dtype=object))
    first_of_row = ~pd.Series(rows).duplicated().to_numpy()
    ctx.cells("fel", "missing_value", "Enhet saknas på raden; fyll i enhetens namn.", df, blank & first_of_row, fld)
    ids, errors = units.lookup(values, days)
    monthly = ctx.source.kind == "loans" or "_col" in df
    groups: dict[tuple[str, str], list[int]] = {}
    for i in errors:
        if not blank[i]:
            text = str(values[i])
            failure = units.failure(text, days[i])
            if failure == "not_valid" and np.isnat(days[i]):
                continue  # a dated name on a row whose date failed: the date error is the one to fix
            groups.setdefault((text, failure), []).append(i)
    for (text, failure), idx in groups.items():
        where = list(dict.fromkeys(int(r) for r in rows[idx]))
        if failure == "not_valid":
            msg = units.not_valid_message(text, [days[i] for i in idx], monthly)
        else:
            msg = errors[idx[0]]
        if len(where) > 1:
            listed = ", ".join(str(r) for r in where[:10]) + (" …" if len(where) > 10 else "")
            msg = f"{msg} Namnet står på rad {listed}."
        ctx.add("fel", "unknown_unit", msg, where[0], ctx.col(fld), values[idx[0]])
        ctx.failed_rows.update(where)
    failed = np.isin(rows, rows[[i for i in errors]]) if errors else np.zeros(len(rows), dtype=bool)
    ids = ids.copy()
    ids[failed] = None
    return ids


#: Fields a months-as-columns sheet may fill from its month cells, per row named by ``measure``.
MEASURED_FIELDS = {"initial_loans", "renewals", "loans", "visits", "in", "total", "population"}


def require(df: pd.DataFrame, ctx: Ctx, fields: tuple[str, ...], alternatives: tuple[str, ...] = ()) -> bool:
    if any(f in df for f in fields):
        return True
    if MEASURED_FIELDS & set(fields) and "_field" in df and df["_field"].isna().any():
        return False  # rows name their field with a label that is unknown: that label is the error
    ctx.problems.append(missing_column(ctx.sheet, ctx.source.kind, fields[0], fields[1:] + alternatives))
    return False


def values_into_fields(df: pd.DataFrame, fields: tuple[str, ...], ctx: Ctx) -> pd.DataFrame:
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


def report_duplicates(df: pd.DataFrame, key: list[str], ctx: Ctx, unit_ids: np.ndarray | None = None) -> None:
    """Rows that repeat the same key in the file itself (before any other mapping): an error each.
    Names are compared as the unit lookup compares them (``norm``: case, whitespace kinds, Unicode
    form), and a unit is its resolved id (``unit_ids``), so two spellings of one unit are one key."""
    if not key or df.empty:
        return
    frame = pd.DataFrame({k: [norm(v) if isinstance(v, str) else v for v in df[k]] for k in key}, index=df.index)
    if unit_ids is not None:
        for k in ("unit", "unit_id"):
            if k in frame:
                frame[k] = np.where(pd.isna(unit_ids), frame[k].to_numpy(dtype=object), unit_ids)
    dup = frame.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    first_row = frame.loc[dup].assign(_row=df["_row"]).groupby(key, sort=False, dropna=False)["_row"] \
        .transform("min").to_numpy()
    rows = df["_row"].to_numpy()[dup]
    # The first key column that is a column of the sheet (a melted month is not).
    column = next((ctx.col(k) for k in key if k in ctx.columns), ctx.col(key[0]))
    for r, f in zip(rows, first_row):
        if r != f:
            ctx.add("fel", "duplicate", f"Raden är en dubblett av rad {f} (samma {', '.join(ctx.col(k) for k in key if k != '_col')}). "
                    "Ta bort en av raderna; ska värdena läggas ihop, summera dem i en rad.", r, column)
