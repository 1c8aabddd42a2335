"""Fixtures for the dashboard tests (imported by tests/test_dashboard_*.py).

- ``tiny_ds``: a store holding a tiny hand-made data set whose follow-up values are easy to
  compute by hand (two units, loans only), with a one-goal plan written here;
- ``sample_ds``: a copy of a store loaded once per test session from ``data/sample``
  (the real ETL on the bundled sample) with its stored follow-up, for the browser tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from dashboard.data import DataSource
from dashboard.testing import fill_store
from etl.store import Store
from etl.tables import Tables, conform

REPO = Path(__file__).resolve().parent.parent

TINY_PLAN = """\
name: Testplan
goals:
  - id: lasning
    name: Läsning
    description: Fler lån.
indicators:
  - id: utlan
    name_sv: Utlån
    name_en: Loans
    goals: [lasning]
    unit: lån
    decimals: 0
    description_sv: Utlån och omlån av alla medier; bibliotekssystemet.
    definition:
      measure: {table: loans, aggregation: sum}
    targets:
      2026: {change_pct: 3, tolerance: 2}
"""

#: Monthly loans per unit: (initial, renewals) in 2025 and in 2026 (Jan 2025 – Oct 2026).
TINY_LOANS = {"norr": {2025: (100, 20), 2026: (110, 20)}, "syd": {2025: (50, 10), 2026: (50, 10)}}


def tiny_tables() -> Tables:
    units = pd.DataFrame(
        {"unit_id": ["norr", "syd"], "name": ["Norrbiblioteket", "Södra biblioteket"],
         "type": ["stadsdelsbibliotek", "stadsdelsbibliotek"], "district": ["Norr", "Syd"]}
    ).astype({"type": "category"})  # fmt: skip
    rows = []
    for unit, years in TINY_LOANS.items():
        for year, (initial, renewals) in years.items():
            for month in range(1, 13 if year == 2025 else 11):
                rows.append(
                    {"month": pd.Timestamp(year, month, 1), "unit_id": unit, "media_type": "bok",
                     "audience": "vuxna", "genre": "skonlitteratur", "initial_loans": initial, "renewals": renewals}
                )  # fmt: skip
    return Tables(units=units, loans=conform("loans", pd.DataFrame(rows)))


@pytest.fixture
def tiny_ds(tmp_path: Path) -> DataSource:
    plan = tmp_path / "biblioteksplan.yaml"
    plan.write_text(TINY_PLAN, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'tiny.sqlite'}"
    fill_store(Store(url), tiny_tables())
    return DataSource(url, plan_path=plan, check_every=0)


_SAMPLE_CACHE: dict[str, Path] = {}


@pytest.fixture(scope="session")
def sample_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store loaded from data/sample by the real pipeline, once per session."""
    if "file" not in _SAMPLE_CACHE:
        from etl.pipeline import load_dir

        path = tmp_path_factory.mktemp("sample") / "sample.sqlite"
        store = Store(f"sqlite:///{path}")
        load_dir(REPO / "data" / "sample", store)
        # the stored follow-up, as a running app leaves it after the load: copies start with it
        from dashboard.stored import rebuild

        rebuild(store, REPO / "data" / "sample" / "biblioteksplan.yaml")
        store.engine.dispose()
        _SAMPLE_CACHE["file"] = path
    return _SAMPLE_CACHE["file"]


@pytest.fixture
def sample_ds(sample_store_file: Path, tmp_path: Path) -> DataSource:
    """A private copy of the sample store with its stored follow-up (tests may write comments to
    it).  A test that loads more data sees views computed from the tables (no background rebuild)."""
    copy = tmp_path / "store.sqlite"
    shutil.copy(sample_store_file, copy)
    return DataSource(f"sqlite:///{copy}", plan_path=REPO / "data" / "sample" / "biblioteksplan.yaml", check_every=0,
                      build=False)
