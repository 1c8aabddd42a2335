"""The store: idempotent loads, replacing a period, rejecting a bad file whole, comments, reading."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from etl.pipeline import load_dir
from etl.store import MIGRATIONS, Store, UndoError, _benchmark_text
from etl.tables import COLUMNS

SOURCES = """\
sources:
  - {id: utlan, kind: loans, pattern: "utlan*.xlsx"}
  - {id: besok, kind: visits, pattern: "besok*.csv", counter_mode: in}
"""
HEADER = ["Månad", "Filial", "Medietyp", "Målgrupp", "Nylån", "Omlån"]


@pytest.fixture
def store(store_url):
    """An empty store on SQLite and on PostgreSQL (``store_url`` in conftest.py)."""
    store = Store(store_url)
    yield store
    store.engine.dispose()


def loans_total(store: Store) -> dict[str, int]:
    df = store.read_tables().loans
    return {m.strftime("%Y-%m"): int(v) for m, v in df.groupby("month")["initial_loans"].sum().items()}


def test_loading_the_same_file_twice_changes_nothing(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    write_xlsx(d / "utlan_a.xlsx", [HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 10, 1],
                                    ["2024-02", "Gottsunda", "Bok", "Barn", 20, 2]])
    first = load_dir(d, store, user="anna")
    version = store.data_version()
    second = load_dir(d, store, user="anna")
    assert [f.status for f in first.files] == ["stored"] and first.rows_added == 2
    assert [f.status for f in second.files] == ["unchanged"] and second.rows_added == 0
    assert loans_total(store) == {"2024-01": 10, "2024-02": 20}
    assert store.data_version() == version
    loads = store.loads()
    assert loads["user"].tolist() == ["anna", "anna"]
    assert loads["files"].iat[0][0]["content_hash"] == loads["files"].iat[1][0]["content_hash"]


def test_corrected_reexport_replaces_the_period_it_covers(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    write_xlsx(d / "utlan_a.xlsx", [HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 10, 1],
                                    ["2024-02", "Gottsunda", "Bok", "Barn", 20, 2],
                                    ["2024-02", "Sävja bibliotek", "Bok", "Barn", 7, 0]])
    load_dir(d, store)
    # Corrected export for Gottsunda, February only: replaces that unit x period, never adds to it.
    (d / "utlan_a.xlsx").unlink()
    write_xlsx(d / "utlan_b.xlsx", [HEADER, ["2024-02", "Gottsunda", "Bok", "Barn", 25, 2],
                                    ["2024-02", "Gottsunda", "Film", "Vuxna", 3, 0]])
    report = load_dir(d, store)
    assert (report.files[0].rows_added, report.files[0].rows_replaced) == (2, 1)
    assert loans_total(store) == {"2024-01": 10, "2024-02": 25 + 3 + 7}


def test_file_with_errors_is_rejected_whole_and_the_store_keeps_what_it_had(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    write_xlsx(d / "utlan_a.xlsx", [HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 10, 1]])
    load_dir(d, store)
    (d / "utlan_a.xlsx").unlink()
    write_xlsx(d / "utlan_b.xlsx", [HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 99, 1],
                                    ["2024-01", "Okänt bibliotek", "Bok", "Barn", 1, 0]])
    report = load_dir(d, store)
    assert report.has_errors and report.files[0].status == "rejected"
    assert loans_total(store) == {"2024-01": 10}
    problems = store.problems()
    assert problems[["severity", "code", "file", "row"]].values.tolist() == [["fel", "unknown_unit", "utlan_b.xlsx", 3]]
    assert problems["load_id"].tolist() == [report.load_id]


def test_read_tables_dtypes_and_trace_columns(data_dir, write_xlsx, write_csv, store):
    d = data_dir(SOURCES)
    write_xlsx(d / "utlan_a.xlsx", [HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 10, None]], sheet="Utlån")
    write_csv(d / "besok_a.csv", [["Datum", "Enhet", "In"], ["2024-01-02", "Gottsunda", "5"],
                                  ["2024-01-03", "Gottsunda", "trasig"]])
    load_dir(d, store)
    tables = store.read_tables()
    for kind, df in tables.kinds().items():
        assert list(df.columns) == list(COLUMNS[kind])
        for col, want in COLUMNS[kind].items():
            got = df[col].dtype
            if want == "category":
                assert isinstance(got, pd.CategoricalDtype), (kind, col)
            elif want == "str":
                assert pd.api.types.is_string_dtype(got), (kind, col)
            else:
                assert str(got) == want, (kind, col, got)
    assert isinstance(tables.loans["unit_id"].dtype, pd.CategoricalDtype)
    assert pd.isna(tables.loans["renewals"].iat[0])
    assert tables.visits["visits"].isna().tolist() == [False, True]
    assert tables.units["unit_id"].tolist() == ["bokbuss", "gottsunda", "savja", "stadsbiblioteket"]
    with store.engine.connect() as conn:
        trace = conn.execute(sa.text("SELECT source_file, source_sheet, source_row FROM loans")).all()
    assert trace == [("utlan_a.xlsx", "Utlån", 2)]
    assert store.last_data_date() == dt.date(2024, 1, 31)
    status = store.status()
    assert status[["kind", "unit_id", "unit_name", "first_period", "last_period", "warnings"]].values.tolist() == [
        ["loans", "gottsunda", "Gottsunda bibliotek", "2024-01-01", "2024-01-01", 0],
        # "trasig" in row 3: Gottsunda's counter outage.
        ["visits", "gottsunda", "Gottsunda bibliotek", "2024-01-02", "2024-01-03", 1],
        # Two anomaly warnings about the load as a whole: no opening hours loaded at all, and the
        # data end on 2024-01-02 leaves the rest of January missing (partial period).
        ["visits", "(hela filen)", "(hela filen)", "2024-01-02", "2024-01-03", 2]]
    assert status["rows"].tolist() == [1, 2, pd.NA]


def test_schema_is_created_once_and_versioned(store_url):
    assert Store(store_url).schema_version() == len(MIGRATIONS)
    reopened = Store(store_url)
    assert reopened.schema_version() == len(MIGRATIONS)  # reopening does not migrate again
    with reopened.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM schema_version")).scalar_one() == len(MIGRATIONS)
    reopened.engine.dispose()


def test_comments_are_versions_never_overwritten(store):
    first = store.add_comment("g1", 2026, "T2", None, "analys", "Utlånen ökar.", "anna")
    second = store.add_comment("g1", 2026, "T2", None, "analys", "Utlånen ökar, främst barn.", "bo")
    store.add_comment("g1", 2026, "T2", "gottsunda", "analys", "Gottsunda: stängt i mars.", "cia")
    store.add_comment("g1", 2026, "T2", None, "atgarder", "Fler sagostunder.", "anna")
    latest = store.comments("g1", 2026, "T2", None)
    assert set(latest) == {"analys", "atgarder"}
    assert (latest["analys"].id, latest["analys"].text, latest["analys"].author) == (second, "Utlånen ökar, främst barn.", "bo")
    history = store.comment_history("g1", 2026, "T2", None, "analys")
    assert [c.id for c in history] == [first, second]
    assert store.comments("g1", 2026, "T2", "gottsunda")["analys"].text == "Gottsunda: stängt i mars."
    with pytest.raises(ValueError):
        store.add_comment("g1", 2026, "T2", None, "annat", "x", "anna")


def test_undo_restores_exactly_what_the_store_held(data_dir, write_xlsx, store):
    d = data_dir(SOURCES)
    write_xlsx(d / "utlan_a.xlsx", [HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 10, 1],
                                    ["2024-02", "Gottsunda", "Bok", "Barn", 20, 2]])
    first = load_dir(d, store)
    write_xlsx(d / "utlan_b.xlsx", [HEADER, ["2024-02", "Gottsunda", "Bok", "Barn", 25, 2]])
    second = load_dir(d, store)
    assert loans_total(store) == {"2024-01": 10, "2024-02": 25}
    with pytest.raises(UndoError, match=f"laddning {second.load_id} har ersatt"):
        store.undo_load(first.load_id)
    version = store.data_version()
    assert store.undo_load(second.load_id) == 1
    assert loans_total(store) == {"2024-01": 10, "2024-02": 20}
    assert store.data_version() > version
    assert store.loads()["undone_at"].notna().tolist() == [False, True]
    with pytest.raises(UndoError, match="redan ångrad"):
        store.undo_load(second.load_id)
    # The undone file is no longer "already loaded": loading the directory again stores it again.
    again = load_dir(d, store)
    assert [f.status for f in again.files] == ["unchanged", "stored"]
    assert loans_total(store) == {"2024-01": 10, "2024-02": 25}


def test_version_1_store_is_upgraded_in_place(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    store = Store(url)
    with store.engine.begin() as conn:  # turn it back into a version-1 store
        for kind in COLUMNS:
            conn.execute(sa.text(f'ALTER TABLE "{kind}" DROP COLUMN replaced_by'))
        conn.execute(sa.text("DELETE FROM schema_version WHERE version > 1"))
    upgraded = Store(url)
    assert upgraded.schema_version() == len(MIGRATIONS) == 8
    with upgraded.engine.connect() as conn:
        assert "replaced_by" in {c["name"] for c in sa.inspect(conn).get_columns("loans")}
    assert upgraded.read_tables().loans.empty


def test_status_counts_warnings_per_unit_and_file_level_warnings_once(data_dir, write_xlsx, write_csv, store):
    d = data_dir(SOURCES)
    # Loans for two units and a totals row: the totals row is about the file, not about a unit.
    write_xlsx(d / "utlan_a.xlsx", [HEADER, ["2024-01", "Gottsunda", "Bok", "Barn", 10, 1],
                                    ["2024-01", "Sävja bibliotek", "Bok", "Barn", 7, 0],
                                    ["Summa", "", "", "", 17, 1]])
    # Visits: Gottsunda's counter is broken on two days in a row (one outage, one warning);
    # Sävja counts every day.  Without opening hours, the anomaly rules add one warning about the
    # load as a whole; the last day 2024-01-03 leaves January partial (one more, for the file).
    write_csv(d / "besok_a.csv", [["Datum", "Bibliotek", "In"],
                                  ["2024-01-01", "Gottsunda", "trasig"], ["2024-01-02", "Gottsunda", "trasig"],
                                  ["2024-01-03", "Gottsunda", "40"],
                                  ["2024-01-01", "Sävja bibliotek", "30"], ["2024-01-02", "Sävja bibliotek", "31"],
                                  ["2024-01-03", "Sävja bibliotek", "32"]])
    load_dir(d, store)
    status = store.status()
    got = status[["kind", "unit_id", "unit_name", "warnings"]].values.tolist()
    assert got == [["loans", "gottsunda", "Gottsunda bibliotek", 0],
                   ["loans", "savja", "Sävja bibliotek", 0],
                   ["loans", "(hela filen)", "(hela filen)", 1],
                   ["visits", "gottsunda", "Gottsunda bibliotek", 1],
                   ["visits", "savja", "Sävja bibliotek", 0],
                   ["visits", "(hela filen)", "(hela filen)", 2]]
    # Warnings stored before problems had a unit (schema 3) name none: no unit is guessed.
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE problems SET unit_id = NULL"))
    legacy = store.status()
    assert legacy.loc[legacy["kind"] == "visits", "warnings"].tolist() == [0, 0, 3]


def test_a_store_without_benchmark_text_gets_the_column(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    store = Store(url)
    with store.engine.begin() as conn:  # a store from before benchmark text values
        conn.execute(sa.text('ALTER TABLE "benchmark" DROP COLUMN value_text'))
        conn.execute(sa.text(f"DELETE FROM schema_version WHERE version = {MIGRATIONS.index(_benchmark_text) + 1}"))
    upgraded = Store(url)
    assert upgraded.schema_version() == len(MIGRATIONS)
    with upgraded.engine.connect() as conn:
        assert "value_text" in {c["name"] for c in sa.inspect(conn).get_columns("benchmark")}
    assert list(upgraded.read_tables().benchmark.columns)[-1] == "value_text"
