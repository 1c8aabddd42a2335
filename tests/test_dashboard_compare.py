"""The Jämförelse page: our value against the comparison group, from a hand-made benchmark table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from dashboard import state
from dashboard.app import render
from dashboard.data import DataSource
from dashboard.pages import compare
from dashboard.testing import fill_store
from etl.store import Store
from etl.tables import conform
from tests.conftest_dashboard import TINY_PLAN, tiny_tables

COMPARISON = """
comparison:
  home: "0380"
  name: Testgrupp
  codes: ["0580", "1880", 1280]
  indicators:
    utlan: {variable: N09801, target: median, note_sv: "Kolada räknar bara fysiska lån."}
"""

BENCH = [(2024, "0380", 6.1), (2024, "0580", 5.0), (2024, "1880", 7.0), (2024, "1280", 4.0), (2024, "0180", 9.9),
         (2025, "0380", 5.0), (2025, "0580", 5.5), (2025, "1880", 6.0), (2025, "1280", 4.5)]


def _ds(tmp_path: Path, plan_text: str, bench: bool = True) -> DataSource:
    plan = tmp_path / "biblioteksplan.yaml"
    plan.write_text(plan_text, encoding="utf-8")
    tables = tiny_tables()
    if bench:
        tables.benchmark = conform("benchmark", pd.DataFrame(
            [{"year": y, "area_code": c, "area_type": "kommun", "area_name": f"K{c}", "variable": "N09801",
              "label": "Utlån per invånare", "gender": "T", "value": v} for y, c, v in BENCH]))
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    fill_store(Store(url), tables)
    return DataSource(url, plan_path=plan, check_every=0)


def _texts(c: Any) -> list[str]:
    out: list[str] = []
    if isinstance(c, str):
        return [c]
    kids = getattr(c, "children", None)
    if isinstance(kids, (list, tuple)):
        for k in kids:
            out += _texts(k)
    elif kids is not None:
        out += _texts(kids)
    return out


def _find_id(c: Any, prefix: str) -> list[Any]:
    found = [c] if str(getattr(c, "id", "")).startswith(prefix) else []
    kids = getattr(c, "children", None)
    for k in kids if isinstance(kids, (list, tuple)) else ([kids] if kids is not None else []):
        found += _find_id(k, prefix)
    return found


def test_page_shows_median_range_rank_and_status(tmp_path: Path) -> None:
    ds = _ds(tmp_path, TINY_PLAN + COMPARISON)
    body = compare.layout(ds, state.ViewState(year=2026, period="T1"))
    text = " ".join(_texts(body))
    assert "Testgrupp (2025): K0380 jämförs med K0580, K1280, K1880." in text
    assert "Kolada räknar bara fysiska lån." in text
    fig = _find_id(body, "compare-fig-utlan")[0].figure
    assert [list(t.y) for t in fig.data] == [[7.0, 6.0], [4.0, 4.5], [5.0, 5.5], [6.1, 5.0]]  # max, min, median, us
    grid = _find_id(body, "compare-grid-utlan")[0]
    rows = {r["year"]: r for r in grid.rowData}
    # 2025: group 5.5, 6.0, 4.5 -> median 5.5; we (5.0) are third of four and below the median
    assert rows["2025"]["rank_text"] == "3 av 4" and rows["2025"]["status"] == "ej_uppnatt"
    assert rows["2024"]["rank_text"] == "2 av 4" and rows["2024"]["status"] == "uppnatt"  # 0180 is not in the group


def test_page_says_what_is_missing(tmp_path: Path) -> None:
    no_group = compare.layout(_ds(tmp_path, TINY_PLAN), state.ViewState(year=2026, period="T1"))
    assert "ingen jämförelsegrupp" in " ".join(_texts(no_group))
    (tmp_path / "b").mkdir()
    no_data = compare.layout(_ds(tmp_path / "b", TINY_PLAN + COMPARISON, bench=False), state.ViewState(year=2026, period="T1"))
    assert "Inga jämförelsedata" in " ".join(_texts(no_data))


def test_router_serves_the_page(tmp_path: Path) -> None:
    ds = _ds(tmp_path, TINY_PLAN + COMPARISON)
    header, body = render(ds, "/jamforelse", "?year=2026&period=T1")[:2]
    assert "compare-page" in (body.className or "")
    assert "Jämförelse" in " ".join(_texts(header))


def test_excel_report_has_the_comparison_sheet(tmp_path: Path) -> None:
    import io

    import openpyxl

    from report import write_report
    from goals.plan import load_plan

    ds = _ds(tmp_path, TINY_PLAN + COMPARISON)
    data = write_report(load_plan(tmp_path / "biblioteksplan.yaml"), ds.tables(), None, 2026, "T1")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames.index("Jämförelse") == wb.sheetnames.index("Enheter") + 1
    ws = wb["Jämförelse"]
    assert ws["A2"].value == "Testgrupp (2025): K0380 jämförs med K0580, K1280, K1880."
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True)]
    assert rows[0][:10] == ("Utlån", "N09801", 2024, 6.1, 5.0, 4.0, 7.0, "2 av 4", "minst gruppens median", "Uppnått")
    assert rows[1][:10] == ("Utlån", "N09801", 2025, 5.0, 5.5, 4.5, 6.0, "3 av 4", "minst gruppens median", "Ej uppnått")
    assert rows[1][10] == "Kolada räknar bara fysiska lån."
    # without a comparison in the plan the sheet is left out
    (tmp_path / "n").mkdir()
    plain = _ds(tmp_path / "n", TINY_PLAN)
    wb2 = openpyxl.load_workbook(io.BytesIO(write_report(load_plan(tmp_path / "n" / "biblioteksplan.yaml"),
                                                         plain.tables(), None, 2026, "T1")))
    assert "Jämförelse" not in wb2.sheetnames


def test_data_page_kb_download(tmp_path: Path) -> None:
    import io

    import openpyxl

    from dashboard import downloads
    from dashboard.pages import data_page

    ds = _ds(tmp_path, TINY_PLAN)
    section = data_page.kb_section(ds, "sv")
    picker = _find_id(section, "")  # the dropdown's id is a dict: look it up by type
    dropdowns = [c for c in picker if isinstance(getattr(c, "id", None), dict) and c.id.get("key") == "kb_year"]
    assert dropdowns[0].value == 2025  # the latest complete year (the tiny data end in October 2026)
    data, name = downloads.kb_bytes(ds, 2025)
    assert name == "kb-statistik-2025.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(data))["KB-statistik"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    # tiny loans 2025: norr 100 initial + 20 renewals a month, syd 50 + 10; all books
    assert rows["Inilan101"][3] == 12 * 150 and rows["Omlan201"][3] == 12 * 30 and rows["Utlan399"][3] == 12 * 180
    assert rows["Besok01"][3] is None  # no visits loaded: empty, never 0


def test_goal_page_shows_the_small_comparison_line(tmp_path: Path) -> None:
    from dashboard.pages import goal

    ds = _ds(tmp_path, TINY_PLAN + COMPARISON)
    _, _, sections = goal.goal_content(ds, state.ViewState(year=2026, period="T1", goal="lasning"))
    line = _find_id(sections[0], "ind-compare-utlan")[0]
    text = " ".join(_texts(line))
    # 2025: us 5.0, group 5.5 / 6.0 / 4.5; no decimals, halves up: median 6, range 5–6
    assert "Jämförelse 2025: vi 5 (plats 3 av 4) · gruppens median 6 (5–6)" in text
    assert "minst gruppens median" in text and "Kolada räknar bara fysiska lån." in text


def test_word_report_has_the_comparison(tmp_path: Path) -> None:
    import io

    from docx import Document

    from goals.plan import load_plan
    from report import write_docx

    one_decimal = TINY_PLAN.replace("unit: lån\n    decimals: 0", "unit: lån\n    decimals: 1", 1)
    assert one_decimal != TINY_PLAN
    ds = _ds(tmp_path, one_decimal + COMPARISON)
    data = write_docx(load_plan(tmp_path / "biblioteksplan.yaml"), ds.tables(), None, 2026, "T1")
    doc = Document(io.BytesIO(data))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings.index("Jämförelse med andra kommuner") == headings.index("Sammanfattning") + 1
    texts = [p.text for p in doc.paragraphs]
    assert "Testgrupp (2025): K0380 jämförs med K0580, K1280, K1880." in texts
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Indikator" and t.rows[0].cells[3].text == "Gruppens median")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    # 2024: group 5,0 / 7,0 / 4,0 -> median 5,0; us 6,1 -> 2nd of 4.  2025: median of 5,5 6,0 4,5 = 5,5; us 5,0 -> 3rd.
    assert rows[0][:6] == ["Utlån", "2024", "6,1", "5,0", "4,0–7,0", "2 av 4"]
    assert rows[0][6].endswith("Uppnått (minst gruppens median)")
    assert rows[1][:6] == ["Utlån", "2025", "5,0", "5,5", "4,5–6,0", "3 av 4"]
    assert rows[1][6].endswith("Ej uppnått (minst gruppens median)")
    assert "Utlån: Kolada räknar bara fysiska lån." in texts
    # under the goal: the latest year in one line
    assert any(t.startswith("Utlån, jämförelse 2025: vi 5,0 (plats 3 av 4), gruppens median 5,5 (4,5–6,0); "
                            "mål minst gruppens median: ") for t in texts)
    # without a comparison: no section
    (tmp_path / "n").mkdir()
    plain = _ds(tmp_path / "n", TINY_PLAN)
    doc2 = Document(io.BytesIO(write_docx(load_plan(tmp_path / "n" / "biblioteksplan.yaml"), plain.tables(), None,
                                          2026, "T1")))
    assert "Jämförelse med andra kommuner" not in [p.text for p in doc2.paragraphs]


def test_the_comparison_follows_the_year_viewed(tmp_path: Path) -> None:
    """Viewing 2024 shows the 2024 comparison (the latest benchmark year up to the year viewed), not
    the latest year of all benchmark data (2025)."""
    from dashboard.pages import goal

    ds = _ds(tmp_path, TINY_PLAN + COMPARISON)
    _, _, sections = goal.goal_content(ds, state.ViewState(year=2024, period="helar", goal="lasning"))
    text = " ".join(_texts(_find_id(sections[0], "ind-compare-utlan")[0]))
    # 2024: us 6.1 -> "6"; group 5.0, 7.0, 4.0 -> median 5, range 4–7; 7.0 beats us: 2nd of 4
    assert "Jämförelse 2024: vi 6 (plats 2 av 4) · gruppens median 5 (4–7)" in text and "2025" not in text
    body = compare.layout(ds, state.ViewState(year=2024, period="helar"))
    assert "Testgrupp (2024): K0380 jämförs med K0580, K1280, K1880." in " ".join(_texts(body))
    assert [r["year"] for r in _find_id(body, "compare-grid-utlan")[0].rowData] == ["2024"]
    # before any benchmark year: nothing to compare, said in words
    assert compare.goal_line(ds, "utlan", 2023) is None
    assert "Inga jämförelsedata" in " ".join(_texts(compare.layout(ds, state.ViewState(year=2023, period="helar"))))


def test_word_report_compares_up_to_the_report_year(tmp_path: Path) -> None:
    import io

    from docx import Document

    from goals.plan import load_plan
    from report import write_docx

    ds = _ds(tmp_path, TINY_PLAN + COMPARISON)
    doc = Document(io.BytesIO(write_docx(load_plan(tmp_path / "biblioteksplan.yaml"), ds.tables(), None, 2024, "helar")))
    texts = [p.text for p in doc.paragraphs]
    assert "Testgrupp (2024): K0380 jämförs med K0580, K1280, K1880." in texts
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Indikator" and t.rows[0].cells[3].text == "Gruppens median")
    assert [[c.text for c in r.cells][:6] for r in table.rows[1:]] == [["Utlån", "2024", "6", "5", "4–7", "2 av 4"]]
    assert any(t.startswith("Utlån, jämförelse 2024: vi 6 (plats 2 av 4), gruppens median 5 (4–7)") for t in texts)
    assert not any("2025" in t for t in texts if "jämför" in t.lower())


def test_group_sentence_names_the_year_of_the_comparison_and_the_population_range(tmp_path: Path) -> None:
    """KB 2012 population and loans, and an unrelated Kolada variable in 2025: the group is the one of
    2012, the year the comparison is shown for, and the rule's range is computed from it."""
    from goals.compare import group_sentence
    from goals.plan import load_plan

    plan_text = TINY_PLAN + """
comparison:
  home: "1780"
  name: Folkmängd inom ±40 %
  population_variable: Folk200
  population_within_pct: 40
  indicators:
    utlan: {variable: Folk112}
"""
    rows = [(2012, "1780", "Folk200", 100_000), (2012, "0127", "Folk200", 70_000), (2012, "0686", "Folk200", 139_000),
            (2012, "0662", "Folk200", 150_000), (2012, "1780", "Folk112", 5.0), (2012, "0127", "Folk112", 4.0),
            (2012, "0686", "Folk112", 6.0), (2012, "0662", "Folk112", 7.0), (2025, "1780", "N09801", 6.0)]
    (tmp_path / "biblioteksplan.yaml").write_text(plan_text, encoding="utf-8")
    tables = tiny_tables()
    tables.benchmark = conform("benchmark", pd.DataFrame(
        [{"year": y, "area_code": c, "area_type": "kommun", "area_name": f"K{c}", "variable": v, "label": "",
          "gender": "T", "value": x} for y, c, v, x in rows]))
    plan = load_plan(tmp_path / "biblioteksplan.yaml")
    # ±40 % of 100 000 = 60 000–140 000: 0127 (70 000) and 0686 (139 000) are in, 0662 (150 000) is not
    want = "Folkmängd inom ±40 % (2012, folkmängd 60\u00a0000–140\u00a0000): K1780 jämförs med K0127, K0686."
    assert group_sentence(plan, tables) == want
    assert group_sentence(plan, tables, 2012) == want
    assert group_sentence(plan, tables, 2012, lang="en") == (
        "Folkmängd inom ±40 % (2012, population 60,000–140,000): K1780 is compared with K0127, K0686.")


def test_sample_group_name_matches_its_rule() -> None:
    """The sample's group is ±40 % of Uppsala's 240 245 inhabitants = 144 147–336 343: its name must not
    claim another range."""
    from goals.plan import load_plan

    plan = load_plan(Path(__file__).resolve().parents[1] / "data" / "sample" / "biblioteksplan.yaml")
    assert plan.comparison is not None and plan.comparison.population_within_pct == 40
    assert "100 000" not in plan.comparison.name and "350 000" not in plan.comparison.name
    assert round(240_245 * 0.6) == 144_147 and round(240_245 * 1.4) == 336_343


def test_english_page_is_english(tmp_path: Path) -> None:
    ds = _ds(tmp_path, TINY_PLAN + COMPARISON)
    body = compare.layout(ds, state.ViewState(year=2026, period="T1", lang="en"))
    text = " ".join(_texts(body))
    assert "Testgrupp (2025): K0380 is compared with K0580, K1280, K1880." in text
    assert "Loans" in text and "Utlån" not in text
    assert "at least the group's median" in text and "minst gruppens median" not in text
    rows = {r["year"]: r for r in _find_id(body, "compare-grid-utlan")[0].rowData}
    assert rows["2025"]["rank_text"] == "3 of 4" and rows["2024"]["rank_text"] == "2 of 4"
    from dashboard.pages import goal

    _, _, sections = goal.goal_content(ds, state.ViewState(year=2026, period="T1", goal="lasning", lang="en"))
    line = " ".join(_texts(_find_id(sections[0], "ind-compare-utlan")[0]))
    assert "Comparison 2025: us 5 (rank 3 of 4)" in line and " av " not in line


TYPOS = """
comparison:
  home: "9999"
  codes: ["0580", "0581"]
  indicators:
    utlan: {variable: N0980}
"""


def test_plan_typos_are_warnings_on_the_page_and_in_the_cli(tmp_path: Path) -> None:
    """``variable: N0980`` (for N09801), ``home: "9999"`` and a member ``0581`` are not in the loaded
    benchmark data: each a warning naming the key path and the value, on the Jämförelse page and
    in ``bibplan status`` and ``bibplan check``."""
    from click.testing import CliRunner

    from cli.main import main
    from goals.compare import comparison_problems
    from goals.plan import load_plan

    ds = _ds(tmp_path, TINY_PLAN + TYPOS)
    problems = comparison_problems(load_plan(tmp_path / "biblioteksplan.yaml"), ds.tables().benchmark)
    got = [(p.severity, p.column, p.value) for p in problems]
    assert got == [("varning", "comparison.home", "9999"), ("varning", "comparison.codes", "0581"),
                   ("varning", "comparison.indicators.utlan.variable", "N0980")]
    assert problems[2].message.startswith("Variabeln N0980 (indikatorn utlan) saknas i inlästa jämförelsedata.")
    assert "menade du N09801?" in problems[2].message
    assert problems[0].message.startswith("Hemkommunen 9999 saknas i inlästa jämförelsedata.")
    body = compare.layout(ds, state.ViewState(year=2026, period="T1"))
    warn = " ".join(_texts(_find_id(body, "compare-problems")[0]))
    assert "Variabeln N0980 (indikatorn utlan) saknas" in warn and "Hemkommunen 9999 saknas" in warn
    en = " ".join(_texts(_find_id(compare.layout(ds, state.ViewState(year=2026, period="T1", lang="en")),
                                  "compare-problems")[0]))
    assert "The variable N0980 (indicator utlan) is missing in the loaded benchmark data" in en
    env = {"BIBPLAN_STORE_URL": f"sqlite:///{tmp_path / 'c.sqlite'}", "BIBPLAN_DATA_DIR": str(tmp_path),
           "COLUMNS": "250"}
    res = CliRunner().invoke(main, ["status"], env=env)
    assert res.exit_code == 0, res.output
    assert "comparison.indicators.utlan.variable" in res.output and "N0980" in res.output
    assert "Jämförelsegruppen i biblioteksplan.yaml" in res.output
    # a correct plan: no such warnings
    (tmp_path / "ok").mkdir()
    ok = _ds(tmp_path / "ok", TINY_PLAN + COMPARISON)
    assert comparison_problems(load_plan(tmp_path / "ok" / "biblioteksplan.yaml"), ok.tables().benchmark) == []
    assert not _find_id(compare.layout(ok, state.ViewState(year=2026, period="T1")), "compare-problems")


def test_check_warns_about_the_plan_against_the_checked_benchmark_file(data_dir, write_csv, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli.main import main

    d = data_dir("sources:\n  - id: kolada\n    kind: benchmark\n    pattern: \"kolada*.csv\"\n    layout: long\n")
    (d / "biblioteksplan.yaml").write_text(TINY_PLAN + TYPOS, encoding="utf-8")
    write_csv(d / "kolada_a.csv", [["KPI", "Kommun-id", "År", "Värde"], ["N09801", "0380", 2025, "6,8"],
                                   ["N09801", "0580", 2025, "5,5"]], delimiter=";")
    res = CliRunner().invoke(main, ["check", str(d), "--no-store"], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "Jämförelsegruppen i biblioteksplan.yaml" in res.output
    assert "N0980" in res.output and "9999" in res.output and "0581" in res.output
