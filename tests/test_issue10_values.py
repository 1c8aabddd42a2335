"""Issue 10: values that read two ways or cannot be true are never guessed (parsers and config)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from etl.config import ConfigError, load_sources
from etl.parse import (
    NUM_AMBIGUOUS,
    NUM_BOOL,
    NUM_NONFINITE,
    NUM_OK,
    NUM_TEXT,
    AmbiguousDate,
    NumberStyle,
    ambiguous_date_message,
    ambiguous_number_message,
    parse_datetime,
    parse_number,
    read_dates,
    read_numbers,
)


@pytest.mark.parametrize("cell, value", [
    ("1 234", 1234.0), ("1\u00a0234", 1234.0), ("1\u202f234,5", 1234.5), ("4,2", 4.2), ("12,7", 12.7),
    ("1,234.5", 1234.5), ("1.234,5", 1234.5), ("1,234,567", 1234567.0), ("4.2", 4.2), ("−5", -5.0),
    (" 17 ", 17.0), ("1e15", 1e15), (7, 7.0),
])
def test_numbers_with_one_reading_are_read(cell, value):
    got, reason, _, readings = parse_number(cell)
    assert (got, reason, readings) == (value, NUM_OK, ())


@pytest.mark.parametrize("cell, readings", [("1,234", (1.234, 1234.0)), ("1.234", (1.234, 1234.0)),
                                            ("-2,500", (-2.5, -2500.0))])
def test_numbers_that_read_two_ways_are_ambiguous(cell, readings):
    got, reason, _, both = parse_number(cell)
    assert math.isnan(got) and reason == NUM_AMBIGUOUS and both == readings


@pytest.mark.parametrize("cell, style, value", [
    ("1,234", NumberStyle(decimal="."), 1234.0),  # "." decimals, space thousands: "," fits nothing ...
    ("1,234", NumberStyle(decimal=".", thousands=","), 1234.0),
    ("1,234", NumberStyle(decimal=","), 1.234),
    ("1.234", NumberStyle(decimal=",", thousands="."), 1234.0),
    ("1.234", NumberStyle(decimal="."), 1.234),
])
def test_a_declared_convention_decides(cell, style, value):
    got, reason, _, _ = parse_number(cell, style)
    if style == NumberStyle(decimal="."):
        # ... so with only decimal "." declared, "1,234" is not a number in that convention.
        expected = (1.234, NUM_OK) if cell == "1.234" else (None, NUM_TEXT)
        assert reason == expected[1]
        if expected[0] is not None:
            assert got == expected[0]
        return
    assert (got, reason) == (value, NUM_OK)


@pytest.mark.parametrize("cell, reason", [
    (True, NUM_BOOL), (False, NUM_BOOL), ("TRUE", NUM_TEXT), ("nan", NUM_TEXT), ("inf", NUM_TEXT),
    ("-inf", NUM_TEXT), ("1e400", NUM_NONFINITE), (float("inf"), NUM_NONFINITE), ("1 2", NUM_TEXT),
    ("12 34", NUM_TEXT), ("ca 300", NUM_TEXT), ("–", NUM_TEXT), (dt.date(2024, 1, 1), NUM_TEXT),
])
def test_booleans_infinity_and_text_are_never_numbers(cell, reason):
    got, why, _, _ = parse_number(cell)
    assert math.isnan(got) and why == reason


def test_number_column_keeps_reasons_and_both_readings():
    col = read_numbers([1, 2.5, float("inf"), True, "1,234", "", None, "7"])
    assert col.reason.tolist() == [NUM_OK, NUM_OK, NUM_NONFINITE, NUM_BOOL, NUM_AMBIGUOUS, NUM_OK, NUM_OK, NUM_OK]
    assert col.readings == {4: (1.234, 1234.0)}
    assert col.values[0] == 1 and col.values[7] == 7 and math.isnan(col.values[5])


def test_ambiguous_number_message_shows_both_readings_and_keys():
    msg = ambiguous_number_message("1,234", (1.234, 1234.0))
    assert "1,234 eller 1 234" in msg and "decimal" in msg and "thousands" in msg and "sources.yaml" in msg


@pytest.mark.parametrize("cell, expected", [
    ("2026-11-02", dt.datetime(2026, 11, 2)), ("2026-11-02 08:30", dt.datetime(2026, 11, 2, 8, 30)),
    ("2026-11-02T08:30:05", dt.datetime(2026, 11, 2, 8, 30, 5)), ("20261102", dt.datetime(2026, 11, 2)),
    (46328, dt.datetime(2026, 11, 2)), ("46328", dt.datetime(2026, 11, 2)), (dt.date(2026, 11, 2), dt.datetime(2026, 11, 2)),
    ("13/02/2026", dt.datetime(2026, 2, 13)), ("02/13/2026", dt.datetime(2026, 2, 13)),
    ("05.05.2026", dt.datetime(2026, 5, 5)), ("31.12.2025 23:59", dt.datetime(2025, 12, 31, 23, 59)),
])
def test_dates_with_one_reading_are_read(cell, expected):
    assert parse_datetime(cell) == expected


@pytest.mark.parametrize("cell", ["2026-11-021", "2026-11-02x", "2026-02-30", "11/02/2026 kl", "32/01/2026",
                                  "igår", True, "2026-11-02 25:00"])
def test_trailing_characters_and_impossible_dates_are_not_dates(cell):
    assert parse_datetime(cell) is None


def test_a_swappable_date_is_ambiguous_with_both_readings_and_the_key():
    got = parse_datetime("11/02/2026")
    assert got == AmbiguousDate(dt.datetime(2026, 2, 11), dt.datetime(2026, 11, 2))
    msg = ambiguous_date_message("11/02/2026", got)
    assert "2026-02-11 (dag först)" in msg and "2026-11-02 (månad först)" in msg
    assert 'date_format: "%d/%m/%Y"' in msg and 'date_format: "%m/%d/%Y"' in msg
    assert isinstance(parse_datetime("05.01.2024 10:00"), AmbiguousDate)


def test_a_declared_format_decides_and_still_refuses_trailing_characters():
    assert parse_datetime("11/02/2026", "%m/%d/%Y") == dt.datetime(2026, 11, 2)
    assert parse_datetime("11/02/2026", "%d/%m/%Y") == dt.datetime(2026, 2, 11)
    assert parse_datetime("05.01.2024 10:00", "%d.%m.%Y") == dt.datetime(2024, 1, 5, 10, 0)
    assert parse_datetime("2026-11-02", "%d/%m/%Y") == dt.datetime(2026, 11, 2)  # ISO is always read
    assert parse_datetime("11/02/2026x", "%m/%d/%Y") is None
    assert parse_datetime("13/02/2026", "%m/%d/%Y") is None


def test_date_column_lists_the_ambiguous_cells():
    col = read_dates(["2026-11-02", "11/02/2026", "", "igår"])
    assert col.bad.tolist() == [False, True, False, True]
    assert list(col.ambiguous) == [1]


def _sources(tmp_path, extra: str):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {id: b, kind: visits, pattern: 'b*.csv', counter_mode: in, " + extra + "}\n",
                    encoding="utf-8")
    return path


def test_config_keys_for_formats_and_bounds(tmp_path):
    src = load_sources(_sources(tmp_path, 'date_format: "%m/%d/%Y", decimal: ".", thousands: ",", '
                                           "plausible_max: {visits: 5000}, plausible_ratio: 50, replace_share: 0.2"))
    s = src.sources[0]
    assert (s.date_format, s.number_style, s.bounds(), s.plausible_ratio, s.replace_share) == (
        "%m/%d/%Y", NumberStyle(".", ","), {"visits": 5000}, 50, 0.2)


@pytest.mark.parametrize("extra, key, words", [
    ("dayfirst: true", "sources[0] (b)", "date_format"),
    ('decimal: ",", thousands: ","', "sources[0] (b)", "olika tecken"),
    ('date_format: "%Y"', "sources[0] (b)", "saknar %d"),
    ("plausible_max: {loans: 5}", "sources[0] (b)", "okända fält ['loans']"),
    ('decimal: ";"', "sources[0] (b).decimal", "tillåtna värden"),
])
def test_config_errors_for_the_new_keys(tmp_path, extra, key, words):
    with pytest.raises(ConfigError) as err:
        load_sources(_sources(tmp_path, extra))
    (got_key, msg), = err.value.errors
    assert got_key == key and words in msg
