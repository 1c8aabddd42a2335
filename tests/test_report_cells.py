"""Formatting helpers of the report: number formats, safe text, table_to_xlsx, no Dash import."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from report import formats, numbers, table_to_xlsx
from report.cells import clean_text, put


@pytest.mark.parametrize(
    ("decimals", "unit", "expected"),
    [(0, "lån", "#,##0"), (1, "lån per barn", "#,##0.0"), (2, "besök per invånare", "#,##0.00"),
     (0, "%", "0 %"), (1, "%", "0.0 %")],
)
def test_value_format(decimals, unit, expected):
    assert formats.value_format(decimals, unit) == expected


def test_percent_values_are_fractions_and_changes_percentage_points():
    assert formats.to_cell(85.0, "%") == pytest.approx(0.85)
    assert formats.to_cell(85.0, "lån") == 85.0
    assert formats.to_cell(float("nan"), "%") is None
    assert formats.change_format(0, "%") == '+0" p.e.";-0" p.e.";0" p.e."'
    assert formats.change_format(1, "lån") == "+#,##0.0;-#,##0.0;0.0"


def test_swedish_number_text():
    assert numbers.sv_number(1234567.891, 1) == "1\u00a0234\u00a0567,9"
    assert numbers.sv_number(-4.26, 1) == "−4,3"
    assert numbers.sv_range(39.68, 89.22, 0, "%") == "40–89\u00a0%"
    assert numbers.sv_range(1.2, None, 1) == ""


@pytest.mark.parametrize("text", ["=SUM(A1)", "+46 70 123 45 67", "-tal", "@home", "=1+1"])
def test_formula_like_text_stays_text(tmp_path, text):
    wb = openpyxl.Workbook()
    put(wb.active, 1, 1, text)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    cell = openpyxl.load_workbook(path).active["A1"]
    assert cell.value == text and cell.data_type == "s"


def test_put_values():
    wb = openpyxl.Workbook()
    ws = wb.active
    put(ws, 1, 1, pd.Timestamp("2026-08-31"))
    put(ws, 2, 1, np.int64(7))
    put(ws, 3, 1, pd.NA)
    put(ws, 4, 1, float("nan"))
    put(ws, 5, 1, "ok\x0btext")  # a control character from copy-paste: dropped, the rest kept
    assert ws["A1"].value == dt.date(2026, 8, 31) and ws["A1"].number_format == "yyyy-mm-dd"
    assert ws["A2"].value == 7 and type(ws["A2"].value) is int
    assert ws["A3"].value is None and ws["A4"].value is None
    assert ws["A5"].value == "oktext"
    assert clean_text("x" * 40_000) == "x" * 32_767


def test_table_to_xlsx():
    df = pd.DataFrame({
        "Enhet": pd.Series(["Filial A", "=HYPERLINK(\"x\")", "Filial B"], dtype="str"),
        "Utlån": pd.Series([1560, 1040, 520], dtype="Int64"),
        "Per invånare": [1.04, 1.0, 1.1],
        "Andel": [0.5, 0.25, 0.125],
        "Månad": pd.to_datetime(["2026-01-01", "2026-02-01", None]).astype("datetime64[s]"),
    })
    data = table_to_xlsx(df, title="Utlån: per enhet/år", number_formats={"Andel": "0.0 %"})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws.title == "Utlån  per enhet år"
    assert [c.value for c in ws[1]] == list(df.columns)
    assert ws["A3"].value == '=HYPERLINK("x")' and ws["A3"].data_type == "s"
    assert ws["B2"].value == 1560 and ws["B2"].number_format == "#,##0"
    assert ws["C2"].number_format == "#,##0.00"  # 1.04 needs two decimals
    assert ws["D2"].number_format == "0.0 %"
    assert ws["E2"].value == dt.datetime(2026, 1, 1) and ws["E2"].number_format == "yyyy-mm-dd"
    assert ws["E4"].value is None
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E4"
    assert ws["A1"].font.bold
    assert ws.column_dimensions["A"].width >= len('=HYPERLINK("x")')
    assert wb.properties.creator == "bibplan"


def test_table_to_xlsx_empty_frame():
    wb = openpyxl.load_workbook(io.BytesIO(table_to_xlsx(pd.DataFrame({"a": []}))))
    assert wb.active["A1"].value == "a" and wb.active.max_row == 1


def test_report_package_imports_no_dash():
    code = "import sys, report; assert 'dash' not in sys.modules, 'dash imported'; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
