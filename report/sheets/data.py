"""Data: every indicator value of the period as a filterable Excel Table, for the reader's pivots.

One row per goal × indicator × unit: the report's own unit (or the whole organisation), then every
other unit of the register, all from ``goals.followup``.  Percent indicators hold fractions with a
percent format, like everywhere in the report.
"""

from __future__ import annotations

import datetime as dt

from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo

from report import cells, formats
from report.inputs import ORG_ID, ORG_NAME, ReportInputs
from report.sheets import names

TABLE_NAME = "Indikatorvarden"
#: (header, source column, kind) -- kind: value / change / pct / int / text / bool
COLUMNS: list[tuple[str, str, str]] = [
    ("År", "year", "year"),
    ("Period", "period", "text"),
    ("Från", "period_start", "date"),
    ("Till", "period_end", "date"),
    ("Mål", "goal_name", "text"),
    ("Indikator", "indicator_name", "text"),
    ("Enhet", "unit_name", "text"),
    ("Enhets-id", "unit_id", "text"),
    ("Utfall", "value", "value"),
    ("Samma period fg år", "previous", "value"),
    ("Förändring", "change", "change"),
    ("Förändring %", "change_pct", "pct"),
    ("Mål för perioden", "target", "value"),
    ("Status", "status", "status"),
    ("Status bedömd på", "status_basis", "basis"),
    ("Varför ingen bedömning", "status_reason", "text"),
    ("Helårsprognos", "forecast", "value"),
    ("Prognos låg", "forecast_low", "value"),
    ("Prognos hög", "forecast_high", "value"),
    ("Helårsmål", "target_full_year", "value"),
    ("Prognos mot helårsmål", "forecast_status", "status"),
    ("Varför prognosen inte bedöms", "forecast_reason", "text"),
    ("n (svar)", "n", "int"),
    ("KI låg", "ci_low", "value"),
    ("KI hög", "ci_high", "value"),
    ("Mått", "unit_label", "text"),
    ("Fullständig period", "complete", "bool"),
    ("Anmärkning", "note", "text"),
    ("Indikator-id", "indicator_id", "text"),
]
WIDTHS = [7, 12, 11, 11, 34, 36, 24, 12, 11, 11, 11, 11, 11, 15, 14, 30, 12, 11, 11, 11, 15, 30, 8, 10, 10, 18, 11, 28, 18]
BASIS_SV = {"period": "utfallet för perioden", "prognos": "helårsprognosen"}


def rows(inputs: ReportInputs) -> list[dict]:
    """The table's records: the report's own follow-up rows, then every other unit's."""
    frames = [f for f in (inputs.followup, inputs.followup_units) if len(f)]
    out: list[dict] = []
    for frame in frames:
        out += frame.to_dict("records")
    for rec in out:
        rec["year"] = inputs.year
        rec["period"] = inputs.period_code
        if str(rec.get("unit_id")) == ORG_ID:
            rec["unit_name"] = ORG_NAME
    return out


def build(wb: Workbook, inputs: ReportInputs) -> None:
    ws = wb.create_sheet(names.DATA)
    cells.header_row(ws, 1, [h for h, _, _ in COLUMNS])
    ws.row_dimensions[1].height = 30
    records = rows(inputs)
    for r, rec in enumerate(records, start=2):
        unit, dec = rec.get("unit_label"), rec.get("decimals")
        for c, (_, key, kind) in enumerate(COLUMNS, start=1):
            v = cells.plain(rec.get(key))
            fmt = None
            if kind == "value":
                v, fmt = formats.to_cell(v, unit), formats.value_format(dec, unit)
            elif kind == "change":  # percentage points for percent indicators: not scaled
                fmt = formats.change_format(dec, unit)
            elif kind == "pct":  # empty for percent indicators: their change is in points
                v, fmt = (None if v is None else v / 100), formats.CHANGE_PCT
            elif kind == "int":
                v, fmt = (None if v is None else int(v)), formats.INTEGER
            elif kind == "year":
                fmt = formats.YEAR
            elif kind == "status":
                v = inputs.status_label(cells.code(v)) if cells.code(v) else None
            elif kind == "basis":
                v = BASIS_SV.get(cells.code(v)) if cells.code(v) else None
            elif kind == "date":
                v = None if v is None else dt.date.fromisoformat(str(v)[:10])
            elif kind == "bool":
                v = None if v is None else ("ja" if v else "nej")
            cells.put(ws, r, c, v, fmt=fmt)
    last_row = max(2, len(records) + 1)
    ref = f"A1:{get_column_letter(len(COLUMNS))}{last_row}"
    table = Table(displayName=TABLE_NAME, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    cells.set_widths(ws, WIDTHS)
    ws.freeze_panes = "A2"
    cells.print_setup(ws, title_rows="1:1", footer=f"{inputs.title} · {names.DATA}")
