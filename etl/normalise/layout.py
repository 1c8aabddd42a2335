"""Layout steps before a kind's own normalisation: totals rows dropped, months as columns melted
into one row per (row, month).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from etl.config import Source
from etl.grain import month_names, parse_month_header
from etl.headers import ColumnMap
from etl.normalise.common import DEFAULT_VALUE_FIELD, TOTALS_FIELDS, Ctx, blank_mask, map_labels
from etl.parse import numbers
from etl.read import RawSheet
from etl.vocabulary import norm, vocabulary


def drop_totals(df: pd.DataFrame, cmap: ColumnMap, sheet: RawSheet, source: Source, ctx: Ctx) -> pd.DataFrame:
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


def _month_columns(cmap: ColumnMap, sheet: RawSheet, source: Source, ctx: Ctx) -> list[tuple[int, int | None, int]]:
    """(column index, year or None, month) of each month column.  Without ``month_columns``: the
    columns no field claimed whose header is a month (totals columns dropped with a warning); with
    it: the columns whose header matches one of its patterns, the month (and year) from the groups.
    Columns of several groups for the same month are summed later, when rows are aggregated."""
    names = month_names(source.locale)
    out: list[tuple[int, int | None, int]] = []
    if source.month_columns:
        claimed = set(cmap.fields.values()) | set(cmap.dropped)
        for group in source.month_columns:
            rx = re.compile(group.match, re.IGNORECASE)
            for i, name in enumerate(sheet.names):
                if i in claimed or not (m := rx.search(str(name))):
                    continue
                parsed = parse_month_header(m["month"].strip(), names)
                if parsed is None:
                    continue
                year = int(m["year"]) if m.groupdict().get("year") else parsed[0]
                out.append((i, year, parsed[1]))
        return out
    totals = vocabulary().totals
    for i in cmap.unrecognised:
        parsed = parse_month_header(sheet.names[i], names)
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
        out.append((i, year, month))
    return out


def melt_months(df: pd.DataFrame, cmap: ColumnMap, sheet: RawSheet, source: Source,
                 ctx: Ctx) -> pd.DataFrame | None:
    """One row per (row, month column); the cell value goes to ``_value``, the month to ``month``."""
    month_cols = _month_columns(cmap, sheet, source, ctx)
    if not month_cols:
        if source.month_columns:
            patterns = ", ".join(repr(g.match) for g in source.month_columns)
            ctx.add("fel", "missing_column", f"Inga kolumner passar month_columns ({patterns}). Hittade "
                    f"kolumner: {', '.join(n for n in sheet.names if n)}. Rätta uttrycket i sources.yaml.",
                    sheet.header_row, "månad")
        else:
            ctx.add("fel", "missing_column", "Inga månadskolumner hittades (t.ex. jan, Januari, 2024-01). "
                    f"Hittade kolumner: {', '.join(n for n in sheet.names if n)}. Kontrollera header_rows "
                    "och layout i sources.yaml.", sheet.header_row, "månad")
        return None
    # The rows left after dropping totals, located in the sheet through their Excel row number.
    pos = np.searchsorted(sheet.rows, df["_row"].to_numpy())
    # A month column that is empty in every row is a month the export does not cover yet (run
    # mid-year): no data, not a row of missing values.
    month_cols = [mc for mc in month_cols if not blank_mask(np.asarray(sheet.columns[mc[0]], dtype=object)[pos]).all()]
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
        labels = map_labels(out, "measure", ctx, vocabulary().value_labels["measure"])
        out["_field"] = labels
    else:
        out["_field"] = source.value_field or DEFAULT_VALUE_FIELD.get(source.kind, "_value")
    ctx.columns.setdefault("_value", "månadskolumn")
    return out


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _column_letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def form_cells(sheet: RawSheet, source: Source, ctx: Ctx) -> pd.DataFrame | None:
    """``layout: cells``: one record from a form sheet, each field from its cell (``B3``) or from
    the cell beside its label.  The problems name the cell (``B3``) as the column."""
    grid: dict[int, list] = {sheet.header_row: list(sheet.names)}
    for j, r in enumerate(sheet.rows):
        grid[int(r)] = [c[j] for c in sheet.columns]
    width = len(sheet.names)
    labels: dict[str, tuple[int, int]] = {}
    for r, cells in grid.items():
        for i, v in enumerate(cells):
            if isinstance(v, str) and v.strip():
                labels.setdefault(norm(v), (r, i))
    record: dict[str, object] = {}
    rows: list[int] = []
    ok = True
    for fld, ref in source.cells.items():
        if isinstance(ref, str):
            m = re.fullmatch(r"([A-Za-z]{1,3})(\d+)", ref.strip())
            assert m is not None  # checked in etl.config
            r, i = int(m[2]), _column_index(m[1])
        else:
            hit = labels.get(norm(ref.label))
            if hit is None:
                ctx.add("fel", "missing_column", f"Etiketten {ref.label!r} finns inte i bladet. Rätta "
                        f"cells.{fld} i sources.yaml (etiketten ska stå som i blanketten).", sheet.header_row,
                        ref.label)
                ok = False
                continue
            r, label_col = hit
            if ref.column is not None:
                i = _column_index(ref.column)
            else:
                row = grid.get(r, [])
                i = next((k for k in range(label_col + 1, width) if not blank_mask([row[k]])[0]), label_col + 1)
        value = grid.get(r, [""] * width)[i] if i < width else ""
        record[fld] = value
        ctx.columns[fld] = f"{_column_letters(i)}{r}"
        rows.append(r)
    if not ok:
        return None
    for fld, value in source.constants.items():
        record.setdefault(fld, value)
    df = pd.DataFrame({f: pd.Series([v], dtype=object) for f, v in record.items()})
    df["_row"] = min(rows) if rows else sheet.header_row
    return df
