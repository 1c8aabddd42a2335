"""Avvikelser: data-quality problems that touch the period, and the follow-up's own notes.

The first table has exactly the columns problems have everywhere (``etl.problems.PROBLEM_COLUMNS_SV``:
Allvarlighet, Fil, Blad, Rad, Kolumn, Värde, Meddelande), errors first.  The second lists what the
follow-up itself marks: incomplete periods, too few survey answers, series breaks.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
from openpyxl.workbook import Workbook

from report import cells, formats, styles
from report.inputs import ReportInputs
from report.sheets import names
from etl.problems import PROBLEM_COLUMNS_SV

#: Date columns a problem record may carry to say which period it concerns.
_PERIOD_COLUMNS = (("period_start", "period_end"), ("date", "date"), ("month", "month"))


_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")


def file_years(name: str) -> tuple[int, int] | None:
    """The years a file name says it covers: ``besok_2024.xlsx`` -> (2024, 2024),
    ``arrangemang_2019-2022.csv`` -> (2019, 2022); ``None`` when it names no year."""
    years = [int(y) for y in _YEAR.findall(Path(str(name)).name)]
    return (min(years), max(years)) if years else None


def touching(problems: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Problems that concern ``start..end`` or the same period the year before (the comparison).

    Problem records carry file, sheet and row but no period, so a problem is left out only when it
    can be dated outside ``start.year - 1 .. end.year``: by a date column (``period_start``/
    ``period_end``, ``date`` or ``month``) when the records have one, else by the years in its file
    name (``besok_2019.xlsx``).  Problems that cannot be dated (a missing column, an unknown unit in
    an undated file) are kept: they may affect every period.
    """
    if problems.empty:
        return problems
    first_year, last_year = start.year - 1, end.year
    for lo_col, hi_col in _PERIOD_COLUMNS:
        if lo_col in problems and hi_col in problems:
            lo = pd.to_datetime(problems[lo_col], errors="coerce")
            hi = pd.to_datetime(problems[hi_col], errors="coerce")
            undated = lo.isna() & hi.isna()
            overlaps = (hi.fillna(lo).dt.year >= first_year) & (lo.fillna(hi).dt.year <= last_year)
            return problems[undated | overlaps]
    spans = problems["file"].astype(str).map(file_years)
    keep = spans.map(lambda s: s is None or (s[1] >= first_year and s[0] <= last_year))
    return problems[keep.astype(bool).to_numpy()]


def ordered(problems: pd.DataFrame) -> pd.DataFrame:
    """Errors before warnings, then by file, sheet and row."""
    if problems.empty:
        return problems
    key = problems.assign(_sev=(problems["severity"].astype(str) != "fel").astype(int))
    cols = ["_sev"] + [c for c in ("file", "sheet", "row") if c in key]
    return key.sort_values(cols, kind="stable").drop(columns="_sev")


def notes(inputs: ReportInputs) -> list[tuple[str, str, str, str]]:
    """(``Mål n``, indicator, unit, note) for every follow-up row with a note or an incomplete period."""
    out = []
    number = {g.id: f"{inputs.goal_word} {i}" for i, g in enumerate(inputs.goals, start=1)}
    for rec in inputs.followup.to_dict("records"):
        note = cells.plain(rec.get("note"))
        complete = cells.plain(rec.get("complete"))
        text = str(note) if note else ""
        if complete is False and "ofullständig" not in text.lower():
            text = "; ".join(x for x in ("ofullständig period", text) if x)
        if text:
            goal = number.get(str(rec.get("goal_id")), str(rec.get("goal_name")))
            out.append((goal, str(rec.get("indicator_name")), inputs.unit_name, text))
    return out


def build(wb: Workbook, inputs: ReportInputs) -> None:
    ws = wb.create_sheet(names.PROBLEMS)
    ws.sheet_view.showGridLines = False
    cells.put(ws, 1, 1, f"Avvikelser och datakvalitet, {inputs.period_label}", font=styles.TITLE)
    cells.put(ws, 2, 1, "Fel och varningar från inläsningen av filerna som rör perioden, och anmärkningar "
                        "från uppföljningen. Rad = radnumret i Excel-filen.", font=styles.NOTE)
    probs = ordered(touching(inputs.store.problems, inputs.period_start, inputs.period_end))
    row = 4
    cells.put(ws, row, 1, f"Datakvalitet ({len(probs)} st.)", font=styles.HEADING)
    row += 1
    header = row
    cells.header_row(ws, row, list(PROBLEM_COLUMNS_SV.values()))
    keys = list(PROBLEM_COLUMNS_SV)
    if probs.empty:
        row += 1
        cells.put(ws, row, 1, "Inga fel eller varningar.", font=styles.NOTE)
    for rec in probs.to_dict("records"):
        row += 1
        sev = str(rec.get("severity") or "")
        for c, key in enumerate(keys, start=1):
            v = cells.plain(rec.get(key))
            if key == "row" and v is not None:
                v = int(v)
            font = styles.BODY
            if key == "severity":
                font = styles.status_font("ej_uppnatt" if sev == "fel" else "delvis")
            cells.put(ws, row, c, v, fmt=formats.INTEGER if key == "row" else None, font=font,
                      align=styles.CENTER if key == "row" else styles.WRAP, border=styles.CELL_BORDER)
        ws.row_dimensions[row].height = cells.text_height(str(rec.get("message") or ""), 70, 12.5)

    row += 2
    found = notes(inputs)
    cells.put(ws, row, 1, f"Anmärkningar från uppföljningen ({len(found)} st.)", font=styles.HEADING)
    row += 1
    cells.header_row(ws, row, [inputs.goal_word, "Indikator", "Enhet", "Anmärkning", "", "", ""])
    ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=7)
    if not found:
        row += 1
        cells.put(ws, row, 1, "Inga anmärkningar.", font=styles.NOTE)
    for rec in found:
        row += 1
        for c, v in enumerate(rec, start=1):
            cells.put(ws, row, c, v, align=styles.WRAP, border=styles.CELL_BORDER)
        ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=7)
        ws.row_dimensions[row].height = max(cells.text_height(rec[1], 30), cells.text_height(rec[3], 100))
    cells.set_widths(ws, [12, 30, 16, 8, 16, 14, 70])
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    cells.print_setup(ws, title_rows=f"1:{header}", footer=f"{inputs.title} · {names.PROBLEMS}")
