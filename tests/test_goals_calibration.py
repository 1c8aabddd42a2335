"""Forecast ranges calibrated by back-testing: the quantile rules by hand, and the measured
coverage on synthetic data within ±5 points of the stated 90 %."""

from __future__ import annotations

import numpy as np
import pytest

from goals import forecast_coverage, load_plan, synthetic
from goals.calibration import MIN_ERRORS, Errors, calibrate, leave_one_year_out, quantiles
from goals.model import Model
from goals.periods import parse_period
from tests.test_goals_sample import SAMPLE


def test_quantiles_hold_the_stated_share_between_them() -> None:
    errors = np.arange(-50, 51) / 100  # -0.50 .. 0.50 in steps of 0.01, 101 values
    lo, hi = quantiles(errors, 0.9)
    assert (lo, hi) == (pytest.approx(-0.45), pytest.approx(0.45))  # 5 % below, 5 % above


def test_leave_one_year_out_checks_each_year_against_the_others() -> None:
    # two years of 40 errors: 2024 all 0.0, 2025 all 0.5.  Left out, 2024's range is 0.5..0.5 and
    # 2025's is 0..0: neither holds the other year's outcomes.
    e = Errors(np.array([0.0] * 40 + [0.5] * 40), np.array([2024] * 40 + [2025] * 40))
    assert leave_one_year_out(e, 0.9) == (0, 80)
    # three years spread alike: every year's errors lie inside the others' 0.9 range but the ends
    base = np.linspace(-0.1, 0.1, 40)
    e3 = Errors(np.tile(base, 3), np.repeat([2023, 2024, 2025], 40))
    hits, tries = leave_one_year_out(e3, 0.9)
    assert tries == 120 and hits == 3 * 36  # 0.9 quantiles of 80 values drop the 2 outermost each side


def test_a_group_with_too_few_errors_is_not_calibrated() -> None:
    small = Errors(np.zeros(MIN_ERRORS - 1), np.repeat(2024, MIN_ERRORS - 1))
    cal = calibrate({("loans", "enhet"): small}, 0.9)
    assert cal.interval("loans", "enhet") is None and cal.measured() == (0, 0)


@pytest.mark.parametrize("code", ["T1", "T2", "YTD10"])
def test_synthetic_back_test_coverage_is_within_five_points_of_the_stated(code: str) -> None:
    plan = load_plan(SAMPLE / "biblioteksplan.yaml")
    model = Model(plan, synthetic.build())
    hits, tries = model.forecast_coverage(parse_period(2026, code))
    assert tries > 500
    assert abs(hits / tries - plan.forecast.coverage) <= 0.05, hits / tries


def test_forecast_ranges_use_the_calibration_and_the_report_states_it() -> None:
    plan = load_plan(SAMPLE / "biblioteksplan.yaml")
    tables = synthetic.build()
    model = Model(plan, tables)
    period = parse_period(2026, "T2")
    ind = plan.indicator("utlan_per_invanare")
    sel = model.selection(None)
    f = model.forecast(ind, sel, period)
    q = model.calibration(period).interval("loans", "samlat")
    assert f.calibrated and q is not None
    assert (f.low, f.high) == (pytest.approx(f.value * (1 + q[0])), pytest.approx(f.value * (1 + q[1])))
    hits, tries, stated = forecast_coverage(plan, tables, 2026, "T2")
    assert (hits, tries) == model.forecast_coverage(period) and stated == 0.9
    # helår 2026 with data to October is forecast from January–October
    assert forecast_coverage(plan, tables, 2026, "helar")[:2] == model.forecast_coverage(parse_period(2026, "YTD10"))
    assert forecast_coverage(plan, tables, 2025, "helar") is None
