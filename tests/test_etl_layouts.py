"""Layouts real exports have (issue 9 §2), each loaded with config alone; values computed by hand."""

from __future__ import annotations

import pandas as pd

from etl.pipeline import check_paths, load_config, load_dir
from etl.store import Store

SOURCES = """\
sources:
  - id: entreer
    kind: visits
    pattern: "entreer*.xlsx"
    counter_mode: in
    layout: months_as_columns
    month_columns:
      - {match: "huvudentré - (?P<month>.+)$"}
      - {match: "sidoentré - (?P<month>.+)$"}
  - id: besok_prefix
    kind: visits
    pattern: "prefix*.xlsx"
    counter_mode: in
    layout: months_as_columns
    month_columns: {match: "^Besök (?P<month>.+)$"}
  - id: utlan_suffix
    kind: loans
    pattern: "suffix*.xlsx"
    layout: months_as_columns
    month_columns: {match: "^(?P<month>\\\\d{4}-\\\\d{2}) Utlån$"}
    constants: {media_type: bok, audience: barn}
  - {id: besucher, kind: visits, pattern: "besucher_{year}.xlsx", counter_mode: in, layout: months_as_columns,
     locale: de, columns: {unit: Bibliothek}}
  - {id: english, kind: visits, pattern: "english*.xlsx", counter_mode: in, layout: months_as_columns,
     file_year: "_(?P<year>\\\\d{4})"}
  - {id: bok_besok, kind: visits, pattern: "arsbok*.xlsx", sheet: Besök, counter_mode: in}
  - {id: bok_utlan, kind: loans, pattern: "arsbok*.xlsx", sheet: Utlån}
"""


def visits_by_month(frame: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(u, f"{d:%Y-%m}"): v for u, d, v in zip(frame["unit_id"], frame["date"], frame["visits"])}


def test_month_headers_with_words_around_them_and_two_groups_summed(data_dir, write_xlsx):
    d = data_dir(SOURCES)
    path = write_xlsx(d / "entreer.xlsx", [
        ["Bibliotek", "Besökare, huvudentré - april 2023", "Besökare, huvudentré - maj 2023",
         "Besökare, sidoentré - april 2023", "Besökare, sidoentré - maj 2023", "Kommentar"],
        ["Gottsunda", 1200, 1300, 150, 0, "ny dörr i maj"],
    ])
    res = check_paths([path], load_config(d)).files[0]
    assert not res.has_errors, res.problems
    assert visits_by_month(res.frame) == {("gottsunda", "2023-04"): 1200 + 150, ("gottsunda", "2023-05"): 1300 + 0}
    assert set(res.frame["grain"]) == {"month"}


def test_prefixed_and_suffixed_month_headers(data_dir, write_xlsx):
    d = data_dir(SOURCES)
    visits = write_xlsx(d / "prefix.xlsx", [["Bibliotek", "Besök jan 2024", "Besök feb 2024"], ["Gottsunda", 10, 0]])
    loans = write_xlsx(d / "suffix.xlsx", [["Filial", "2024-01 Utlån", "2024-02 Utlån"], ["Gottsunda", 40, 45]])
    res = check_paths([visits, loans], load_config(d))
    assert not res.has_errors, res.problems
    by_kind = {f.kind: f.frame for f in res.files}
    assert visits_by_month(by_kind["visits"]) == {("gottsunda", "2024-01"): 10, ("gottsunda", "2024-02"): 0}
    lo = by_kind["loans"]
    assert dict(zip(lo["month"].dt.strftime("%Y-%m"), lo["initial_loans"])) == {"2024-01": 40, "2024-02": 45}


def test_german_month_names_and_the_year_from_the_file_name(data_dir, write_xlsx):
    d = data_dir(SOURCES)
    path = write_xlsx(d / "besucher_2024.xlsx", [["Bibliothek", "Januar", "Februar", "März", "Dez."],
                                                  ["Gottsunda", 5, 6, 7, 8]])
    res = check_paths([path], load_config(d)).files[0]
    assert not res.has_errors, res.problems
    assert visits_by_month(res.frame) == {("gottsunda", "2024-01"): 5, ("gottsunda", "2024-02"): 6,
                                          ("gottsunda", "2024-03"): 7, ("gottsunda", "2024-12"): 8}


def test_english_names_in_any_case_and_the_year_by_a_regular_expression(data_dir, write_xlsx):
    d = data_dir(SOURCES)
    path = write_xlsx(d / "english_2023.xlsx", [["Branch", "JANUARY", "Feb", "mar"], ["Gottsunda", 1, 2, 3]])
    res = check_paths([path], load_config(d)).files[0]
    assert not res.has_errors, res.problems
    assert visits_by_month(res.frame) == {("gottsunda", "2023-01"): 1, ("gottsunda", "2023-02"): 2,
                                          ("gottsunda", "2023-03"): 3}


def test_several_sources_read_one_workbook(data_dir, tmp_path):
    import openpyxl

    d = data_dir(SOURCES)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Besök"
    for r in (["År", "Bibliotek", "Besök"], [2024, "Gottsunda", 52000]):
        ws.append(r)
    lo = wb.create_sheet("Utlån")
    for r in (["År", "Filial", "Medietyp", "Målgrupp", "Utlån"], [2024, "Gottsunda", "Bok", "Barn", 8100]):
        lo.append(r)
    wb.save(d / "arsbok_2024.xlsx")
    store = Store(f"sqlite:///{tmp_path / 'several.sqlite'}")
    report = load_dir(d, store)
    assert not report.has_errors, report.problems
    assert sorted((f.source_id, f.status, f.rows_added) for f in report.files) == [
        ("bok_besok", "stored", 1), ("bok_utlan", "stored", 1)]
    t = store.read_tables()
    assert (t.visits["visits"].iat[0], t.visits["grain"].iat[0]) == (52000, "year")
    assert (t.loans["initial_loans"].iat[0], t.loans["grain"].iat[0]) == (8100, "year")


def test_a_source_whose_sheet_is_missing_is_reported(data_dir, write_xlsx):
    d = data_dir(SOURCES)
    path = write_xlsx(d / "arsbok_2025.xlsx", [["År", "Bibliotek", "Besök"], [2025, "Gottsunda", 50000]], sheet="Besök")
    res = check_paths([path], load_config(d))
    by_source = {f.source.id: f for f in res.files}
    assert not by_source["bok_besok"].has_errors
    assert by_source["bok_utlan"].has_errors  # the Utlån sheet is not there: said, not skipped


FORMS = """\
sources:
  - id: arsrapport
    kind: visits
    pattern: "arsrapport*.xlsx"
    counter_mode: in
    layout: cells
    cells:
      unit: B2
      year: {label: År}
      visits: {label: "Antal besök"}
  - {id: noter, kind: visits, pattern: "noter*.xlsx", counter_mode: in, last_row: 3}
  - {id: noter_n, kind: visits, pattern: "antal*.xlsx", counter_mode: in, n_rows: 2}
"""


def test_a_form_sheet_is_read_from_its_cells(data_dir, write_xlsx):
    d = data_dir(FORMS)
    path = write_xlsx(d / "arsrapport_gottsunda.xlsx", [
        ["Årlig rapport"], ["Bibliotek", "Gottsunda bibliotek"], ["År", 2024], ["Antal besök", None, 48200],
        ["Utlån", 9100], ["Kommentar", "räknare utbytt i maj"]])
    res = check_paths([path], load_config(d)).files[0]
    assert not res.has_errors, res.problems
    f = res.frame
    assert (f["unit_id"].iat[0], f["date"].iat[0], f["visits"].iat[0], f["grain"].iat[0]) == (
        "gottsunda", pd.Timestamp("2024-01-01"), 48200, "year")
    assert f["source_row"].iat[0] == 2  # the record is traced to its first cell


def test_a_missing_form_label_names_the_label(data_dir, write_xlsx):
    d = data_dir(FORMS)
    path = write_xlsx(d / "arsrapport_x.xlsx", [["Årlig rapport"], ["Bibliotek", "Gottsunda"], ["År", 2024]])
    p = next(p for p in check_paths([path], load_config(d)).problems if p.code == "missing_column")
    assert p.column == "Antal besök" and "cells.visits" in p.message


def test_reading_stops_before_the_notes_under_a_table(data_dir, write_xlsx):
    d = data_dir(FORMS)
    rows = [["Datum", "Bibliotek", "Besökare"], ["2024-01-02", "Gottsunda", 10], ["2024-01-03", "Gottsunda", 12],
            ["Källa: räknarsystemet, uttag 2024-01-04", None, None]]
    for name in ("noter.xlsx", "antal.xlsx"):
        res = check_paths([write_xlsx(d / name, rows)], load_config(d)).files[0]
        assert not res.has_errors, res.problems
        assert res.frame["visits"].tolist() == [10, 12]
