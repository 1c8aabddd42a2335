"""One sheet per goal: indicator table, Analys and Åtgärder, and per indicator two charts.

Layout (print area ``A:L``): title and status, the indicator table, the goal's written Analys and
Åtgärder for the period, then per indicator a trend chart (the period each year against the target)
and a bar chart of the units.  The charts' data sits to the right of the print area under the
heading *Diagramdata* (columns ``N`` onwards), where a reader can see and copy it.
"""

from __future__ import annotations

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from report import cells, charts, formats, numbers, styles
from report.inputs import SECTIONS, CommentText, GoalInfo, IndicatorInfo, ReportInputs
from report.sheets import names
from dashboard.views import unfinished_note  # pure pandas, no Dash

HEADERS = [
    "Indikator",
    "Utfall",
    "Samma period fg år",
    "Förändring",
    "Mål för perioden",
    "Status",
    "Helårs-prognos",
    "Prognos, intervall",
    "Helårsmål",
    "Prognos mot helårsmål",
    "n (svar)",
    "95 % konfidens-intervall",
    "Anmärkning",
]
WIDTHS = [34, 11, 11, 11, 11, 21, 11, 14, 11, 15, 8, 14, 30]
PRINT_COLS = len(HEADERS)  # A..L
DATA_COL = PRINT_COLS + 2  # N: chart data starts here
CHART_ROWS = 17  # rows per indicator block: a heading row, then the charts over 16 rows
ROW_PT = 15.0  # chart rows get this height explicitly, so Excel does not shrink them to the font
ROW_CM = ROW_PT * 2.54 / 72
BLOCKS_PER_PAGE = 3  # indicator blocks per printed page (a page break after every third)


def _row_for(fu: pd.DataFrame, goal_id: str, indicator_id: str) -> dict | None:
    sel = fu[(fu["goal_id"].astype(str) == goal_id) & (fu["indicator_id"].astype(str) == indicator_id)]
    return sel.iloc[0].to_dict() if len(sel) else None


def _num(value: object) -> float | None:
    v = cells.plain(value)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def indicator_table(ws: Worksheet, inputs: ReportInputs, goal: GoalInfo, top: int) -> int:
    """The goal's indicators with value, last year, change, the period's target and status, then the
    full-year forecast next to the full-year target and the forecast's status; returns last row."""
    cells.header_row(ws, top, HEADERS)
    ws.row_dimensions[top].height = 42
    row = top
    for ind_id in goal.indicator_ids:
        info = inputs.indicators[ind_id]
        r = _row_for(inputs.followup, goal.id, ind_id) or {}
        row += 1
        unit = info.unit_label
        vfmt = formats.value_format(info.decimals, unit)
        status = cells.code(r.get("status"), "ingen_data")
        fstatus = cells.code(r.get("forecast_status"))
        label = f"{info.name} ({unit})" if unit and not formats.is_percent(unit) else info.name
        b = styles.CELL_BORDER
        cells.put(ws, row, 1, label, align=styles.WRAP, border=b)
        cells.put(ws, row, 2, formats.to_cell(_num(r.get("value")), unit), fmt=vfmt, border=b, font=styles.BOLD)
        cells.put(ws, row, 3, formats.to_cell(_num(r.get("previous")), unit), fmt=vfmt, border=b)
        if cells.code(r.get("change_kind"), "pct") in ("pp", "pts"):  # points, not percent (goals' one rule)
            change, cfmt = _num(r.get("change")), formats.change_format(info.decimals, unit)
        else:
            pct = _num(r.get("change_pct"))
            change, cfmt = (None if pct is None else pct / 100), formats.CHANGE_PCT
        cells.put(ws, row, 4, change, fmt=cfmt, border=b)
        cells.put(ws, row, 5, formats.to_cell(_num(r.get("target")), unit), fmt=vfmt, border=b)
        label_status = inputs.status_label(status)
        if cells.code(r.get("status_basis")) == "prognos":
            label_status += " (prognos)"
        reason = cells.code(r.get("status_reason"))
        if reason:  # a status that is not a claim says why
            label_status += f": {reason}"
        cells.put(ws, row, 6, label_status, font=styles.status_font(status),
                  fill=styles.status_fill(status), align=styles.HEADER_ALIGN if reason else styles.CENTER, border=b)
        forecast = _num(r.get("forecast"))
        cells.put(ws, row, 7, formats.to_cell(forecast, unit), fmt=vfmt, border=b)
        cells.put(ws, row, 8, numbers.sv_range(_num(r.get("forecast_low")), _num(r.get("forecast_high")),
                                               info.decimals, unit), border=b, align=styles.CENTER)
        full_target = _num(r.get("target_full_year")) if forecast is not None else None
        cells.put(ws, row, 9, formats.to_cell(full_target, unit), fmt=vfmt, border=b)
        freason = cells.code(r.get("forecast_reason"))
        if fstatus:
            cells.put(ws, row, 10, inputs.status_label(fstatus) + (f": {freason}" if freason else ""),
                      font=styles.status_font(fstatus, bold=False), fill=styles.status_fill(fstatus),
                      align=styles.HEADER_ALIGN if freason else styles.CENTER, border=b)
        else:
            cells.put(ws, row, 10, None, border=b)
        n = _num(r.get("n"))
        cells.put(ws, row, 11, None if n is None else int(n), fmt=formats.INTEGER, border=b)
        cells.put(ws, row, 12, numbers.sv_range(_num(r.get("ci_low")), _num(r.get("ci_high")), info.decimals, unit),
                  border=b, align=styles.CENTER)
        note = r.get("note")
        cells.put(ws, row, 13, "" if cells.is_missing(note) else str(note), font=styles.NOTE,
                  align=styles.WRAP, border=b)
        ws.row_dimensions[row].height = max(
            cells.text_height(label, WIDTHS[0]), cells.text_height(str(note or ""), WIDTHS[-1], 12),
            cells.text_height(label_status, WIDTHS[5]), cells.text_height(freason, WIDTHS[9]),
        )
    return row


def written_text(ws: Worksheet, inputs: ReportInputs, goal: GoalInfo, row: int) -> int:
    """The goal's Analys and Åtgärder for the period (always text, one paragraph per row)."""
    texts = inputs.store.comments.get(goal.id, {})
    width = sum(WIDTHS)
    for section, heading in SECTIONS.items():
        row += 1
        cells.put(ws, row, 1, heading, font=styles.HEADING, fill=styles.SECTION_FILL)
        for col in range(2, PRINT_COLS + 1):
            ws.cell(row, col).fill = styles.SECTION_FILL
        comment = texts.get(section)
        if comment is None or not comment.text.strip():
            row += 1
            cells.put(ws, row, 1, f"Ingen {heading.lower()} skriven för perioden.", font=styles.NOTE)
            continue
        for para in _paragraphs(comment.text):
            row += 1
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=PRINT_COLS)
            cells.put(ws, row, 1, para, align=styles.PARAGRAPH)
            ws.row_dimensions[row].height = cells.text_height(para, width * 0.95)
        signed = _signature(comment)
        if signed:
            row += 1
            cells.put(ws, row, 1, signed, font=styles.NOTE)
        row += 1
    return row


ACTION_HEADERS = ["Åtgärd", "Ansvarig", "Klart senast", "Läge", "Senast ändrad"]


def action_list(ws: Worksheet, inputs: ReportInputs, goal: GoalInfo, row: int) -> int:
    """The goal's actions for the period (open ones carried from earlier periods): text, owner,
    due date, state and who changed it last."""
    from goals.actions import state_label

    actions = inputs.store.actions.get(goal.id, [])
    row += 1
    cells.put(ws, row, 1, "Åtgärder att följa upp", font=styles.HEADING, fill=styles.SECTION_FILL)
    for col in range(2, PRINT_COLS + 1):
        ws.cell(row, col).fill = styles.SECTION_FILL
    if not actions:
        row += 1
        cells.put(ws, row, 1, "Inga åtgärder registrerade för perioden.", font=styles.NOTE)
        return row + 1
    row += 1
    spans = [(1, 1), (2, 3), (4, 4), (5, 5), (6, 7)]
    for (first, last), head in zip(spans, ACTION_HEADERS):
        cells.put(ws, row, first, head, font=styles.HEADER, fill=styles.HEADER_FILL)
        if last > first:
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    for a in actions:
        row += 1
        values = [a.text, a.owner, a.due, state_label(a.state), f"{a.author} {a.saved_at:%Y-%m-%d}"]
        for (first, last), value in zip(spans, values):
            cells.put(ws, row, first, value, align=styles.WRAP, fmt=formats.DATE if first == 4 and value else None)
            if last > first:
                ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        ws.row_dimensions[row].height = cells.text_height(a.text, WIDTHS[0])
    return row + 1


def _signature(comment: CommentText) -> str:
    """``Senast ändrad 2026-09-01 10:00 av Anna.``, ``Skriven av Bo.`` or empty."""
    by = f" av {comment.author}" if comment.author else ""
    if comment.saved_at:
        return f"Senast ändrad {comment.saved_at:%Y-%m-%d %H:%M}{by}."
    return f"Skriven{by}." if by else ""


def _paragraphs(text: str, max_chars: int = 2500) -> list[str]:
    """Split text into paragraphs short enough for one row each (Excel rows are at most 409 pt)."""
    out: list[str] = []
    for para in [p.strip() for p in text.replace("\r\n", "\n").split("\n\n")]:
        if not para:
            continue
        while len(para) > max_chars:
            cut = para.rfind(" ", 0, max_chars)
            cut = cut if cut > max_chars // 2 else max_chars
            out.append(para[:cut])
            para = para[cut:].lstrip()
        out.append(para)
    return out


def _segment_label(trend: pd.DataFrame, segment: object, count: int) -> str:
    """``Utfall``, or ``Utfall 2019–2021`` when a series break splits the trend into segments."""
    if count == 1:
        return "Utfall"
    years = trend.loc[trend["segment"] == segment, "year"].astype(int)
    first, last = int(years.min()), int(years.max())
    return f"Utfall {first}" if first == last else f"Utfall {first}–{last}"


def _chart_data_trend(ws: Worksheet, inputs: ReportInputs, info: IndicatorInfo, trend: pd.DataFrame,
                      top: int) -> tuple[list[int], int | None, int | None, int]:
    """Write the trend table at (top, DATA_COL).

    Returns (value columns, target column, forecast column, last row).  Like is plotted with like:
    an indicator that accumulates over the year is shown as full years, this year as its full-year
    forecast, against the full-year target (``inputs.trends`` holds that view, see
    :func:`report.inputs.collect`); any other indicator as the chosen period each year
    against that period's target.
    """
    unit, vfmt = info.unit_label, formats.value_format(info.decimals, info.unit_label)
    segments = sorted(pd.unique(trend["segment"])) if "segment" in trend and len(trend) else [0]
    col = DATA_COL
    has_target = trend["target"].notna().any() if "target" in trend else False
    headers = ["År"] + [_segment_label(trend, s, len(segments)) for s in segments]
    value_cols = [col + 1 + i for i in range(len(segments))]
    next_col = col + 1 + len(segments)
    forecast_col = target_col = None
    if info.accumulates and "forecast" in trend:
        forecast_col, next_col = next_col, next_col + 1
        headers.append("Helårsprognos")
    if has_target:
        target_col = next_col
        headers.append("Helårsmål" if info.accumulates else "Målvärde")
    cells.header_row(ws, top, headers, first_col=col)
    row = top
    for rec in trend.sort_values("year").to_dict("records"):
        row += 1
        year = int(rec["year"])
        cells.put(ws, row, col, year, fmt=formats.YEAR)
        seg = rec.get("segment", 0)
        for i, s in enumerate(segments):
            v = formats.to_cell(_num(rec.get("value")), unit) if s == seg else None
            cells.put(ws, row, value_cols[i], v, fmt=vfmt)
        if forecast_col is not None:
            fc = formats.to_cell(_num(rec.get("forecast")), unit) if year == inputs.year else None
            cells.put(ws, row, forecast_col, fc, fmt=vfmt)
        if target_col is not None:
            cells.put(ws, row, target_col, formats.to_cell(_num(rec.get("target")), unit), fmt=vfmt)
    if forecast_col is not None and all(
        ws.cell(r, forecast_col).value is None for r in range(top + 1, row + 1)
    ):
        forecast_col = None  # no forecast this year: the empty column stays out of the chart
    return value_cols, target_col, forecast_col, row


def _chart_data_units(ws: Worksheet, info: IndicatorInfo, comp: pd.DataFrame, top: int, col: int,
                      inputs: ReportInputs) -> tuple[int, list[str], bool]:
    """The units' values (units without one, e.g. no catchment for a per-capita value, are left
    out).  When the statuses are judged on the full-year forecast, the table has the forecast and
    the full-year target beside the value so far.  Returns (last row, statuses, on forecast)."""
    unit, vfmt = info.unit_label, formats.value_format(info.decimals, info.unit_label)
    comp = comp[comp["value"].notna()] if "value" in comp else comp
    on_forecast = bool(
        "status_basis" in comp and len(comp) and (comp["status_basis"].astype(str) == "prognos").any()
        and comp["forecast"].notna().any()
    )
    span = str(comp["span"].iloc[0]) if "span" in comp and len(comp) else ""
    if on_forecast:
        headers = ["Enhet", f"Utfall {span}", "Helårsprognos", "Helårsmål", "Status (prognos)"]
    else:
        headers = ["Enhet", "Utfall", "Mål för perioden", "Status"]
    cells.header_row(ws, top, headers, first_col=col)
    row = top
    statuses = []
    for rec in comp.to_dict("records"):
        row += 1
        st = cells.code(rec.get("status"), "ingen_data")
        statuses.append(st)
        name = str(rec.get("unit_name") or rec.get("unit_id"))
        is_own = inputs.unit_id is not None and str(rec.get("unit_id")) == inputs.unit_id
        cells.put(ws, row, col, f"► {name}" if is_own else name, font=styles.BOLD if is_own else styles.BODY)
        cells.put(ws, row, col + 1, formats.to_cell(_num(rec.get("value")), unit), fmt=vfmt)
        if on_forecast:
            cells.put(ws, row, col + 2, formats.to_cell(_num(rec.get("forecast")), unit), fmt=vfmt)
            cells.put(ws, row, col + 3, formats.to_cell(_num(rec.get("target_full_year")), unit), fmt=vfmt)
            cells.put(ws, row, col + 4, inputs.status_label(st))
        else:
            cells.put(ws, row, col + 2, formats.to_cell(_num(rec.get("target")), unit), fmt=vfmt)
            cells.put(ws, row, col + 3, inputs.status_label(st))
    return row, statuses, on_forecast


def indicator_charts(ws: Worksheet, inputs: ReportInputs, info: IndicatorInfo, top: int) -> int:
    """Heading, trend chart and units chart of one indicator; returns the block's last row."""
    cells.put(ws, top, 1, info.name, font=styles.SUBTITLE)
    ws.row_dimensions[top].height = 18
    for r in range(top + 1, top + CHART_ROWS):
        ws.row_dimensions[r].height = ROW_PT
    cells.put(ws, top, DATA_COL, f"Diagramdata: {info.name}", font=styles.HEADING)
    vfmt = formats.value_format(info.decimals, info.unit_label)
    trend = inputs.trends.get(info.id, pd.DataFrame())
    comp = inputs.comparisons.get(info.id, pd.DataFrame())
    height = (CHART_ROWS - 1) * ROW_CM
    if len(trend):
        value_cols, target_col, forecast_col, last = _chart_data_trend(ws, inputs, info, trend, top + 1)
        per_year = "Helår" if info.accumulates or inputs.period_code == "helar" else inputs.period_code
        chart = charts.trend_chart(
            ws, title=f"{per_year} per år, "
                      f"{inputs.unit_name.lower() if inputs.unit_id is None else inputs.unit_name}",
            cat_col=DATA_COL, value_cols=value_cols, target_col=target_col, forecast_col=forecast_col,
            header_row=top + 1, first_row=top + 2, last_row=last, number_format=vfmt,
            width_cm=12.5, height_cm=height,
        )
        ws.add_chart(chart, f"A{top + 1}")
    else:
        cells.put(ws, top + 1, 1, "Ingen tidsserie att visa.", font=styles.NOTE)
    units_col = DATA_COL + 6
    if len(comp) and comp["value"].notna().any():
        last, statuses, on_forecast = _chart_data_units(ws, info, comp, top + 1, units_col, inputs)
        title = f"Enheterna, {inputs.period_label}"
        if on_forecast:
            title += ": status på helårsprognosen"
            targets = comp.loc[comp["value"].notna(), "target_full_year"].dropna().unique()
            if len(targets) == 1:
                title += f" mot helårsmålet {numbers.sv_value(float(targets[0]), info.decimals, info.unit_label)}"
        chart = charts.units_chart(
            ws, title=title, cat_col=units_col, value_col=units_col + 1,
            forecast_col=units_col + 2 if on_forecast else None,
            header_row=top + 1, first_row=top + 2, last_row=last, number_format=vfmt,
            statuses=statuses, width_cm=16.5, height_cm=height,
        )
        ws.add_chart(chart, f"E{top + 1}")
    return top + CHART_ROWS


def build(wb: Workbook, inputs: ReportInputs, goal: GoalInfo, sheet_name: str) -> None:
    ws = wb.create_sheet(sheet_name)
    ws.sheet_view.showGridLines = False
    cells.put(ws, 1, 1, f"{sheet_name}: {goal.name}", font=styles.TITLE)
    ws.row_dimensions[1].height = 24
    status = "ingen_data"
    gs = inputs.goal_status
    if not gs.empty and goal.id in set(gs["goal_id"].astype(str)):
        status = cells.code(gs.loc[gs["goal_id"].astype(str) == goal.id, "status"].iloc[0], "ingen_data")
    cells.put(ws, 2, 1, f"{inputs.period_label} · {inputs.unit_name} · status:", font=styles.BOLD)
    cells.put(ws, 2, 2, inputs.status_label(status), font=styles.status_font(status),
              fill=styles.status_fill(status), align=styles.CENTER)
    ws.merge_cells(start_row=2, start_column=2, end_row=2, end_column=3)
    row = 3
    unfinished = unfinished_note(inputs.followup, inputs.year, inputs.period_code, inputs.store.last_data_date)
    text = " ".join(x for x in (goal.description, unfinished.strip().strip("()").capitalize() + "." if unfinished
                                else "") if x)  # fmt: skip
    if text:
        ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=PRINT_COLS)
        cells.put(ws, 3, 1, text, font=styles.NOTE, align=styles.PARAGRAPH)
        ws.row_dimensions[3].height = cells.text_height(text, sum(WIDTHS))
    cells.put(ws, 2, 5, "← Sammanfattning", font=styles.NOTE).hyperlink = names.link(names.SUMMARY)
    header = row + 2
    row = indicator_table(ws, inputs, goal, header)
    row = written_text(ws, inputs, goal, row + 1)
    row = action_list(ws, inputs, goal, row)
    ws.row_breaks.append(Break(id=row))  # the charts start on a new page
    row += 1
    for i, ind_id in enumerate(goal.indicator_ids):
        if i and i % BLOCKS_PER_PAGE == 0:
            ws.row_breaks.append(Break(id=row))
        row = indicator_charts(ws, inputs, inputs.indicators[ind_id], row + 1)
    cells.set_widths(ws, WIDTHS)
    cells.set_widths(ws, [8, 12, 12, 10, 2, 2, 22, 11, 11, 11, 15], first_col=DATA_COL)
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    cells.print_setup(ws, title_rows="1:2", footer=f"{inputs.title} · {sheet_name}",
                      print_area=f"A1:{get_column_letter(PRINT_COLS)}{row}")
