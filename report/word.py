"""The tertial report for the nämnd as a Word document (python-docx).

Title page; table of contents; Sammanfattning with the overall analysis and the status table (each
goal with the indicators that decide its status); then per goal: status and why, the status trail
over the tertials and years, the indicators (value, last year, change, target, status and the
reason in words), the charts as images (``report.figures``: matplotlib, offline), Analys,
Åtgärder and the actions with owner, due date and state; the comparison with other
municipalities after the summary and one line per compared indicator under its goal.  Swedish
formats throughout.  Reads only a :class:`report.inputs.ReportInputs`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from goals.actions import state_label
from goals.explain import ranked
from report.explain import reason
from report.figures import trend_png, units_png
from report.inputs import SECTIONS, GoalInfo, ReportInputs
from report.numbers import sv_number, sv_value

ICONS = {"uppnatt": "✓", "delvis": "◐", "ej_uppnatt": "✗", "osakert": "?", "ingen_data": "–", "inget_mal": "○"}
COLOURS = {"uppnatt": "00694D", "delvis": "8A5A00", "ej_uppnatt": "A23F00", "osakert": "8A3D6B", "ingen_data": "595959",
           "inget_mal": "1F5F86"}
FILLS = {"uppnatt": "E3F4EE", "delvis": "FCF1D9", "ej_uppnatt": "FBE6DA", "osakert": "F8EAF2", "ingen_data": "F0F0F0",
         "inget_mal": "E6F3FB"}
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
PERIODS = {"T1": "T1", "T2": "T2", "helar": "Helår"}
COMPARE_HEADING = "Jämförelse med andra kommuner"


def _fill(cell: Any, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _status_text(inputs: ReportInputs, status: str) -> str:
    return f"{ICONS.get(status, '')} {inputs.status_label(status)}".strip()


def _table(doc: Any, header: list[str], rows: list[list[str]], widths: list[float] | None = None,
           status_col: int | None = None, statuses: list[str] | None = None) -> Any:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for i, text in enumerate(header):
        cell = table.rows[0].cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        _fill(cell, "1F4E79")
    _repeat_header(table.rows[0])
    for r, values in enumerate(rows):
        cells = table.add_row().cells
        for i, text in enumerate(values):
            cells[i].text = str(text)
        if status_col is not None and statuses is not None:
            _fill(cells[status_col], FILLS.get(statuses[r], "FFFFFF"))
    if widths:
        table.autofit = False
        for i, w in enumerate(widths):
            table.columns[i].width = Cm(w)
        for row in table.rows:
            for i, w in enumerate(widths):
                row.cells[i].width = Cm(w)
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(0)
                for run in p.runs:
                    run.font.size = Pt(9)
    return table


def _repeat_header(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _toc(doc: Any, inputs: ReportInputs) -> None:
    """A table-of-contents field (Word and LibreOffice refresh it with page numbers), filled in
    beforehand with the headings so it reads right before any refresh."""
    doc.add_heading("Innehåll", level=1)
    paragraph = doc.add_paragraph()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = 'TOC \\o "1-1" \\h \\z \\u'
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    for el in (begin, instr, sep):
        run = paragraph.add_run()
        run._r.append(el)
    compare = [COMPARE_HEADING] if inputs.benchmark is not None and not inputs.benchmark.empty else []
    headings = ["Sammanfattning", *compare] + [f"{inputs.goal_word} {i}. {g.name}" for i, g in enumerate(inputs.goals, 1)]
    for i, text in enumerate(headings):
        run = paragraph.add_run(text)
        if i < len(headings) - 1:
            run.add_break()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _title_page(doc: Any, inputs: ReportInputs) -> None:
    for _ in range(6):
        doc.add_paragraph()
    title = doc.add_paragraph()
    run = title.add_run(inputs.title)
    run.bold, run.font.size, run.font.color.rgb = True, Pt(28), ACCENT
    sub = doc.add_paragraph()
    run = sub.add_run(inputs.subtitle)
    run.font.size = Pt(16)
    last = inputs.store.last_data_date
    facts = doc.add_paragraph()
    facts.add_run(f"Period: {inputs.period_start.isoformat()} – {inputs.period_end.isoformat()}\n")
    facts.add_run(f"Data t.o.m.: {last.isoformat() if last else 'okänt'}\n")
    facts.add_run(f"Skapad: {inputs.generated.isoformat()} med bibplan")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _text(doc: Any, heading: str, comment: Any, empty: str = "Ingen text skriven för perioden.") -> None:
    doc.add_heading(heading, level=2)
    if comment is None or not str(comment.text).strip():
        p = doc.add_paragraph(empty)
        p.runs[0].italic = True
        return
    for part in str(comment.text).split("\n\n"):
        doc.add_paragraph(part.strip())
    meta = doc.add_paragraph()
    when = comment.saved_at.strftime("%Y-%m-%d %H:%M") if comment.saved_at else ""
    run = meta.add_run(f"{comment.author} {when}".strip())
    run.italic, run.font.size = True, Pt(8)


def _goal_rows(inputs: ReportInputs, goal: GoalInfo) -> pd.DataFrame:
    fu = inputs.followup
    rows = fu[fu["goal_id"].astype(str) == goal.id]
    order = {i: n for n, i in enumerate(goal.indicator_ids)}
    return rows.assign(_o=rows["indicator_id"].map(order)).sort_values("_o").drop(columns="_o")


def _goal_status(inputs: ReportInputs, goal_id: str) -> str:
    gs = inputs.goal_status
    match = gs[gs["goal_id"].astype(str) == goal_id]
    return str(match["status"].iloc[0]) if len(match) else "ingen_data"


def _summary(doc: Any, inputs: ReportInputs) -> None:
    doc.add_heading("Sammanfattning", level=1)
    _text(doc, "Övergripande analys", inputs.store.overall.get("analys"))
    if inputs.store.overall.get("atgarder") is not None:
        _text(doc, "Övergripande åtgärder", inputs.store.overall.get("atgarder"))
    doc.add_heading("Status per mål", level=2)
    rows, statuses = [], []
    for i, g in enumerate(inputs.goals, 1):
        status = _goal_status(inputs, g.id)
        r = ranked(_goal_rows(inputs, g), status)
        why = "; ".join(f"{inputs.indicators[x['indicator_id']].name}: {reason(x)}"
                        for _, x in r[r["decides"]].head(2).iterrows()) if status != "uppnatt" else ""
        rows.append([f"{i}. {g.name}", _status_text(inputs, status), why])
        statuses.append(status)
    _table(doc, [inputs.goal_word, "Status", "Därför"], rows, [5.5, 3.2, 8.8], status_col=1, statuses=statuses)
    counts = pd.Series(statuses).value_counts()
    doc.add_paragraph(" · ".join(f"{_status_text(inputs, s)}: {int(n)}" for s, n in counts.items()))


def _compare_rank(rec: dict) -> str:
    return f"{int(rec['rank'])} av {int(rec['n'])}" if pd.notna(rec["rank"]) else "–"


def _comparison(doc: Any, inputs: ReportInputs) -> None:
    """Jämförelse med andra kommuner: the mapped indicators against the plan's comparison group, the
    last three years with benchmark data, and where the definitions differ."""
    df = inputs.benchmark
    if df is None or df.empty:
        return
    doc.add_heading(COMPARE_HEADING, level=1)
    doc.add_paragraph(inputs.benchmark_group)
    years = sorted(int(y) for y in df["year"].dropna().unique())[-3:]
    part = df[df["year"].isin(years)].sort_values(["indicator_id", "year"], kind="stable")
    rows, statuses = [], []
    for rec in part.to_dict("records"):
        info = inputs.indicators[str(rec["indicator_id"])]

        def num(v: Any) -> str:
            return sv_value(v, info.decimals, info.unit_label) or "–"

        status = str(rec["status"])
        rows.append([info.name, str(int(rec["year"])), num(rec["value"]), num(rec["median"]),
                     f"{num(rec['min'])}–{num(rec['max'])}", _compare_rank(rec),
                     f"{_status_text(inputs, status)} ({rec['target_rule']})" if rec["target_rule"] else "–"])
        statuses.append(status)
    _table(doc, ["Indikator", "År", "Vi", "Gruppens median", "Lägst–högst", "Plats", "Mål och status"], rows,
           [4.2, 1.2, 1.8, 2.2, 2.8, 1.6, 3.7], status_col=6, statuses=statuses)
    for ind_id, note in part.groupby("indicator_id", sort=True)["note"].first().items():
        if note:
            doc.add_paragraph(f"{inputs.indicators[str(ind_id)].name}: {note}", style="List Bullet")


def _goal_comparison(doc: Any, inputs: ReportInputs, goal: GoalInfo) -> None:
    """One line per indicator of the goal that has a comparison: the latest year with data."""
    df = inputs.benchmark
    if df is None or df.empty:
        return
    part = df[df["indicator_id"].isin(goal.indicator_ids) & (df["value"].notna() | df["median"].notna())]
    for ind_id, rows in part.groupby("indicator_id", sort=False):
        rec = rows.sort_values("year").iloc[-1].to_dict()
        info = inputs.indicators[str(ind_id)]

        def num(v: Any) -> str:
            return sv_value(v, info.decimals, info.unit_label) or "–"

        text = (f"{info.name}, jämförelse {int(rec['year'])}: vi {num(rec['value'])} (plats {_compare_rank(rec)}), "
                f"gruppens median {num(rec['median'])} ({num(rec['min'])}–{num(rec['max'])})")
        if rec["target_rule"]:
            text += f"; mål {rec['target_rule']}: {_status_text(inputs, str(rec['status']))}"
        doc.add_paragraph(text + ".")


def _trail(doc: Any, inputs: ReportInputs, goal: GoalInfo) -> None:
    history = inputs.history.get(goal.id)
    if history is None or history.empty:
        return
    doc.add_heading("Statushistorik", level=2)
    cols = list(dict.fromkeys(zip(history["year"], history["period"])))
    status = {(r.indicator_id, r.year, r.period): r.status for r in history.itertuples(index=False)}
    table = doc.add_table(rows=1, cols=len(cols) + 1)
    table.style = "Table Grid"
    table.autofit = False
    table.rows[0].cells[0].text = ""
    for j, (y, p) in enumerate(cols, 1):
        table.rows[0].cells[j].text = f"{PERIODS.get(p, p)} {y}"
    for ind_id in ("", *goal.indicator_ids):
        cells = table.add_row().cells
        cells[0].text = inputs.goal_word if ind_id == "" else inputs.indicators[ind_id].name
        for j, (y, p) in enumerate(cols, 1):
            s = status.get((ind_id, y, p), "ingen_data")
            cells[j].text = ICONS.get(s, "")
            _fill(cells[j], FILLS.get(s, "FFFFFF"))
    first, rest = 5.5, (17.0 - 5.5) / max(1, len(cols))
    for row in table.rows:
        for j, cell in enumerate(row.cells):
            cell.width = Cm(first if j == 0 else rest)
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(0)
                for run in p.runs:
                    run.font.size = Pt(7.5)
    doc.add_paragraph("✓ uppnått · ◐ delvis uppnått · ✗ ej uppnått · ? osäkert · – ingen data · ○ inget mål").runs[0].font.size = Pt(7.5)


def _indicators(doc: Any, inputs: ReportInputs, goal: GoalInfo, rows: pd.DataFrame, status: str) -> None:
    doc.add_heading("Indikatorerna, sämst först", level=2)
    r = ranked(rows, status)
    table_rows, statuses = [], []
    for _, x in r.iterrows():
        info = inputs.indicators[str(x["indicator_id"])]
        change = ""
        if pd.notna(x.get("change_pct")) and str(x.get("change_kind")) != "pp":
            change = ("+" if x["change_pct"] > 0 else "") + sv_number(x["change_pct"], 1) + " %"
        elif pd.notna(x.get("change")):
            change = ("+" if x["change"] > 0 else "") + sv_number(x["change"], 1) + " p.e."
        table_rows.append([info.name, sv_value(x["value"], info.decimals, info.unit_label) or "–",
                           sv_value(x["previous"], info.decimals, info.unit_label) or "–", change or "–",
                           _status_text(inputs, str(x["status"])), reason(x)])
        statuses.append(str(x["status"]))
    _table(doc, ["Indikator", "Utfall", "I fjol", "Förändring", "Status", "Därför"], table_rows,
           [4.4, 1.8, 1.8, 1.8, 2.6, 5.1], status_col=4, statuses=statuses)


def _charts(doc: Any, inputs: ReportInputs, goal: GoalInfo) -> None:
    doc.add_heading("Diagram", level=2)
    for ind_id in goal.indicator_ids:
        info = inputs.indicators[ind_id]
        p = doc.add_paragraph()
        run = p.add_run(f"{info.name} ({info.unit_label})")
        run.bold, run.font.size = True, Pt(9)
        p.paragraph_format.keep_with_next = True
        table = doc.add_table(rows=1, cols=2)
        trend = inputs.trends.get(ind_id)
        if trend is not None and len(trend):
            table.rows[0].cells[0].paragraphs[0].add_run().add_picture(
                io.BytesIO(trend_png(trend, info, inputs.year)), width=Cm(8.2))
        comp = inputs.comparisons.get(ind_id)
        png = units_png(comp, info) if comp is not None and len(comp) else None
        if png is not None:
            table.rows[0].cells[1].paragraphs[0].add_run().add_picture(io.BytesIO(png), width=Cm(8.2))


def _actions(doc: Any, inputs: ReportInputs, goal: GoalInfo) -> None:
    actions = inputs.store.actions.get(goal.id, [])
    doc.add_heading("Åtgärder att följa upp", level=2)
    if not actions:
        doc.add_paragraph("Inga åtgärder registrerade för perioden.").runs[0].italic = True
        return
    rows = [[a.text, a.owner, a.due.isoformat() if a.due else "–", state_label(a.state),
             f"{a.author} {a.saved_at:%Y-%m-%d}"] for a in actions]
    _table(doc, ["Åtgärd", "Ansvarig", "Klart senast", "Läge", "Senast ändrad"], rows, [6.5, 3, 2.4, 2, 3.6])


def _goal(doc: Any, inputs: ReportInputs, number: int, goal: GoalInfo) -> None:
    doc.add_page_break()
    doc.add_heading(f"{inputs.goal_word} {number}. {goal.name}", level=1)
    status = _goal_status(inputs, goal.id)
    rows = _goal_rows(inputs, goal)
    p = doc.add_paragraph()
    run = p.add_run(_status_text(inputs, status))
    run.bold, run.font.size = True, Pt(13)
    run.font.color.rgb = RGBColor.from_string(COLOURS.get(status, "595959"))
    if goal.description:
        doc.add_paragraph(goal.description).runs[0].italic = True
    r = ranked(rows, status)
    deciding = r[r["decides"]]
    if len(deciding) and status != "uppnatt":
        doc.add_paragraph(f"Därför {inputs.status_label(status).lower()}:")
        for _, x in deciding.iterrows():
            doc.add_paragraph(f"{inputs.indicators[str(x['indicator_id'])].name}: {reason(x)}", style="List Bullet")
    texts = inputs.store.comments.get(goal.id, {})
    for section, heading in SECTIONS.items():
        _text(doc, heading, texts.get(section))
    _actions(doc, inputs, goal)
    _indicators(doc, inputs, goal, rows, status)
    _goal_comparison(doc, inputs, goal)
    _trail(doc, inputs, goal)
    _charts(doc, inputs, goal)


def render_docx(inputs: ReportInputs) -> Any:
    """The whole report as a python-docx Document."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    styles = doc.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(10)
    for name in ("Heading 1", "Heading 2"):
        styles[name].font.name = "Arial"
        styles[name].font.color.rgb = ACCENT
    styles["Heading 1"].font.size = Pt(16)
    styles["Heading 2"].font.size = Pt(12)
    _footer(section, inputs)
    props = doc.core_properties
    props.title = f"{inputs.title}, {inputs.subtitle}"
    props.author = "bibplan"
    props.language = "sv-SE"
    _language(doc)
    _title_page(doc, inputs)
    _toc(doc, inputs)
    doc.add_page_break()
    _summary(doc, inputs)
    _comparison(doc, inputs)
    for i, g in enumerate(inputs.goals, 1):
        _goal(doc, inputs, i, g)
    return doc


def _footer(section: Any, inputs: ReportInputs) -> None:
    p = section.footer.paragraphs[0]
    p.add_run(f"{inputs.title} · {inputs.unit_name} · sida ")
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        run = p.add_run()
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _language(doc: Any) -> None:
    """Swedish as the document language (spelling, hyphenation)."""
    rpr = doc.styles["Normal"].element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "sv-SE")
    rpr.append(lang)


def save_docx(inputs: ReportInputs, path_or_buffer: str | Path | BinaryIO | None = None) -> bytes | None:
    """Write the Word report to a path or buffer; with ``None`` return the bytes."""
    doc = render_docx(inputs)
    if path_or_buffer is None:
        buf = io.BytesIO()
        doc.save(buf)
        return buf.getvalue()
    doc.save(str(path_or_buffer) if isinstance(path_or_buffer, (str, Path)) else path_or_buffer)
    return None
