"""Issue 10: broken exports of the kinds libraries produce, each rejected with the exact problem
(file, sheet, row, column, value) and the stored data unchanged; or (UTF-16/32 CSV) read right.

Every file is written by the test; expected values are worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import sqlite3
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import main
from etl.pipeline import check_paths, load_config, load_dir, load_paths
from etl.store import Store
from etl.tables import KINDS

SOURCES = """\
sources:
  - {id: besok, kind: visits, pattern: "besok*.csv", counter_mode: in}
  - {id: besok_x, kind: visits, pattern: "besok*.xlsx", counter_mode: in}
  - {id: besok_us, kind: visits, pattern: "us_*.csv", counter_mode: in, date_format: "%m/%d/%Y"}
  - {id: besok_ratio, kind: visits, pattern: "ratio_*.csv", counter_mode: in, plausible_max: {visits: 10000000}}
  - {id: utlan, kind: loans, pattern: "utlan*.csv"}
  - {id: utlan_en, kind: loans, pattern: "en_utlan*.csv", decimal: ".", thousands: ","}
  - {id: utlan_x, kind: loans, pattern: "utlan*.xlsx"}
"""
VISITS = ["Datum", "Bibliotek", "In"]
LOANS = ["Månad", "Filial", "Medietyp", "Målgrupp", "Utlån"]


@pytest.fixture
def d(data_dir):
    return data_dir(SOURCES)


def check(d, name):
    res = check_paths([d / name], load_config(d))
    assert len(res.files) == 1
    return res.files[0]


def the(problems, code):
    hits = [p for p in problems if p.code == code]
    assert len(hits) == 1, [str(p) for p in problems]
    return hits[0]


def where(p):
    return (p.severity, p.file, p.sheet, p.row, p.column, p.value)


def data_digest(db) -> str:
    """The stored data (every tidy table and the unit register), independent of the load log."""
    con = sqlite3.connect(db)
    h = hashlib.sha256()
    for t in (*KINDS, "units"):
        for row in con.execute(f'SELECT * FROM "{t}" ORDER BY 1, 2, 3'):
            h.update(repr(row).encode())
    con.close()
    return h.hexdigest()


def file_digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def february(unit="Gottsunda", year=2025):
    """28 days of visits, 100 + day of month each (sum 100*28 + 406 = 3206)."""
    return [[f"{year}-02-{day:02d}", unit, 100 + day] for day in range(1, 29)]


@pytest.fixture
def loaded(d, write_csv, tmp_path):
    """A store holding February 2025 for Gottsunda; -> (store, db path, data digest)."""
    db = tmp_path / "s.sqlite"
    store = Store(f"sqlite:///{db}")
    write_csv(d / "besok_feb.csv", [VISITS, *february()])
    report = load_paths([d / "besok_feb.csv"], load_config(d), store)
    assert report.rows_added == 28 and not report.has_errors
    (d / "besok_feb.csv").unlink()
    return store, db, data_digest(db)


def rejected_and_unchanged(d, name, store, db, digest):
    """Load ``name``: the file is rejected and the stored data and the store file before the load
    log are what they were; ``bibplan check`` leaves the store file byte-identical."""
    before = file_digest(db)
    runner = CliRunner()
    checked = runner.invoke(main, ["check", str(d / name), "--store", f"sqlite:///{db}"])
    assert checked.exit_code == 1 and "Traceback" not in checked.output
    assert file_digest(db) == before
    report = load_paths([d / name], load_config(d), store)
    assert [f.status for f in report.files] == ["rejected"]
    assert data_digest(db) == digest
    return report


# --------------------------------------------------------------------------- dates
def test_us_dates_are_an_error_showing_both_readings_and_nothing_is_replaced(d, write_csv, loaded):
    store, db, digest = loaded
    # The US export of November: 11/02/2025 is 2 November, but reads as 11 February too.
    rows = [[f"11/{day:02d}/2025", "Gottsunda", 50] for day in range(1, 16)]
    write_csv(d / "besok_us.csv", [VISITS, *rows])
    res = check(d, "besok_us.csv")
    amb = the(res.problems, "ambiguous_date")  # one root cause, one record at the first cell
    assert where(amb) == ("fel", "besok_us.csv", "", 2, "Datum", "11/01/2025")
    assert "2025-01-11 (dag först)" in amb.message and "2025-11-01 (månad först)" in amb.message
    assert 'date_format: "%m/%d/%Y"' in amb.message
    # 11/02 … 11/12 read two ways too (rows 3–13) except 11/11 (row 12, the same either way);
    # 11/13 … 11/15 read only as 13–15 November.
    assert "Samma gäller 10 datum till i kolumnen (rad 3, 4, 5, 6, 7, 8, 9, 10, 11, 13)." in amb.message
    assert [p.code for p in res.problems if p.is_error] == ["ambiguous_date"]
    rejected_and_unchanged(d, "besok_us.csv", store, db, digest)


def test_a_declared_date_format_reads_the_us_dates(d, write_csv, tmp_path):
    write_csv(d / "us_nov.csv", [VISITS, ["11/02/2025", "Gottsunda", 50], ["11/13/2025", "Gottsunda", 60]])
    res = check(d, "us_nov.csv")
    assert not res.has_errors, [str(p) for p in res.problems]
    assert [str(v)[:10] for v in res.frame["date"]] == ["2025-11-02", "2025-11-13"]
    assert res.frame["visits"].tolist() == [50.0, 60.0]


def test_trailing_characters_in_a_date_are_an_error(d, write_csv):
    write_csv(d / "besok_t.csv", [VISITS, ["2025-11-02", "Gottsunda", 5], ["2025-11-021", "Gottsunda", 5]])
    p = the(check(d, "besok_t.csv").problems, "bad_date")
    assert where(p) == ("fel", "besok_t.csv", "", 3, "Datum", "2025-11-021")


# --------------------------------------------------------------------------- numbers
def test_english_thousands_is_ambiguous_with_comma_decimals(d, write_csv, loaded):
    store, db, digest = loaded
    write_csv(d / "utlan_en.csv", [LOANS, ["2025-01", "Gottsunda", "Bok", "Barn", "1,234"]])
    p = the(check(d, "utlan_en.csv").problems, "ambiguous_number")
    assert where(p) == ("fel", "utlan_en.csv", "", 2, "Utlån", "1,234")
    assert "1,234 eller 1 234" in p.message and "decimal" in p.message and "thousands" in p.message
    rejected_and_unchanged(d, "utlan_en.csv", store, db, digest)


def test_declared_english_numbers_are_read(d, write_csv):
    write_csv(d / "en_utlan.csv", [LOANS, ["2025-01", "Gottsunda", "Bok", "Barn", "1,234"]])
    res = check(d, "en_utlan.csv")
    assert not res.has_errors, [str(p) for p in res.problems]
    assert res.frame["initial_loans"].tolist() == [1234]


@pytest.mark.parametrize("cell", ["12,7", "1 234,5"])
def test_a_count_with_decimals_is_an_error_never_rounded(d, write_csv, loaded, cell):
    store, db, digest = loaded
    write_csv(d / "utlan_dec.csv", [LOANS, ["2025-01", "Gottsunda", "Bok", "Barn", 5],
                                    ["2025-01", "Gottsunda", "Bok", "Vuxna", cell]])
    p = the(check(d, "utlan_dec.csv").problems, "not_whole")
    assert where(p) == ("fel", "utlan_dec.csv", "", 3, "Utlån", cell)
    rejected_and_unchanged(d, "utlan_dec.csv", store, db, digest)


def test_a_boolean_in_a_count_cell_is_an_error(d, write_xlsx, loaded):
    store, db, digest = loaded
    write_xlsx(d / "utlan_bool.xlsx", [LOANS, ["2025-01", "Gottsunda", "Bok", "Barn", True]], sheet="Utlån")
    p = the(check(d, "utlan_bool.xlsx").problems, "not_a_number")
    assert where(p) == ("fel", "utlan_bool.xlsx", "Utlån", 2, "Utlån", "True")
    rejected_and_unchanged(d, "utlan_bool.xlsx", store, db, digest)


@pytest.mark.parametrize("cell, code", [("1e400", "not_a_number"), ("inf", "text_in_number"),
                                        ("nan", "text_in_number"), ("TRUE", "text_in_number")])
def test_infinity_and_nan_text_are_errors(d, write_csv, cell, code):
    write_csv(d / "besok_inf.csv", [VISITS, ["2025-03-01", "Gottsunda", cell]])
    p = the(check(d, "besok_inf.csv").problems, code)
    assert where(p) == ("fel", "besok_inf.csv", "", 2, "In", cell)


def test_an_implausible_count_is_an_error_not_a_warning(d, write_csv, loaded):
    store, db, digest = loaded
    write_csv(d / "besok_big.csv", [VISITS, ["2025-03-01", "Gottsunda", 120], ["2025-03-02", "Gottsunda", "1e15"]])
    p = the(check(d, "besok_big.csv").problems, "implausible")
    assert where(p) == ("fel", "besok_big.csv", "", 3, "In", "1 000 000 000 000 000")
    assert "högst 100 000" in p.message and "plausible_max" in p.message
    rejected_and_unchanged(d, "besok_big.csv", store, db, digest)


def test_a_count_far_above_the_units_median_for_the_month_is_an_error(d, write_csv):
    # March: 30 days of 100 and one of 150 000; the bound is raised, the median is 100, and
    # 150 000 > 1 000 × 100.  The same value in April (its own month, median 150 000) is fine.
    rows = [[f"2025-03-{day:02d}", "Gottsunda", 100] for day in range(1, 31)]
    rows += [["2025-03-31", "Gottsunda", 150000], ["2025-04-01", "Gottsunda", 150000]]
    write_csv(d / "ratio_1.csv", [VISITS, *rows])
    p = the(check(d, "ratio_1.csv").problems, "implausible")
    assert where(p) == ("fel", "ratio_1.csv", "", 32, "In", "150 000")
    assert "1 000 gånger" in p.message and "plausible_ratio" in p.message


# --------------------------------------------------------------------------- names
@pytest.mark.parametrize("other", ["Gottsunda\u00a0", "GOTTSUNDA", " gottsunda\u200b", "Gottsunda bibliotek"])
def test_two_spellings_of_one_unit_on_one_day_are_a_duplicate(d, write_csv, loaded, other):
    store, db, digest = loaded
    write_csv(d / "besok_dup.csv", [VISITS, ["2025-03-01", "Gottsunda", 10], ["2025-03-01", other, 12]],
              encoding="utf-8")
    p = the(check(d, "besok_dup.csv").problems, "duplicate")
    assert where(p)[:5] == ("fel", "besok_dup.csv", "", 3, "Datum") and "rad 2" in p.message
    rejected_and_unchanged(d, "besok_dup.csv", store, db, digest)


def test_unit_names_in_nfd_form_are_the_same_unit(d, write_csv):
    import unicodedata

    write_csv(d / "besok_nfd.csv", [VISITS, ["2025-03-01", unicodedata.normalize("NFD", "Sävja bibliotek"), 10]],
              encoding="utf-8")
    res = check(d, "besok_nfd.csv")
    assert not res.has_errors and res.frame["unit_id"].astype(str).tolist() == ["savja"]


# --------------------------------------------------------------------------- files
def test_a_header_only_file_is_an_error_not_a_traceback(d, write_csv, write_xlsx):
    write_csv(d / "besok_h.csv", [VISITS])
    write_xlsx(d / "besok_h.xlsx", [VISITS], sheet="Besök")
    assert where(the(check(d, "besok_h.csv").problems, "empty_file")) == ("fel", "besok_h.csv", "", 1, "", "")
    assert where(the(check(d, "besok_h.xlsx").problems, "empty_file")) == ("fel", "besok_h.xlsx", "Besök", 1, "", "")


@pytest.mark.parametrize("encoding, delimiter", [("utf-16", "\t"), ("utf-16", ";"), ("utf-32", "\t"),
                                                 ("utf-16-le", "\t")])
def test_utf16_and_utf32_csv_are_read(d, encoding, delimiter, tmp_path):
    text = delimiter.join(VISITS) + "\r\n" + "\r\n".join(
        delimiter.join(["2025-03-0" + str(i), "Sävja bibliotek", str(10 * i)]) for i in (1, 2, 3)) + "\r\n"
    bom = "\ufeff" if encoding.endswith("-le") else ""
    (d / "besok_u.csv").write_bytes((bom + text).encode(encoding))
    store = Store(f"sqlite:///{tmp_path / 'u.sqlite'}")
    report = load_dir(d, store)
    assert [f.status for f in report.files] == ["stored"], [str(p) for p in report.problems]
    visits = store.read_kind("visits")
    assert visits["unit_id"].astype(str).tolist() == ["savja"] * 3
    assert visits["visits"].tolist() == [10.0, 20.0, 30.0]


def _xlsx_bytes(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite(content: bytes, change) -> bytes:
    """The xlsx ``content`` with each entry passed through ``change(name, data) -> data`` (plus
    ``change(None, None)`` -> extra entries)."""
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, change(info.filename, src.read(info)))
        for name, data in (change(None, None) or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def test_an_xlsx_with_xml_entities_is_refused_on_the_command_line(d, loaded):
    store, db, digest = loaded

    def entity(name, data):
        if name == "xl/worksheets/sheet1.xml":
            head, sep, body = data.partition(b"?>")
            doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            return head + sep + doctype + body if sep else doctype + data
        return data if name else None

    (d / "besok_xml.xlsx").write_bytes(_rewrite(_xlsx_bytes([VISITS, ["2025-03-01", "Gottsunda", 5]]), entity))
    p = the(check(d, "besok_xml.xlsx").problems, "upload_xml_entities")
    assert where(p) == ("fel", "besok_xml.xlsx", "", None, "", "")
    assert "'xl/worksheets/sheet1.xml'" in p.message
    rejected_and_unchanged(d, "besok_xml.xlsx", store, db, digest)


def test_a_zip_bomb_is_refused_on_the_command_line(d, loaded):
    store, db, digest = loaded

    def bomb(name, data):
        return data if name else {"xl/media/padding.bin": b"\0" * (5 * 1024 * 1024)}

    (d / "besok_bomb.xlsx").write_bytes(_rewrite(_xlsx_bytes([VISITS, ["2025-03-01", "Gottsunda", 5]]), bomb))
    p = the(check(d, "besok_bomb.xlsx").problems, "upload_zip_bomb")
    assert where(p) == ("fel", "besok_bomb.xlsx", "", None, "", "")
    rejected_and_unchanged(d, "besok_bomb.xlsx", store, db, digest)


def test_a_corrupt_workbook_is_an_error(d, loaded):
    store, db, digest = loaded
    good = _xlsx_bytes([VISITS, ["2025-03-01", "Gottsunda", 5]])
    (d / "besok_cut.xlsx").write_bytes(good[: len(good) // 2])
    p = the(check(d, "besok_cut.xlsx").problems, "upload_corrupt")
    assert where(p) == ("fel", "besok_cut.xlsx", "", None, "", "")
    rejected_and_unchanged(d, "besok_cut.xlsx", store, db, digest)


def test_a_workbook_under_a_csv_name_is_read_by_its_content(d):
    (d / "besok_wb.csv").write_bytes(_xlsx_bytes([VISITS, ["2025-03-01", "Gottsunda", 5]]))
    res = check(d, "besok_wb.csv")
    assert not res.has_errors, [str(p) for p in res.problems]
    assert the(res.problems, "upload_name_mismatch").severity == "varning"
    assert res.frame["visits"].tolist() == [5.0]


# --------------------------------------------------------------------------- replacement
def test_load_refuses_a_shrinking_replacement_without_replace(d, write_csv, loaded, monkeypatch):
    store, db, digest = loaded
    # The re-export covers 1–28 February (same span) but has only 10 of its days, and lower counts.
    rows = [[f"2025-02-{day:02d}", "Gottsunda", 10] for day in (1, 4, 7, 10, 13, 16, 19, 22, 25, 28)]
    write_csv(d / "besok_short.csv", [VISITS, *rows])
    monkeypatch.setenv("BIBPLAN_STORE_URL", f"sqlite:///{db}")
    runner = CliRunner()
    checked = runner.invoke(main, ["check", str(d / "besok_short.csv")])
    assert checked.exit_code == 1
    assert "ersätter lagrade data med betydligt mindre" in checked.output
    # Per unit and month: stored 28 days summing 3 206, new 10 days summing 100.
    assert "gottsunda" in checked.output and "2025-02" in checked.output and "3\u00a0206" in checked.output
    refused = runner.invoke(main, ["load", str(d / "besok_short.csv")])
    assert refused.exit_code == 1 and "--replace" in refused.output
    assert data_digest(db) == digest
    res = check_paths([d / "besok_short.csv"], load_config(d), existing=store.read_tables()).files[0]
    p = the(res.problems, "replace_shrinks")
    assert "lagrat 28 dagar med summan 3 206, filen har 10 med summan 100" in p.message
    assert res.shrinks.to_dict("records") == [{"kind": "visits", "unit": "gottsunda", "period": "2025-02",
                                               "stored_periods": 28, "new_periods": 10,
                                               "stored_total": 3206.0, "new_total": 100.0}]
    forced = runner.invoke(main, ["load", str(d / "besok_short.csv"), "--replace"])
    assert forced.exit_code == 0, forced.output
    assert store.read_kind("visits")["visits"].sum() == 100.0


def test_a_full_corrected_reexport_replaces_without_a_question(d, write_csv, loaded):
    store, db, _ = loaded
    rows = [[f"2025-02-{day:02d}", "Gottsunda", 101 + day] for day in range(1, 29)]  # every day one more
    write_csv(d / "besok_fix.csv", [VISITS, *rows])
    report = load_paths([d / "besok_fix.csv"], load_config(d), store)
    assert [f.status for f in report.files] == ["stored"] and report.rows_replaced == 28
    assert store.read_kind("visits")["visits"].sum() == 3206 + 28


def test_an_upload_that_shrinks_asks_and_loads_only_when_confirmed(d, loaded):
    from dashboard.pages.upload import preview_block
    from etl.pipeline import confirm_upload, preview_upload, replacement_question

    store, db, digest = loaded
    buf = io.StringIO()
    buf.write(";".join(VISITS) + "\r\n")
    # 4 days of 1–22 February, 50 visits each (200); stored in that span: 22 days summing
    # 100 × 22 + (1 + … + 22 = 253) = 2 453.
    for day in (1, 8, 15, 22):
        buf.write(f"2025-02-{day:02d};Gottsunda;50\r\n")
    content = buf.getvalue().encode("utf-8")
    preview = preview_upload([("besok_kort.csv", content)], d, store)
    question = replacement_question(preview)
    assert question.to_dict("records") == [{"file": "besok_kort.csv", "kind": "visits", "unit": "gottsunda",
                                            "period": "2025-02", "stored_periods": 22, "new_periods": 4,
                                            "stored_total": 2453.0, "new_total": 200.0}]
    assert [p.code for p in preview.problems if p.is_error] == ["replace_shrinks"]

    class _Ds:  # what preview_block reads from the app's data source
        def __init__(self):
            self.store = store

        def units(self):
            import pandas as pd

            return pd.DataFrame({"unit_id": ["gottsunda"], "name": ["Gottsunda bibliotek"]})

        def tables(self):
            return store.read_tables()

    html = str(preview_block(_Ds(), preview, "sv"))
    assert "upload-shrink-grid" in html and "upload-replace" in html and "upload-confirm" in html
    refused = confirm_upload(preview, store, "test")
    assert [f.status for f in refused.files] == ["rejected"] and data_digest(db) == digest
    preview = preview_upload([("besok_kort.csv", content)], d, store)
    done = confirm_upload(preview, store, "test", replace=True)
    assert [f.status for f in done.files] == ["stored"]
    assert [p.severity for p in done.problems if p.code == "replace_shrinks"] == ["varning"]
    # 23–28 February stay: 100 × 6 + (23 + … + 28 = 153) = 753.
    assert store.read_kind("visits")["visits"].sum() == 200.0 + 753.0


def test_an_interrupted_load_is_shown_on_the_data_page_and_by_status(tmp_path):
    from types import SimpleNamespace

    from dashboard.pages.data_page import interrupted_notes

    db = tmp_path / "i.sqlite"
    store = Store(f"sqlite:///{db}")
    load_id = store.begin_load("anna", "/data/export")  # a load that never finished (killed)
    notes = interrupted_notes(SimpleNamespace(store=store), "sv")
    assert [n.id for n in notes] == [f"interrupted-load-{load_id}"]
    assert notes[0].children.startswith(f"Laddning {load_id} (startad ") and "av anna) avbröts" in notes[0].children
    status = CliRunner().invoke(main, ["status", "--store", f"sqlite:///{db}"])
    assert f"Laddning {load_id}" in status.output and "Ingenting från den sparades" in status.output
    with store.load_lock():  # while a load runs (holds the lock), its unfinished row is not interrupted
        assert store.load_running() and store.interrupted_loads().empty
        assert len(store.interrupted_loads(skip_running=False)) == 1
