"""Transaction exports (Koha ``statistics``-like: one row per issue, renewal, return...) -> loans.

The fast path: CSV is read with pyarrow (only the needed columns), spreadsheets with calamine;
every key column is dictionary-encoded, rows are counted per (month, branch, type, item type,
audience) code combination with numpy, and only the small aggregated table is mapped to unit ids
and value labels.  Borrower numbers are replaced by a keyed hash (HMAC-SHA256) right after reading,
hashing each distinct number once; they are never stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import secrets
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from etl.config import Source, load_settings
from etl.headers import ColumnMap, map_columns, missing_column
from etl.parse import datetimes
from etl.problems import Problem
from etl.read import CSV_SUFFIXES, RawSheet, detect_encoding, read_sheet, sniff_delimiter
from etl.tables import conform
from etl.units import UnitIndex
from etl.vocabulary import norm, vocabulary

KEY_FIELDS = ("unit", "type", "media_type", "audience", "category", "genre")


def pseudonym_key() -> bytes:
    """The key for borrower pseudonyms: env BIBPLAN_PSEUDONYM_KEY, else settings.pseudonym_key."""
    key = os.environ.get("BIBPLAN_PSEUDONYM_KEY") or load_settings().pseudonym_key
    return key.encode("utf-8") if key else b""


def _digests(values: list[Any], key: bytes) -> list[str | None]:
    """HMAC-SHA256 (RFC 2104) of each value, first 16 hex digits.  The keyed inner and outer states
    are computed once and copied per value, which is several times faster than ``hmac.new``."""
    block = 64
    key = hashlib.sha256(key).digest() if len(key) > block else key
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(k ^ 0x36 for k in key))
    outer = hashlib.sha256(bytes(k ^ 0x5C for k in key))
    out: list[str | None] = []
    append = out.append
    for v in values:
        if v is None or v == "":
            append(None)
            continue
        i = inner.copy()
        i.update(str(v).encode())
        o = outer.copy()
        o.update(i.digest())
        append(o.hexdigest()[:16])
    return out


def pseudonymise(values: Any, key: bytes) -> pa.DictionaryArray:
    """Keyed hash (HMAC-SHA256, 16 hex digits) of every value, as a dictionary column: each distinct
    value is hashed once and the raw values are not kept."""
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        try:
            values = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            values = pa.array([None if v is None else str(v) for v in values], pa.string())
    if isinstance(values, pa.ChunkedArray):  # one dictionary for the whole column
        values = values.combine_chunks()
    enc = pc.dictionary_encode(values)
    hashes = pa.array(_digests([_plain(u) for u in enc.dictionary.to_pylist()], key), pa.string())
    return pa.DictionaryArray.from_arrays(enc.indices, hashes)


def _plain(v: Any) -> Any:
    """Excel gives numbers as floats: borrower 4741.0 is hashed as "4741", as in a CSV export."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _codes(col: Any) -> tuple[np.ndarray, list[Any]]:
    """Codes (int64, -1 for null/blank) and the distinct values of a column (arrow or a sequence)."""
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        if not pa.types.is_dictionary(col.type):
            col = pc.dictionary_encode(col)
        if isinstance(col, pa.ChunkedArray):
            col = col.unify_dictionaries()
            indices = [c.indices for c in col.chunks]
            dictionary = col.chunks[0].dictionary if col.num_chunks else pa.array([], pa.string())
            idx = pa.chunked_array(indices, type=col.type.index_type)
        else:
            idx, dictionary = col.indices, col.dictionary
        codes = np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False) if isinstance(idx, pa.Array)
                           else pc.fill_null(idx, -1).to_numpy(), dtype=np.int64)
        return codes, dictionary.to_pylist()
    codes, uniques = pd.factorize(np.asarray(col, dtype=object), use_na_sentinel=True)
    uniques = list(uniques)
    if "" in uniques:  # blank cells are missing
        blank = uniques.index("")
        codes = np.where(codes == blank, -1, codes)
    return codes.astype(np.int64), uniques


def _strings(col: Any) -> pa.Array | pa.ChunkedArray:
    """A key column as Arrow strings, blanks as null (Excel numbers such as item type 12.0 -> "12")."""
    if isinstance(col, (pa.Array, pa.ChunkedArray)):  # from the CSV reader: blanks are already null
        return col if pa.types.is_string(col.type) else pc.cast(col, pa.string())
    else:
        try:
            arr = pa.array(col, type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arr = pa.array([None if v is None else str(_plain(v)) for v in col], type=pa.string())
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _header_sheet(path: Path, source: Source) -> tuple[RawSheet, str, str]:
    """The header and a sample of a CSV file as a RawSheet (for column recognition)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    encoding = detect_encoding(head, source.encoding)
    text = head.decode(encoding, errors="ignore")
    delimiter = sniff_delimiter(text[:20000], source.delimiter)
    lines = list(csv.reader(io.StringIO(text), delimiter=delimiter))[: 200 + source.skip_rows + 1]
    header = lines[source.skip_rows]
    body = lines[source.skip_rows + 1:-1]
    width = len(header)
    cols = [[r[i] if i < len(r) else "" for r in body] for i in range(width)]
    sheet = RawSheet(path.name, "", [(h,) for h in header], header, cols, np.zeros(0, np.int64),
                     source.skip_rows + 1)
    return sheet, encoding, delimiter


def read_transactions(path: Path, source: Source, units: UnitIndex,
                      key: bytes | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and aggregate a transaction export to the loans table (with trace columns)."""
    problems: list[Problem] = []
    if path.suffix.lower() in CSV_SUFFIXES:
        sheet, encoding, delimiter = _header_sheet(path, source)
        cmap = map_columns(sheet, "loans", source)
        needed = _needed(cmap, sheet, source, problems)
        if needed is None:
            return conform("loans", pd.DataFrame()), problems + cmap.problems
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf8" if encoding.startswith("utf-8") else encoding,
                                           skip_rows=source.skip_rows),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                strings_can_be_null=True,
                include_columns=[sheet.names[i] for i in needed.values()],
                column_types={sheet.names[i]: pa.string() for f, i in needed.items() if f not in ("date", "borrower")}),
        )
        columns = {f: table.column(sheet.names[i]) for f, i in needed.items()}
        first_row = source.skip_rows + 2
        rows = None
        sheet_name = ""
    else:
        sheet = read_sheet(path, source)
        cmap = map_columns(sheet, "loans", source)
        needed = _needed(cmap, sheet, source, problems)
        if needed is None:
            return conform("loans", pd.DataFrame()), problems + cmap.problems
        columns = {f: sheet.columns[i] for f, i in needed.items()}
        rows = sheet.rows
        first_row = 0
        sheet_name = sheet.sheet
    problems += cmap.problems
    names = {f: sheet.names[i] for f, i in needed.items()}
    if "borrower" in columns:
        if key is None:
            key = pseudonym_key()
        if not key:
            key = secrets.token_bytes(32)
            problems.append(Problem("varning", "pseudonym_key", "Ingen nyckel för pseudonymisering är satt "
                                    "(BIBPLAN_PSEUDONYM_KEY eller pseudonym_key i settings.yaml); en "
                                    "slumpnyckel används, så låntagare kan inte följas mellan laddningar.",
                                    file=path.name, column=names["borrower"]))
        columns["borrower"] = pseudonymise(columns["borrower"], key)  # the raw numbers are dropped here
    frame, more = _aggregate(columns, names, source, units, path.name, sheet_name, rows, first_row)
    return frame, problems + more


def _needed(cmap: ColumnMap, sheet: RawSheet, source: Source, problems: list[Problem]) -> dict[str, int] | None:
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
    return {f: i for f, i in cmap.fields.items() if f in KEY_FIELDS + ("date", "borrower")}


def _months(col: Any, source: Source) -> tuple[np.ndarray, np.ndarray]:
    """Month index (months since 1970-01, -1 when missing) per row and a mask of unparseable cells."""
    ts: np.ndarray | None = None
    if isinstance(col, (pa.Array, pa.ChunkedArray)) and (pa.types.is_timestamp(col.type) or pa.types.is_date(col.type)):
        ts = np.asarray(col.to_numpy() if isinstance(col, pa.ChunkedArray) else col.to_numpy(zero_copy_only=False))
        bad = np.zeros(len(ts), dtype=bool)
    elif not isinstance(col, (pa.Array, pa.ChunkedArray)) and len(col) and all(isinstance(v, dt.date) for v in col):
        ts = pd.to_datetime(list(col)).to_numpy()
        bad = np.zeros(len(ts), dtype=bool)
    if ts is None:
        codes, values = _codes(col)
        parsed, bad_u = datetimes(values, source.dayfirst)
        ts = np.where(codes >= 0, parsed[np.maximum(codes, 0)] if len(parsed) else np.datetime64("NaT"), np.datetime64("NaT"))
        bad = np.where(codes >= 0, bad_u[np.maximum(codes, 0)] if len(bad_u) else False, False)
    ts = ts.astype("datetime64[s]")
    if source.timestamps_utc:
        ts = pd.DatetimeIndex(ts).tz_localize("UTC").tz_convert("Europe/Stockholm").tz_localize(None).to_numpy()
    # Day -> month through a lookup table over the days present (a calendar conversion per row is slow).
    valid = ~np.isnat(ts)
    days = ts.astype("datetime64[D]").astype(np.int64)
    if valid.all():
        lo, hi = int(days.min(initial=0)), int(days.max(initial=0))
        lookup = np.arange(lo, hi + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        return lookup[days - lo], bad
    months = np.full(len(ts), -1, dtype=np.int64)
    if valid.any():
        lo, hi = int(days[valid].min()), int(days[valid].max())
        lookup = np.arange(lo, hi + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        months[valid] = lookup[days[valid] - lo]
    return months, bad


def _aggregate(columns: dict[str, Any], names: dict[str, str], source: Source, units: UnitIndex,
               file: str, sheet: str, rows: np.ndarray | None, first_row: int) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []

    def problem(sev: str, code: str, msg: str, row: Any, fld: str, value: Any = "") -> None:
        problems.append(Problem(sev, code, msg, file=file, sheet=sheet, row=None if row is None else int(row),  # type: ignore[arg-type]
                                column=names.get(fld, fld), value=str(value)))

    def row_of(i: int) -> int:
        return int(rows[i]) if rows is not None else first_row + i

    n = len(columns["date"])
    months, bad = _months(columns["date"], source)
    if bad.any():
        idx = np.flatnonzero(bad)
        problem("fel", "bad_date", f"{len(idx)} tidpunkter går inte att tolka (första visas). Skriv dem som "
                "ÅÅÅÅ-MM-DD TT:MM.", row_of(idx[0]), "date", "")
    # Count rows per (month, branch, type, item type, audience/category, genre) in Arrow (C++), keeping
    # each group's first row for tracing; only the small result goes on to pandas.
    keys = {"month": pa.array(months)} | {f: _strings(columns[f]) for f in KEY_FIELDS if f in columns}
    table = pa.table({**keys, "_row": pa.array(np.arange(n, dtype=np.int64))})
    grouped = table.group_by(list(keys), use_threads=True).aggregate([("_row", "min"), ("_row", "count")])
    agg = grouped.to_pandas(types_mapper=None).rename(columns={"_row_count": "count"})
    first = agg.pop("_row_min").to_numpy()
    agg["source_row"] = rows[first] if rows is not None else first + first_row
    for f in KEY_FIELDS:
        if f in agg:
            agg[f] = agg[f].astype(object).where(agg[f].notna(), None)
    for f in KEY_FIELDS:
        if f not in agg and f in source.constants:
            agg[f] = source.constants[f]
    agg = agg.loc[agg["month"] >= 0].reset_index(drop=True)
    agg["month"] = agg["month"].to_numpy().astype("datetime64[M]").astype("datetime64[s]")
    vocab = vocabulary().value_labels
    target = _map(agg, "type", vocab["type"], source, problem)
    agg["_target"] = target
    agg = agg.loc[pd.notna(agg["_target"]) & (agg["_target"] != _UNKNOWN)].reset_index(drop=True)
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
