"""Grain is data (issue 9): monthly, quarterly and yearly totals are stored at their own grain,
judged at it, and aggregated honestly.  Every expectation is computed by hand in the test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
import math

import pandas as pd
import pytest
import sqlalchemy as sa

import goals
from etl.grain import data_until, month_names, parse_period
from etl.pipeline import check_paths, load_config, load_dir
from etl.store import Store
from goals.plan import parse_plan

SOURCES = """\
sources:
  - {id: manad, kind: visits, pattern: "besok_manad*.csv", counter_mode: in}
  - {id: ar, kind: visits, pattern: "besok_ar*.csv", counter_mode: in}
  - {id: kvartal, kind: visits, pattern: "besok_kvartal*.csv", counter_mode: in}
  - {id: dag, kind: visits, pattern: "besok_dag*.csv", counter_mode: in}
  - {id: utlan_ar, kind: loans, pattern: "utlan_ar*.csv"}
"""

# Gottsunda closed for renovation on seven months of 2023 whose 1st falls on every weekday:
# 1 Jan Sunday, 1 Feb Wednesday, 1 Apr Saturday, 1 May Monday, 1 Jun Thursday, 1 Aug Tuesday,
# 1 Sep Friday.
CLOSED_2023 = (1, 2, 4, 5, 6, 8, 9)
DAILY_CODES = {"counter_outage", "catch_up_spike", "closed_day_counts", "no_opening_hours", "counter_reset"}


def monthly_visits(unit: str, year: int, month: int) -> int:
    if unit == "Gottsunda":
        return 0 if year == 2023 and month in CLOSED_2023 else 1000
    return 5000 + month


def plan_for(table: str = "visits"):
    return parse_plan({"goals": [{"id": "g1", "name": "Mål 1"}], "indicators": [{
        "id": "besok", "name_sv": "Besök", "name_en": "Visits", "goals": ["g1"], "unit": "st",
        "description_sv": "Test.", "definition": {"measure": {"table": table}},
        "targets": {y: {"level": 1} for y in (2022, 2023, 2024)}}]}, "t.yaml")  # fmt: skip


@pytest.fixture
def loaded(data_dir, write_csv, tmp_path):
    """Load the files ``files`` (name -> rows) into a fresh store: (store, report, tables)."""

    def run(files: dict[str, list[list]]):
        d = data_dir(SOURCES)
        for name, rows in files.items():
            write_csv(d / name, rows)
        store = Store(f"sqlite:///{tmp_path / 'grain.sqlite'}")
        report = load_dir(d, store)
        return store, report, store.read_tables()

    return run


def test_monthly_totals_with_closed_months_keep_every_zero(loaded):
    rows = [["Månad", "Bibliotek", "Besökare"]]
    rows += [[f"{y}-{m:02d}", u, monthly_visits(u, y, m)]
             for y in (2022, 2023, 2024) for m in range(1, 13) for u in ("Stadsbiblioteket", "Gottsunda")]
    store, report, tables = loaded({"besok_manad.csv": rows})
    assert not report.has_errors
    v = tables.visits
    assert len(v) == 72 and set(v["grain"]) == {"month"}
    got = v[v["unit_id"] == "gottsunda"].set_index("date")["visits"]
    zeros = sorted(d.month for d in got[got == 0].index)
    assert zeros == list(CLOSED_2023) and not got.isna().any()  # every 0 kept, none missing
    assert v["period_end"].max() == pd.Timestamp("2024-12-31")
    assert v.loc[v["date"] == pd.Timestamp("2023-02-01"), "period_end"].iat[0] == pd.Timestamp("2023-02-28")
    # no daily warning on monthly data
    assert not DAILY_CODES & {p.code for p in report.problems}
    assert not [p for p in report.problems if "dag" in p.message or "resten av" in p.message]
    # identical totals to the raw file: per year, 12 × 1000 + 12 × 5000 + (1 + … + 12) = 72 078;
    # 2023: seven Gottsunda months closed: 72 078 − 7 000 = 65 078
    per_year = v.groupby(v["date"].dt.year)["visits"].sum().to_dict()
    assert per_year == {2022: 72078, 2023: 65078, 2024: 72078}
    # a status for the organisation for every complete year, and T1 = January–April summed
    plan = plan_for()
    for year, total in per_year.items():
        row = goals.followup(plan, tables, year, "helar").iloc[0]
        assert row["value"] == total and row["status"] == "uppnatt", (year, row["note"])
    t1 = goals.followup(plan, tables, 2023, "T1").iloc[0]
    assert t1["value"] == 4 * 5000 + (1 + 2 + 3 + 4) + 1000  # Gottsunda open only in March
    # "data t.o.m." is the end of the last month, the same in the store and in goals
    assert store.last_data_date() == dt.date(2024, 12, 31)
    assert goals.last_data_date(plan, tables) == pd.Timestamp("2024-12-31")


def test_yearly_file_is_stored_as_years_and_not_split_into_tertials(loaded):
    rows = [["År", "Bibliotek", "Besök"], [2023, "Gottsunda", 11000], [2024, "Gottsunda", 12500],
            [2023, "Stadsbiblioteket", 60000], [2024, "Stadsbiblioteket", 61000]]
    store, report, tables = loaded({"besok_ar_2023-2024.csv": rows})
    assert not report.has_errors
    v = tables.visits.sort_values(["unit_id", "date"])
    assert v["grain"].tolist() == ["year"] * 4
    assert v["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-01-01", "2024-01-01"] * 2  # never 1970
    assert v["period_end"].dt.strftime("%Y-%m-%d").tolist() == ["2023-12-31", "2024-12-31"] * 2
    plan = plan_for()
    full = goals.followup(plan, tables, 2024, "helar").iloc[0]
    assert full["value"] == 12500 + 61000 and full["status"] == "uppnatt"
    t1 = goals.followup(plan, tables, 2024, "T1").iloc[0]
    assert math.isnan(t1["value"]) and "årsdata: ingen uppgift per tertial" in t1["note"]
    assert store.last_data_date() == dt.date(2024, 12, 31)


def test_quarterly_file_gives_quarters_and_the_year_but_no_tertial(loaded):
    rows = [["Period", "Bibliotek", "Besök"]] + [[f"2024Q{q}", "Gottsunda", 100 * q] for q in range(1, 5)]
    _, report, tables = loaded({"besok_kvartal.csv": rows})
    assert not report.has_errors
    assert tables.visits["grain"].tolist() == ["quarter"] * 4
    plan = plan_for()
    unit = "gottsunda"
    assert goals.followup(plan, tables, 2024, "Q2", unit).iloc[0]["value"] == 200
    assert goals.followup(plan, tables, 2024, "helar", unit).iloc[0]["value"] == 100 + 200 + 300 + 400
    t2 = goals.followup(plan, tables, 2024, "T2", unit).iloc[0]  # jan–aug cuts Q3
    assert math.isnan(t2["value"]) and "kvartalsdata: ingen uppgift per tertial" in t2["note"]


def test_yearly_loans_from_a_year_column(loaded):
    rows = [["År", "Filial", "Medietyp", "Målgrupp", "Utlån"], [2024, "Gottsunda", "Bok", "Barn", 4200]]
    _, report, tables = loaded({"utlan_ar.csv": rows})
    assert not report.has_errors
    lo = tables.loans
    assert (lo["month"].iat[0], lo["period_end"].iat[0], lo["grain"].iat[0]) == (
        pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"), "year")


def test_daily_zero_stays_zero_when_the_outage_rule_is_off(data_dir, write_csv):
    d = data_dir(SOURCES)
    rows = [["Datum", "Bibliotek", "In"]] + [[f"2024-01-{day:02d}", "Gottsunda", v]
                                             for day, v in [(1, 100), (2, 0), (8, 90), (9, 95), (16, 80)]]
    path = write_csv(d / "besok_dag.csv", rows)
    on = check_paths([path], load_config(d)).files[0]
    assert math.isnan(on.frame.set_index(on.frame["date"].dt.day)["visits"][2])
    (d / "anomaly_rules.yaml").write_text("counter_outage:\n  enabled: false\n", encoding="utf-8")
    off = check_paths([path], load_config(d)).files[0]
    assert off.frame.set_index(off.frame["date"].dt.day)["visits"][2] == 0
    assert "counter_outage" not in {p.code for p in off.problems}


def test_data_until_is_the_last_day_covered():
    assert data_until({"visits": pd.Timestamp("2023-10-31"), "loans": dt.date(2023, 9, 30), "events": "2024-01-01"}) \
        == dt.date(2023, 10, 31)
    assert data_until({}) is None


@pytest.mark.parametrize(("cell", "expected"), [
    ("2023-04", ("2023-04-01", "month")), ("2023Q2", ("2023-04-01", "quarter")), ("Q3 2023", ("2023-07-01", "quarter")),
    ("2023", ("2023-01-01", "year")), (2023, ("2023-01-01", "year")), ("apr 2023", ("2023-04-01", "month")),
    ("April 2023", ("2023-04-01", "month")), ("Jul-13", ("2013-07-01", "month")), ("2023-04-15", ("2023-04-15", "day")),
    ("okänd", None),
])  # fmt: skip
def test_period_cells(cell, expected):
    got = parse_period(cell)
    assert (None if got is None else (got[0].isoformat(), got[1])) == expected


def test_month_names_of_another_language_through_babel():
    de = month_names("de")
    assert parse_period("März 2024", names=de) == (dt.date(2024, 3, 1), "month")
    assert parse_period("Dez. 2024", names=de) == (dt.date(2024, 12, 1), "month")
    assert parse_period("März 2024") is None  # German only where the source says locale: de
    assert parse_period("OCTOBER 2024") == (dt.date(2024, 10, 1), "month")  # English always


def test_an_older_store_gets_the_grain_the_layout_implied(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    Store(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # back to schema 5: no period_end/grain, one row each
        for kind in ("loans", "visits"):
            conn.execute(sa.text(f'ALTER TABLE "{kind}" DROP COLUMN period_end'))
            conn.execute(sa.text(f'ALTER TABLE "{kind}" DROP COLUMN grain'))
        conn.execute(sa.text("DELETE FROM schema_version WHERE version = 6"))
        conn.execute(sa.text("INSERT INTO loads (id, started_at, user, data_dir, rows_added, rows_replaced) "
                             "VALUES (1, '2024-01-01', 't', '', 0, 0)"))
        conn.execute(sa.text("INSERT INTO visits (date, unit_id, visits, estimated, load_id, source_file, source_sheet) "
                             "VALUES ('2024-02-14', 'gottsunda', 10, 0, 1, 'f', '')"))
        conn.execute(sa.text("INSERT INTO loans (month, unit_id, media_type, audience, genre, initial_loans, renewals, "
                             "load_id, source_file, source_sheet) VALUES ('2024-02-01', 'gottsunda', 'bok', 'barn', "
                             "'ej_angivet', 5, 1, 1, 'f', '')"))
    store = Store(url)
    tables = store.read_tables()
    assert (tables.visits["grain"].iat[0], tables.visits["period_end"].iat[0]) == ("day", pd.Timestamp("2024-02-14"))
    assert (tables.loans["grain"].iat[0], tables.loans["period_end"].iat[0]) == ("month", pd.Timestamp("2024-02-29"))
    assert store.last_data_date() == dt.date(2024, 2, 29)


def test_a_changed_source_or_alias_reads_the_file_again_and_replaces_exactly_its_rows(data_dir, write_csv, tmp_path):
    from tests.conftest import UNITS_YAML

    d = data_dir(SOURCES)
    write_csv(d / "besok_manad_a.csv", [["Månad", "Bibliotek", "Besökare"], ["2024-01", "Norra", 200],
                                         ["2024-02", "Norra", 300]])
    write_csv(d / "besok_manad_b.csv", [["Månad", "Bibliotek", "Besökare"], ["2024-01", "Stadsbiblioteket", 7000]])
    units = UNITS_YAML.replace("aliases: [{name: Gottsunda}]", "aliases: [{name: Gottsunda}, {name: Norra}]")
    (d / "units.yaml").write_text(units, encoding="utf-8")
    store = Store(f"sqlite:///{tmp_path / 'reload.sqlite'}")
    first = load_dir(d, store)
    assert [f.status for f in first.files] == ["stored", "stored"]
    again = load_dir(d, store)
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]
    # the counter turns out to count in and out: the source changes, the file is read again
    (d / "sources.yaml").write_text(SOURCES.replace(
        'pattern: "besok_manad*.csv", counter_mode: in', 'pattern: "besok_manad*.csv", counter_mode: in_out'),
        encoding="utf-8")
    changed = load_dir(d, store)
    by_file = {f.file: f for f in changed.files}
    assert (by_file["besok_manad_a.csv"].status, by_file["besok_manad_a.csv"].rows_added,
            by_file["besok_manad_a.csv"].rows_replaced) == ("stored", 2, 2)
    notes = [p for p in changed.problems if p.code == "config_changed"]
    assert {p.file for p in notes} == {"besok_manad_a.csv", "besok_manad_b.csv"}
    assert notes[0].message.startswith("Konfigurationen för källan har ändrats: filen läses om")
    v = store.read_tables().visits.sort_values(["unit_id", "date"])
    assert list(zip(v["unit_id"], v["visits"])) == [("gottsunda", 100), ("gottsunda", 150), ("stadsbiblioteket", 3500)]
    # "Norra" was Sävja all along: the alias moves, and Gottsunda keeps no row from the file
    (d / "units.yaml").write_text(units.replace("aliases: [{name: Gottsunda}, {name: Norra}]",
                                                "aliases: [{name: Gottsunda}]").replace(
        "aliases:\n      - {name: Sävja filial, valid_to: 2021-12-31}",
        "aliases:\n      - {name: Sävja filial, valid_to: 2021-12-31}\n      - {name: Norra}"), encoding="utf-8")
    moved = load_dir(d, store)
    assert not moved.has_errors
    v = store.read_tables().visits.sort_values(["unit_id", "date"])
    assert list(zip(v["unit_id"], v["visits"])) == [("savja", 100), ("savja", 150), ("stadsbiblioteket", 3500)]
    store.undo_load(moved.load_id)  # and undo brings back exactly what the reread replaced
    v = store.read_tables().visits.sort_values(["unit_id", "date"])
    assert list(zip(v["unit_id"], v["visits"])) == [("gottsunda", 100), ("gottsunda", 150), ("stadsbiblioteket", 3500)]


def test_data_until_is_one_rule_events_after_the_last_loans_do_not_extend_it(tmp_path):
    """Loans to October 2026 (monthly), one event on 20 November 2026: the store (status, the
    dashboard, the reports) and goals (values, the CLI) both say data t.o.m. 2026-10-31."""
    from dashboard.testing import fill_store
    from etl.tables import conform
    from tests.conftest_dashboard import tiny_tables

    tables = tiny_tables()  # loans Jan 2025 – Oct 2026, one row per unit and month
    tables.events = conform("events", pd.DataFrame(
        {"date": [pd.Timestamp("2026-11-20")], "unit_id": ["norr"], "title": ["Sagostund"],
         "kb_category": [101], "target_group": ["barn"], "participants": [12]}))
    store = Store(f"sqlite:///{tmp_path / 'until.sqlite'}")
    fill_store(store, tables)
    plan = plan_for("loans")
    assert store.last_data_date() == dt.date(2026, 10, 31)
    assert goals.last_data_date(plan, store.read_tables()) == pd.Timestamp("2026-10-31")


# a copy of ../shared/realdata/lapl-2013-14 (public open data; see its SOURCE.md)
REALDATA = Path(__file__).resolve().parent / "data" / "lapl-2013-14" / "Library_Monthly_Stats.csv"
LAPL_SOURCES = """\
sources:
  - id: lapl
    kind: visits
    pattern: Library_Monthly_Stats.csv
    counter_mode: in
    columns: {month: Month, visits: Total Library Visitors}
    constants: {unit: lapl}
"""


def test_a_real_monthly_export_loads_with_the_readme_config(data_dir, tmp_path):
    """Los Angeles Public Library's monthly statistics (a real public file: "Jul-13" months, blank
    rows between the months) with the README's config only: 16 months stored as months, values as
    in the file, the blank rows no data, no daily warning, and T1 2014 the sum of January–April."""
    import shutil

    units = "municipality: Los Angeles\nunits:\n  - {id: lapl, name: Los Angeles Public Library, type: huvudbibliotek}\n"
    d = data_dir(LAPL_SOURCES, units)
    shutil.copy(REALDATA, d / REALDATA.name)
    store = Store(f"sqlite:///{tmp_path / 'lapl.sqlite'}")
    report = load_dir(d, store)
    assert not report.has_errors, [p.message for p in report.problems]
    assert not DAILY_CODES & {p.code for p in report.problems}
    v = store.read_tables().visits.sort_values("date")
    assert set(v["grain"]) == {"month"} and len(v) == 16  # Jul 2013 – Oct 2014
    assert v["date"].iat[0] == pd.Timestamp("2013-07-01") and v["period_end"].iat[-1] == pd.Timestamp("2014-10-31")
    by_month = dict(zip(v["date"].dt.strftime("%Y-%m"), v["visits"].astype(int)))
    assert by_month["2013-07"] == 1279061 and by_month["2014-02"] == 1382040 and by_month["2014-10"] == 1376021
    assert store.last_data_date() == dt.date(2014, 10, 31)
    t1 = goals.followup(plan_for(), store.read_tables(), 2014, "T1").iloc[0]
    assert t1["value"] == 1092965 + 1382040 + 1074797 + 1458097  # Jan–Apr 2014 from the file
    full = goals.followup(plan_for(), store.read_tables(), 2014, "helar").iloc[0]
    assert full["status"] != "uppnatt" and full["status"] != "ej_uppnatt"  # Nov–Dec missing: no claim


def test_the_plausible_bound_scales_with_the_rows_period(loaded):
    """Visits' bound is 100 000 a day: a month of 31 days may hold 3 100 000, a day not."""
    rows = [["Månad", "Bibliotek", "Besökare"], ["2024-01", "Stadsbiblioteket", 3_000_000],
            ["2024-03", "Stadsbiblioteket", 3_200_000]]
    _, report, _ = loaded({"besok_manad.csv": rows})
    bad = [p for p in report.problems if p.code == "implausible"]
    assert [p.row for p in bad] == [3]
    assert "högst 100 000 per dag (3 100 000 för radens 31 dagar)" in bad[0].message.replace("\u00a0", " ")
