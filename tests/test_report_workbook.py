"""The report workbook: sheets, values (by hand and equal to goals/), formats, charts, safe text."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest

import goals
from report import formats, write_report
from etl.problems import PROBLEM_COLUMNS_SV
from tests import test_report_fixtures as fx
from tests.test_report_fixtures import FORMULA_LIKE, store_info

@pytest.fixture(scope="module")
def xlsx() -> bytes:
    return write_report(fx.plan(), fx.tables(), store_info(), 2026, "T2", generated=dt.date(2026, 9, 15))


@pytest.fixture(scope="module")
def wb(xlsx: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx))


def find_row(ws, col: int, text: str) -> int:
    for row in range(1, ws.max_row + 1):
        if ws.cell(row, col).value == text:
            return row
    raise AssertionError(f"{text!r} not found in column {col} of {ws.title}")


def test_sheet_names(wb):
    assert wb.sheetnames == ["Sammanfattning", "Mål 1", "Mål 2", "Enheter", "Data", "Avvikelser", "Om rapporten"]


def test_summary(wb):
    ws = wb["Sammanfattning"]
    assert ws["A1"].value == "Måluppföljning T2 2026 (jan–aug)"
    r = find_row(ws, 1, "Data t.o.m.")
    assert ws.cell(r, 2).value == dt.datetime(2026, 8, 31)
    assert ws.cell(r, 2).number_format == "yyyy-mm-dd"
    assert ws.cell(find_row(ws, 1, "Rapporten skapad"), 2).value == dt.datetime(2026, 9, 15)
    r = find_row(ws, 2, "Läsning")
    # both indicators of Läsning are met (checked by hand in the goal sheet test) -> goal met
    assert ws.cell(r, 3).value == "Uppnått"
    assert ws.cell(r, 3).fill.fgColor.rgb.endswith("C6EFCE")
    assert [ws.cell(r, c).value for c in range(4, 8)] == [2, 0, 0, 0]
    assert ws.cell(r, 2).hyperlink.location == "'Mål 1'!A1"
    r = find_row(ws, 2, "Uppnått")
    assert ws.cell(r, 3).value == 2  # both goals met


def test_goal_sheet_values_by_hand(wb):
    ws = wb["Mål 1"]
    r = find_row(ws, 1, "Utlån (lån)")
    # T2 2026 = 8 × (130 + 65) = 1 560; T2 2025 = 8 × (110 + 55) = 1 320
    assert ws.cell(r, 2).value == 1560 and ws.cell(r, 2).number_format == "#,##0"
    assert ws.cell(r, 3).value == 1320
    assert ws.cell(r, 4).value == pytest.approx(1560 / 1320 - 1)
    assert ws.cell(r, 4).number_format == formats.CHANGE_PCT
    assert ws.cell(r, 5).value == pytest.approx(1320 * 1.05)  # target: +5 % on last year
    assert ws.cell(r, 6).value == "Uppnått"
    # forecast: 2025's T2 was 8/12 of its year (even months), so 1 560 × 12 / 8 = 2 340, next to
    # the full-year target: all of 2025 = 12 × 165 = 1 980, × 1,05 = 2 079 -> forecast uppnått
    assert ws.cell(r, 7).value == pytest.approx(2340)
    assert ws.cell(r, 9).value == pytest.approx(2079) and ws.cell(r, 10).value == "Uppnått"
    r = find_row(ws, 1, "Utlån per invånare (lån per invånare)")
    assert ws.cell(r, 2).value == pytest.approx(1560 / 1500)
    assert ws.cell(r, 2).number_format == "#,##0.00"
    # the level 1,5 is annual: no target for jan–aug; forecast 1,04 × 1,5 = 1,56 against 1,5
    assert ws.cell(r, 5).value is None and ws.cell(r, 6).value == "Uppnått (prognos)"
    assert ws.cell(r, 7).value == pytest.approx(1.56) and ws.cell(r, 9).value == pytest.approx(1.5)
    ws = wb["Mål 2"]
    r = find_row(ws, 1, "Andel nöjda med bemötandet")
    assert ws.cell(r, 2).value == pytest.approx(0.70)  # 7 of 10 answers 4 or 5
    assert ws.cell(r, 2).number_format == "0 %"
    assert ws.cell(r, 7).value is None and ws.cell(r, 9).value is None  # a share has no forecast
    assert ws.cell(r, 11).value == 10
    assert ws.cell(r, 12).value == "40–89\u00a0%"  # Wilson 95 % for 7/10: 39,7 %–89,2 %
    assert "för få svar" in ws.cell(r, 13).value


def test_goal_sheet_values_equal_goals(wb):
    fu = goals.followup(fx.plan(), fx.tables(), 2026, "T2")
    for rec in fu.to_dict("records"):
        ws = wb["Mål 1" if rec["goal_id"] == "lasning" else "Mål 2"]
        label = rec["indicator_name"] if rec["unit_label"] == "%" else f"{rec['indicator_name']} ({rec['unit_label']})"
        r = find_row(ws, 1, label)
        scale = 0.01 if rec["unit_label"] == "%" else 1
        assert ws.cell(r, 2).value == pytest.approx(rec["value"] * scale)
        suffix = " (prognos)" if rec["status_basis"] == "prognos" else ""
        assert ws.cell(r, 6).value == goals.STATUS_LABELS_SV[rec["status"]] + suffix


def test_comments_are_text_never_formulas(wb, xlsx):
    ws = wb["Mål 1"]
    for text in FORMULA_LIKE:
        r = find_row(ws, 1, text)
        assert ws.cell(r, 1).data_type == "s"
    ws = wb["Avvikelser"]
    r = find_row(ws, 6, "=1+1")
    assert ws.cell(r, 6).data_type == "s"
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)


def _chart_xml(xlsx: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        names = sorted((n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)),
                       key=lambda n: int(re.findall(r"\d+", n)[0]))
        return [z.read(n).decode() for n in names]


def _range_values(wb, ref: str) -> list:
    sheet, cells = ref.rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    cells = cells.replace("$", "")
    if ":" not in cells:
        return [ws[cells].value]
    return [c.value for row in ws[cells] for c in row]


def test_charts_reference_the_right_cells(wb, xlsx):
    charts = _chart_xml(xlsx)
    # two charts per indicator: 3 indicators -> 6 charts
    assert len(charts) == 6
    line, bar = charts[0], charts[1]
    assert "<lineChart>" in line and "<barChart>" in bar
    refs = re.findall(r"<f>(.*?)</f>", line)
    # loans add up over the year: full years (2025 = 12 × 165 = 1 980; 2026 is unfinished, so no
    # value) with 2026's full-year forecast 2 340 against the full-year target 1 980 × 1,05 = 2 079
    values = [r for r in refs if _range_values(wb, r) == [1980, None]]
    forecast = [r for r in refs if _range_values(wb, r) == [None, pytest.approx(2340)]]
    target = [r for r in refs if _range_values(wb, r) == [None, pytest.approx(2079)]]
    assert [_range_values(wb, r) for r in refs if "!$" not in r] == [["Utfall"], ["Helårsprognos"], ["Helårsmål"]]
    years = [r for r in refs if _range_values(wb, r) == [2025, 2026]]
    assert values and forecast and target and years and values[0].startswith("'Mål 1'!$")
    assert '<smooth val="0"' in line and '<delete val="0"' in line
    bar_refs = re.findall(r"<f>(.*?)</f>", bar)
    assert any(_range_values(wb, r) == [1040, 520] for r in bar_refs)  # Filial A, Filial B
    assert any(_range_values(wb, r) == ["Filial A", "Filial B"] for r in bar_refs)
    assert '<min val="0"' in bar and '<delete val="0"' in bar


def test_units_matrix(wb):
    ws = wb["Enheter"]
    header = find_row(ws, 1, "Mål")
    heads = [ws.cell(header, c).value for c in range(1, 7)]
    assert heads == ["Mål", "Indikator", "Mått", "Hela organisationen", "Filial A", "Filial B"]
    r = find_row(ws, 2, "Utlån")
    assert [ws.cell(r, c).value for c in (4, 5, 6)] == [1560, 1040, 520]
    assert ws.freeze_panes == f"E{header + 1}"


def test_data_table(wb):
    ws = wb["Data"]
    table = ws.tables["Indikatorvarden"]
    # 3 indicators × (organisation + 2 units) = 9 rows + header; 29 columns (A..AC), with why a
    # status or forecast status is not a claim after each
    assert table.ref == "A1:AC10"
    assert ws["A1"].value == "År" and ws["I1"].value == "Utfall" and ws["T1"].value == "Helårsmål"
    assert ws["P1"].value == "Varför ingen bedömning" and ws["V1"].value == "Varför prognosen inte bedöms"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=10)]
    assert {(r[2], r[3]) for r in rows} == {(dt.datetime(2026, 1, 1), dt.datetime(2026, 8, 31))}
    utlan = {r[6]: r[8] for r in rows if r[5] == "Utlån"}
    assert utlan == {"Hela organisationen": 1560, "Filial A": 1040, "Filial B": 520}
    assert ws.freeze_panes == "A2"
    assert ws.print_title_rows == "$1:$1"


def test_problems_sheet(wb):
    ws = wb["Avvikelser"]
    header = find_row(ws, 1, "Allvarlighet")
    assert [ws.cell(header, c).value for c in range(1, 8)] == list(PROBLEM_COLUMNS_SV.values())
    files = [ws.cell(r, 2).value for r in range(header + 1, header + 4)]
    # the 2019 file does not touch T2 2026 (or 2025); the undated utlan.xlsx does; errors first
    assert files[:2] == ["besok_2026.xlsx", "utlan.xlsx"]
    assert "besok_2019.xlsx" not in [ws.cell(r, 2).value for r in range(1, ws.max_row + 1)]
    r = find_row(ws, 1, "Mål 2")  # the follow-up note of the survey indicator
    assert "för få svar" in ws.cell(r, 4).value


def test_about_sheet(wb):
    ws = wb["Om rapporten"]
    texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "bekvämlighetsurval" in texts
    # the forecast paragraph follows the goals file's settings (defaults: 3 years, 2020 and 2021 left out)
    assert "under de 3 åren närmast före" in texts and "Åren 2020, 2021 används inte" in texts
    r = find_row(ws, 1, "Utlån per invånare")
    assert ws.cell(r, 6).value == "Utlan399/Population01"
    assert ws.cell(r, 5).value == "Utlån"  # source table
    assert "delat med antal invånare" in ws.cell(r, 4).value


def test_print_setup_and_properties(wb):
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert wb["Mål 1"].print_title_rows == "$1:$2"
    assert wb.properties.creator == "bibplan"
    assert "T2 2026" in wb.properties.title
    assert wb.properties.subject.startswith("Uppföljning av Testplan")


def test_write_to_path_and_buffer(tmp_path):
    path = tmp_path / "rapport.xlsx"
    assert write_report(fx.plan(), fx.tables(), None, 2026, "T2", path_or_buffer=path) is None
    buf = io.BytesIO()
    write_report(fx.plan(), fx.tables(), None, 2026, "T2", path_or_buffer=buf)
    assert openpyxl.load_workbook(path).sheetnames == openpyxl.load_workbook(buf).sheetnames
    ws = openpyxl.load_workbook(path)["Sammanfattning"]
    # without store information "data t.o.m." is the last date in the tables: the end of August 2026
    assert ws.cell(find_row(ws, 1, "Data t.o.m."), 2).value == dt.datetime(2026, 8, 31)


def test_one_unit_report(wb):
    data = write_report(fx.plan(), fx.tables(), None, 2026, "T2", unit="filial_b")
    ws = openpyxl.load_workbook(io.BytesIO(data))["Mål 1"]
    assert "Filial B" in ws["A2"].value
    assert ws.cell(find_row(ws, 1, "Utlån (lån)"), 2).value == 520  # 8 × 65
    names = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "Filial" in c.value]
    assert "► Filial B" in names and "Filial A" in names  # the report's own unit marked in the chart data


def test_uppdragsplan_report():
    data = write_report(fx.plan(), fx.tables(), None, 2026, "T2", goal_set="uppdragsplan")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Sammanfattning", "Uppdrag 1", "Enheter", "Data", "Avvikelser", "Om rapporten"]
    ws = wb["Uppdrag 1"]
    assert ws["A1"].value == "Uppdrag 1: Fler utlån och nöjda besökare"
    assert ws.cell(find_row(ws, 1, "Utlån (lån)"), 2).value == 1560
    assert ws.cell(find_row(ws, 1, "Andel nöjda med bemötandet"), 2).value == pytest.approx(0.70)


def test_data_sheet_percent_rows(wb):
    ws = wb["Data"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[5].value == "Andel nöjda med bemötandet" and r[6].value == "Filial A")
    assert row[8].value == pytest.approx(0.70) and row[8].number_format == "0 %"
    assert row[22].value == 10  # n (after the two reason columns)
    assert row[23].value == pytest.approx(0.3968, abs=1e-4) and row[24].value == pytest.approx(0.8922, abs=1e-4)


def test_report_without_any_data():
    from etl.tables import Tables

    wb = openpyxl.load_workbook(io.BytesIO(write_report(fx.plan(), Tables(), None, 2026, "T2")))
    ws = wb["Mål 1"]
    # a status that is not a claim says why, in the status cell
    assert ws.cell(find_row(ws, 1, "Utlån (lån)"), 6).value == "Ingen data: ingen data för perioden"
    ws = wb["Sammanfattning"]
    assert ws.cell(find_row(ws, 1, "Data t.o.m."), 2).value == "uppgift saknas"


def test_units_chart_like_with_like_and_colour_blind_safe():
    """Per inhabitant at T2 2026: the level 1,5 is annual, so each unit's status is judged on its
    forecast (A: 8 × 130 / 1 000 = 1,04, B: 8 × 65 / 500 = 1,04; 2025's year was 12/8 of its T2,
    so both forecast 1,56 ≥ 1,5: uppnått).  The chart has the value so far and the forecast, the
    forecast bars in the dashboard's Okabe–Ito green; a whole-city unit without a catchment has no
    value per inhabitant and is not an empty row."""
    import pandas as pd

    from etl.tables import Tables, conform

    t = fx.tables()
    units = pd.concat([t.units, pd.DataFrame({"unit_id": ["stad"], "name": ["Stadsbiblioteket"],
                                              "type": ["huvudbibliotek"], "district": [None]})], ignore_index=True)
    stad = t.loans[t.loans["unit_id"] == "filial_b"].assign(unit_id="stad")
    loans = conform("loans", pd.concat([t.loans.astype({"unit_id": "str"}), stad.astype({"unit_id": "str"})]))
    tables = Tables(units=units.astype({"type": "category"}), loans=loans, population=t.population, survey=t.survey)
    # the organisation's level applies to the units only when the plan says so (unit_targets)
    from goals import parse_plan
    from tests.test_report_fixtures import PLAN

    raw = {**PLAN, "indicators": [{**i, "unit_targets": "organisation"} if i.get("definition", {}).get("denominator")
                                  else i for i in PLAN["indicators"]]}
    xlsx = write_report(parse_plan(raw, "testplan.yaml"), tables, fx.store_info(), 2026, "T2",
                        generated=dt.date(2026, 9, 15))
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    charts = _chart_xml(xlsx)
    per_inv = charts[3]
    assert "status på helårsprognosen mot helårsmålet 1,50" in per_inv
    refs = re.findall(r"<f>(.*?)</f>", per_inv)
    values = [_range_values(wb, r) for r in refs]
    assert ["Filial A", "Filial B"] in values  # no Stadsbiblioteket row
    assert [pytest.approx(1.04), pytest.approx(1.04)] in values  # jan–aug
    assert [pytest.approx(1.56), pytest.approx(1.56)] in values  # full-year forecasts
    assert per_inv.count('<c:srgbClr val="009E73"/>') + per_inv.count('<a:srgbClr val="009E73"/>') >= 2
    assert "C00000" not in per_inv and "548235" not in per_inv  # no red/green palette
    counts = charts[1]  # loans, a count: Stadsbiblioteket has a value and is drawn
    assert ["Filial A", "Filial B", "Stadsbiblioteket"] in [_range_values(wb, r) for r in re.findall(r"<f>(.*?)</f>", counts)]
