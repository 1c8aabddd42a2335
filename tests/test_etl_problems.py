"""One test per problem type (issue 2 §7): a small bad file written by the test, and the exact record."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from etl.pipeline import check_paths, load_config

SOURCES = """\
sources:
  - {id: utlan, kind: loans, pattern: "utlan*.xlsx"}
  - {id: besok, kind: visits, pattern: "besok*.csv", counter_mode: in}
  - {id: besok_inut, kind: visits, pattern: "inut*.csv", counter_mode: in_out}
  - {id: matare, kind: visits, pattern: "matare*.xlsx", counter_mode: cumulative}
  - {id: arr, kind: events, pattern: "arr*.xlsx"}
  - {id: enkat, kind: survey, pattern: "enkat*.xlsx", constants: {wave: 2024}}
"""
LOANS_HEADER = ["Månad", "Filial", "Medietyp", "Målgrupp", "Utlån"]


@pytest.fixture
def check(data_dir):
    directory = data_dir(SOURCES)

    def run(path):
        result = check_paths([path], load_config(directory))
        return result.files[0]

    return run, directory


def only(problems, code):
    hits = [p for p in problems if p.code == code]
    assert len(hits) == 1, [str(p) for p in problems]
    return hits[0]


def test_missing_required_column_lists_found_columns_and_suggests_closest(check, write_xlsx):
    run, d = check
    path = write_xlsx(d / "utlan_1.xlsx", [["Månad", "Filal", "Medietyp", "Målgrupp", "Utlån"],
                                            ["2024-01", "Gottsunda", "Bok", "Barn", 5]])
    p = only(run(path).problems, "missing_column")
    assert (p.severity, p.file, p.row, p.column) == ("fel", "utlan_1.xlsx", 1, "enhet")
    assert "Hittade kolumner: Månad, Filal, Medietyp, Målgrupp, Utlån" in p.message
    assert "Närmast är 'Filal'" in p.message and "columns: {unit: \"Filal\"}" in p.message


def test_unknown_unit_suggests_closest_alias(check, write_xlsx):
    run, d = check
    path = write_xlsx(d / "utlan_2.xlsx", [LOANS_HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 5],
                                            ["2024-01", "Gotsunda", "Bok", "Vuxna", 5]])
    p = only(run(path).problems, "unknown_unit")
    assert (p.severity, p.row, p.column, p.value) == ("fel", 3, "Filial", "Gotsunda")
    assert "Menar du 'Gottsunda'" in p.message and "units.yaml" in p.message


def test_text_in_numeric_cell(check, write_xlsx):
    run, d = check
    path = write_xlsx(d / "utlan_3.xlsx", [LOANS_HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 5],
                                            ["2024-01", "Gottsunda", "Bok", "Vuxna", "ca 300"]],
                      sheet="Utlån")
    res = run(path)
    p = only(res.problems, "text_in_number")
    assert (p.severity, p.sheet, p.row, p.column, p.value) == ("fel", "Utlån", 3, "Utlån", "ca 300")
    assert res.has_errors


def test_unparseable_date(check, write_csv):
    run, d = check
    path = write_csv(d / "besok_1.csv", [["Datum", "Bibliotek", "In"], ["2024-01-02", "Gottsunda", "10"],
                                          ["i förrgår", "Gottsunda", "12"]])
    p = only(run(path).problems, "bad_date")
    assert (p.severity, p.sheet, p.row, p.column, p.value) == ("fel", "", 3, "Datum", "i förrgår")


def test_duplicates_at_the_grain(check, write_xlsx):
    run, d = check
    row = [dt.date(2024, 3, 1), "Gottsunda", "Sagostund", 102, "Barn", 10]
    path = write_xlsx(d / "arr_1.xlsx", [["Datum", "Enhet", "Arrangemang", "Kategori", "Målgrupp", "Deltagare"],
                                          row, [dt.date(2024, 3, 2)] + row[1:], row])
    p = only(run(path).problems, "duplicate")
    assert (p.severity, p.row, p.column) == ("fel", 4, "Datum")
    assert "dubblett av rad 2" in p.message


def test_negative_counts(check, write_xlsx):
    run, d = check
    path = write_xlsx(d / "arr_2.xlsx", [["Datum", "Enhet", "Arrangemang", "Kategori", "Målgrupp", "Deltagare"],
                                          [dt.date(2024, 3, 1), "Gottsunda", "Sagostund", 102, "Barn", -4]])
    p = only(run(path).problems, "negative")
    assert (p.severity, p.row, p.column, p.value) == ("fel", 2, "Deltagare", "-4")


def test_totals_rows_are_dropped_with_a_warning_and_not_double_counted(check, write_xlsx):
    run, d = check
    path = write_xlsx(d / "utlan_4.xlsx", [LOANS_HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 5],
                                            ["2024-01", "Gottsunda", "Bok", "Vuxna", 7],
                                            ["Summa", "", "", "", 12]])
    res = run(path)
    p = only(res.problems, "totals_row")
    assert (p.severity, p.row, p.value) == ("varning", 4, "Summa")
    assert not res.has_errors
    assert int(res.frame["initial_loans"].sum()) == 5 + 7


def test_unmapped_likert_labels_are_listed_in_one_record(check, write_xlsx):
    run, d = check
    path = write_xlsx(d / "enkat_1.xlsx", [["Bibliotek", "Bemötande", "Utbud"],
                                            ["Gottsunda", "Mycket nöjd", "Jättebra"],
                                            ["Gottsunda", "Sådär", "Vet ej"],
                                            ["Gottsunda", "Jättebra", 4]])
    p = only(run(path).problems, "unmapped_likert")
    assert (p.severity, p.row) == ("fel", 2)
    assert "'Jättebra' (rad 2, 4)" in p.message and "'Sådär' (rad 3)" in p.message
    assert p.message.startswith("2 svarsalternativ")


def test_personal_data_columns_are_dropped_and_never_stored(data_dir, write_xlsx, tmp_path):
    from etl.pipeline import load_dir
    from etl.store import Store

    d = data_dir(SOURCES)
    write_xlsx(d / "enkat_2.xlsx", [
        ["Bibliotek", "E-post", "Namn", "Låntagarnummer", "Övrigt", "Bemötande"],
        ["Gottsunda", "kalle@example.se", "Kalle Anka", "2233445566", "19800101-1234", 5],
        ["Gottsunda", "lisa@example.se", "Lisa Ek", "2233445567", "19851224-4321", 4]])
    result = check_paths([d / "enkat_2.xlsx"], load_config(d))
    warnings = [p for p in result.problems if p.code == "personal_data"]
    assert [(p.severity, p.row, p.column) for p in warnings] == [
        ("varning", 1, "E-post"), ("varning", 1, "Namn"), ("varning", 1, "Låntagarnummer"), ("varning", 1, "Övrigt")]
    db = tmp_path / "s.sqlite"
    load_dir(d, Store(f"sqlite:///{db}"))
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("s.sqlite*"))
    for secret in (b"kalle@example.se", b"Kalle Anka", b"2233445566", b"19800101-1234"):
        assert secret not in raw


def test_counter_outage_is_missing_never_zero(check, write_csv):
    run, d = check
    path = write_csv(d / "besok_2.csv", [["Datum", "Bibliotek", "In"]] + [
        [f"2024-01-{day:02d}", "Gottsunda", v] for day, v in
        [(1, "100"), (2, "trasig"), (8, "90"), (9, "0"), (15, "110"), (16, "95")]])
    res = run(path)
    outages = [p for p in res.problems if p.code == "counter_outage"]
    assert [(p.severity, p.row, p.column) for p in outages] == [("varning", 3, "In"), ("varning", 5, "In")]
    visits = dict(zip(res.frame["date"].dt.day, res.frame["visits"]))
    assert math.isnan(visits[2]) and math.isnan(visits[9])  # Tuesdays with 0/"trasig": missing, not 0
    assert visits[1] == 100 and visits[16] == 95


def test_in_out_counter_halved_from_cp1252_semicolon_csv(check, write_csv):
    run, d = check
    path = write_csv(d / "inut_1.csv", [["Datum", "Filial", "Inpassager", "Utpassager"],
                                         ["2024-01-02", "Sävja bibliotek", "1 200", "1 180"]])
    res = run(path)
    assert res.frame["unit_id"].tolist() == ["savja"]
    assert res.frame["visits"].tolist() == [(1200 + 1180) / 2]


def test_cumulative_counter_reset_is_a_warning_and_that_day_missing(check, write_xlsx):
    run, d = check
    path = write_xlsx(d / "matare_1.xlsx", [["Datum", "Enhet", "Mätarställning"],
                                             [dt.date(2024, 1, 1), "Bokbussen", 5000],
                                             [dt.date(2024, 1, 2), "Bokbussen", 5080],
                                             [dt.date(2024, 1, 3), "Bokbussen", 30],
                                             [dt.date(2024, 1, 4), "Bokbussen", 95]])
    res = run(path)
    p = only(res.problems, "counter_reset")
    assert (p.severity, p.row, p.column, p.value) == ("varning", 4, "Mätarställning", "30")
    got = dict(zip(res.frame["date"].dt.day, res.frame["visits"]))
    assert got[2] == 80 and math.isnan(got[3]) and got[4] == 65 and 1 not in got


def test_file_matching_no_source_names_the_patterns(check, write_xlsx):
    run, d = check
    path = write_xlsx(d / "okand.xlsx", [["a"], [1]])
    p = only(run(path).problems, "unmatched_file")
    assert p.severity == "fel" and "utlan*.xlsx" in p.message and "arr*.xlsx" in p.message


def test_missing_sheet_names_the_sheets_the_file_has(data_dir, write_xlsx):
    d = data_dir("sources:\n  - {id: utlan, kind: loans, pattern: 'utlan*.xlsx', sheet: Utlån}\n")
    path = write_xlsx(d / "utlan_x.xlsx", [LOANS_HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 5]], sheet="Data")
    p = only(check_paths([path], load_config(d)).problems, "missing_sheet")
    assert (p.severity, p.sheet) == ("fel", "Utlån") and "Data" in p.message


def test_utf8_bom_comma_csv_and_month_headers_with_years(data_dir, write_csv):
    d = data_dir("sources:\n  - {id: utlan, kind: loans, pattern: 'utlan*.csv', layout: months_as_columns}\n")
    path = write_csv(d / "utlan_y.csv", [["Filial", "Medietyp", "Målgrupp", "Dec-23", "2024-01", "45323"],
                                         ["Sävja bibliotek", "Ljudbok", "Unga", "1", "2", "3"]],
                     encoding="utf-8-sig", delimiter=",")
    res = check_paths([path], load_config(d)).files[0]
    assert not res.has_errors, [str(p) for p in res.problems]
    got = dict(zip(res.frame["month"].dt.strftime("%Y-%m"), res.frame["initial_loans"]))
    assert got == {"2023-12": 1, "2024-01": 2, "2024-02": 3}  # 45323 = 2024-02-01 as an Excel serial
    assert set(res.frame["media_type"]) == {"ljudbok"} and set(res.frame["unit_id"]) == {"savja"}


def test_transactions_from_xlsx_with_numeric_borrowers(data_dir, write_xlsx):
    d = data_dir("sources:\n  - {id: koha, kind: loans, pattern: 'koha*.xlsx', layout: transactions, "
                 "constants: {audience: vuxna}}\n")
    path = write_xlsx(d / "koha_1.xlsx", [
        ["datetime", "branch", "type", "itemtype", "borrowernumber"],
        [dt.datetime(2024, 3, 1, 10, 0), "Gottsunda", "issue", "DVD", 4711],
        [dt.datetime(2024, 3, 2, 0, 0), "Gottsunda", "issue", "DVD", 4712],
        [dt.datetime(2024, 3, 3, 9, 0), "Gottsunda", "renew", "DVD", 4711],
        [dt.datetime(2024, 3, 3, 9, 5), "Gottsunda", "teleport", "DVD", 4711]])
    res = check_paths([path], load_config(d)).files[0]
    p = only(res.problems, "unknown_label")
    assert (p.severity, p.row, p.column, p.value) == ("fel", 5, "type", "teleport")
    row = res.frame.iloc[0]
    assert (row["unit_id"], row["media_type"], row["audience"], row["initial_loans"], row["renewals"]) == \
        ("gottsunda", "film", "vuxna", 2, 1)


def test_utc_timestamps_are_moved_to_swedish_time_before_the_month_is_taken(data_dir, write_csv):
    d = data_dir("sources:\n  - {id: sierra, kind: loans, pattern: 'sierra*.csv', layout: transactions, "
                 "timestamps_utc: true, columns: {date: transaction_gmt, unit: stat_group, type: op_code, "
                 "media_type: itype}, constants: {audience: barn}}\n")
    path = write_csv(d / "sierra_1.csv", [["transaction_gmt", "stat_group", "op_code", "itype"],
                                          ["2024-01-31 23:30:00", "Gottsunda", "o", "bok"],
                                          ["2024-01-31 22:30:00", "Gottsunda", "o", "bok"]], encoding="utf-8")
    res = check_paths([path], load_config(d)).files[0]
    got = dict(zip(res.frame["month"].dt.strftime("%Y-%m"), res.frame["initial_loans"]))
    assert got == {"2024-01": 1, "2024-02": 1}  # 23:30 UTC is 00:30 on 1 February in Stockholm


def test_header_named_in_sources_yaml_but_missing_is_an_error(data_dir, write_xlsx):
    """A renamed column that sources.yaml names must not load as empty and replace good data."""
    directory = data_dir(
        'sources:\n  - {id: arr, kind: events, pattern: "arr*.xlsx", '
        'columns: {participants: "Antal deltagare"}}\n'
    )
    path = write_xlsx(directory / "arr_1.xlsx", [
        ["Datum", "Bibliotek", "Arrangemang", "Kategori", "Målgrupp", "Antal delt"],
        ["2024-03-01", "Gottsunda", "Sagostund", 102, "barn", 12],
    ])
    result = check_paths([path], load_config(directory)).files[0]
    p = only(result.problems, "missing_column")
    assert (p.severity, p.file, p.row, p.column) == ("fel", "arr_1.xlsx", 1, "Antal deltagare")
    assert "Närmast är 'Antal delt'" in p.message and "sources.yaml" in p.message
    assert result.has_errors
