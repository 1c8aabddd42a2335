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
from etl.spans import month_runs
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
        self._seen: set[tuple[Any, ...]] = set()
        self._text_numbers: tuple[int, Any] = (0, None)
        #: Excel rows with an error, also those a grouped record only lists (validate skips them).
        self.failed_rows: set[int] = set()

    def col(self, fld: str) -> str:
        return self.columns.get(fld, FIELD_LABELS_SV.get(fld, fld))

    def add(self, severity: str, code: str, message: str, row: Any = None, column: str = "",
            value: Any = "", unit_id: str = "") -> None:
        """Add a record (once: the same record again is ignored); ``unit_id``: the unit it concerns,
        when it concerns one."""
        shown = _show(value)
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
    problems = ctx.finish()
    result.attrs["failed_rows"] = sorted(ctx.failed_rows)
    return result, problems


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
    # The rows left after dropping totals, located in the sheet through their Excel row number.
    pos = np.searchsorted(sheet.rows, df["_row"].to_numpy())
    # A month column that is empty in every row is a month the export does not cover yet (run
    # mid-year): no data, not a row of missing values.
    month_cols = [mc for mc in month_cols if not _blank_mask(np.asarray(sheet.columns[mc[0]], dtype=object)[pos]).all()]
    if not month_cols:
        ctx.add("fel", "missing_value", "Alla månadskolumner är tomma; filen innehåller inga värden.",
                sheet.header_row, "månad")
        return None
    n, k = len(df), len(month_cols)
    out = df.loc[np.repeat(np.arange(n), k)].reset_index(drop=True)
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
    # Every field read here is a count or a counter reading: the cell, not a sum, is what to fix.
    ctx.cells("fel", "negative", "Antalet är negativt. Rätta värdet; ett antal kan inte vara mindre än 0.",
              df, np.nan_to_num(vals, nan=0.0) < 0, fld)
    if text.any():
        i = int(np.flatnonzero(text)[0])
        ctx.text_numbers(int(text.sum()), df["_row"].iat[i], _colname(df, fld, ctx, i), df[fld].iat[i])
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
    """Unit ids of the rows (None where the unit cannot be resolved).  One root cause, one record:
    a name that fails is reported once (listing its rows, and for a name outside its validity dates
    the months or days it is used for), and a sheet row whose unit fails for any month fails for
    all its months, so nothing else is reported or stored for it."""
    fld = "unit_id" if "unit_id" in df else "unit"
    values = df[fld].tolist()
    rows = df["_row"].to_numpy()
    blank = _blank_mask(np.asarray(values, dtype=object))
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
_MEASURED_FIELDS = {"initial_loans", "renewals", "loans", "visits", "in", "total", "population"}


def _require(df: pd.DataFrame, ctx: Ctx, fields: tuple[str, ...], alternatives: tuple[str, ...] = ()) -> bool:
    if any(f in df for f in fields):
        return True
    if _MEASURED_FIELDS & set(fields) and "_field" in df and df["_field"].isna().any():
        return False  # rows name their field with a label that is unknown: that label is the error
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
    # Rows with an error are left out of the sums (the file is rejected anyway), so that a sum never
    # repeats a cell's error on another row.
    good = ~np.isin(out["_row"].to_numpy(), list(ctx.failed_rows))
    grouped = out[good].groupby(list(_LOAN_KEY), observed=True, sort=False, dropna=True)
    agg = grouped[["initial_loans", "renewals", "loans"]].sum(min_count=1)
    agg["source_row"] = grouped["_row"].min()
    agg = agg.reset_index()
    agg = _without_initial_loans(agg, out, df, ctx)
    initial = agg["initial_loans"].where(agg["initial_loans"].notna(),
                                         agg["loans"] - agg["renewals"].fillna(0))
    agg["initial_loans"] = initial.round().astype("Int64")
    agg["renewals"] = agg["renewals"].round().astype("Int64")
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
                    "inte var några utlån.", rows[i], _colname(df, fld, ctx, int(i)), "")
        only_renewals = recs[~recs["_i"].isin(blank["_i"]) & ~recs.set_index(list(_LOAN_KEY)).index.isin(
            blank.set_index(list(_LOAN_KEY)).index)]
        labels = [ctx.col(k) for k in ("unit", "media_type", "audience", "genre") if k in df]
        for row, g in only_renewals.groupby("_row", sort=True):
            i = int(g["_i"].iat[0])
            column = ctx.col("measure") if "measure" in df else _colname(df, "renewals", ctx, i)
            value = df["measure"].iat[i] if "measure" in df else df["renewals"].iat[i]
            ctx.add("fel", "missing_value", f"Raden har omlån men det finns ingen rad med utlån för samma "
                    f"{', '.join(labels)} ({month_runs(g['month'].to_numpy())}). Lägg till raden med utlån "
                    "(0 om det inte var några), eller ta bort raden.", row, column, value)
    return agg.loc[~missing].reset_index(drop=True)


def _is_missing(v: Any) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


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
    # The first key column that is a column of the sheet (a melted month is not).
    column = next((ctx.col(k) for k in key if k in ctx.columns), ctx.col(key[0]))
    for r, f in zip(rows, first_row):
        if r != f:
            ctx.add("fel", "duplicate", f"Raden är en dubblett av rad {f} (samma {', '.join(ctx.col(k) for k in key if k != '_col')}). "
                    "Ta bort en av raderna; ska värdena läggas ihop, summera dem i en rad.", r, column)


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
        said = np.where(oin, df["in"].to_numpy(dtype=object), df["out"].to_numpy(dtype=object))
    else:
        value, outage = _numbers(df, reading_field, ctx, outage_ok=True)
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
    _duplicates(df, dup_key, ctx)
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
    day_df["source_row"] = grouped["_row"].min()
    day_df = day_df.reset_index()
    day_df.loc[day_df["any_missing"], "visits"] = np.nan
    day_df = _outages(day_df, ctx, opening, reading_field, units)
    est = df["estimated"] if "estimated" in df else None
    if est is not None:
        labels = _labels(df, "estimated", ctx, vocabulary().value_labels["estimated"])
        flag = pd.DataFrame({"source_row": df["_row"].to_numpy(), "estimated": labels})
        day_df = day_df.merge(flag.groupby("source_row").first().reset_index(), on="source_row", how="left")
        day_df["estimated"] = day_df["estimated"].fillna(False).astype(bool)
    else:
        day_df["estimated"] = False
    return day_df


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
    out_days = cause != ""
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
    return day_df.assign(visits=visits).drop(columns=["any_missing", "outage", "blank", "cause"])


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
