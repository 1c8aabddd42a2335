"""Om rapporten: what the report is, how status and forecasts are decided, every indicator's
definition, source and KB key, and the survey caveat."""

from __future__ import annotations

from openpyxl.workbook import Workbook

from report import cells, formats, styles
from report.inputs import ReportInputs
from report.sheets import names

DIRECTION_SV = {"higher": "Högre är bättre", "lower": "Lägre är bättre", "closer": "Nära målvärdet"}

TEXT: list[tuple[str, list[str]]] = [
    (
        "Hur status bestäms",
        [
            "Varje indikator jämförs med sitt mål för året. Uppnått: utfallet når målet. Delvis uppnått: "
            "utfallet ligger inom toleransen under målet (över målet för indikatorer där lägre är bättre). "
            "Ej uppnått: utfallet ligger utanför toleransen. Ingen data: utfall saknas eller perioden är "
            "ofullständig. Inget mål: inget mål är satt för året.",
            "Mål som uttrycks som förändring jämförs med samma period föregående år (t.ex. +3 %): målet för "
            "perioden är fjolårets värde för samma månader gånger 1,03, helårsmålet fjolårets helår gånger 1,03.",
            "Ett nivåmål för en indikator som växer under året (utlån, besök, arrangemang, även per "
            "invånare) är ett helårsmål: vid T1, T2 och andra delar av året bedöms status på "
            "helårsprognosen mot helårsmålet, och utfallet hittills visas bredvid utan eget mål.",
            "Helårsprognosen visas alltid bredvid helårsmålet, och utfallet för perioden bredvid målet för "
            "perioden. Andelar, medelvärden, enkätresultat, timmar per vecka och besök per öppettimme "
            "summeras inte över året och får ingen prognos.",
            "Ett år vars data tar slut före årets slut (t.ex. data t.o.m. 31 oktober) följs upp som januari "
            "t.o.m. sista månaden med data och jämförs med samma månader året innan.",
            "Förändringen i andelar (procent) anges i procentenheter (p.e.), övriga förändringar i procent.",
            "Ett mål får status först när minst hälften av dess indikatorer har en bedömd status; annars "
            "Ingen data. Det är då uppnått när alla bedömda indikatorer är uppnådda, ej uppnått när mer än "
            "hälften av dem inte är uppnådda och annars delvis uppnått.",
        ],
    ),
    (
        "Enkätindikatorer",
        [
            "Enkätsvaren är ett bekvämlighetsurval: enkäten delas ut i biblioteken och besvaras av dem som "
            "vill. Resultaten beskriver de svarande, inte alla invånare, och kan inte räknas om till hela "
            "befolkningen.",
            "n är antalet svar. Intervallet är ett 95 % konfidensintervall (Wilson för andelar). En "
            "indikator markeras aldrig som ej uppnådd när intervallet fortfarande når målet. Färre än 30 "
            "svar markeras \"för få svar\". NKI beräknas enligt SCB: (medelvärde − 1) × 100 / 9; när de tre "
            "frågorna vägs lika kallas det oviktat.",
        ],
    ),
    (
        "Data",
        [
            "Utfallen bygger på exporter från bibliotekssystemet, besöksräknarna, arrangemangsregistret, "
            "öppettiderna, enkäten och befolkningsstatistiken, inlästa med bibplan. Värden per invånare "
            "finns bara för enheter med ett eget upptagningsområde; huvudbiblioteket och bokbussarna "
            "betjänar hela kommunen och redovisas utan invånartal.",
            "Bladet Data innehåller alla värden som tabell för egna pivottabeller. Bladet Avvikelser listar "
            "fel och varningar från inläsningen som rör perioden.",
        ],
    ),
]

HEADERS = ["Indikator", "Mål", "Beskrivning", "Definition", "Källa", "KB-nyckel", "ISO 11620", "Mått",
           "Riktning", "Målvärde"]
WIDTHS = [30, 9, 42, 50, 12, 11, 10, 16, 14, 26]


def build(wb: Workbook, inputs: ReportInputs) -> None:
    ws = wb.create_sheet(names.ABOUT)
    ws.sheet_view.showGridLines = False
    cells.put(ws, 1, 1, "Om rapporten", font=styles.TITLE)
    facts = [
        ("Rapport", f"{inputs.title}, {inputs.subtitle}"),
        ("Målsamling", inputs.goal_set_name),
        ("Period", f"{inputs.period_label}, jämförs med samma period {inputs.year - 1}"),
        ("Data t.o.m.", inputs.store.last_data_date),
        ("Skapad", inputs.generated),
        ("Skapad med", "bibplan (måluppföljning för folkbibliotek)"),
    ]
    row = 2
    for label, value in facts:
        row += 1
        cells.put(ws, row, 1, label, font=styles.BOLD)
        cells.put(ws, row, 2, value if value is not None else "uppgift saknas", fmt=formats.DATE,
                  align=styles.LEFT)
    text_cols = 4  # running text spans A:D (about 130 characters a line), easier to read than A:J
    width = sum(WIDTHS[:text_cols])
    forecast = inputs.forecast_method or (
        "Helårsprognosen räknar upp utfallet hittills i år med säsongsmönstret från tidigare år."
    )
    sections = [*TEXT[:1], ("Helårsprognos", [forecast]), *TEXT[1:]]
    for heading, paragraphs in sections:
        row += 2
        cells.put(ws, row, 1, heading, font=styles.HEADING)
        for para in paragraphs:
            row += 1
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=text_cols)
            cells.put(ws, row, 1, para, align=styles.PARAGRAPH)
            ws.row_dimensions[row].height = cells.text_height(para, width)

    row += 2
    cells.put(ws, row, 1, "Indikatorerna", font=styles.HEADING)
    row += 1
    cells.header_row(ws, row, [inputs.goal_word if h == "Mål" else h for h in HEADERS])
    goal_numbers: dict[str, list[str]] = {}
    for i, g in enumerate(inputs.goals, start=1):
        for ind_id in g.indicator_ids:
            goal_numbers.setdefault(ind_id, []).append(str(i))
    for ind_id, info in inputs.indicators.items():
        row += 1
        values = [
            info.name, ", ".join(goal_numbers.get(ind_id, [])), info.description, info.definition,
            info.source, info.kb_key, info.iso_code, info.unit_label,
            DIRECTION_SV.get(info.direction, info.direction), info.target,
        ]
        for c, v in enumerate(values, start=1):
            cells.put(ws, row, c, v, align=styles.WRAP, border=styles.CELL_BORDER)
        ws.row_dimensions[row].height = max(
            cells.text_height(info.description, WIDTHS[2], 12.5),
            cells.text_height(info.definition, WIDTHS[3], 12.5),
            cells.text_height(info.name, WIDTHS[0], 12.5),
        )
    cells.set_widths(ws, WIDTHS)
    cells.print_setup(ws, footer=f"{inputs.title} · {names.ABOUT}")
