"""Transaction exports (Koha ``statistics``-like: one row per issue, renewal, return...) -> loans.

Speed (target: a 5-million-row CSV within 1.5x of pyarrow's own read of the file; see
``bench/etl_ingest.py``): the rows stay in Arrow and numpy until they are counted.

- CSV is read with ``pyarrow.csv`` (multithreaded, in blocks of up to 16 MB), only the columns the
  loans table needs, with explicit types: the key columns as strings, the date as an ISO 8601 timestamp (other date formats
  are read again with type inference and parsed per distinct value).  UTF-8 is not checked per row
  but on the few distinct values left after counting; bytes there that are not UTF-8 are read as
  Windows-1252 (a warning).  Spreadsheets are read with calamine.
- The timestamp is moved to Swedish time when the export is in UTC (or gives its zone), its month
  is looked up per day in a small table (numpy), and rows are counted per (month, branch, type, item
  type, audience or category, genre) with Arrow's hash group-by, one slice of rows per core; each
  group keeps its first row so problems and stored rows can be traced.  Only that small table (a
  few thousand rows) goes to pandas, where labels become unit ids and canonical values.

Borrower numbers: nothing downstream uses them (the loans table has no borrower column and no
figure counts distinct borrowers), so the borrower column is dropped unread instead of being
pseudonymised: the CSV reader never converts it (it is not in ``include_columns``), and in a
spreadsheet its cells are never looked at and are freed with the sheet.  Nothing about a borrower is
kept, hashed or stored.  (If a figure ever needs distinct borrowers, e.g. active borrowers, hash them
with a keyed hash on read; never store them raw.)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from etl.config import Source
from etl.headers import ColumnMap, map_columns, missing_column
from etl.parse import AmbiguousDate, ambiguous_date_message, read_dates
from etl.problems import Problem
from etl.read import InputError, RawSheet, detect_encoding, gate, read_sheet, sniff_delimiter
from etl.tables import conform
from etl.units import UnitIndex
from etl.vocabulary import norm, vocabulary

#: Fields the rows are counted by (besides the month).
KEY_FIELDS = ("unit", "type", "media_type", "audience", "category", "genre")
#: Local time of the library: UTC exports are moved to it before the month is taken.
LOCAL_TZ = "Europe/Stockholm"
_HEAD_BYTES = 1 << 20  # bytes read to recognise the header, encoding and delimiter of a CSV
_ROWS_PER_PART = 250_000  # rows below which counting in one slice is faster than splitting


def read_transactions(path: Path, source: Source, units: UnitIndex) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and aggregate a transaction export to the loans table (with trace columns)."""
    kind, problems = gate(path, source)
    is_csv = kind == "csv"
    if is_csv:
        sheet, encoding, delimiter = _header_sheet(path, source)
    else:
        sheet = read_sheet(path, source, kind)
    cmap = map_columns(sheet, "loans", source)
    needed = _needed(cmap, sheet, source, problems)
    if needed is None:
        return conform("loans", pd.DataFrame()), problems + cmap.problems
    problems += cmap.problems
    names = {f: sheet.names[i] for f, i in needed.items()}
    if is_csv:
        columns: dict[str, Any] = _read_csv(path, source, encoding, delimiter, names)
        rows, first_row, sheet_name = None, source.skip_rows + 2, ""
    else:
        columns = {f: sheet.columns[i] for f, i in needed.items()}
        rows, first_row, sheet_name = sheet.rows, 0, sheet.sheet
    del sheet  # a spreadsheet's other columns (the borrower numbers among them) go with it
    frame, more = _aggregate(columns, names, source, units, path.name, sheet_name, rows, first_row)
    return frame, problems + more


def _header_sheet(path: Path, source: Source) -> tuple[RawSheet, str, str]:
    """The header and a sample of a CSV file as a RawSheet (for column recognition), the encoding
    and the delimiter."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    if len(head) == _HEAD_BYTES:  # whole lines only: a cut "ä" must not make UTF-8 look like cp1252
        head = head[: head.rfind(b"\n") + 1] or head
    encoding = detect_encoding(head, source.encoding)
    text = head.decode(encoding, errors="ignore")
    delimiter = sniff_delimiter(text[:20000], source.delimiter)
    lines = list(itertools.islice(csv.reader(io.StringIO(text), delimiter=delimiter), 200 + source.skip_rows + 1))
    header = lines[source.skip_rows]
    body = lines[source.skip_rows + 1:-1]
    width = len(header)
    cols = [[r[i] if i < len(r) else "" for r in body] for i in range(width)]
    sheet = RawSheet(path.name, "", [(h,) for h in header], header, cols, np.zeros(0, np.int64),
                     source.skip_rows + 1)
    return sheet, encoding, delimiter


def _read_csv(path: Path, source: Source, encoding: str, delimiter: str,
              names: dict[str, str]) -> dict[str, pa.ChunkedArray]:
    """The needed columns of a CSV export as Arrow: key columns as strings (blank = ""), the date
    column as a timestamp when it is ISO 8601 (blanks null), else as pyarrow infers it (text,
    numbers) for :func:`_local_times` to parse."""
    utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
    # Larger blocks than pyarrow's 1 MB (fewer chunks to convert, slice and count), but at least
    # four per core so that the cores stay busy.
    block = min(16 << 20, max(1 << 20, path.stat().st_size // (4 * pa.cpu_count())))

    def read(date_type: pa.DataType | None) -> pa.Table:
        types = {h: pa.string() for f, h in names.items() if f != "date"}
        if date_type is not None:
            types[names["date"]] = date_type
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf8" if utf8 else encoding, skip_rows=source.skip_rows,
                                           block_size=block),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(names.values()),
                column_types=types,
                # Not checked per row: UTF-8 on the distinct values after counting (_texts), blank
                # strings are made missing there too.
                check_utf8=False,
                strings_can_be_null=False,
            ),
        )

    try:
        try:
            table = read(pa.timestamp("ms"))  # ISO 8601, the common case: no type inference
        except pa.ArrowInvalid:  # other date formats, a time zone, Excel serials: let pyarrow infer
            table = read(None)
    except pa.ArrowInvalid as exc:
        raise InputError(Problem("fel", "unreadable", f"Filen kan inte läsas som CSV ({exc}). Kontrollera att "
                                 "varje rad har lika många fält och att avgränsaren är rätt (ange annars "
                                 "delimiter i sources.yaml).", file=path.name)) from None
    return {f: table.column(h) for f, h in names.items()}


def _needed(cmap: ColumnMap, sheet: RawSheet, source: Source, problems: list[Problem]) -> dict[str, int] | None:
    """Field -> column index of the columns to read (never the borrower), or None when a required
    field is missing (the problems say which)."""
    ok = True
    for fields in (("date",), ("unit",), ("type",), ("media_type",)):
        if not any(f in cmap.fields or f in source.constants for f in fields):
            problems.append(missing_column(sheet, "loans", fields[0]))
            ok = False
    if not any(f in cmap.fields or f in source.constants for f in ("audience", "category")):
        problems.append(missing_column(sheet, "loans", "audience", ("category",)))
        ok = False
    if not ok:
        return None
    return {f: i for f, i in cmap.fields.items() if f in KEY_FIELDS + ("date",)}


# --------------------------------------------------------------------------- months
def _local_times(col: Any, source: Source) -> tuple[pa.Array | pa.ChunkedArray, np.ndarray | None,
                                                   tuple[int, Any, AmbiguousDate] | None]:
    """Local timestamps (Arrow, null when blank or unparseable), the mask of unparseable cells
    (None when every cell was typed by the reader), and the first cell whose day and month can be
    swapped: (index, cell, both readings)."""
    bad: np.ndarray | None = None
    first_ambiguous: tuple[int, Any, AmbiguousDate] | None = None
    if isinstance(col, (pa.Array, pa.ChunkedArray)) and (pa.types.is_timestamp(col.type) or pa.types.is_date(col.type)):
        ts = col
    elif not isinstance(col, (pa.Array, pa.ChunkedArray)) and len(col) and all(isinstance(v, dt.date) for v in col):
        ts = pa.array(pd.to_datetime(list(col)).to_numpy().astype("datetime64[s]"))
    else:  # text or numbers (Excel serials): parse each distinct value once
        codes, values = _distinct(col)
        dates = read_dates(values, source.date_format)
        parsed, bad_u = dates.values, dates.bad
        valid = codes >= 0
        at = np.maximum(codes, 0)
        nat = np.datetime64("NaT", "s")
        ts = pa.array(np.where(valid, parsed[at], nat) if len(parsed) else np.full(len(codes), nat), from_pandas=True)
        bad = valid & bad_u[at] if len(bad_u) else np.zeros(len(codes), dtype=bool)
        amb_u = np.zeros(len(values), dtype=bool)
        amb_u[list(dates.ambiguous)] = True
        ambiguous = valid & amb_u[at] if len(amb_u) else np.zeros(len(codes), dtype=bool)
        if ambiguous.any():
            k = int(np.flatnonzero(ambiguous)[0])
            first_ambiguous = (k, values[int(codes[k])], dates.ambiguous[int(codes[k])])
    if pa.types.is_date(ts.type):
        ts = ts.cast(pa.timestamp("s"))
    if ts.type.tz is not None or source.timestamps_utc:
        if ts.type.tz is None:  # naive UTC (Sierra transaction_gmt)
            ts = ts.cast(pa.timestamp(ts.type.unit, tz="UTC"))
        ts = pc.local_timestamp(ts.cast(pa.timestamp(ts.type.unit, tz=LOCAL_TZ)))
    return ts, bad, first_ambiguous


def _distinct(col: Any) -> tuple[np.ndarray, list[Any]]:
    """Codes (int64, -1 for null/blank) and the distinct values of a column (Arrow or a sequence)."""
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        enc = pc.dictionary_encode(col)  # one dictionary for all chunks
        if isinstance(enc, pa.ChunkedArray):
            indices = pa.chunked_array([c.indices for c in enc.chunks], type=enc.type.index_type)
            dictionary = enc.chunk(0).dictionary if enc.num_chunks else pa.array([], col.type)
        else:
            indices, dictionary = enc.indices, enc.dictionary
        codes = np.asarray(pc.fill_null(indices, -1).to_numpy(), dtype=np.int64)
        values = _texts(dictionary)[0] if pa.types.is_string(dictionary.type) else dictionary.to_pylist()
    else:
        codes, uniques = pd.factorize(np.asarray(col, dtype=object), use_na_sentinel=True)
        values = list(uniques)
    if "" in values:  # blank cells are missing
        codes = np.where(codes == values.index(""), -1, codes)
    return codes.astype(np.int64), values


# --------------------------------------------------------------------------- counting
def _strings(col: Any) -> pa.Array | pa.ChunkedArray:
    """A key column as Arrow strings (Excel numbers such as item type 12.0 -> "12"); blanks are
    made missing after counting."""
    if isinstance(col, (pa.Array, pa.ChunkedArray)):  # from the CSV reader
        return col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
    try:
        arr = pa.array(col, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array([None if v is None else str(_plain(v)) for v in col], type=pa.string())
    return arr


def _plain(v: Any) -> Any:
    """Excel gives numbers as floats: 4741.0 is written "4741", as in a CSV export."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _count(times: pa.Array | pa.ChunkedArray, keys: dict[str, pa.Array | pa.ChunkedArray]) -> pa.Table:
    """Rows per (month, *keys): columns ``month`` (months since 1970-01, null when the time is
    missing), the keys, ``first`` (the group's first row index) and ``count``.  Each core counts its
    own slice of rows (Arrow and numpy release the GIL), then the partial counts are merged."""
    n = len(times)
    names = ["month", *keys]

    def part(lo: int, hi: int) -> pa.Table:
        cols = {"month": _month_index(times.slice(lo, hi - lo))}
        cols |= {k: v.slice(lo, hi - lo) for k, v in keys.items()}
        cols["_row"] = pa.array(np.arange(lo, hi, dtype=np.int64))
        return pa.table(cols).group_by(names, use_threads=False).aggregate([("_row", "min"), ([], "count_all")])

    parts = max(1, min(pa.cpu_count(), n // _ROWS_PER_PART))
    bounds = [n * i // parts for i in range(parts + 1)]
    if parts == 1:
        counted = part(0, n)
        first, count = "_row_min", "count_all"
    else:
        with ThreadPoolExecutor(parts) as pool:
            counted = pa.concat_tables(pool.map(part, bounds[:-1], bounds[1:]))
        counted = counted.group_by(names, use_threads=False).aggregate([("_row_min", "min"), ("count_all", "sum")])
        first, count = "_row_min_min", "count_all_sum"
    return pa.table({**{k: counted.column(k) for k in names}, "first": counted.column(first),
                     "count": counted.column(count)})


_TICKS_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _month_index(times: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Months since 1970-01 (int32, null where the time is missing) of (naive, local) timestamps.
    Days go to months through a table over the days present: a calendar conversion per row
    (``floor_temporal``) costs twice as much."""
    ticks = times.cast(pa.int64())
    if isinstance(ticks, pa.ChunkedArray):
        ticks = ticks.combine_chunks()
    valid = np.asarray(ticks.is_valid()) if ticks.null_count else None
    days = np.asarray(pc.fill_null(ticks, 0)) // _TICKS_PER_DAY[times.type.unit]
    present = days if valid is None else days[valid]
    if not len(present):
        return pa.nulls(len(days), pa.int32())
    lo, hi = int(present.min()), int(present.max())
    table = np.arange(lo, hi + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int32)
    if valid is not None:
        days[~valid] = lo
    days -= lo
    return pa.array(table[days], mask=None if valid is None else ~valid)


def _texts(arr: pa.Array | pa.ChunkedArray) -> tuple[list[str | None], list[int]]:
    """A (small) Arrow string column as Python strings, and the positions of values that were not
    UTF-8 and were read as Windows-1252 instead (the CSV reader does not check UTF-8 per row)."""
    try:
        arr.validate(full=True)
        return arr.to_pylist(), []
    except pa.ArrowInvalid:
        out: list[str | None] = []
        fixed: list[int] = []
        for i, raw in enumerate(arr.cast(pa.binary()).to_pylist()):
            if raw is None:
                out.append(None)
                continue
            try:
                out.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                out.append(raw.decode("cp1252", errors="replace"))
                fixed.append(i)
        return out, fixed


def _aggregate(columns: dict[str, Any], names: dict[str, str], source: Source, units: UnitIndex,
               file: str, sheet: str, rows: np.ndarray | None, first_row: int) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []

    def problem(sev: str, code: str, msg: str, row: Any, fld: str, value: Any = "") -> None:
        problems.append(Problem(sev, code, msg, file=file, sheet=sheet, row=None if row is None else int(row),  # type: ignore[arg-type]
                                column=names.get(fld, fld), value=str(value)))

    def row_of(i: Any) -> Any:
        return rows[i] if rows is not None else i + first_row

    times, bad, first_ambiguous = _local_times(columns["date"], source)
    keys = {f: _strings(columns[f]) for f in KEY_FIELDS if f in columns}
    if first_ambiguous is not None:
        k, cell, both = first_ambiguous
        problem("fel", "ambiguous_date", ambiguous_date_message(str(cell), both), row_of(k), "date", cell)
    if first_ambiguous is None and bad is not None and bad.any():
        idx = np.flatnonzero(bad)
        problem("fel", "bad_date", f"{len(idx)} tidpunkter går inte att tolka (första visas). Skriv dem som "
                "ÅÅÅÅ-MM-DD TT:MM.", row_of(idx[0]), "date", "")
        keys["_bad"] = pa.array(bad)  # keeps unparseable rows apart from blank ones
    counted = _count(times, keys)
    columns.clear()  # the per-row data is no longer needed
    month = counted.column("month")
    agg = pd.DataFrame({"month": np.where(np.asarray(month.is_valid()),
                                          np.asarray(pc.fill_null(month, 0)).astype("datetime64[M]"),
                                          np.datetime64("NaT")).astype("datetime64[s]"),
                        "count": counted.column("count").to_numpy(),
                        "source_row": row_of(counted.column("first").to_numpy())})
    if "_bad" in keys:
        agg["_bad"] = counted.column("_bad").to_numpy(zero_copy_only=False)
    for f in KEY_FIELDS:
        if f in keys:
            values, fixed = _texts(counted.column(f))
            agg[f] = pd.Series([v or None for v in values], dtype=object)  # blank = missing
            if fixed:
                problem("varning", "encoding", f"{len(fixed)} värden var inte UTF-8 och lästes som Windows-1252 "
                        f"(t.ex. {values[fixed[0]]!r}). Exportera filen som UTF-8 eller ange encoding i "
                        "sources.yaml.", agg["source_row"].iat[fixed[0]], f, values[fixed[0]])
        elif f in source.constants:
            agg[f] = source.constants[f]
    vocab = vocabulary().value_labels
    agg["_target"] = _map(agg, "type", vocab["type"], source, problem)
    agg = agg.loc[pd.notna(agg["_target"]) & (agg["_target"] != _UNKNOWN)].reset_index(drop=True)
    blank = agg["month"].isna().to_numpy()
    if "_bad" in agg:  # unparseable dates have their own error
        blank = blank & ~agg["_bad"].to_numpy(dtype=bool)
    if blank.any():
        problem("fel", "missing_value", f"{int(agg['count'][blank].sum())} utlån eller omlån saknar tidpunkt "
                "(första visas); fyll i den eller ta bort raderna.", agg["source_row"][blank].min(), "date")
    agg = agg.loc[agg["month"].notna()].reset_index(drop=True)
    agg["media_type"] = _map(agg, "media_type", vocab["media_type"], source, problem)
    aud_field = "audience" if "audience" in agg else "category"
    agg["audience"] = _map(agg, aud_field, vocab["audience"], source, problem)
    agg["genre"] = _map(agg, "genre", vocab["genre"], source, problem) if "genre" in agg else "ej_angivet"
    ids, errors = units.lookup(agg["unit"].tolist(), agg["month"].to_numpy())
    for i, msg in errors.items():
        problem("fel", "unknown_unit", msg, agg["source_row"].iat[i], "unit", agg["unit"].iat[i])
    agg["unit_id"] = ids
    ok = agg[["media_type", "audience", "genre", "unit_id"]].ne(_UNKNOWN).all(axis=1) & agg["unit_id"].notna()
    agg = agg.loc[ok]
    agg["initial_loans"] = np.where(agg["_target"] == "initial_loans", agg["count"], 0)
    agg["renewals"] = np.where(agg["_target"] == "renewals", agg["count"], 0)
    out = agg.groupby(["month", "unit_id", "media_type", "audience", "genre"], sort=True, observed=True).agg(
        initial_loans=("initial_loans", "sum"), renewals=("renewals", "sum"),
        source_row=("source_row", "min")).reset_index()
    out["source_file"] = file
    out["source_sheet"] = sheet
    return conform("loans", out), problems


_UNKNOWN = "\x00unknown"


def _map(agg: pd.DataFrame, fld: str, builtin: dict[str, Any], source: Source, problem: Any) -> list[Any]:
    own = {norm(k): v for k, v in source.value_labels.get(fld, {}).items()}
    out: list[Any] = []
    unknown: dict[str, int] = {}
    seen: dict[Any, Any] = {}
    for v, row in zip(agg[fld].tolist(), agg["source_row"].tolist()):
        if v not in seen:
            key = norm(v) if v is not None else ""
            seen[v] = own[key] if key in own else builtin[key] if key in builtin else _UNKNOWN
        hit = seen[v]
        out.append(hit)
        if hit is _UNKNOWN:
            unknown.setdefault("" if v is None else str(v), row)
    for label, row in unknown.items():
        problem("fel", "unknown_label", f"Värdet {label!r} går inte att översätta. Lägg till value_labels: "
                f"{{{fld}: {{\"{label}\": …}}}} i sources.yaml.", row, fld, label)
    return out
