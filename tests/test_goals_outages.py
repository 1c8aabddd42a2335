"""Counter outages declared per plan: ``impute`` (below a share of open days) or ``none``."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from etl.tables import conform
from goals import followup
from tests.test_goals_values import indicator, plan_of, tiny_tables, tiny_visits

BESOK = indicator("besok", {"measure": {"table": "visits"}}, targets={2025: {"change_pct": 0, "tolerance": 1}})


def _outage(first: str, last: str) -> pd.DataFrame:
    """syd's counter broken from ``first`` to ``last`` (NaN), on top of the 15 March 2025 outage."""
    v = tiny_visits()
    days = (v["unit_id"] == "syd") & v["date"].between(pd.Timestamp(first), pd.Timestamp(last))
    v.loc[days, "visits"] = math.nan
    return conform("visits", v)


def test_an_eleven_day_outage_is_imputed_and_shown() -> None:
    tables = tiny_tables(visits=_outage("2025-03-03", "2025-03-13"))
    row = followup(plan_of(BESOK), tables, 2025, "Q1", unit="syd").iloc[0]
    # 11 + 1 missing days, each the median of its weekday's counted days nearby (all 4 a day)
    assert row["value"] == 90 * 4 and row["previous"] == 91 * 4  # Q1 2024: 91 days (leap year)
    assert row["status"] == "ej_uppnatt"  # -1,1 % against 0 % with 1 point tolerance
    # 88 open days in Q1 2025 (1 and 6 January are holidays): 12 / 88 = 13,6 %
    assert "skattat: 12 av 88 öppetdagar (13,6 %) med samma veckodags median" in row["note"]


def test_over_the_threshold_share_the_period_is_incomplete() -> None:
    tables = tiny_tables(visits=_outage("2025-03-03", "2025-03-13"))
    plan = plan_of(BESOK, status={"max_imputed_share": 0.10})
    row = followup(plan, tables, 2025, "Q1", unit="syd").iloc[0]
    assert row["status"] == "ingen_data"
    assert row["status_reason"] == "för stor andel skattad: 12 av 88 öppetdagar (13,6 %), över 10 %"


def test_mode_none_makes_the_period_incomplete() -> None:
    tables = tiny_tables(visits=_outage("2025-03-03", "2025-03-13"))
    plan = plan_of(BESOK, status={"outages": "none"})
    row = followup(plan, tables, 2025, "Q1", unit="syd").iloc[0]
    assert row["status"] == "ingen_data" and not row["complete"]
    assert row["status_reason"] == "avbrott i besöksräknaren: 12 öppetdagar utan värde (planen: outages none)"
    # the value shown is what was counted: 90 - 12 days of 4
    assert row["value"] == pytest.approx(78 * 4)
    # norr, without an outage, is judged as usual
    assert followup(plan, tables, 2025, "Q1", unit="norr").iloc[0]["status"] == "ej_uppnatt"
