"""The stored follow-up (issue 12): equal to a fresh computation, rebuilt after load, undo and plan edit.

The reference values are ``goals.followup`` / ``trend`` / ``unit_comparison`` / ``monthly`` /
``forecast_coverage`` / ``goals.history.status_history`` on the same plan and tables, computed
directly (no stored result involved); the tiny data set's values are also checked by hand.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import goals
from cli.main import main
from dashboard import stored
from dashboard.data import DataSource
from dashboard.testing import fill_store
from etl.store import Store
from etl.tables import Tables, conform
from goals.history import status_history
from goals.periods import PERIOD_CODES
from tests.conftest_dashboard import REPO, TINY_PLAN, sample_ds, sample_store_file, tiny_tables  # noqa: F401  (fixtures)

SAMPLE_PLAN = REPO / "data" / "sample" / "biblioteksplan.yaml"


@pytest.fixture(scope="module")
def sample_result(tmp_path_factory: pytest.TempPathFactory, sample_store_file: Path):
    """A copy of the sample store with its stored result, the plan and the tables it came from."""
    path = tmp_path_factory.mktemp("stored") / "store.sqlite"
    shutil.copy(sample_store_file, path)
    store = Store(f"sqlite:///{path}")
    plan = goals.load_plan(SAMPLE_PLAN)
    source = stored.open_followup(store, SAMPLE_PLAN, plan)
    assert isinstance(source, stored.StoredFollowup)  # the session's sample store holds its result
    return source, plan, store.read_tables()


@pytest.mark.slow
def test_stored_followup_equals_fresh_computation_for_every_row_and_column(sample_result):
    source, plan, tables = sample_result
    years = goals.get_model(plan, tables).years()
    assert source.years() == years and len(years) >= 7
    for year in years:
        for code in PERIOD_CODES:
            for goal_set in ("biblioteksplan", "uppdragsplan"):
                fresh = goals.followup(plan, tables, year, code, unit="*", goal_set=goal_set)
                got = source.followup(year, code, unit="*", goal_set=goal_set)
                pd.testing.assert_frame_equal(got, fresh, obj=f"followup {year} {code} {goal_set}")
            assert source.forecast_coverage(year, code) == goals.forecast_coverage(plan, tables, year, code)


@pytest.mark.slow
def test_stored_trend_comparison_monthly_and_history_equal_fresh_computation(sample_result):
    source, plan, tables = sample_result
    units = ["ALLA", "typ:stadsdelsbibliotek", *goals.units(plan, tables)["unit_id"][:2]]
    for ind in plan.indicators:
        for code in ("T2", "helar", "M07"):
            for unit in units[::2] if code == "M07" else units:
                pd.testing.assert_frame_equal(source.trend(ind.id, code, unit=unit),
                                              goals.trend(plan, tables, ind.id, code, unit=unit),
                                              obj=f"trend {ind.id} {code} {unit}")
        for year in (2021, 2026):
            pd.testing.assert_frame_equal(source.unit_comparison(ind.id, year, "T2"),
                                          goals.unit_comparison(plan, tables, ind.id, year, "T2"),
                                          obj=f"unit_comparison {ind.id} {year}")
            for unit in units[:3]:
                pd.testing.assert_frame_equal(source.monthly(ind.id, year, unit=unit),
                                              goals.monthly(plan, tables, ind.id, year, unit=unit),
                                              obj=f"monthly {ind.id} {year} {unit}")
    for goal in plan.goal_set("biblioteksplan").goals:
        pd.testing.assert_frame_equal(source.status_history(goal.id, None, years=3),
                                      status_history(plan, tables, goal.id, None, years=3), obj=goal.id)
    assert source.units().equals(goals.units(plan, tables))
    assert source.last_data_date() == goals.last_data_date(plan, tables)
    assert source.data_years() == stored.data_years(tables)


def test_unknown_unit_goal_and_type_are_refused_in_swedish(sample_result):
    source = sample_result[0]
    with pytest.raises(KeyError, match="okänd enhet 'nowhere'"):
        source.followup(2025, "T2", unit="nowhere")
    with pytest.raises(KeyError, match="okänd enhetstyp 'museum'"):
        source.followup(2025, "T2", unit="typ:museum")
    with pytest.raises(KeyError, match="okänt mål 'inget'"):
        source.followup(2025, "T2", goal="inget")


def test_the_sample_app_reads_the_stored_result(sample_ds):
    assert sample_ds.is_stored()
    info = sample_ds.store.result_info(stored.RESULT)
    assert info.data_version == sample_ds.store.data_version()
    fu = sample_ds.followup(2025, "helar")
    assert len(fu) and set(fu["unit_id"]) == {"ALLA"}


# ---------------------------------------------------------------------- rebuilt when the data change
@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A tiny store and plan in a data directory the CLI is pointed at."""
    data = tmp_path / "data"
    data.mkdir()
    plan = data / "biblioteksplan.yaml"
    plan.write_text(TINY_PLAN, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'tiny.sqlite'}"
    monkeypatch.setenv("BIBPLAN_STORE_URL", url)
    monkeypatch.setenv("BIBPLAN_DATA_DIR", str(data))
    store = Store(url)
    fill_store(store, tiny_tables())
    return store, plan


def _org_value(store: Store, plan: Path, year: int, period: str) -> float:
    """The organisation's loans as the stored result has them (read as stored, no rebuild)."""
    info = store.result_info(stored.RESULT)
    source = stored.StoredFollowup(store, goals.load_plan(plan), info)
    return float(source.followup(year, period)["value"].iloc[0])


def _norr_january(initial: int) -> Tables:
    """A corrected re-export: norr's loans of January 2026 only."""
    row = {"month": pd.Timestamp(2026, 1, 1), "unit_id": "norr", "media_type": "bok", "audience": "vuxna",
           "genre": "skonlitteratur", "initial_loans": initial, "renewals": 0}
    return Tables(units=tiny_tables().units, loans=conform("loans", pd.DataFrame([row])))


def test_load_and_undo_make_the_app_rebuild_the_stored_result(tiny):
    store, plan = tiny
    ds = DataSource(store.url, plan_path=plan, check_every=0)
    assert ds.wait_stored(timeout=120)
    # by hand: T1 2026 = Jan–Apr, norr 110 + 20, syd 50 + 10 a month -> 4 × 190 = 760
    assert _org_value(store, plan, 2026, "T1") == 760
    assert ds.followup(2026, "T1")["value"].iloc[0] == 760
    first = store.result_info(stored.RESULT)
    token = ds.version_token()

    load_id = fill_store(store, _norr_january(500))  # replaces norr's 110 + 20 in January 2026
    assert stored.current(store, plan) is None  # the stored result is stale at once
    assert ds.version_token() != token  # what an open page polls
    # until the new result is stored, the views are computed from the tables: 760 - 130 + 500
    assert ds.followup(2026, "T1")["value"].iloc[0] == 1130
    assert ds.wait_stored(timeout=120)
    after_load = store.result_info(stored.RESULT)
    assert after_load.id != first.id and after_load.data_version == store.data_version()
    assert _org_value(store, plan, 2026, "T1") == 1130
    assert store.result_part(first.id, "rows/2026/T1") is None  # the old result is gone

    store.undo_load(load_id)
    assert ds.followup(2026, "T1")["value"].iloc[0] == 760
    assert ds.wait_stored(timeout=120)
    after_undo = store.result_info(stored.RESULT)
    assert after_undo.id != after_load.id and after_undo.data_version == store.data_version()
    assert _org_value(store, plan, 2026, "T1") == 760


def test_a_plan_edit_rebuilds_the_result_for_app_and_cli(tiny):
    store, plan = tiny
    ds = DataSource(store.url, plan_path=plan, check_every=0)
    assert ds.wait_stored(timeout=120)
    assert ds.followup(2026, "T1")["target_change_pct"].iloc[0] == 3
    first = store.result_info(stored.RESULT)
    plan.write_text(TINY_PLAN.replace("change_pct: 3", "change_pct: 10"), encoding="utf-8")
    os.utime(plan, (os.stat(plan).st_atime, os.stat(plan).st_mtime + 5))  # an edit in the same second
    assert stored.current(store, plan) is None
    assert ds.wait_stored(timeout=120)
    info = store.result_info(stored.RESULT)
    assert info.id != first.id
    after = ds.followup(2026, "T1")
    # by hand: T1 2025 = 4 × (120 + 60) = 720; target + 10 % = 792
    assert after["target_change_pct"].iloc[0] == 10 and after["target"].iloc[0] == pytest.approx(792)
    out = CliRunner().invoke(main, ["values", "--year", "2026", "--period", "T1", "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert store.result_info(stored.RESULT).id == info.id  # the CLI read the same result, no rebuild
    assert ",792.0," in out.output or ",792," in out.output  # 720 × 1.1


def test_one_worker_computes_while_another_waits(tiny):
    store, plan = tiny
    with store.result_lock() as got:
        assert got
        assert stored.rebuild(store, plan, wait=False) is None  # another worker is computing
    assert stored.rebuild(store, plan, wait=False) is not None
    assert stored.current(store, plan) is not None


def test_comments_stay_live_beside_the_stored_result(tiny):
    store, plan = tiny
    ds = DataSource(store.url, plan_path=plan, check_every=0)
    assert ds.wait_stored(timeout=120)
    other = DataSource(store.url, plan_path=plan, check_every=0)  # another worker
    ds.add_comment("lasning", 2026, "T1", None, "analys", "Fler lån i Norr.", "Anna")
    assert other.comments("lasning", 2026, "T1", None)["analys"].text == "Fler lån i Norr."


def test_the_result_is_stored_and_read_alike_in_sqlite_and_postgresql(store_url, tmp_path):
    store = Store(store_url)
    fill_store(store, tiny_tables())
    plan = tmp_path / "biblioteksplan.yaml"
    plan.write_text(TINY_PLAN, encoding="utf-8")
    assert stored.current(store, plan) is None
    with store.result_lock(wait=False) as got:
        assert got
    info = stored.rebuild(store, plan)
    assert stored.current(store, plan) == info and info.data_version == store.data_version()
    source = stored.open_followup(store, plan)
    assert isinstance(source, stored.StoredFollowup)
    # by hand: 2025 helår = 12 × (120 + 60) = 2 160 loans; T1 2026 = 4 × 190 = 760
    assert source.followup(2025, "helar")["value"].iloc[0] == 2160
    assert source.followup(2026, "T1")["value"].iloc[0] == 760
    fresh = goals.followup(goals.load_plan(plan), store.read_tables(), 2026, "T1", unit="*")
    pd.testing.assert_frame_equal(source.followup(2026, "T1", unit="*"), fresh)
    store.engine.dispose()
