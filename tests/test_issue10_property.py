"""Issue 10 §7: no traceback on any input.  Random bytes, random cells (text, numbers, dates,
booleans, Excel errors, formulas) and random header shapes go into ``check``; only problem records
(and tidy rows) may come out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.pipeline import check_paths, load_config
from etl.problems import Problem
from tests.conftest import UNITS_YAML

SOURCES = """\
sources:
  - {id: besok, kind: visits, pattern: "besok*", counter_mode: in}
  - {id: inut, kind: visits, pattern: "inut*", counter_mode: in_out}
  - {id: matare, kind: visits, pattern: "matare*", counter_mode: cumulative}
  - {id: utlan, kind: loans, pattern: "utlan*"}
  - {id: manad, kind: loans, pattern: "manad*", layout: months_as_columns, header_rows: 2}
  - {id: koha, kind: loans, pattern: "koha*", layout: transactions}
  - {id: arr, kind: events, pattern: "arr*"}
  - {id: oppet, kind: opening_hours, pattern: "oppet*"}
  - {id: enkat, kind: survey, pattern: "enkat*", constants: {wave: 2024}}
  - {id: bef, kind: population, pattern: "bef*"}
"""
PREFIXES = ["besok", "inut", "matare", "utlan", "manad", "koha", "arr", "oppet", "enkat", "bef"]
HEADERS = ["Datum", "Bibliotek", "Enhet", "Filial", "In", "Ut", "Totalt", "Mätarställning", "Månad", "År",
           "Medietyp", "Målgrupp", "Utlån", "Omlån", "Lånetyp", "jan", "feb", "Jan-24", "2024-03", "Arrangemang",
           "Kategori", "Antal deltagare", "Veckodag", "Öppnar", "Stänger", "Gäller från", "Typ", "Bemötande",
           "Ålder", "Folkmängd", "region", "datetime", "branch", "type", "itemtype", "categorycode", "",
           "E-post", "Summa"]

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
CELLS = st.one_of(
    st.none(), TEXT, st.integers(-10**6, 10**16), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(), st.dates(dt.date(1899, 12, 31), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)),
    st.sampled_from(["#DIV/0!", "#N/A", "#VALUE!", "=SUM(A1:A3)", "=1/0", "1,234", "1.234", "12,7", "1e400",
                     "inf", "nan", "TRUE", "11/02/2026", "2026-11-021", "Gottsunda\u00a0", "Totalt", "trasig",
                     "Vet ej", "102 Högläsning", "10:00", "Måndag", "Bok", "Barn", "Utlån", "issue", "45292"]),
)
HEADER = st.one_of(st.sampled_from(HEADERS), TEXT)
SHEETS = st.lists(st.lists(CELLS, max_size=8), max_size=12)


def _config_dir() -> Path:
    d = Path(tempfile.mkdtemp(prefix="bibplan-prop-"))
    (d / "units.yaml").write_text(UNITS_YAML, encoding="utf-8")
    (d / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    return d


def _only_records(path: Path, d: Path) -> None:
    result = check_paths([path], load_config(d))
    assert len(result.files) == 1
    assert all(isinstance(p, Problem) and p.severity in ("fel", "varning") and p.message for p in result.problems)


def _xlsx_cell(v):
    """A cell openpyxl can write: no timezone, no control characters (Excel cannot hold them)."""
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, str):
        return "".join(ch for ch in v if ch >= " " or ch in "\t\n\r")
    return v


def _cell_text(v):
    return "" if v is None else str(v)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(PREFIXES), suffix=st.sampled_from([".csv", ".xlsx", ".xls", ".ods", ".txt"]),
       content=st.one_of(st.binary(max_size=400),
                         st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
                                          b"\xff\xfe" + "Datum\tIn\n".encode("utf-16-le"), b"\xef\xbb\xbf",
                                          b"Datum;Bibliotek;In\n"])))
def test_random_bytes_give_problem_records(prefix, suffix, content):
    d = _config_dir()
    try:
        path = d / f"{prefix}_x{suffix}"
        path.write_bytes(content)
        _only_records(path, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(PREFIXES), header=st.lists(st.lists(HEADER, max_size=8), min_size=0, max_size=3),
       body=SHEETS)
def test_random_cells_and_headers_in_a_workbook_give_problem_records(prefix, header, body):
    d = _config_dir()
    try:
        wb = openpyxl.Workbook()
        ws = wb.active
        for row in [*header, *body]:
            ws.append([_xlsx_cell(v) for v in row])
        path = d / f"{prefix}_x.xlsx"
        wb.save(path)
        _only_records(path, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(PREFIXES), header=st.lists(HEADER, max_size=8), body=SHEETS,
       delimiter=st.sampled_from([";", ",", "\t"]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_random_cells_and_headers_in_a_csv_give_problem_records(prefix, header, body, delimiter, encoding):
    d = _config_dir()
    try:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter).writerows([header, *[[_cell_text(v) for v in r] for r in body]])
        path = d / f"{prefix}_x.csv"
        path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
        _only_records(path, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
