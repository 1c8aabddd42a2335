"""Unit tests per pipeline step on tiny hand-built inputs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from etl.config import Source, UnitsFile
from etl.headers import map_columns
from etl.normalise import normalise
from etl.parse import datetimes, numbers, parse_month, parse_time
from etl.read import RawSheet, detect_encoding, read_sheet, sniff_delimiter
from etl.units import UnitIndex
from etl.validate import MAX_PER_CHECK, validate
from etl.vocabulary import norm

UNITS = UnitsFile.model_validate({"units": [
    {"id": "gottsunda", "name": "Gottsunda bibliotek", "type": "stadsdelsbibliotek", "district": "Gottsunda",
     "aliases": [{"name": "Gottsunda"}]},
    {"id": "savja", "name": "Sävja bibliotek", "type": "stadsdelsbibliotek",
     "aliases": [{"name": "Sävja filial", "valid_to": "2021-12-31"}]},
    {"id": "bokbuss", "name": "Bokbussen", "type": "bokbuss"},
]})
INDEX = UnitIndex(UNITS)


def sheet(header: list, *rows: list, header_rows: int = 1) -> RawSheet:
    """A RawSheet as the reader builds it: header row 1, data from row 2."""
    names = header[-1] if header_rows > 1 else header
    parts = [tuple(h[i] for h in header) for i in range(len(names))] if header_rows > 1 else [(h,) for h in header]
    cols = [list(c) for c in zip(*rows)] if rows else [[] for _ in names]
    return RawSheet("f.xlsx", "Blad1", parts, list(names), cols,
                    np.arange(len(rows), dtype=np.int64) + header_rows + 1, header_rows)


def tidy(*args, **kw) -> tuple[pd.DataFrame, list]:
    """:func:`normalise`'s frame and problems."""
    result, problems = normalise(*args, **kw)
    return result.frame, problems


def src(kind: str, **kw) -> Source:
    if kind == "visits":
        kw.setdefault("counter_mode", "in")
    return Source(id="s", kind=kind, pattern="*", **kw)


# --------------------------------------------------------------------------- parse
def test_numbers_as_text_decimal_comma_and_space_thousands():
    vals, bad, text = numbers(["1 234", "4,2", "1\u00a0234,5", 7, "", "ca 300", "−5", "1.234,5"])
    assert vals[:4].tolist() == [1234.0, 4.2, 1234.5, 7.0]
    assert np.isnan(vals[4]) and not bad[4]
    assert bad.tolist() == [False, False, False, False, False, True, False, False]
    assert vals[6] == -5.0 and vals[7] == 1234.5
    assert text.tolist() == [True, True, True, False, False, False, True, True]


def test_dates_excel_serials_iso_and_swedish():
    vals, bad = datetimes([45292, "2024-01-05", "25/1/2024", "20240105", dt.date(2024, 1, 5), "", "igår", "5/1/2024"])
    assert [str(v)[:10] for v in vals[:5]] == ["2024-01-01", "2024-01-05", "2024-01-25", "2024-01-05", "2024-01-05"]
    assert np.isnat(vals[5]) and not bad[5]
    assert bad[6]
    assert bad[7] and np.isnat(vals[7])  # 5 January or 1 May: never guessed (issue 10)


@pytest.mark.parametrize("header, expected", [
    ("jan", (None, 1)), ("Januari", (None, 1)), ("Jan-24", (2024, 1)), ("2024-01", (2024, 1)),
    ("JANUARY", (None, 1)), ("okt 2023", (2023, 10)), (45292.0, (2024, 1)), (dt.date(2024, 3, 1), (2024, 3)),
    ("Summa", None),
])
def test_month_headers(header, expected):
    assert parse_month(header) == expected


def test_times():
    assert parse_time("08:30") == 8.5
    assert parse_time(dt.time(21, 15)) == 21.25
    assert parse_time(0.5) == 12.0
    assert parse_time("stängt") is None


# --------------------------------------------------------------------------- read
def test_encoding_and_delimiter_detection():
    assert detect_encoding("Sävja".encode("cp1252")) == "cp1252"
    assert detect_encoding("Sävja".encode("utf-8")) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + "Sävja".encode("utf-8")) == "utf-8-sig"
    assert sniff_delimiter("Datum;Enhet;In\n2024-01-01;Sävja;1\n") == ";"
    assert sniff_delimiter("Datum,Enhet,In\n2024-01-01,Sävja,1\n") == ","


def test_read_keeps_excel_row_numbers_and_carries_two_row_headers(tmp_path, write_xlsx):
    path = write_xlsx(tmp_path / "u.xlsx", [
        ["Utlån per månad"], [],
        ["Enhet", "2024", None, "2025"],
        [None, "jan", "feb", "jan"],
        ["Gottsunda", 1, 2, 3],
        [],
        ["Sävja bibliotek", 4, 5, 6],
    ])
    raw = read_sheet(path, src("loans", skip_rows=2, header_rows=2))
    assert raw.names == ["Enhet", "jan", "feb", "jan"]
    assert raw.header_parts[2] == ("2024", "feb")  # merged/blank year cell carried forward
    assert raw.rows.tolist() == [5, 7]  # the blank row 6 is skipped but counted
    assert list(raw.columns[0]) == ["Gottsunda", "Sävja bibliotek"]


def test_read_csv_cp1252_semicolon(tmp_path, write_csv):
    path = write_csv(tmp_path / "b.csv", [["Datum", "Bibliotek", "In"], ["2024-01-01", "Sävja bibliotek", "1 234"]])
    raw = read_sheet(path, src("visits"))
    assert raw.names == ["Datum", "Bibliotek", "In"]
    assert list(raw.columns[1]) == ["Sävja bibliotek"]
    assert raw.rows.tolist() == [2]


# --------------------------------------------------------------------------- headers
def test_header_variants_are_case_space_and_diacritic_insensitive():
    assert norm("  UTLÅNINGSSTÄLLE ") == "utlaningsstalle"
    raw = sheet(["UTLANINGSSTALLE", " Månad", "Exemplartyp", "Åldersgrupp", "Antal lån", "E-post"],
                ["Gottsunda", "2024-01", "Bok", "Barn", 1, "a@b.se"])
    cmap = map_columns(raw, "loans", src("loans"))
    assert cmap.fields == {"unit": 0, "month": 1, "media_type": 2, "audience": 3, "loans": 4}
    assert cmap.dropped == [5]


def test_source_columns_override_the_vocabulary():
    raw = sheet(["Ställe", "Månad", "Medietyp", "Målgrupp", "Utlån"], ["Gottsunda", "2024-01", "Bok", "Barn", 1])
    cmap = map_columns(raw, "loans", src("loans", columns={"unit": "Ställe"}))
    assert cmap.fields["unit"] == 0


# --------------------------------------------------------------------------- units
def test_renamed_unit_old_name_valid_only_in_its_range():
    ids, errors = INDEX.lookup(["Sävja filial", "Sävja filial", "GOTTSUNDA"],
                               np.array(["2021-06-01", "2022-01-01", "2024-01-01"], dtype="datetime64[s]"))
    assert ids.tolist() == ["savja", None, "gottsunda"]
    assert list(errors) == [1] and "2021-12-31" in errors[1]


# --------------------------------------------------------------------------- normalise
def test_loans_long_sums_item_types_and_derives_initial_loans():
    raw = sheet(["Månad", "Enhet", "Exemplartyp", "Målgrupp", "Utlån", "Omlån"],
                ["2024-01", "Gottsunda", "Bok", "Barn", "1 000", 100],
                ["2024-01", "Gottsunda", "Böcker", "Barn", 50, 5],
                ["2024-01", "Gottsunda", "DVD", "Vuxen", 20, 0])
    df, problems = tidy(raw, src("loans"), INDEX)
    assert not [p for p in problems if p.is_error]
    bok = df[df["media_type"] == "bok"].iloc[0]
    assert (bok["initial_loans"], bok["renewals"], bok["source_row"]) == (1050 - 105, 105, 2)
    film = df[df["media_type"] == "film"].iloc[0]
    assert (film["initial_loans"], film["audience"], film["genre"]) == (20, "vuxna", "ej_angivet")
    assert str(df["month"].dtype) == "datetime64[s]"


def test_months_as_columns_with_year_row_and_totals_column():
    raw = sheet([["Enhet", "Medietyp", "Målgrupp", "2023", "", "Totalt"],
                 ["Enhet", "Medietyp", "Målgrupp", "nov", "dec", "Totalt"]],
                ["Gottsunda", "Bok", "Barn", 10, 20, 30], header_rows=2)
    raw.header_parts[4] = ("2023", "dec")  # as read: the merged year carried forward
    df, problems = tidy(raw, src("loans", layout="months_as_columns"), INDEX)
    assert df["month"].dt.strftime("%Y-%m").tolist() == ["2023-11", "2023-12"]
    assert df["initial_loans"].tolist() == [10, 20]
    assert [p.code for p in problems] == ["totals_row"]


def test_months_as_columns_year_from_constant():
    raw = sheet(["Stadsdel", "Ålder", "jan"], ["Gottsunda", "0-5", 800])
    df, _ = tidy(raw, src("population", layout="months_as_columns", constants={"year": 2024}), INDEX)
    assert df[["year", "district", "age_from", "age_to", "population"]].iloc[0].tolist() == [2024, "Gottsunda", 0, 5, 800]


def test_visits_in_out_is_halved_and_hourly_rows_summed():
    raw = sheet(["Datum", "Timme", "Enhet", "In", "Ut"],
                ["2024-01-02", "10", "Gottsunda", 10, 12],
                ["2024-01-02", "11", "Gottsunda", 4, 2])
    df, _ = tidy(raw, src("visits", counter_mode="in_out"), INDEX)
    assert df["visits"].tolist() == [(10 + 12 + 4 + 2) / 2]


def test_cumulative_counter_takes_differences_and_marks_a_reset_missing():
    raw = sheet(["Datum", "Enhet", "Mätarställning"],
                ["2024-01-01", "Bokbussen", 1000], ["2024-01-02", "Bokbussen", 1100],
                ["2024-01-03", "Bokbussen", 40], ["2024-01-04", "Bokbussen", 140])
    df, problems = tidy(raw, src("visits", counter_mode="cumulative"), INDEX)
    v = df["visits"].tolist()
    assert df["date"].dt.day.tolist() == [2, 3, 4]  # the first reading is only the baseline
    assert v[0] == 100 and np.isnan(v[1]) and v[2] == 100
    reset = [p for p in problems if p.code == "counter_reset"]
    assert [(p.row, p.severity) for p in reset] == [(4, "varning")]


def test_zero_on_an_open_day_is_missing_but_blank_on_a_closed_day_is_zero():
    opening = pd.DataFrame({"unit_id": ["gottsunda"], "valid_from": pd.to_datetime(["2024-01-01"]).astype("datetime64[s]"),
                            "weekday": pd.array([2], dtype="Int64"), "hours": [8.0]})
    raw = sheet(["Datum", "Enhet", "In"],
                ["2024-01-02", "Gottsunda", 0],   # tuesday, open: outage
                ["2024-01-03", "Gottsunda", ""],  # wednesday, closed: no visits
                ["2024-01-09", "Gottsunda", 55])
    df, problems = tidy(raw, src("visits"), INDEX, opening)
    assert np.isnan(df["visits"].iat[0]) and df["visits"].iat[1] == 0 and df["visits"].iat[2] == 55
    assert [(p.code, p.row) for p in problems] == [("counter_outage", 2)]


def test_events_kb_category_labels_and_serial_dates():
    raw = sheet(["Datum", "Enhet", "Arrangemang", "Kategori", "Målgrupp", "Antal deltagare"],
                [45300, "Gottsunda", "Sagostund", "Publ102", "Barn", "12"])
    df, _ = tidy(raw, src("events"), INDEX)
    row = df.iloc[0]
    assert (str(row["date"])[:10], row["kb_category"], row["target_group"], row["participants"]) == \
        ("2024-01-09", 102, "barn", 12)


def test_opening_hours_computes_hours_and_drops_closed_days():
    raw = sheet(["Enhet", "Gäller från", "Veckodag", "Öppnar", "Stänger"],
                ["Gottsunda", "2024-01-01", "Måndag", "10:00", "19:30"],
                ["Gottsunda", "2024-01-01", "Söndag", "", ""])
    df, problems = tidy(raw, src("opening_hours"), INDEX)
    assert df[["weekday", "service", "opens", "closes", "hours"]].iloc[0].tolist() == [1, "bemannad", "10:00", "19:30", 9.5]
    assert len(df) == 1 and not problems


def test_survey_likert_labels_and_vet_ej_is_missing():
    raw = sheet(["Tidstämpel", "Bibliotek", "Bemötande", "Helhet"],
                ["2024-05-01 10:00", "Gottsunda", "Mycket nöjd", 8],
                ["2024-05-02 10:00", "Gottsunda", "Vet ej", "Ej aktuellt"])
    df, problems = tidy(raw, src("survey"), INDEX)
    assert problems == []  # too few answers is the anomaly rule few_survey_answers (etl/anomalies.py)
    b = df[df["item"] == "bemotande"]["value"].tolist()
    assert b[0] == 5 and np.isnan(b[1])
    h = df[df["item"] == "nki_helhet"]
    assert h["value"].iat[0] == 8 and h["scale_max"].iat[0] == 10 and df["wave"].iat[0] == 2024


# --------------------------------------------------------------------------- validate
def test_validate_collects_every_failure():
    df = pd.DataFrame({
        "date": pd.to_datetime(["2024-01-01", "2024-01-01", "1980-01-01"]).astype("datetime64[s]"),
        "unit_id": ["gottsunda", "gottsunda", "savja"], "title": ["A", "A", "B"],
        "kb_category": pd.array([102, 102, 130], dtype="Int64"), "target_group": ["barn", "barn", None],
        "participants": pd.array([5, -1, 3], dtype="Int64"), "partner": [None, None, None],
        "source_row": [2, 3, 4],
    })
    problems = validate("events", df, file="a.xlsx")
    got = sorted((p.code, p.row) for p in problems)
    assert got == [("date_out_of_range", 4), ("duplicate", 3), ("missing_value", 4), ("negative", 3),
                   ("out_of_range", 4)]
    assert all(p.severity == "fel" and p.file == "a.xlsx" for p in problems)


def test_validate_summary_names_the_column_of_its_own_field():
    # More than MAX_PER_CHECK titles missing, and one date missing before them: the summary of the
    # missing titles names the title column, not the date column of the first missing value.
    n = MAX_PER_CHECK + 3
    df = pd.DataFrame({
        "date": pd.to_datetime([None] + [f"2024-01-{d:02d}" for d in range(1, n)]).astype("datetime64[s]"),
        "unit_id": ["gottsunda"] * n, "title": [None] * n,
        "kb_category": pd.array([102] * n, dtype="Int64"), "target_group": ["barn"] * n,
        "participants": pd.array([5] * n, dtype="Int64"), "partner": [None] * n,
        "source_row": list(range(2, n + 2)),
    })
    problems = validate("events", df, file="a.xlsx", columns={"date": "Datum", "title": "Arrangemang"})
    summaries = [(p.code, p.column) for p in problems if p.row is None]
    assert summaries == [("missing_value", "Arrangemang")]
    assert [p.column for p in problems if p.row is not None and p.column == "Datum"] == ["Datum"]


def test_double_encoded_utf8_is_repaired_with_a_warning(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("Datum;Bibliotek;In\n2024-01-02;SÃ¤vja bibliotek;5\n", encoding="utf-8")
    raw = read_sheet(path, src("visits"))
    assert list(raw.columns[1]) == ["Sävja bibliotek"]
    assert [(p.code, p.severity) for p in raw.problems] == [("encoding", "varning")]
