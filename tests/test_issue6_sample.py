"""Issue 6: the bundled sample loads with warnings only, and its anomaly warnings are the planted
problems (data/sample/README.md), not a flood."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from etl.pipeline import load_dir
from etl.store import Store

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
ANOMALY_CODES = {"counter_outage", "catch_up_spike", "double_counting", "closed_day_counts", "missing_month",
                 "partial_period", "few_survey_answers", "change_vs_last_year", "no_opening_hours"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('sample') / 'store.sqlite'}")
    report = load_dir(SAMPLE, store, user="test")
    return store, report


def test_sample_loads_with_warnings_only(loaded):
    store, report = loaded
    assert not report.has_errors
    assert {f.status for f in report.files} == {"stored"}
    assert set(store.problems()["severity"]) == {"varning"}


def test_planted_outage_is_one_anomaly_warning_with_its_first_row(loaded):
    _, report = loaded
    outages = [p for p in report.problems if p.code == "counter_outage" and "t.o.m." in p.message]
    # README row 11: Gottsunda's counter broken 11-22 March 2024, 11 open days, first at row 461.
    assert [(p.file, p.row) for p in outages] == [("besok_inut_2024.xlsx", 461)]
    assert outages[0].message.startswith("Gottsunda: besök saknas (tom cell) 2024-03-11 t.o.m. 2024-03-22 "
                                         "(11 öppetdagar)")


def test_few_survey_answers_warned_once_per_wave(loaded):
    _, report = loaded
    few = [p for p in report.problems if "färre än 30" in p.message]
    assert {p.code for p in few} == {"few_survey_answers"}  # the old duplicate "few_answers" is gone
    # README row 33: 22 answers for Bokbussen Norr in 2024, first at row 119.
    assert ("enkat_2024.xlsx", 119, "22") in [(p.file, p.row, p.value) for p in few]
    assert len(few) == len({(p.file, p.value) for p in few})


def test_sample_warnings_are_few_and_summarised(loaded):
    _, report = loaded
    anomalies = [p for p in report.problems if p.code in ANOMALY_CODES]
    counts = Counter(p.code for p in anomalies)
    # Change against last year: at most one warning per unit for a file with few flagged units, one
    # per file otherwise; the sample has 25 files and 15 units.
    changes = [p for p in anomalies if p.code == "change_vs_last_year"]
    per_file = Counter(p.file for p in changes)
    assert all(n <= 6 for n in per_file.values())
    assert len(changes) <= 40
    assert sum(counts.values()) <= 50
