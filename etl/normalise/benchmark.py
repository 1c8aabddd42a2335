"""Normalise step for ``kind: benchmark``: municipality × year × variable from published statistics.

Two shapes, both configured in ``sources.yaml`` like any export:

- ``layout: wide`` -- KB's published statistics files (``Folk2012.xlsx``): one row per area, one
  column per variable; with ``header_rows: 2`` the variable codes (``Folk146``) are in the first
  header row and the labels in the second.  Id columns are named by code or label
  (``columns: {area_code: Folk2, area_name: Folk1}``); every other column with numbers is a variable.
  Columns that hold only text (names, e-mail addresses, comments) are never read.
- ``layout: long`` -- Kolada downloads: KPI id, municipality id, year, value and gender (T/K/M).

Area codes are normalised: 380, "380" and "0380" are the municipality 0380.  Codes below 100 (as
numbers: "00", "01", Kolada's "0000", "0001") are the nation and the counties: stored with
``area_type`` riket/lan, never as municipalities; so are rows whose name is a totals label ("Riket",
"Stockholms län") without a code.  A blank cell is no row (missing), never 0.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from etl.config import Source
from etl.parse import NUM_AMBIGUOUS, NUM_OK, NumberColumn, ambiguous_number_message, is_blank, numbers, read_numbers
from etl.problems import Problem
from etl.read import RawSheet
from etl.tables import conform, empty
from etl.vocabulary import norm, vocabulary

GENDERS = {"t": "T", "totalt": "T", "total": "T", "alla": "T", "k": "K", "kvinnor": "K", "kvinna": "K",
           "m": "M", "män": "M", "man": "M"}
ID_FIELDS = ("area_code", "area_name", "year", "variable", "label", "value", "gender")
_DIGITS = re.compile(r"^\d{1,4}$")
_GROUP_ID = re.compile(r"^G\d+$", re.I)  # Kolada's municipality groups (G33930): not areas
#: Publishers' marks for "no value" (SCB and KB ``..``, dashes): no row, like a blank cell.
NO_VALUE = frozenset({"..", "-", "–", "—"})


def area(code: Any, name: Any = None) -> tuple[str, str] | None:
    """``(code, area_type)`` of a cell: ``("0380", "kommun")``, ``("01", "lan")``, ``("00", "riket")``;
    None when the cell is no area code (empty, or a Kolada group id like ``G33930``)."""
    if not is_blank(code):
        if isinstance(code, (int, float, np.integer, np.floating)) and float(code).is_integer():
            n = int(code)
        else:
            text = str(code).strip().replace(" ", "")
            if text.endswith(".0"):
                text = text[:-2]
            if not _DIGITS.match(text):
                return None
            n = int(text)
        if n == 0:
            return "00", "riket"
        if n < 100:
            return f"{n:02d}", "lan"
        return f"{n:04d}", "kommun"
    if not is_blank(name):
        key = norm(str(name))
        if key in {"riket", "sverige", "hela riket", "samtliga kommuner", "alla kommuner"} | vocabulary().totals:
            return "00", "riket"
        if key.endswith(" län") or key.endswith(" lan"):
            return "", "lan"
    return None


class _Problems:
    def __init__(self, sheet: RawSheet):
        self.sheet = sheet
        self.items: list[Problem] = []
        self.failed: set[int] = set()  # rows with an error that is recorded once for several rows

    def add(self, severity: str, code: str, message: str, row: Any = None, column: str = "", value: Any = "") -> None:
        self.items.append(Problem(severity, code, message, file=self.sheet.file, sheet=self.sheet.sheet,  # type: ignore[arg-type]
                                  row=None if row is None else int(row), column=column,
                                  value="" if is_blank(value) else str(value)))


def _find(sheet: RawSheet, source: Source, fld: str) -> int | None:
    """The column of ``fld``: the header the config names (in any header row), else a known variant."""
    wanted = source.columns.get(fld)
    parts = [[norm(str(p)) for p in ps if str(p).strip()] for ps in sheet.header_parts]
    if wanted is not None:
        for i, ps in enumerate(parts):
            if norm(wanted) in ps:
                return i
        return None
    variants = {k for k, f in vocabulary().headers.get("benchmark", {}).items() if f == fld}
    for i, ps in enumerate(parts):
        if variants & set(ps):
            return i
    return None


def _bad_values(probs: _Problems, col: NumberColumn, cells: np.ndarray, present: np.ndarray, rows: np.ndarray,
                column: str, variables: np.ndarray | None = None) -> None:
    """Errors for the value cells that are not one number: a number that reads two ways ("1,234": the
    source's decimal and thousands settings decide), and text ("ca 6"), each naming its cell."""
    ambiguous = [j for j in np.flatnonzero(present & (col.reason == NUM_AMBIGUOUS))]
    if ambiguous:  # one root cause, one record: the first cell, with the rows of the others
        j = ambiguous[0]
        more = [int(rows[k]) for k in ambiguous[1:]]
        also = f" Samma gäller rad {', '.join(map(str, more[:10]))}{' …' if len(more) > 10 else ''}." if more else ""
        probs.add("fel", "ambiguous_number", ambiguous_number_message(str(cells[j]), col.readings[int(j)]) + also,
                  rows[j], column, cells[j])
        for k in ambiguous[1:]:
            probs.failed.add(int(rows[k]))
    bad = np.flatnonzero(present & (col.reason != NUM_OK) & (col.reason != NUM_AMBIGUOUS))
    for j in bad[:20]:
        var = column if variables is None else str(variables[j]).strip()
        probs.add("fel", "text_in_number", f"Cellen ska innehålla ett tal men innehåller {str(cells[j]).strip()!r}. "
                  "Skriv talet (t.ex. 6,1), lämna cellen tom om värdet saknas, eller rätta filen. Är variabeln "
                  f"text (t.ex. en kommungrupp), ange text_variables: [{var}] för källan i sources.yaml.",
                  rows[j], column, cells[j])
    if len(bad) > 20:
        probs.add("fel", "text_in_number", f"{len(bad) - 20} celler till i kolumnen innehåller text i stället för tal.",
                  None, column)
        probs.failed.update(int(rows[j]) for j in bad[20:])


def normalise_benchmark(sheet: RawSheet, source: Source) -> tuple[pd.DataFrame, dict[str, str], list[int], list[Problem]]:
    """The tidy rows, field -> header read, Excel rows with an error, and the problems found."""
    probs = _Problems(sheet)
    probs.items += sheet.problems
    cols = {f: _find(sheet, source, f) for f in ID_FIELDS}
    absent = [(fld, header) for fld, header in source.columns.items() if cols.get(fld) is None]
    if absent:
        found = ", ".join(n for n in sheet.names if n)
        named = ", ".join(f"{header!r} ({fld})" for fld, header in absent)
        what = "Kolumnen" if len(absent) == 1 else "Kolumnerna"
        probs.add("fel", "missing_column", f"{what} {named} som sources.yaml anger finns inte i filen. Kolumner "
                  f"i filen: {found[:300]}. Rätta columns: i sources.yaml.", column=", ".join(h for _, h in absent))
        return empty("benchmark"), {}, [], probs.items
    need = ("area_code",) if source.layout == "wide" else ("area_code", "variable", "value")
    missing = [f for f in need if cols[f] is None]
    if cols["year"] is None and "year" not in source.constants:
        missing.append("year")
    if missing:
        probs.add("fel", "missing_column", f"Jämförelsedata behöver {', '.join(missing)}: ange rubriken under "
                  "columns: i sources.yaml (t.ex. columns: {area_code: Kommunkod}), och året som kolumn eller "
                  "constants: {year: 2012}.")
        return empty("benchmark"), {}, [], probs.items
    rows = sheet.rows
    n = len(rows)

    def column(fld: str) -> np.ndarray:
        i = cols[fld]
        if i is None:
            return np.full(n, source.constants.get(fld), dtype=object)
        return np.asarray(sheet.columns[i], dtype=object)

    codes, names, years = column("area_code"), column("area_name"), column("year")
    areas = [area(c, nm) for c, nm in zip(codes, names)]
    year_vals, year_bad, _ = numbers(years)
    frames: list[pd.DataFrame] = []
    keep = np.array([a is not None and a[0] != "" for a in areas])
    code_col = sheet.names[cols["area_code"]] if cols["area_code"] is not None else ""
    for i in np.flatnonzero(~keep):
        if not is_blank(codes[i]) and not _GROUP_ID.match(str(codes[i]).strip()):
            probs.add("fel", "bad_area_code", f"{str(codes[i]).strip()!r} är ingen kommun-, läns- eller rikskod. "
                      "Skriv kommunkoden med fyra siffror (t.ex. 0380 för Uppsala), länskoden med två (01) och "
                      "00 för riket, eller ta bort raden.", rows[i], code_col, codes[i])
        elif not is_blank(codes[i]) or not is_blank(names[i]):
            what = codes[i] if not is_blank(codes[i]) else names[i]
            probs.add("varning", "benchmark_not_area", "Raden har ingen kommun-, läns- eller rikskod och lästes "
                      "inte (t.ex. en jämförelsegrupp eller ett län utan kod).", rows[i], code_col, what)
    bad_year = keep & (year_bad | np.isnan(year_vals))
    for i in np.flatnonzero(bad_year):
        probs.add("fel", "bad_year", "Året saknas eller är inte ett årtal; skriv t.ex. 2024.", rows[i],
                  sheet.names[cols["year"]] if cols["year"] is not None else "year", years[i])
    keep &= ~bad_year
    base = pd.DataFrame({
        "year": year_vals, "area_code": [a[0] if a else "" for a in areas],
        "area_type": [a[1] if a else "" for a in areas],
        "area_name": ["" if is_blank(v) else str(v).strip() for v in names], "source_row": rows,
    })[keep]
    texts = set(source.text_variables)
    if source.layout == "wide":
        used = {i for i in cols.values() if i is not None}
        text_cols = []
        for i in range(len(sheet.names)):
            if i in used:
                continue
            vals = np.asarray(sheet.columns[i], dtype=object)[keep]
            present = ~np.array([is_blank(v) for v in vals], dtype=bool)
            if not present.any():
                continue
            parts = [str(p).strip() for p in sheet.header_parts[i] if str(p).strip()]
            if texts & set(parts):  # a declared text variable (a municipality group): kept as text
                frames.append(base[present].assign(variable=parts[0], label=parts[-1], gender="T", value=np.nan,
                                                   value_text=[str(v).strip() for v in vals[present]]))
                continue
            col = read_numbers(vals, source.number_style)
            marks = np.array([isinstance(v, str) and v.strip() in NO_VALUE for v in vals], dtype=bool)
            if (col.bad & ~marks)[present & ~marks].all() and not col.readings:
                text_cols.append(sheet.names[i] or str(sheet.header_parts[i][0]))
                continue
            present &= ~marks
            _bad_values(probs, col, vals, present, base["source_row"].to_numpy(), sheet.names[i])
            parsed, ok = col.values, present & ~col.bad
            frames.append(base[ok].assign(variable=parts[0], label=parts[-1], gender="T", value=parsed[ok]))
        if text_cols:
            probs.add("varning", "benchmark_text_columns", f"{len(text_cols)} kolumner med bara text lästes inte "
                      f"(jämförelsedata är tal): {', '.join(text_cols[:8])}{' …' if len(text_cols) > 8 else ''}.")
    else:
        var = column("variable")[keep]
        cells = column("value")[keep]
        is_text = np.array([not is_blank(v) and str(v).strip() in texts for v in var], dtype=bool)
        col = read_numbers(cells, source.number_style)
        blank = np.array([is_blank(v) or (isinstance(v, str) and v.strip() in NO_VALUE) for v in cells], dtype=bool)
        _bad_values(probs, col, cells, ~blank & ~is_text, base["source_row"].to_numpy(), sheet.names[cols["value"]], var)
        vals, bad = col.values, col.bad & ~is_text
        vals = np.where(is_text, np.nan, vals)
        text_vals = np.array([str(v).strip() if t and not b else None for v, t, b in zip(cells, is_text, blank)],
                             dtype=object)
        gender_raw = column("gender")[keep] if cols["gender"] is not None else np.full(len(base), "T", dtype=object)
        gender = np.array([GENDERS.get(norm(str(g)), None) if not is_blank(g) else "T" for g in gender_raw], dtype=object)
        for j in np.flatnonzero(pd.isna(gender))[:20]:
            probs.add("fel", "bad_gender", "Kön ska vara T (totalt), K (kvinnor) eller M (män).",
                      base["source_row"].iat[j], sheet.names[cols["gender"]], gender_raw[j])
        labels = column("label")[keep] if cols["label"] is not None else np.full(len(base), "", dtype=object)
        ok = ~bad & ~blank & ~pd.isna(gender) & np.array([not is_blank(v) for v in var], dtype=bool)
        frames.append(base[ok].assign(variable=[str(v).strip() for v in var[ok]],
                                      label=["" if is_blank(v) else str(v) for v in labels[ok]],
                                      gender=gender[ok], value=vals[ok], value_text=text_vals[ok]))
    out = pd.concat(frames, ignore_index=True) if frames else empty("benchmark")
    if len(out):
        dup = out.duplicated(["year", "area_code", "variable", "gender"], keep=False).to_numpy()
        for j in np.flatnonzero(dup)[:20]:
            probs.add("fel", "duplicate", f"Samma kommun, år och variabel ({out['variable'].iat[j]}) finns flera "
                      "gånger; ta bort dubbletten.", out["source_row"].iat[j], "", out["area_code"].iat[j])
    out["source_file"] = sheet.file
    out["source_sheet"] = sheet.sheet
    columns = {f: sheet.names[i] for f, i in cols.items() if i is not None}
    failed = sorted({p.row for p in probs.items if p.is_error and p.row is not None} | probs.failed)
    return conform("benchmark", out), columns, failed, probs.items
