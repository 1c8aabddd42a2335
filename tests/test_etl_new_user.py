"""What a new library meets first (issue 9 §4): suggestions that use the vocabulary, a branch
address that is kept, and a header-only file that is an error, not an empty success."""

from __future__ import annotations

from etl.pipeline import check_paths, load_config

SOURCES = """\
sources:
  - {id: manad, kind: visits, pattern: "besok*.xlsx", counter_mode: in, layout: months_as_columns,
     constants: {year: 2024}}
  - {id: utlan, kind: loans, pattern: "utlan*.csv"}
"""


def test_a_unit_column_is_suggested_from_the_vocabulary_not_a_month_header(data_dir, write_xlsx):
    d = data_dir(SOURCES)
    path = write_xlsx(d / "besok.xlsx", [["Library Location", "MARCH", "APRIL"], ["Gottsunda", 10, 12]])
    p = next(p for p in check_paths([path], load_config(d)).problems if p.code == "missing_column")
    assert "Närmast är 'Library Location'" in p.message
    assert 'columns: {unit: "Library Location"}' in p.message and "MARCH'" not in p.message


def test_an_address_column_is_kept_and_not_reported_as_personal_data(data_dir, write_xlsx):
    d = data_dir(SOURCES)
    path = write_xlsx(d / "besok.xlsx", [["Bibliotek", "Adress", "jan", "feb"], ["Gottsunda", "Gottsunda torg 1", 10, 12]])
    res = check_paths([path], load_config(d)).files[0]
    assert not [p for p in res.problems if p.code == "personal_data"]
    assert not res.has_errors and res.frame["visits"].tolist() == [10, 12]


def test_a_header_only_file_is_an_error(data_dir, write_csv):
    d = data_dir(SOURCES)
    path = write_csv(d / "utlan_tom.csv", [["Månad", "Filial", "Medietyp", "Målgrupp", "Utlån"]])
    res = check_paths([path], load_config(d)).files[0]
    assert res.has_errors
    p = next(p for p in res.problems if p.code == "empty_file")  # etl.read says it, once
    assert (p.severity, p.file) == ("fel", "utlan_tom.csv")
    assert p.message.startswith("Filen har rubrikrader men inga data")
