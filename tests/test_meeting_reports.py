"""Actions written in T1 carry to T2 and appear in both reports; ``bibplan report --format docx``
writes a Word report that LibreOffice converts to PDF with its charts."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from docx import Document

from cli.main import main
from etl.followup_store import OVERALL
from report import StoreInfo, write_docx, write_report
from tests import test_report_fixtures as fx
from tests.test_report_cli import make_store
from tests.test_report_render import SOFFICE, page_count, to_pdf


def _store(tmp_path):
    store = make_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.save_action(goal_id="lasning", year=2026, period="T1", text="Sagostunder på lördagar i Gottsunda",
                      owner="Anna Ek", due=dt.date(2026, 10, 31), state="pagar", author="anna")
    done = store.save_action(goal_id="lasning", year=2026, period="T1", text="Flytta bokbussens hållplats",
                             owner="Bo Berg", due=dt.date(2026, 3, 31), state="planerad", author="bo")
    store.save_action(goal_id="lasning", year=2026, period="T1", text="Flytta bokbussens hållplats", owner="Bo Berg",
                      due=dt.date(2026, 3, 31), state="klar", author="bo", action_id=done)
    store.add_comment(OVERALL, 2026, "T2", None, "analys", "Ett halvår med fler lån och färre besök.", "Cia")
    return store


def _docx_text(path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def test_open_action_from_t1_is_in_the_t2_workbook_and_word_report(tmp_path) -> None:
    store = _store(tmp_path)
    plan, tables = fx.plan(), store.read_tables()
    t2 = StoreInfo.from_store(store, ["lasning"], 2026, "T2")
    # the action closed in T1 stays in T1; the open one is carried to T2
    assert [a.text for a in t2.actions["lasning"]] == ["Sagostunder på lördagar i Gottsunda"]
    t1 = StoreInfo.from_store(store, ["lasning"], 2026, "T1")
    assert [a.text for a in t1.actions["lasning"]] == ["Sagostunder på lördagar i Gottsunda",
                                                        "Flytta bokbussens hållplats"]
    xlsx = tmp_path / "rapport.xlsx"
    write_report(plan, tables, t2, 2026, "T2", path_or_buffer=xlsx)
    ws = openpyxl.load_workbook(xlsx)["Mål 1"]
    rows = [[c.value for c in r] for r in ws.iter_rows(max_col=7)]
    row = next(r for r in rows if r[0] == "Sagostunder på lördagar i Gottsunda")
    assert row[1] == "Anna Ek" and row[3] == dt.datetime(2026, 10, 31) and row[4] == "Pågår"
    assert not any(r[0] == "Flytta bokbussens hållplats" for r in rows)
    docx = tmp_path / "rapport.docx"
    write_docx(plan, tables, t2, 2026, "T2", path_or_buffer=docx, generated=dt.date(2026, 9, 15))
    text = _docx_text(docx)
    assert "Sagostunder på lördagar i Gottsunda" in text and "Anna Ek" in text and "2026-10-31" in text
    assert "Flytta bokbussens hållplats" not in text
    assert "Ett halvår med fler lån och färre besök." in text  # the overall analysis leads
    assert text.index("Sammanfattning") < text.index("Ett halvår") < text.index("Status per mål")


def test_word_report_structure(tmp_path) -> None:
    store = _store(tmp_path)
    info = StoreInfo.from_store(store, ["lasning"], 2026, "T2")
    path = tmp_path / "r.docx"
    write_docx(fx.plan(), store.read_tables(), info, 2026, "T2", path_or_buffer=path, generated=dt.date(2026, 9, 15))
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Innehåll", "Sammanfattning", "Mål 1. Läsning", "Mål 2. Bemötande"]
    assert doc.paragraphs[6].text == "Måluppföljning T2 2026 (jan–aug)"  # the title page
    assert "TOC" in doc.element.xml  # a table-of-contents field
    images = [r for r in doc.part.rels.values() if "image" in r.reltype]
    assert len(images) >= 2  # the trend and the units chart of the goal's indicator
    status = doc.tables[0]
    assert [c.text for c in status.rows[0].cells] == ["Mål", "Status", "Därför"]
    # Swedish number formats in the indicator table: 1 560 loans (fixture: T2 2026)
    assert any("1\u00a0560" in c.text for t in doc.tables for r in t.rows for c in r.cells)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.slow
def test_report_command_writes_docx_that_libreoffice_converts(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    _store(tmp_path)
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(fx.PLAN, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("BIBPLAN_STORE_URL", url)
    out = tmp_path / "ut" / "rapport"
    result = CliRunner().invoke(main, ["report", "--year", "2026", "--period", "T2", "--plan", str(plan),
                                       "--format", "docx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    docx = out.with_suffix(".docx")
    assert docx.exists() and f"skrevs till {docx}" in result.output
    pdf = to_pdf(docx, tmp_path)
    # title page, contents, summary, then the goal (texts, actions and table; trail and charts)
    assert page_count(pdf) >= 4
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "Sammanfattning" in text and "Sagostunder på lördagar i Gottsunda" in text
    if shutil.which("pdfimages"):
        listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert len(listed.strip().splitlines()) - 2 >= 2  # the charts are in the PDF
