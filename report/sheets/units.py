"""Enheter: the units × indicators matrix (one row per indicator, one column per unit).

Indicators run down (grouped by goal) and units across, so the sheet prints on a landscape page;
each value's cell is filled with its status colour and a legend explains the colours.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook

from report import cells, formats, styles
from report.inputs import ORG_NAME, ReportInputs
from report.sheets import names


def unit_columns(inputs: ReportInputs) -> list[tuple[str, str]]:
    """(unit id, unit name) in the order the comparisons list them (first indicator wins)."""
    seen: dict[str, str] = {}
    for comp in inputs.comparisons.values():
        for uid, name in zip(comp["unit_id"].astype(str), comp["unit_name"].astype(str)):
            seen.setdefault(uid, name)
    return list(seen.items())


def build(wb: Workbook, inputs: ReportInputs) -> None:
    ws = wb.create_sheet(names.UNITS)
    ws.sheet_view.showGridLines = False
    cells.put(ws, 1, 1, f"Enheterna, {inputs.period_label}", font=styles.TITLE)
    cells.put(ws, 2, 1, "Utfall per enhet och indikator. Cellens färg visar status mot målet; tom cell = "
                        "ingen data eller inget upptagningsområde (per invånare).", font=styles.NOTE)
    units = unit_columns(inputs)
    org = inputs.unit_id is None
    headers = [inputs.goal_word, "Indikator", "Mått"] + ([ORG_NAME] if org else []) + [name for _, name in units]
    header = 4
    cells.header_row(ws, header, headers)
    ws.row_dimensions[header].height = 45
    first_unit_col = 4 + (1 if org else 0)
    row = header
    fu = inputs.followup
    for n, goal in enumerate(inputs.goals, start=1):
        for ind_id in goal.indicator_ids:
            info = inputs.indicators[ind_id]
            row += 1
            fmt = formats.value_format(info.decimals, info.unit_label)
            b = styles.CELL_BORDER
            cells.put(ws, row, 1, f"{inputs.goal_word} {n}", border=b)
            cells.put(ws, row, 2, info.name, border=b, align=styles.WRAP)
            cells.put(ws, row, 3, info.unit_label, border=b, font=styles.NOTE)
            if org:
                sel = fu[(fu["goal_id"].astype(str) == goal.id) & (fu["indicator_id"].astype(str) == ind_id)]
                if len(sel):
                    st = cells.code(sel["status"].iloc[0], "ingen_data")
                    cells.put(ws, row, 4, formats.to_cell(cells.plain(sel["value"].iloc[0]), info.unit_label),
                              fmt=fmt, fill=styles.status_fill(st), font=styles.BOLD, border=b)
            comp = inputs.comparisons.get(ind_id)
            if comp is not None and len(comp):
                by_unit = {str(u): rec for u, rec in zip(comp["unit_id"], comp.to_dict("records"))}
                for j, (uid, _) in enumerate(units):
                    rec = by_unit.get(uid)
                    value = None if rec is None else formats.to_cell(cells.plain(rec.get("value")), info.unit_label)
                    fill = None if rec is None or value is None else styles.status_fill(
                        cells.code(rec.get("status"), "ingen_data"))
                    cells.put(ws, row, first_unit_col + j, value, fmt=fmt, fill=fill, border=b)
            ws.row_dimensions[row].height = cells.text_height(info.name, 44)

    row += 2
    cells.put(ws, row, 2, "Färgförklaring", font=styles.HEADING)
    for status in ("uppnatt", "delvis", "ej_uppnatt", "osakert", "ingen_data", "inget_mal"):
        row += 1
        cells.put(ws, row, 2, inputs.status_label(status), font=styles.status_font(status),
                  fill=styles.status_fill(status))
    unit_widths = [max(10, min(17, max(len(w) for w in h.split()) + 2)) for h in headers[3:]]
    cells.set_widths(ws, [8, 44, 18] + unit_widths)
    ws.freeze_panes = ws.cell(row=header + 1, column=first_unit_col)
    last_col = get_column_letter(len(headers))
    cells.print_setup(ws, title_rows=f"1:{header}", footer=f"{inputs.title} · {names.UNITS}",
                      print_area=f"A1:{last_col}{row}")
