"""The KB statistics workbook (``bibplan kb``): KB's variables in KB's order, per unit and in total.

Sheets: *KB-statistik* (key, section, question, whole municipality, each unit, source, caveats;
empty cells are for manual entry, grey cells do not apply to the unit), *Kontroller* (KB's
consistency rules as problem records) and *Om* (how the values are computed, the reference).
Imports no Dash.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import PatternFill

from report import cells, formats, styles
from report.workbook import save
from etl.problems import PROBLEM_COLUMNS_SV
from goals.kb.compute import TOTAL, KbExport
from goals.kb.rules import FIRST_ROW

NOT_APPLICABLE = PatternFill("solid", fgColor="D9D9D9")
MANUAL = PatternFill("solid", fgColor="FFF2CC")  # empty: to be filled in by hand


def _fmt(value: float | None) -> str:
    return formats.INTEGER if value is None or float(value).is_integer() else "#,##0.0"


def build_workbook(export: KbExport, *, municipality: str = "", data_until: dt.date | None = None,
                   generated: dt.date | None = None) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "KB-statistik"
    ws.sheet_view.showGridLines = False
    where = f" – {municipality}" if municipality else ""
    cells.put(ws, 1, 1, f"KB:s biblioteksstatistik {export.year}{where}", font=styles.TITLE)
    sub = f"Skapad {(generated or dt.date.today()).isoformat()} av bibplan"
    if data_until:
        sub += f" · data t.o.m. {data_until.isoformat()}"
    if export.incomplete_until is not None:
        sub += f" · PRELIMINÄR: året är inte komplett (data t.o.m. {export.incomplete_until.isoformat()})"
    cells.put(ws, 2, 1, sub, font=styles.NOTE)
    cells.put(ws, 3, 1, "Tomma gula celler finns inte i inläst data och fylls i för hand (aldrig 0). Grå celler "
                        "gäller inte enheten (t.ex. 1xx = huvudbiblioteket, 2xx = övriga enheter).", font=styles.NOTE)
    header = FIRST_ROW - 1
    unit_cols = [(u, n) for u, n, _ in export.units]
    heads = ["Nyckel", "Avsnitt", "Fråga", "Hela kommunen"] + [n for _, n in unit_cols] + ["Källa", "Anmärkning"]
    cells.header_row(ws, header, heads)
    for i, var in enumerate(export.catalogue.all()):
        row = FIRST_ROW + i
        vals = export.values[var.key]
        is_kb = var in export.catalogue.variables
        cells.put(ws, row, 1, var.key if is_kb else "(bibplan)", font=styles.BOLD if is_kb else styles.NOTE,
                  border=styles.CELL_BORDER)
        cells.put(ws, row, 2, export.catalogue.sections[var.section], border=styles.CELL_BORDER, align=styles.WRAP)
        cells.put(ws, row, 3, var.question, border=styles.CELL_BORDER, align=styles.WRAP)
        for c, col in enumerate([TOTAL] + [u for u, _ in unit_cols], start=4):
            kv = vals[col]
            fill = NOT_APPLICABLE if not kv.applicable else (MANUAL if kv.value is None else None)
            cells.put(ws, row, c, kv.value if kv.applicable else None, fmt=_fmt(kv.value), fill=fill,
                      font=styles.BOLD if col == TOTAL else styles.BODY, border=styles.CELL_BORDER)
        c = 4 + len(unit_cols) + 1
        cells.put(ws, row, c, export.provenance[var.key], font=styles.NOTE, align=styles.WRAP, border=styles.CELL_BORDER)
        note = export.caveat_text(var.key)
        cells.put(ws, row, c + 1, note, font=styles.NOTE, align=styles.WRAP, border=styles.CELL_BORDER)
        ws.row_dimensions[row].height = max(cells.text_height(var.question, 40),
                                            cells.text_height(export.provenance[var.key], 50),
                                            cells.text_height(note, 50))
    cells.set_widths(ws, [13, 16, 40, 14] + [12] * len(unit_cols) + [50, 50])
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=5)
    cells.print_setup(ws, title_rows=f"{header}:{header}", footer=f"KB-statistik {export.year}")

    _checks(wb, export)
    _about(wb, export)
    return wb


def _checks(wb: Workbook, export: KbExport) -> None:
    ws = wb.create_sheet("Kontroller")
    ws.sheet_view.showGridLines = False
    cells.put(ws, 1, 1, f"KB:s kontroller {export.year}", font=styles.TITLE)
    cells.put(ws, 2, 1, "Summeringsregler (summan = delarna), varav-regler (del ≤ helhet) och KB:s kvoter "
                        "(rimligt intervall). Rad = raden på bladet KB-statistik.", font=styles.NOTE)
    cells.header_row(ws, 4, list(PROBLEM_COLUMNS_SV.values()))
    if not export.problems:
        cells.put(ws, 5, 1, "Alla kontroller gick igenom.", font=styles.NOTE)
    for r, p in enumerate(sorted(export.problems, key=lambda p: (p.severity != "fel", p.row or 0)), start=5):
        for c, v in enumerate([p.severity, p.file, p.sheet or "KB-statistik", p.row, p.column, p.value, p.message],
                              start=1):
            cells.put(ws, r, c, v, align=styles.WRAP, border=styles.CELL_BORDER,
                      font=styles.status_font("ej_uppnatt" if p.severity == "fel" else "delvis") if c == 1 else styles.BODY)
        ws.row_dimensions[r].height = cells.text_height(p.message, 70, 12.5)
    cells.set_widths(ws, [12, 20, 14, 8, 16, 14, 70])
    cells.print_setup(ws, title_rows="4:4", footer=f"KB-statistik {export.year} · Kontroller")


def _about(wb: Workbook, export: KbExport) -> None:
    ws = wb.create_sheet("Om")
    ws.sheet_view.showGridLines = False
    lines = [
        ("Om KB-exporten", styles.TITLE),
        ("Variablerna, deras ordning och KB:s summeringsregler (sum_of) följer KB:s enkätdefinition i det "
         f"öppna förrådet {export.catalogue.source}. Värdena räknas fram ur de inlästa tabellerna för "
         f"kalenderåret {export.year}: utlån (initiala lån + omlån per medietyp), fysiska besök, publika "
         "aktiviteter som tillfällen per KB-kategori (varav för barn och unga: målgrupp barn eller unga), "
         "öppettider ur scheman och befolkning 31 december.", styles.BODY),
        ("Det som data inte kan besvara (personal, ekonomi, bestånd, aktiva låntagare, fjärrlån) står tomt för "
         "att fyllas i för hand, aldrig 0. Kolumnen Källa säger vilken tabell, vilket urval, vilken period och "
         "hur många rader varje värde bygger på; Anmärkning säger vad som saknas eller skiljer sig från KB:s "
         "definition (saknade månader, räknaravbrott, skattade värden, schemaändringar).", styles.BODY),
        ("Rader märkta (bibplan) är tilläggsuppgifter som inte är KB-variabler.", styles.NOTE),
    ]
    for r, (text, font) in enumerate(lines, start=1):
        cells.put(ws, r, 1, text, font=font, align=styles.PARAGRAPH)
        ws.row_dimensions[r].height = cells.text_height(text, 110) if font is not styles.TITLE else 24
    cells.set_widths(ws, [120])
    cells.print_setup(ws, landscape=False, footer=f"KB-statistik {export.year} · Om")


def write_kb_workbook(export: KbExport, path_or_buffer: str | Path | BinaryIO | None = None, **kwargs) -> bytes | None:
    """Write the KB workbook to a path or buffer; with ``None`` return its bytes."""
    return save(build_workbook(export, **kwargs), path_or_buffer)
