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


# --------------------------------------------------------------------------- one root cause, one record
MONTHLY_SOURCES = """\
sources:
  - id: manad
    kind: loans
    pattern: "manad*.xlsx"
    layout: months_as_columns
    columns: {measure: Lånetyp}
    value_labels: {measure: {Utlån: initial_loans, Omlån: renewals}}
  - {id: besok, kind: visits, pattern: "besok*.csv", counter_mode: in}
  - {id: enkat, kind: survey, pattern: "enkat*.xlsx", constants: {wave: 2024}}
"""
MONTHLY_HEADER = ["Filial", "Medietyp", "Målgrupp", "Lånetyp", "Nov-21", "Dec-21", "Jan-22", "Feb-22"]


@pytest.fixture
def monthly(data_dir):
    directory = data_dir(MONTHLY_SOURCES)
    return lambda path: check_paths([path], load_config(directory)).files[0], directory


def test_old_name_after_a_rename_is_one_record_naming_the_months(monthly, write_xlsx):
    run, d = monthly
    # Sävja filial is valid until 2021-12-31 (conftest units.yaml): fine for Nov–Dec 2021, not for
    # Jan–Feb 2022.  Row 3 (the renewals of the same media type and audience) is correct.
    path = write_xlsx(d / "manad_1.xlsx", [MONTHLY_HEADER,
                                            ["Sävja filial", "Bok", "Barn", "Utlån", 10, 11, 12, 13],
                                            ["Sävja bibliotek", "Bok", "Barn", "Omlån", 1, 2, 3, 4]])
    res = run(path)
    assert [(p.severity, p.code, p.row, p.column, p.value) for p in res.problems] == [
        ("fel", "unknown_unit", 2, "Filial", "Sävja filial")]
    assert res.problems[0].message == (
        "'Sävja filial' gäller bara t.o.m. 2021-12-31 men används för jan–feb 2022; använd "
        "'Sävja bibliotek' för den perioden, eller rätta giltighetsdatumen i units.yaml.")


def test_unknown_name_on_several_rows_is_one_record_listing_the_rows(monthly, write_xlsx):
    run, d = monthly
    path = write_xlsx(d / "manad_2.xlsx", [MONTHLY_HEADER,
                                            ["Gotsunda", "Bok", "Barn", "Utlån", 1, 2, 3, 4],
                                            ["Gottsunda", "Bok", "Barn", "Omlån", 1, 1, 1, 1],
                                            ["Gotsunda", "Bok", "Vuxna", "Utlån", 5, 6, 7, 8]])
    res = run(path)
    p = only(res.problems, "unknown_unit")
    assert len(res.problems) == 1, [str(x) for x in res.problems]  # no "utlån saknas" for row 3
    assert (p.row, p.column, p.value) == (2, "Filial", "Gotsunda")
    assert p.message.endswith("Namnet står på rad 2, 4.") and "Menar du 'Gottsunda'" in p.message


def test_renewals_without_a_loans_row_is_one_record_naming_the_months_and_the_column(monthly, write_xlsx):
    run, d = monthly
    path = write_xlsx(d / "manad_3.xlsx", [MONTHLY_HEADER,
                                            ["Gottsunda", "Bok", "Barn", "Utlån", 1, 2, 3, 4],
                                            ["Gottsunda", "Bok", "Barn", "Omlån", 1, 1, 1, 1],
                                            ["Gottsunda", "Bok", "Vuxna", "Omlån", 2, 2, 2, 2]])
    res = run(path)
    assert [(p.code, p.row, p.column, p.value) for p in res.problems] == [
        ("missing_value", 4, "Lånetyp", "Omlån")]
    assert res.problems[0].message == (
        "Raden har omlån men det finns ingen rad med utlån för samma Filial, Medietyp, Målgrupp "
        "(nov 2021–feb 2022). Lägg till raden med utlån (0 om det inte var några), eller ta bort raden.")


def test_empty_cell_names_its_month_column_and_an_empty_month_column_is_no_data(monthly, write_xlsx):
    run, d = monthly
    header = MONTHLY_HEADER + ["Mar-22"]  # March not exported yet: empty in every row
    path = write_xlsx(d / "manad_4.xlsx", [header,
                                            ["Gottsunda", "Bok", "Barn", "Utlån", 1, None, 3, 4, None],
                                            ["Gottsunda", "Bok", "Barn", "Omlån", 1, 1, 1, 1, None]])
    res = run(path)
    assert [(p.code, p.row, p.column, p.value) for p in res.problems] == [("missing_value", 2, "Dec-21", "")]
    assert res.problems[0].message == ("Cellen för antalet utlån är tom. Skriv antalet, eller 0 om det inte "
                                       "var några utlån.")
    march = write_xlsx(d / "manad_5.xlsx", [header,
                                             ["Gottsunda", "Bok", "Barn", "Utlån", 1, 2, 3, 4, None],
                                             ["Gottsunda", "Bok", "Barn", "Omlån", 1, 1, 1, 1, None]])
    ok = run(march)
    assert not ok.has_errors, [str(p) for p in ok.problems]
    assert sorted(str(m)[:7] for m in ok.frame["month"]) == ["2021-11", "2021-12", "2022-01", "2022-02"]


def test_repeated_row_in_months_as_columns_is_one_duplicate_record(monthly, write_xlsx):
    run, d = monthly
    row = ["Gottsunda", "Bok", "Barn", "Utlån", 1, 2, 3, 4]
    path = write_xlsx(d / "manad_6.xlsx", [MONTHLY_HEADER, row, row])
    dup = [p for p in run(path).problems if p.code == "duplicate"]
    assert [(p.row, p.column) for p in dup] == [(3, "Filial")]
    assert "dubblett av rad 2" in dup[0].message


def test_a_run_of_outage_days_is_one_record(check, write_csv):
    run, d = check
    # Mondays to Wednesdays of three weeks; week 2 is broken: "trasig", "trasig", blank.
    days = [("2024-01-01", "100"), ("2024-01-02", "90"), ("2024-01-03", "80"),
            ("2024-01-08", "trasig"), ("2024-01-09", "trasig"), ("2024-01-10", ""),
            ("2024-01-15", "110"), ("2024-01-16", "95"), ("2024-01-17", "85")]
    path = write_csv(d / "besok_3.csv", [["Datum", "Bibliotek", "In"]] + [[day, "Gottsunda", v] for day, v in days])
    res = run(path)
    outages = [p for p in res.problems if p.code == "counter_outage"]
    assert [(p.row, p.column, p.value, p.unit_id) for p in outages] == [(5, "In", "trasig", "gottsunda")]
    assert outages[0].message.startswith(
        "Gottsunda bibliotek: besöksräknaren fungerade inte 2024-01-08 t.o.m. 2024-01-10 "
        "(3 dagar: 'trasig' 2, tom cell 1). Dagarna sparas som saknade, inte som 0.")
    visits = dict(zip(res.frame["date"].dt.day, res.frame["visits"]))
    assert [math.isnan(visits[day]) for day in (8, 9, 10)] == [True, True, True]


def test_anomaly_messages_use_the_registers_names_without_a_store(monthly, write_xlsx):
    run, d = monthly
    rows = [["Bibliotek", "Bemötande"]] + [["Bokbussen", 4]] * 3
    res = run(write_xlsx(d / "enkat_2.xlsx", rows))
    few = only(res.problems, "few_survey_answers")
    assert few.message.startswith("Bokbussen: enkäten 2024 har bara 3 svar (färre än 30).")
    assert few.unit_id == "bokbuss"


def test_numbers_written_as_text_in_several_columns_are_one_warning(check, write_xlsx):
    run, d = check
    path = write_xlsx(d / "utlan_9.xlsx", [["Månad", "Filial", "Medietyp", "Målgrupp", "Utlån", "Omlån"],
                                            ["2024-01", "Gottsunda", "Bok", "Barn", "1 000", "1 200"],
                                            ["2024-01", "Gottsunda", "Bok", "Vuxna", 5, "4,0"]])
    res = run(path)
    p = only(res.problems, "number_as_text")
    assert (p.severity, p.row, p.column, p.value) == ("varning", 2, "Utlån", "1 000")
    assert p.message.startswith("3 tal var skrivna som text")
    assert res.frame.sort_values("audience")["renewals"].tolist() == [1200, 4]


def test_cumulative_counter_gap_and_the_day_after_are_one_outage(check, write_xlsx):
    run, d = check
    readings = [("2024-01-01", 1000), ("2024-01-02", 1100), ("2024-01-03", 1200), ("2024-01-04", None),
                ("2024-01-05", 1400), ("2024-01-06", 1500)]
    path = write_xlsx(d / "matare_2.xlsx", [["Datum", "Bibliotek", "Mätarställning"]]
                      + [[day, "Gottsunda", v] for day, v in readings])
    res = run(path)
    outages = [p for p in res.problems if p.code == "counter_outage"]
    assert [(p.row, p.column, p.value) for p in outages] == [(5, "Mätarställning", "")]
    assert outages[0].message.startswith(
        "Gottsunda bibliotek: besöksräknaren fungerade inte 2024-01-04 t.o.m. 2024-01-05 "
        "(2 dagar: tom cell 1, dagen efter avbrottet 1).")
    first = only(res.problems, "counter_first_reading")
    assert first.message.startswith("Första mätarställningen för Gottsunda bibliotek saknar föregående avläsning")
    # 1 Jan is the starting point; 4 Jan has no reading and 5 Jan's difference spans two days.
    visits = dict(zip(res.frame["date"].dt.day, res.frame["visits"]))
    assert [visits[2], visits[3], visits[6]] == [100, 100, 100]
    assert math.isnan(visits[4]) and math.isnan(visits[5])


def test_a_bad_date_is_not_also_reported_as_a_unit_outside_its_dates(check, write_csv):
    run, d = check
    # "Sävja filial" is only valid until 2021-12-31: on a row without a readable date, the date is
    # the error to fix; the name is not reported as well.
    path = write_csv(d / "besok_4.csv", [["Datum", "Bibliotek", "In"], ["2021-06-01", "Sävja filial", "10"],
                                          ["1 juni", "Sävja filial", "12"]])
    res = run(path)
    assert [(p.code, p.row, p.column, p.value) for p in res.problems if p.is_error] == [
        ("bad_date", 3, "Datum", "1 juni")]


@pytest.mark.parametrize(("name", "rows"), [
    ("arr_3.xlsx", [["Datum", "Enhet", "Arrangemang", "Kategori", "Målgrupp", "Deltagare"],
                    [dt.date(2024, 3, 1), "Gotsunda", "Sagostund", 102, "Barn", 10],
                    [dt.date(2024, 3, 2), "Gotsunda", "Sagostund", 102, "Barn", 12],
                    [dt.date(2024, 3, 3), "Gottsunda", "Sagostund", 102, "Barn", 9]]),
    ("enkat_3.xlsx", [["Bibliotek", "Bemötande"], ["Gotsunda", 4], ["Gotsunda", 5], ["Gottsunda", 5]]),
])
def test_unknown_unit_on_two_rows_gives_no_follow_on_errors(check, write_xlsx, name, rows):
    run, d = check
    res = run(write_xlsx(d / name, rows))
    assert [(p.code, p.row, p.value) for p in res.problems if p.is_error] == [("unknown_unit", 2, "Gotsunda")]
    assert "Namnet står på rad 2, 3." in res.problems[0].message


def test_unknown_label_on_two_rows_gives_no_follow_on_errors(check, write_xlsx):
    run, d = check
    res = run(write_xlsx(d / "arr_4.xlsx", [["Datum", "Enhet", "Arrangemang", "Kategori", "Målgrupp"],
                                             [dt.date(2024, 3, 1), "Gottsunda", "Sagostund", 102, "Småttingar"],
                                             [dt.date(2024, 3, 2), "Gottsunda", "Sagostund", 102, "Småttingar"]]))
    assert [(p.code, p.row, p.value) for p in res.problems] == [("unknown_label", 2, "Småttingar")]
    assert "(rad 2, 3)" in res.problems[0].message


def test_negative_month_cell_names_its_month_column(monthly, write_xlsx):
    run, d = monthly
    path = write_xlsx(d / "manad_7.xlsx", [MONTHLY_HEADER,
                                            ["Gottsunda", "Bok", "Barn", "Utlån", 5, 6, 7, 8],
                                            ["Gottsunda", "Bok", "Barn", "Omlån", 1, -2, 1, 1]])
    res = run(path)
    assert [(p.code, p.row, p.column, p.value) for p in res.problems] == [("negative", 3, "Dec-21", "-2")]


def test_a_text_cell_is_one_problem_not_also_an_outage(check, write_csv):
    # "stängt" is no outage label: an error, and not also "tom cell ... sparas som saknad", since the
    # file is refused and nothing is saved (issue 18).  Mondays and Tuesdays, the second Tuesday bad.
    run, d = check
    days = [("2024-01-01", "100"), ("2024-01-02", "90"), ("2024-01-08", "110"), ("2024-01-09", "stängt"),
            ("2024-01-15", "120"), ("2024-01-16", "95")]
    path = write_csv(d / "besok_4.csv", [["Datum", "Bibliotek", "In"]] + [[day, "Gottsunda", v] for day, v in days])
    res = run(path)
    assert [(p.severity, p.code, p.row, p.value) for p in res.problems] == [("fel", "text_in_number", 5, "stängt")]


def test_a_re_export_warns_only_about_the_months_it_adds_or_changes(data_dir, write_xlsx):
    # Stored: Gottsunda Jan 2024 = 50 and Jan 2025 = 100 books (Jan 2025 twice Jan 2024: warned
    # about when it was loaded, as were the months missing in between).  The re-export repeats both
    # and adds Jan 2026 = 200: the one warning is about Jan 2026 (row 4), nothing about 2024-2025.
    from etl.pipeline import load_dir
    from etl.store import Store

    d = data_dir(SOURCES)
    rows = [LOANS_HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 50], ["2025-01", "Gottsunda", "Bok", "Barn", 100]]
    first = write_xlsx(d / "utlan_a.xlsx", rows)
    assert {p.code for p in check_paths([first], load_config(d)).files[0].problems} == {"double_counting",
                                                                                        "missing_month"}
    store = Store(f"sqlite:///{d / 'store.sqlite'}")
    load_dir(d, store)
    first.unlink()
    path = write_xlsx(d / "utlan_b.xlsx", rows + [["2026-01", "Gottsunda", "Bok", "Barn", 200]])
    res = check_paths([path], load_config(d), existing=store.read_tables())
    assert [(p.code, p.row) for p in res.files[0].problems] == [("double_counting", 4)]
    assert "jan 2026" in res.files[0].problems[0].message
