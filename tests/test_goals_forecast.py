"""Year-end forecast (helårsprognos) on a hand-built seasonal series."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from etl.tables import conform
from goals import followup
from goals.model import Model
from goals.periods import parse_period
from tests.test_goals_values import indicator, plan_of, tiny_tables

# Monthly loans at norr: (Jan-Aug per month, Sep-Dec per month).  The full-year / Jan-Aug ratios:
# 2021: (40 + 200) / 40 = 6.0 (a pandemic-like year), 2022: 120 / 80 = 1.5,
# 2023: (80 + 48) / 80 = 1.6, 2024: (100 + 40) / 100 = 1.4.  2025 has data up to August: 90.
SERIES = {
    2021: [5] * 8 + [50] * 4,
    2022: [10] * 8 + [10] * 4,
    2023: [10] * 8 + [12] * 4,
    2024: [12] * 4 + [13] * 4 + [10] * 4,
    2025: [11] * 6 + [12] * 2,
}


def seasonal_tables():
    rows = []
    for year, values in SERIES.items():
        for month, v in enumerate(values, start=1):
            rows.append((pd.Timestamp(year, month, 1), "norr", "bok", "vuxna", "skonlitteratur", v, 0))
    loans = conform("loans", pd.DataFrame(rows, columns=["month", "unit_id", "media_type", "audience", "genre", "initial_loans", "renewals"]))
    return tiny_tables(loans=loans)


LOANS = {"measure": {"table": "loans"}}


def forecast(plan, period: str = "T2", year: int = 2025):
    m = Model(plan, seasonal_tables())
    return m.forecast(plan.indicator("x"), m.selection("norr"), parse_period(year, period))


def test_median_ratio_of_the_last_three_comparable_years() -> None:
    plan = plan_of(indicator("x", LOANS), forecast={"years": 3, "exclude_years": [2021]})
    f = forecast(plan)
    assert f.years == (2024, 2023, 2022)
    assert f.value == pytest.approx(90 * 1.5)
    # range: median +- spread (1.6 - 1.4 = 0.2)
    assert f.low == pytest.approx(90 * 1.3)
    assert f.high == pytest.approx(90 * 1.7)


def test_excluded_years_are_skipped_and_included_years_count() -> None:
    plan = plan_of(indicator("x", LOANS), forecast={"years": 4, "exclude_years": [2021]})
    assert forecast(plan).value == pytest.approx(90 * 1.5)  # only three comparable years exist
    plan = plan_of(indicator("x", LOANS), forecast={"years": 4, "exclude_years": []})
    assert forecast(plan).value == pytest.approx(90 * (1.5 + 1.6) / 2)  # median of 1.4, 1.5, 1.6, 6.0


def test_no_forecast_across_a_series_break() -> None:
    plan = plan_of(indicator("x", LOANS, series_breaks=[{"date": "2024-01-01"}]), forecast={"exclude_years": [2021]})
    f = forecast(plan)
    assert f.years == (2024,)
    assert f.value == pytest.approx(90 * 1.4)
    # a single year gives no spread: the range is the minimum of +-1 % of the ratio
    assert f.low == pytest.approx(90 * 1.4 * 0.99) and f.high == pytest.approx(90 * 1.4 * 1.01)


def test_no_forecast_for_complete_years_or_without_history() -> None:
    plan = plan_of(indicator("x", LOANS), forecast={"exclude_years": [2021]})
    assert math.isnan(forecast(plan, "helar", 2024).value)
    assert math.isnan(forecast(plan, "T2", 2021).value)  # no earlier year


def test_incomplete_year_is_forecast_from_the_data_so_far() -> None:
    # data for 2025 ends in August: the year is forecast from Jan-Aug, as at T2
    plan = plan_of(indicator("x", LOANS, targets={2025: {"level": 115, "tolerance": 10}}), forecast={"exclude_years": [2021]})
    assert forecast(plan, "helar", 2025).value == pytest.approx(135)
    row = followup(plan, seasonal_tables(), 2025, "helar").iloc[0]
    # an unfinished year is followed up like T2: the annual level is judged on the forecast
    assert row["complete"] and row["span"] == "jan–aug" and row["value"] == 90
    assert math.isnan(row["target"]) and row["target_full_year"] == 115
    assert row["status"] == "uppnatt" and row["status_basis"] == "prognos"  # the range 117–153 clears 115
    assert row["forecast"] == pytest.approx(135) and row["forecast_status"] == "uppnatt"
    assert "helårsprognos från data hittills i år" in row["note"]
    assert "ofullständig: data t.o.m. 2025-08-31" in row["note"]


def test_t1_forecast() -> None:
    # Jan-Apr ratios: 2022 120/40 = 3.0, 2023 128/40 = 3.2, 2024 140/48 = 2.9167; 2025 Jan-Apr = 44
    plan = plan_of(indicator("x", LOANS), forecast={"exclude_years": [2021]})
    f = forecast(plan, "T1")
    assert f.value == pytest.approx(44 * 3.0)
    assert f.low == pytest.approx(44 * (3.0 - (3.2 - 140 / 48)))


# The forecast at T2 2025 is 135 with the range 117–153 (see above): the status is read from the range.
@pytest.mark.parametrize(
    ("level", "tolerance", "expected"),
    [
        (115, 10, "uppnatt"),  # the whole range reaches 115
        (130, 10, "osakert"),  # 117 is ej uppnått (13 short, beyond 10), 153 is uppnått
        (155, 40, "delvis"),  # 117..153 all within 155 - 40 .. 155
        (200, 10, "ej_uppnatt"),  # even 153 misses 200 - 10
    ],
)
def test_annual_level_target_is_judged_on_the_forecast_range_at_t2(level: float, tolerance: float, expected: str) -> None:
    plan = plan_of(
        indicator("x", LOANS, targets={2025: {"level": level, "tolerance": tolerance}}), forecast={"exclude_years": [2021]}
    )
    # only norr has loans, so the organisation's value is norr's
    row = followup(plan, seasonal_tables(), 2025, "T2").iloc[0]
    assert row["value"] == 90 and row["forecast"] == pytest.approx(135)
    assert (row["forecast_low"], row["forecast_high"]) == (pytest.approx(117), pytest.approx(153))
    assert row["status"] == expected and row["forecast_status"] == expected
    assert "helårsprognosen" in row["note"]
    assert row["forecast_years"] == "2022, 2023, 2024"
    if expected == "osakert":
        assert row["status_reason"] == "prognosintervallet 117–153 rymmer både uppnått och ej uppnått mål (130)"
    else:
        assert row["status_reason"] == ""


def test_change_target_forecast_status_uses_last_full_year() -> None:
    # last full year 2024 = 140; +3 % -> 144.2; the forecast's range 117–153 holds both 153 (reached)
    # and 117 (below 144.2 - 140 x 5 % = 137.2): osäkert
    plan = plan_of(indicator("x", LOANS, targets={2025: {"change_pct": 3, "tolerance": 5}}), forecast={"exclude_years": [2021]})
    row = followup(plan, seasonal_tables(), 2025, "T2", unit="norr").iloc[0]
    # year to date: 90 vs 100 -> -10 %: ej uppnått
    assert row["change_pct"] == pytest.approx(-10.0)
    assert row["target"] == pytest.approx(103) and row["target_full_year"] == pytest.approx(144.2)
    assert row["status"] == "ej_uppnatt" and row["status_basis"] == "period"
    assert row["forecast_status"] == "osakert"
    assert row["forecast_reason"] == "prognosintervallet 117–153 rymmer både uppnått och ej uppnått mål (144,2)"


def test_level_target_of_a_count_belongs_to_the_organisation_unless_set_per_unit() -> None:
    plan = plan_of(
        indicator("x", LOANS, targets={2025: {"level": 115, "tolerance": 10, "units": {"norr": 200}}}),
        forecast={"exclude_years": [2021]},
    )
    df = followup(plan, seasonal_tables(), 2025, "T2", unit=["ALLA", "norr", "syd"]).set_index("unit_id")
    # at T2 an annual level is no period target: it is the full-year target the forecast meets
    assert math.isnan(df.loc["ALLA", "target"]) and df.loc["ALLA", "target_full_year"] == 115
    assert df.loc["ALLA", "status"] == "uppnatt"  # the forecast's range 117–153 clears 115
    assert df.loc["norr", "target_full_year"] == 200 and df.loc["norr", "status"] == "ej_uppnatt"  # 153 < 190
    assert math.isnan(df.loc["syd", "target_full_year"]) and df.loc["syd", "status"] == "inget_mal"
    assert "gäller hela organisationen" in df.loc["syd", "note"]
