"""``kind: benchmark``: KB's real published file (shared/realdata/kb-2012) and hand-made Kolada
downloads load with config only; area codes are normalised and totals rows are not municipalities."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etl.normalise.benchmark import area
from etl.pipeline import load_dir
from etl.store import Store

KB_FILE = Path(__file__).resolve().parents[1] / "tests" / "data" / "Folk2012.xlsx"

KB_SOURCES = """\
sources:
  - id: kb_folk
    kind: benchmark
    pattern: "Folk*.xlsx"
    layout: wide
    header_rows: 2
    columns: {area_code: Folk2, area_name: Folk1}
    constants: {year: 2012}
  - id: kolada
    kind: benchmark
    pattern: "kolada*.*"
    layout: long
"""


def test_area_codes_are_normalised() -> None:
    assert area(380) == area("380") == area("0380") == area(380.0) == area(" 0380 ") == ("0380", "kommun")
    assert area("1452") == area(1452.0) == ("1452", "kommun")
    assert area("00") == area("0000") == area(0) == ("00", "riket")
    assert area("01") == area("0001") == area(1) == ("01", "lan")
    assert area("G33930") is None  # a Kolada municipality group, not an area
    assert area(None, "Riket") == ("00", "riket")
    assert area(None, "Stockholms län") == ("", "lan")
    assert area(None, None) is None


def test_kb_2012_file_loads_without_code_changes(data_dir, tmp_path: Path) -> None:
    d = data_dir(KB_SOURCES)
    shutil.copy(KB_FILE, d / "Folk2012.xlsx")
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    report = load_dir(d, store)
    assert not report.has_errors, [p.message for p in report.problems]
    bm = store.read_tables().benchmark
    areas = bm.drop_duplicates("area_code").set_index("area_code")
    # the nation and the county are recognised as totals rows, the 8 municipalities as municipalities
    assert dict(areas["area_type"].astype(str)) == {
        "00": "riket", "01": "lan", "0127": "kommun", "0686": "kommun", "0662": "kommun", "0617": "kommun",
        "1452": "kommun", "1761": "kommun", "1780": "kommun", "1715": "kommun"}
    assert areas.loc["1452", "area_name"] == "Tranemo"  # code stored as the number 1452 in the file
    assert areas.loc["0127", "area_name"] == "Botkyrka"  # code stored as the text "0127"

    def value(code: str, var: str) -> float:
        hit = bm[(bm["area_code"] == code) & (bm["variable"] == var)]
        assert len(hit) == 1
        return float(hit["value"].iat[0])

    # values read from the file by hand (row 12 Karlstad, row 5 Botkyrka; Folk146 visits, Folk200 population)
    assert value("1780", "Folk146") == 463652
    assert value("0127", "Folk200") == 86274
    assert value("00", "Folk146") == 65071822
    assert value("1780", "Folk162") == pytest.approx(0.27)  # ratios load beside counts
    labels = bm[bm["variable"] == "Folk146"]["label"].unique()
    assert list(labels) == ["Totalt antal fysiska besök"]  # the label row under the code row
    assert set(bm["year"].unique()) == {2012}
    # text columns (library names; the personal-data columns are text too) are never stored
    assert not {"Folk1", "Folk2", "Folk3", "Folk5", "Folk6"} & set(bm["variable"].astype(str))
    assert bm["value"].notna().all()  # a blank cell is no row, never 0


def _kolada_rows() -> list[list[object]]:
    return [
        ["KPI", "Kommun-id", "Kommun", "År", "Kön", "Värde"],
        ["N09801", "0380", "Uppsala", 2024, "T", "6,1"],
        ["N09801", 380, "Uppsala", 2023, "T", 5.9],
        ["N09801", "0180", "Stockholm", 2024, "T", "5,2"],
        ["N09801", "0180", "Stockholm", 2024, "K", "6,0"],
        ["N09801", "0180", "Stockholm", 2024, "M", "4,4"],
        ["N09801", "0000", "Riket", 2024, "T", "5,5"],
        ["N09801", "0001", "Stockholms län", 2024, "T", "5,3"],
        ["N09801", "G33930", "Liknande kommuner", 2024, "T", "5,0"],
        ["N09801", "0181", "Södertälje", 2024, "T", ""],
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_kolada_download_long(fmt: str, data_dir, write_csv, write_xlsx, tmp_path: Path) -> None:
    d = data_dir(KB_SOURCES)
    if fmt == "csv":
        write_csv(d / "kolada_n09801.csv", _kolada_rows(), encoding="utf-8-sig", delimiter=";")
    else:
        write_xlsx(d / "kolada_n09801.xlsx", _kolada_rows())
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    report = load_dir(d, store)
    assert not report.has_errors
    warnings = list(report.problems)
    assert [p.code for p in warnings] == ["benchmark_not_area"] and warnings[0].value == "G33930"
    bm = store.read_tables().benchmark
    got = {(r.area_code, int(r.year), r.gender): r.value for r in bm.itertuples()}
    assert got == {("0380", 2024, "T"): 6.1, ("0380", 2023, "T"): 5.9, ("0180", 2024, "T"): 5.2,
                   ("0180", 2024, "K"): 6.0, ("0180", 2024, "M"): 4.4, ("00", 2024, "T"): 5.5, ("01", 2024, "T"): 5.3}
    assert dict(zip(bm["area_code"], bm["area_type"].astype(str)))["00"] == "riket"


def test_duplicate_values_are_an_error(data_dir, write_csv, tmp_path: Path) -> None:
    d = data_dir(KB_SOURCES)
    rows = _kolada_rows()[:2] + [["N09801", 380, "Uppsala", 2024, "T", 6.3]]
    write_csv(d / "kolada_dup.csv", rows, delimiter=";")
    report = load_dir(d, Store(f"sqlite:///{tmp_path / 's.sqlite'}"))
    assert report.has_errors
    assert any(p.code == "duplicate" for p in report.problems)


def test_kb_and_kolada_for_the_same_year_do_not_replace_each_other(data_dir, write_csv, tmp_path: Path) -> None:
    d = data_dir(KB_SOURCES)
    write_csv(d / "kolada_a.csv", [["KPI", "Kommun-id", "År", "Värde"], ["N09801", "0127", 2012, "4,9"]], delimiter=";")
    shutil.copy(KB_FILE, d / "Folk2012.xlsx")
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    assert not load_dir(d, store).has_errors
    bm = store.read_tables().benchmark
    botkyrka = bm[bm["area_code"] == "0127"]
    assert {"N09801", "Folk146"} <= set(botkyrka["variable"].astype(str))
    # a corrected Kolada download replaces only its own variable
    write_csv(d / "kolada_a.csv", [["KPI", "Kommun-id", "År", "Värde"], ["N09801", "0127", 2012, "5,0"]], delimiter=";")
    assert not load_dir(d, store).has_errors
    bm = store.read_tables().benchmark
    b = bm[bm["area_code"] == "0127"].set_index("variable")["value"]
    assert b["N09801"] == 5.0 and b["Folk146"] == 450543


def test_a_benchmark_file_replaces_exactly_the_values_it_holds(data_dir, write_csv, tmp_path: Path) -> None:
    """A file replaces the stored (area × year × variable × gender) it holds, nothing else: not the
    years between its first and last row, not a variable it lacks for one of its municipalities."""
    import sqlalchemy as sa

    from etl import changes

    d = data_dir(KB_SOURCES)
    head = ["KPI", "Kommun-id", "År", "Kön", "Värde"]
    write_csv(d / "kolada_a.csv", [head,
                                   ["N09801", "0380", 2023, "T", "6,0"], ["N09801", "0380", 2024, "T", "6,1"],
                                   ["N09801", "0380", 2025, "T", "6,2"], ["N09801", "0380", 2025, "K", "7,0"],
                                   ["N09801", "1480", 2025, "T", "4,0"]], delimiter=";")
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    assert not load_dir(d, store).has_errors
    # the corrected download: Uppsala's 2023 and 2025 totals, and another KPI for Göteborg 2025
    (d / "kolada_a.csv").unlink()
    new = [head, ["N09801", "0380", 2023, "T", "6,5"], ["N09801", "0380", 2025, "T", "6,6"],
           ["U09400", "1480", 2025, "T", "12"]]
    write_csv(d / "kolada_b.csv", new, delimiter=";")
    stored_before = store.read_tables().benchmark
    assert not load_dir(d, store).has_errors
    bm = store.read_tables().benchmark
    got = {(r.area_code, int(r.year), str(r.variable), r.gender): r.value for r in bm.itertuples()}
    assert got == {("0380", 2023, "N09801", "T"): 6.5, ("0380", 2024, "N09801", "T"): 6.1,
                   ("0380", 2025, "N09801", "T"): 6.6, ("0380", 2025, "N09801", "K"): 7.0,
                   ("1480", 2025, "N09801", "T"): 4.0, ("1480", 2025, "U09400", "T"): 12.0}
    with store.engine.connect() as conn:
        gone = conn.execute(sa.text("SELECT area_code, year, gender, value FROM benchmark "
                                    "WHERE replaced_by IS NOT NULL ORDER BY year")).all()
    assert [tuple(r) for r in gone] == [("0380", 2023, "T", 6.0), ("0380", 2025, "T", 6.2)]
    # the upload summary counts the same: 1 new (U09400), 2 replaced, nothing else
    keys = {("0380", 2023, "N09801", "T"), ("0380", 2025, "N09801", "T"), ("1480", 2025, "U09400", "T")}
    new_frame = bm[[k in keys for k in zip(bm["area_code"], bm["year"], bm["variable"].astype(str), bm["gender"])]]
    assert len(new_frame) == 3
    c = changes.counts(changes.compare("benchmark", new_frame, stored_before))
    assert (c.new, c.replaced, c.unchanged) == (1, 2, 0)


def test_bad_values_and_codes_are_errors_naming_the_cell(data_dir, write_csv, tmp_path: Path) -> None:
    """"1,234" reads two ways (ambiguous_number, never a guess); "ca 6" is text; "38O" and "12345" are no
    area codes: each an error with its row, column and value, saying what to write.  Kolada's ".."
    (no value) is no row."""
    d = data_dir(KB_SOURCES)
    write_csv(d / "kolada_fel.csv", [["KPI", "Kommun-id", "År", "Värde"],
                                     ["N09801", "0380", 2025, "1,234"],   # row 2
                                     ["N09801", "0580", 2025, "ca 6"],    # row 3
                                     ["N09801", "38O", 2025, "6,1"],      # row 4
                                     ["N09801", "12345", 2025, "6,1"],    # row 5
                                     ["N09801", "1880", 2025, ".."],      # row 6
                                     ["N09801", "G33930", 2025, "5,0"]],  # row 7: a Kolada group, skipped
              delimiter=";")
    report = load_dir(d, Store(f"sqlite:///{tmp_path / 's.sqlite'}"))
    errors = {(p.code, p.row): p for p in report.problems if p.is_error}
    assert set(errors) == {("ambiguous_number", 2), ("text_in_number", 3), ("bad_area_code", 4), ("bad_area_code", 5)}
    amb = errors["ambiguous_number", 2]
    assert (amb.column, amb.value) == ("Värde", "1,234") and "decimal" in amb.message
    text = errors["text_in_number", 3]
    assert (text.column, text.value) == ("Värde", "ca 6") and "'ca 6'" in text.message
    for row, value in ((4, "38O"), (5, "12345")):
        p = errors["bad_area_code", row]
        assert (p.column, p.value) == ("Kommun-id", value) and "fyra siffror" in p.message and "0380" in p.message
    warnings = [(p.code, p.value) for p in report.problems if not p.is_error]
    assert warnings == [("benchmark_not_area", "G33930")]


def test_a_number_style_in_sources_resolves_the_ambiguous_number(data_dir, write_csv, tmp_path: Path) -> None:
    d = data_dir(KB_SOURCES.replace("    layout: long\n", "    layout: long\n    decimal: \",\"\n    thousands: \" \"\n"))
    write_csv(d / "kolada_a.csv", [["KPI", "Kommun-id", "År", "Värde"], ["N09801", "0380", 2025, "1,234"]], delimiter=";")
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    assert not load_dir(d, store).has_errors
    assert store.read_tables().benchmark["value"].tolist() == [1.234]


def test_every_missing_column_is_named(data_dir, write_csv, tmp_path: Path) -> None:
    sources = KB_SOURCES.replace("    layout: long\n", "    layout: long\n    columns: {variable: KPI, area_code: Kommun-id, "
                                 "year: År, gender: Kön, value: Värde}\n")
    d = data_dir(sources)
    write_csv(d / "kolada_x.csv", [["Nyckeltal", "Kommun-id", "År", "Värde"], ["N09801", "0380", 2025, "6,8"]], delimiter=";")
    report = load_dir(d, Store(f"sqlite:///{tmp_path / 's.sqlite'}"))
    missing = [p for p in report.problems if p.code == "missing_column"]
    assert len(missing) == 1
    assert "'KPI' (variable)" in missing[0].message and "'Kön' (gender)" in missing[0].message
    assert missing[0].column == "KPI, Kön"


def test_text_group_variable_is_kept_and_groups_by_equal_text(data_dir, write_csv, tmp_path: Path) -> None:
    """SKR's kommungrupp is text ("A2 Större stad"): declared in ``text_variables`` it is stored as
    text, and ``group_variable`` groups the municipalities with the same text.  Undeclared, the
    text is an error saying which setting keeps it."""
    from goals.compare import Comparison, group_members, group_sentence

    rows = [["KPI", "Kommun-id", "Kommun", "År", "Värde"],
            ["KGRP", "0380", "Uppsala", 2025, "A2 Större stad"], ["KGRP", "0580", "Linköping", 2025, "A2 Större stad"],
            ["KGRP", "1281", "Lund", 2025, "A2 Större stad"], ["KGRP", "2180", "Gävle", 2025, "B3 Mindre stad"],
            ["N09801", "0380", "Uppsala", 2025, "6,8"], ["N09801", "0580", "Linköping", 2025, "5,5"]]
    d = data_dir(KB_SOURCES)
    write_csv(d / "kolada_g.csv", rows, delimiter=";")
    refused = load_dir(d, Store(f"sqlite:///{tmp_path / 'r.sqlite'}"))
    errors = [p for p in refused.problems if p.is_error]
    assert {p.code for p in errors} == {"text_in_number"} and {p.row for p in errors} == {2, 3, 4, 5}
    assert "text_variables: [KGRP]" in errors[0].message
    d = data_dir(KB_SOURCES.replace("    layout: long\n", "    layout: long\n    text_variables: [KGRP]\n"))
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    report = load_dir(d, store)
    assert not report.has_errors, [p.message for p in report.problems]
    bm = store.read_tables().benchmark
    grp = bm[bm["variable"].astype(str) == "KGRP"].set_index("area_code")
    assert dict(grp["value_text"]) == {"0380": "A2 Större stad", "0580": "A2 Större stad", "1281": "A2 Större stad",
                                       "2180": "B3 Mindre stad"}
    assert grp["value"].isna().all()
    loans = bm[bm["variable"].astype(str) == "N09801"]
    assert loans["value"].tolist() == [6.8, 5.5] and loans["value_text"].isna().all()
    cmp = Comparison(home="0380", group_variable="KGRP", indicators={})
    assert group_members(cmp, bm, 2025) == ["0580", "1281"]  # Gävle is B3

    class _Plan:
        comparison = Comparison(home="0380", name="Samma kommungrupp", group_variable="KGRP", indicators={})

    class _Tables:
        benchmark = bm

    assert group_sentence(_Plan(), _Tables(), 2025) == (
        "Samma kommungrupp (2025, KGRP A2 Större stad): Uppsala jämförs med Linköping, Lund.")


def test_text_variable_in_a_wide_file(data_dir, write_xlsx, tmp_path: Path) -> None:
    d = data_dir(KB_SOURCES.replace("    constants: {year: 2012}\n", "    constants: {year: 2012}\n    text_variables: [Grp]\n")
                 .replace('pattern: "Folk*.xlsx"', 'pattern: "Folk*.xlsx"\n    sheet: 0'))
    write_xlsx(d / "Folk_x.xlsx", [["Folk1", "Folk2", "Grp", "Folk146"], ["Namn", "Kod", "Kommungrupp", "Besök"],
                                   ["Botkyrka", "0127", "A3 Förort", 1000], ["Karlstad", 1780, "B4 Stad", 2000]])
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    assert not load_dir(d, store).has_errors
    bm = store.read_tables().benchmark
    got = {(r.area_code, str(r.variable)): (r.value_text if isinstance(r.value_text, str) else r.value)
           for r in bm.itertuples()}
    assert got == {("0127", "Grp"): "A3 Förort", ("1780", "Grp"): "B4 Stad", ("0127", "Folk146"): 1000.0,
                   ("1780", "Folk146"): 2000.0}


def test_a_benchmark_only_folder_needs_no_units_yaml(tmp_path: Path, write_csv) -> None:
    """Published statistics have no library units: a folder with only benchmark sources loads without
    units.yaml, and the unit register already stored is kept as it was."""
    from click.testing import CliRunner

    from cli.main import main
    from etl.pipeline import missing_config
    from tests.conftest import UNITS_YAML

    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    with_units = tmp_path / "first"
    with_units.mkdir()
    (with_units / "units.yaml").write_text(UNITS_YAML, encoding="utf-8")
    (with_units / "sources.yaml").write_text(KB_SOURCES, encoding="utf-8")
    assert not load_dir(with_units, store).has_errors
    units_before = store.read_tables().units["unit_id"].astype(str).tolist()
    assert units_before  # the test register
    d = tmp_path / "kolada"
    d.mkdir()
    (d / "sources.yaml").write_text(KB_SOURCES, encoding="utf-8")
    write_csv(d / "kolada_a.csv", [["KPI", "Kommun-id", "År", "Värde"], ["N09801", "0380", 2025, "6,8"]], delimiter=";")
    assert missing_config(d) == []
    res = CliRunner().invoke(main, ["check", str(d), "--no-store"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert not load_dir(d, store).has_errors
    tables = store.read_tables()
    assert tables.benchmark["value"].tolist() == [6.8]
    assert tables.units["unit_id"].astype(str).tolist() == units_before
    # a folder with other kinds still needs units.yaml
    (d / "sources.yaml").write_text(KB_SOURCES + "  - id: besok\n    kind: visits\n    pattern: \"besok*.csv\"\n",
                                    encoding="utf-8")
    assert missing_config(d) == ["units.yaml"]
