"""Sammanfattning: title, period, dates, every goal with its status, counts per status."""

from __future__ import annotations

from openpyxl.workbook import Workbook

from report import cells, formats, styles
from report.inputs import ReportInputs
from report.sheets import names

STATUS_ORDER = ("uppnatt", "delvis", "ej_uppnatt", "ingen_data")
COUNT_HEADERS = ["Uppnått", "Delvis uppnått", "Ej uppnått", "Ingen data"]


def build(wb: Workbook, inputs: ReportInputs) -> None:
    ws = wb.create_sheet(names.SUMMARY)
    ws.sheet_view.showGridLines = False
    cells.put(ws, 1, 1, inputs.title, font=styles.TITLE)
    cells.put(ws, 2, 1, inputs.subtitle, font=styles.SUBTITLE)
    ws.row_dimensions[1].height = 24

    facts = [
        ("Period", inputs.period_label, None),
        ("Från", inputs.period_start, formats.DATE),
        ("Till", inputs.period_end, formats.DATE),
        ("Data t.o.m.", inputs.store.last_data_date, formats.DATE),
        ("Rapporten skapad", inputs.generated, formats.DATE),
    ]
    row = 4
    for label, value, fmt in facts:
        cells.put(ws, row, 1, label, font=styles.BOLD)
        cells.put(ws, row, 2, value if value is not None else "uppgift saknas", fmt=fmt, align=styles.LEFT)
        row += 1
    last = inputs.store.last_data_date
    if last is not None and last < inputs.period_end:
        cells.put(
            ws, row, 2,
            "Perioden är inte avslutad eller all data är inte inläst: den följs upp t.o.m. sista månaden "
            "med data och jämförs med samma månader föregående år; helårsprognosen visas bredvid "
            "helårsmålet (se bladet Avvikelser).",
            font=styles.NOTE,
        )
        row += 1

    row += 1
    word = inputs.goal_word
    cells.put(ws, row, 1, "Målen" if word == "Mål" else "Uppdragen", font=styles.HEADING)
    row += 1
    header = row
    cells.header_row(ws, header, ["Nr", word, "Status", *COUNT_HEADERS, "Blad"])
    sheets = names.goal_sheets(inputs)
    gs = inputs.goal_status.set_index("goal_id") if not inputs.goal_status.empty else None
    for i, goal in enumerate(inputs.goals, start=1):
        row += 1
        status = cells.code(gs.at[goal.id, "status"], "ingen_data") if gs is not None and goal.id in gs.index else "ingen_data"
        counts = [
            int(gs.at[goal.id, c]) if gs is not None and goal.id in gs.index else 0
            for c in ("n_uppnatt", "n_delvis", "n_ej", "n_ingen_data")
        ]
        cells.put(ws, row, 1, i, align=styles.CENTER, border=styles.CELL_BORDER)
        name = cells.put(ws, row, 2, goal.name, font=styles.LINK, align=styles.WRAP, border=styles.CELL_BORDER)
        name.hyperlink = names.link(sheets[goal.id])
        cells.put(
            ws, row, 3, inputs.status_label(status),
            font=styles.status_font(status), fill=styles.status_fill(status),
            align=styles.CENTER, border=styles.CELL_BORDER,
        )
        for j, n in enumerate(counts):
            cells.put(ws, row, 4 + j, n, fmt=formats.INTEGER, align=styles.CENTER, border=styles.CELL_BORDER)
        cells.put(ws, row, 8, sheets[goal.id], border=styles.CELL_BORDER)
        ws.row_dimensions[row].height = cells.text_height(goal.name, 48, 13)
    cells.put(ws, row + 1, 1, f"Antal indikatorer per status. Klicka på ett {word.lower()} för detaljer.",
              font=styles.NOTE)

    row += 3
    cells.put(ws, row, 1, f"Antal {word.lower()} per status", font=styles.HEADING)
    row += 1
    cells.header_row(ws, row, ["Status", f"Antal {word.lower()}"], first_col=2)
    statuses = inputs.goal_status["status"].astype(str).tolist() if not inputs.goal_status.empty else []
    statuses += ["ingen_data"] * (len(inputs.goals) - len(statuses))
    for status in STATUS_ORDER:
        row += 1
        cells.put(ws, row, 2, inputs.status_label(status), font=styles.status_font(status),
                  fill=styles.status_fill(status), border=styles.CELL_BORDER)
        cells.put(ws, row, 3, statuses.count(status), fmt=formats.INTEGER, border=styles.CELL_BORDER,
                  align=styles.CENTER)
    row += 1
    cells.put(ws, row, 2, "Summa", font=styles.BOLD)
    cells.put(ws, row, 3, len(inputs.goals), fmt=formats.INTEGER, font=styles.BOLD, align=styles.CENTER)
    row += 2
    cells.put(
        ws, row, 1,
        f"Ett {word.lower()} är uppnått när alla dess bedömda indikatorer är uppnådda, ej uppnått när mer än "
        "hälften inte är uppnådda, annars delvis uppnått. Se bladet Om rapporten.",
        font=styles.NOTE,
    )

    cells.set_widths(ws, [16, 48, 17, 10, 10, 10, 10, 10])
    ws.freeze_panes = "A3"
    cells.print_setup(ws, footer=inputs.title, landscape=True)
