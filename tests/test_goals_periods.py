"""Periods: tertials, quarters, months and year boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from goals import parse_period


@pytest.mark.parametrize(
    ("code", "start", "end", "label"),
    [
        ("T1", dt.date(2026, 1, 1), dt.date(2026, 4, 30), "T1 2026 (jan–apr)"),
        ("T2", dt.date(2026, 1, 1), dt.date(2026, 8, 31), "T2 2026 (jan–aug)"),
        ("helar", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "Helår 2026"),
        ("ar", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "Helår 2026"),
        ("Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "Q4 2026 (okt–dec)"),
        ("M12", dt.date(2026, 12, 1), dt.date(2026, 12, 31), "dec 2026"),
        ("m1", dt.date(2026, 1, 1), dt.date(2026, 1, 31), "jan 2026"),
        ("YTD05", dt.date(2026, 1, 1), dt.date(2026, 5, 31), "jan–maj 2026"),
    ],
)
def test_period_bounds_and_labels(code: str, start: dt.date, end: dt.date, label: str) -> None:
    p = parse_period(2026, code)
    assert (p.start, p.end, p.label_sv) == (start, end, label)


def test_leap_february_and_days() -> None:
    assert parse_period(2024, "M02").end == dt.date(2024, 2, 29)
    assert parse_period(2025, "M02").end == dt.date(2025, 2, 28)
    assert parse_period(2024, "T1").days == 31 + 29 + 31 + 30
    assert parse_period(2025, "helar").days == 365


def test_previous_is_the_same_period_last_year_across_the_year_boundary() -> None:
    p = parse_period(2026, "M01").previous()
    assert (p.start, p.end) == (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    t2 = parse_period(2026, "T2").previous()
    assert (t2.code, t2.start, t2.end) == ("T2", dt.date(2025, 1, 1), dt.date(2025, 8, 31))
    assert parse_period(2025, "Q4").previous().end == dt.date(2024, 12, 31)


def test_tertials_are_year_to_date_quarters_are_not() -> None:
    assert parse_period(2026, "T2").year_to_date
    assert parse_period(2026, "helar").is_full_year
    assert not parse_period(2026, "Q2").year_to_date
    assert parse_period(2026, "T2").months == tuple(range(1, 9))
    assert parse_period(2026, "YTD12") == parse_period(2026, "helar")


@pytest.mark.parametrize("code", ["T3", "Q5", "M13", "M00", "vår", ""])
def test_unknown_period_names_the_valid_codes(code: str) -> None:
    with pytest.raises(ValueError, match="T1, T2, helar"):
        parse_period(2026, code)
