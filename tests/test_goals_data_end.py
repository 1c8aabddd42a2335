"""Data end to the day: a daily export that stops inside a month leaves that month out, says so,
and compares the same months last year; an export that ends on the month's last open day does not."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.tables import conform
from goals import followup
from goals.model import Model
from tests.test_goals_values import indicator, plan_of, tiny_tables, tiny_visits

PLAN = plan_of(indicator("besok", {"measure": {"table": "visits"}}, targets={2025: {"change_pct": 0, "tolerance": 1}}))


def _visits_until(norr: str, syd: str) -> pd.DataFrame:
    v = tiny_visits()
    keep = ((v["unit_id"] == "norr") & (v["date"] <= pd.Timestamp(norr))) | (
        (v["unit_id"] == "syd") & (v["date"] <= pd.Timestamp(syd))
    )
    return conform("visits", v[keep].reset_index(drop=True))


def test_an_export_cut_on_14_october_leaves_october_out() -> None:
    tables = tiny_tables(visits=_visits_until("2025-10-14", "2025-10-14"))
    m = Model(PLAN, tables)
    assert m.last_day["visits"] == pd.Timestamp("2025-10-14")
    assert m.source_end("visits") == pd.Timestamp("2025-10-14")
    row = followup(PLAN, tables, 2025, "helar").iloc[0]
    assert row["span"] == "jan–sep" and row["period_end"] == "2025-09-30"
    # jan–sep 2025 = 273 days: norr 10 a day, syd 4 a day (the 15 March outage imputed as 4)
    assert row["value"] == pytest.approx(10 * 273 + 4 * 273)
    # jan–sep 2024 (a leap year) = 274 days
    assert row["previous"] == pytest.approx(14 * 274)
    assert row["note"].startswith(
        "ofullständig: besök t.o.m. 2025-10-14, okt 2025 utelämnad (ofullständig månad); jan–sep jämförs med jan–sep 2024"
    )
    # October alone has no complete data: no status, and the reason says why
    octo = followup(PLAN, tables, 2025, "M10").iloc[0]
    assert octo["status"] == "ingen_data"
    assert octo["status_reason"] == "ofullständig period: besök t.o.m. 2025-10-14, okt 2025 utelämnad (ofullständig månad)"


def test_one_unit_stopping_early_cuts_the_month_for_the_follow_up() -> None:
    tables = tiny_tables(visits=_visits_until("2025-10-31", "2025-10-10"))
    m = Model(PLAN, tables)
    assert m.cut_month["visits"] == 2025 * 12 + 9 and m.last_day["visits"] == pd.Timestamp("2025-10-31")
    assert followup(PLAN, tables, 2025, "helar").iloc[0]["span"] == "jan–sep"


def test_an_export_ending_on_the_last_open_day_keeps_its_month() -> None:
    # 31 December (nyårsafton) is a closed day: data through the 30th is the whole of December
    tables = tiny_tables(visits=_visits_until("2025-12-30", "2025-12-30"))
    m = Model(PLAN, tables)
    assert m.cut_month == {} and m.last_day["visits"] == pd.Timestamp("2025-12-30")
    row = followup(PLAN, tables, 2025, "helar").iloc[0]
    assert row["span"] == "jan–dec" and bool(row["complete"])


def test_opening_hours_follow_the_same_months_as_the_other_data() -> None:
    """Schedules run on past the data: with loans and visits to October, helår 2025's opening hours
    per week are January–October's, compared with January–October 2024."""
    from tests.test_goals_values import tiny_loans

    plan = plan_of(indicator("timmar", {"measure": {"table": "opening_hours"}, "denominator": {"kind": "weeks"}}))
    tables = tiny_tables(loans=tiny_loans(last="2025-10-01"), visits=_visits_until("2025-10-31", "2025-10-31"))
    row = followup(plan, tables, 2025, "helar", unit="norr").iloc[0]
    assert row["span"] == "jan–okt" and row["period_end"] == "2025-10-31"
