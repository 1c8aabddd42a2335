"""An open page learns of a new load by itself (issue 12): it polls the data version and renders
itself again, from the stored follow-up once it is rebuilt."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from dashboard import stored
from dashboard.app import create_app
from dashboard.data import DataSource
from dashboard.testing import fill_store
from etl.tables import Tables, conform
from tests.conftest import free_port
from tests.conftest_dashboard import tiny_ds, tiny_tables  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_an_open_overview_shows_a_new_load_within_seconds(dash_duo: Any, tiny_ds: DataSource) -> None:
    assert tiny_ds.wait_stored(timeout=120)
    dash_duo.start_server(create_app(tiny_ds), dev_tools_disable_version_check=True, port=free_port())
    dash_duo.wait_for_page(dash_duo.server_url + "/?year=2026&period=T1")
    # by hand: T1 2026 = Jan–Apr, norr 110 + 20 and syd 50 + 10 a month: 4 × 190 = 760 loans
    dash_duo.wait_for_contains_text("#overview-cards", "760", timeout=30)
    # another user loads a corrected January 2026 for norr: 500 loans instead of 130 -> 1 130
    row = {"month": pd.Timestamp(2026, 1, 1), "unit_id": "norr", "media_type": "bok", "audience": "vuxna",
           "genre": "skonlitteratur", "initial_loans": 500, "renewals": 0}
    store = tiny_ds.store
    fill_store(store, Tables(units=tiny_tables().units, loans=conform("loans", pd.DataFrame([row]))))
    dash_duo.wait_for_contains_text("#overview-cards", "130", timeout=30)  # "1 130", no reload
    assert "760" not in dash_duo.find_element("#overview-cards").text
    assert tiny_ds.wait_stored(timeout=120)
    assert stored.current(store, tiny_ds.plan_path) is not None
    assert dash_duo.get_logs() == []
