"""Jämförelse: the indicators against the plan's comparison group over the years (our value, the
group's median and range, our rank, the relative target's status, where definitions differ).
Written only when the plan has a comparison and benchmark data are loaded."""

from __future__ import annotations

from openpyxl.workbook import Workbook

from report import cells, formats, styles
from report.inputs import ReportInputs
from report.sheets import names


def _fmt(decimals: int) -> str:
    return formats.INTEGER if decimals == 0 else "#,##0." + "0" * decimals


def build(wb: Workbook, inputs: ReportInputs) -> None:
    df = inputs.benchmark
    if df is None or df.empty:
        return
    ws = wb.create_sheet(names.COMPARE)
    ws.sheet_view.showGridLines = False
    cells.put(ws, 1, 1, "Jämförelse med andra kommuner", font=styles.TITLE)
    cells.put(ws, 2, 1, inputs.benchmark_group, font=styles.NOTE)
    header = 4
    cells.header_row(ws, header, ["Indikator", "Variabel", "År", "Vi", "Gruppens median", "Lägst", "Högst",
                                  "Plats", "Mål", "Status", "Anmärkning"])
    row = header
    for rec in df.sort_values(["indicator_id", "year"], kind="stable").to_dict("records"):
        row += 1
        fmt = _fmt(int(rec["decimals"]))
        rank = f"{int(rec['rank'])} av {int(rec['n'])}" if not cells.is_missing(rec["rank"]) else None
        status = str(rec["status"])
        values = [rec["indicator_name"], rec["variable"], int(rec["year"]), rec["value"], rec["median"], rec["min"],
                  rec["max"], rank, rec["target_rule"] or None, inputs.status_label(status), rec["note"] or None]
        for c, v in enumerate(values, start=1):
            is_num = 4 <= c <= 7
            cells.put(ws, row, c, v, fmt=fmt if is_num else (formats.YEAR if c == 3 else None),
                      align=styles.WRAP if c in (1, 11) else None, border=styles.CELL_BORDER,
                      fill=styles.status_fill(status) if c == 10 and status in ("uppnatt", "ej_uppnatt") else None)
        ws.row_dimensions[row].height = max(18, cells.text_height(str(rec["note"] or ""), 50, 12.5))
    cells.set_widths(ws, [34, 10, 7, 10, 12, 10, 10, 9, 20, 14, 50])
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    cells.print_setup(ws, title_rows=f"{header}:{header}", footer=f"{inputs.title} · {names.COMPARE}")
