"""Indicator values on tiny hand-built tables: every aggregation and denominator, computed by hand.

The tiny organisation: ``stad`` (huvudbibliotek, whole city), ``norr`` and ``syd`` (district
libraries for the districts Norr and Syd), ``buss`` (bookmobile, whole city).  A third district,
Öst, has inhabitants but no library.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from etl.tables import Tables, conform
from goals import followup, monthly, parse_period, trend, unit_comparison
from goals.model import Model
from goals.plan import parse_plan

UNITS = pd.DataFrame(
    {
        "unit_id": ["stad", "norr", "syd", "buss"],
        "name": ["Stadsbiblioteket", "Norr", "Syd", "Bokbussen"],
        "type": ["huvudbibliotek", "stadsdelsbibliotek", "stadsdelsbibliotek", "bokbuss"],
        "district": [None, "Norr", "Syd", None],
    }
)
# children's book loans per month (initial, renewals) in 2025; 2024 initial loans are 80 %
CHILD = {"stad": (100, 10), "norr": (20, 2), "syd": (10, 1), "buss": (5, 0)}
CHILD_2024 = {"stad": (80, 10), "norr": (16, 2), "syd": (8, 1), "buss": (4, 0)}
ADULT_NONFICTION = {"stad": 50, "norr": 6, "syd": 3, "buss": 1}  # initial loans per month


def tiny_loans(last: str = "2025-12-01", skip: tuple[tuple[str, str], ...] = ()) -> pd.DataFrame:
    rows = []
    for month in pd.date_range("2024-01-01", last, freq="MS"):
        for u in CHILD:
            if (u, f"{month:%Y-%m}") in skip:
                continue
            ini, ren = (CHILD if month.year == 2025 else CHILD_2024)[u]
            rows.append((month, u, "bok", "barn", "skonlitteratur", ini, ren))
            rows.append((month, u, "bok", "vuxna", "facklitteratur", ADULT_NONFICTION[u], 0))
    return conform(
        "loans",
        pd.DataFrame(rows, columns=["month", "unit_id", "media_type", "audience", "genre", "initial_loans", "renewals"]),
    )


def tiny_population() -> pd.DataFrame:
    rows = []
    for year in (2024, 2025):
        rows += [
            (year, "Norr", 0, 17, 100), (year, "Norr", 18, 64, 300), (year, "Norr", 65, None, 100),
            (year, "Syd", 0, 17, 50), (year, "Syd", 18, None, 150),
            (year, "Öst", 0, 17, 20), (year, "Öst", 18, None, 80),
        ]
    return conform("population", pd.DataFrame(rows, columns=["year", "district", "age_from", "age_to", "population"]))


def tiny_visits() -> pd.DataFrame:
    days = pd.date_range("2024-01-01", "2025-12-31", freq="D")
    norr = pd.DataFrame({"date": days, "unit_id": "norr", "visits": 10.0, "estimated": False})
    syd = pd.DataFrame({"date": days, "unit_id": "syd", "visits": 4.0, "estimated": False})
    syd.loc[syd["date"] == pd.Timestamp("2025-03-15"), "visits"] = math.nan  # counter outage
    return conform("visits", pd.concat([norr, syd], ignore_index=True))


def tiny_opening_hours() -> pd.DataFrame:
    # norr: Mon-Thu 10-19 (9 h, of which 1 h after 18), Fri 10-16, Sat 11-15, Sun meröppet 08-12
    rows = [("norr", "2024-01-01", wd, "bemannad", "10:00", "19:00", 9.0) for wd in (1, 2, 3, 4)]
    rows += [
        ("norr", "2024-01-01", 5, "bemannad", "10:00", "16:00", 6.0),
        ("norr", "2024-01-01", 6, "bemannad", "11:00", "15:00", 4.0),
        ("norr", "2024-01-01", 7, "meroppet", "08:00", "12:00", 4.0),
    ]
    return conform("opening_hours", pd.DataFrame(rows, columns=["unit_id", "valid_from", "weekday", "service", "opens", "closes", "hours"]))


def tiny_events() -> pd.DataFrame:
    rows = [
        ("2025-02-10", "norr", "Babyläsning", 102, "barn", 12, "BVC Norr"),
        ("2025-03-05", "norr", "Valdebatt", 113, "vuxna", 30, None),
        ("2025-03-20", "norr", "Stadsplanen", 113, "vuxna", None, "ABF"),
        ("2025-05-02", "syd", "Rim och ramsor", 117, "barn", 8, None),
        ("2025-10-01", "syd", "Högläsning", 102, "barn", 5, None),
        ("2024-03-01", "norr", "Debatt 2024", 113, "vuxna", 20, None),
        ("2024-01-05", "stad", "Nyårskonsert", 115, "alla", 100, None),
    ]
    return conform("events", pd.DataFrame(rows, columns=["date", "unit_id", "title", "kb_category", "target_group", "participants", "partner"]))


def tiny_survey() -> pd.DataFrame:
    rows = []
    # norr 2025, bemötande: 8 of 10 answers are 4 or 5, one "Vet ej" (missing); mean 40/10 = 4.0
    for i, v in enumerate([5, 5, 5, 4, 4, 4, 4, 4, 3, 2, math.nan]):
        rows.append((2025, f"n{i}", "norr", "30-49", "bemotande", v, 5))
    # syd 2025 asked bemötande on 1-10: 10 and 9 are top-2-box
    for i, v in enumerate([10, 9, 6, 1]):
        rows.append((2025, f"s{i}", "syd", "30-49", "bemotande", v, 10))
    # NKI: three respondents at norr 2025
    for rid, answers in (("k1", (10, 10, 10)), ("k2", (7, 7, 7)), ("k3", (4, math.nan, 7))):
        for item, v in zip(("nki_helhet", "nki_forvantningar", "nki_ideal"), answers):
            rows.append((2025, rid, "norr", "50-64", item, v, 10))
    # norr 2024, bemötande: 1 of 2 top-2-box
    rows += [(2024, "o1", "norr", "30-49", "bemotande", 5, 5), (2024, "o2", "norr", "30-49", "bemotande", 3, 5)]
    return conform("survey", pd.DataFrame(rows, columns=["wave", "respondent_id", "unit_id", "age_group", "item", "value", "scale_max"]))


def tiny_tables(**overrides: pd.DataFrame) -> Tables:
    parts = dict(
        units=UNITS,
        loans=tiny_loans(),
        visits=tiny_visits(),
        events=tiny_events(),
        opening_hours=tiny_opening_hours(),
        survey=tiny_survey(),
        population=tiny_population(),
    )
    parts.update(overrides)
    return Tables(**parts)


def indicator(id_: str, definition: dict, **extra) -> dict:
    return {
        "id": id_,
        "name_sv": id_,
        "name_en": id_,
        "goals": ["g1"],
        "unit": "st",
        "description_sv": "Test.",
        "definition": definition,
        **extra,
    }


def plan_of(*indicators: dict, **extra):
    return parse_plan({"goals": [{"id": "g1", "name": "Mål 1"}], "indicators": list(indicators), **extra}, "test.yaml")


CHILD_LOANS = {"table": "loans", "filters": {"audience": "barn", "media_type": "bok"}, "aggregation": "sum"}
PLAN = plan_of(
    indicator("barn_pc", {"measure": CHILD_LOANS, "denominator": {"kind": "population", "age_from": 0, "age_to": 17}}),
    indicator("barn_sum", {"measure": CHILD_LOANS}),
    indicator("initial", {"measure": {**CHILD_LOANS, "column": "initial_loans"}}),
    indicator("fack_pc", {"measure": {"table": "loans", "filters": {"genre": "facklitteratur"}}, "denominator": {"kind": "population"}, "scale": 1000}),
    indicator("besok", {"measure": {"table": "visits"}}),
    indicator("besok_per_timme", {"measure": {"table": "visits"}, "denominator": {"kind": "opening_hours"}}),
    indicator("timmar_vecka", {"measure": {"table": "opening_hours"}, "denominator": {"kind": "weeks"}}),
    indicator(
        "kvall_andel",
        {
            "measure": {"table": "opening_hours", "column": "hours_evening_weekend"},
            "denominator": {"kind": "measure", "measure": {"table": "opening_hours", "column": "hours"}},
            "scale": 100,
        },
    ),
    indicator(
        "lasfr",
        {
            "measure": {"table": "events", "filters": {"kb_category": [101, 102, 117], "target_group": "barn"}, "aggregation": "count"},
            "denominator": {"kind": "population", "age_from": 0, "age_to": 17},
            "scale": 1000,
        },
    ),
    indicator("debatt_deltagare", {"measure": {"table": "events", "filters": {"kb_category": 113}, "aggregation": "sum", "column": "participants"}}),
    indicator("partners", {"measure": {"table": "events", "aggregation": "distinct", "column": "partner"}}),
    indicator(
        "partner_andel",
        {
            "measure": {"table": "events", "filters": {"partner": {"present": True}}, "aggregation": "count"},
            "denominator": {"kind": "measure", "measure": {"table": "events", "aggregation": "count"}},
            "scale": 100,
        },
    ),
    indicator("bem_t2b", {"measure": {"table": "survey", "filters": {"item": "bemotande"}, "aggregation": "top2box"}, "scale": 100}),
    indicator("bem_mean", {"measure": {"table": "survey", "filters": {"item": "bemotande"}, "aggregation": "mean"}}),
    indicator("nki", {"measure": {"table": "survey", "aggregation": "nki"}}),
    indicator("svarande", {"measure": {"table": "survey", "filters": {"item": "bemotande"}, "aggregation": "count"}}),
)


@pytest.fixture(scope="module")
def model() -> Model:
    return Model(PLAN, tiny_tables())


def val(model: Model, ind: str, unit: str | None, year: int, period: str):
    return model.value(PLAN.indicator(ind), model.selection(unit), parse_period(year, period))


def test_sum_per_capita_district_organisation_and_type(model: Model) -> None:
    # norr T2 2025: 8 months x (20 + 2) = 176 loans / 100 children
    assert val(model, "barn_pc", "norr", 2025, "T2").value == pytest.approx(1.76)
    # organisation: 8 x (110 + 22 + 11 + 5) = 1184 / all children 100 + 50 + 20 = 170
    assert val(model, "barn_pc", None, 2025, "T2").value == pytest.approx(1184 / 170)
    # district libraries together: 8 x (22 + 11) = 264 / (100 + 50)
    assert val(model, "barn_pc", "typ:stadsdelsbibliotek", 2025, "T2").value == pytest.approx(1.76)


def test_whole_city_units_get_no_per_capita_value(model: Model) -> None:
    for unit in ("stad", "buss", "typ:bokbuss", "typ:huvudbibliotek"):
        v = val(model, "barn_pc", unit, 2025, "T2")
        assert math.isnan(v.value)
        assert any("hela kommunen" in n for n in v.notes)
    # ... but their counts are there
    assert val(model, "barn_sum", "stad", 2025, "T2").value == 8 * 110


def test_sum_of_another_column_and_scale(model: Model) -> None:
    assert val(model, "initial", "norr", 2025, "Q1").value == 3 * 20
    # non-fiction per 1,000 inhabitants, whole year, organisation: 12 x 60 loans / 800 inhabitants
    # (Norr 500 + Syd 200 + Öst 100: the district without a library counts for the organisation)
    assert val(model, "fack_pc", None, 2025, "helar").value == pytest.approx(12 * 60 / 800 * 1000)
    # syd: 12 x 3 / 200 inhabitants
    assert val(model, "fack_pc", "syd", 2025, "helar").value == pytest.approx(12 * 3 / 200 * 1000)


def test_visits_impute_missing_days_and_per_opening_hour(model: Model) -> None:
    # Q1 2025: 90 days; syd lost 2025-03-15 (outage, NaN, not 0), imputed by default as the median
    # of the Saturdays four weeks either side (all 4): 90 x 4, flagged "skattat"
    syd = val(model, "besok", "syd", 2025, "Q1")
    assert syd.value == 90 * 4 and syd.complete
    # syd has no schedule: every day is open except 1 and 6 January (holidays): 88 open days
    assert "skattat: 1 av 88 öppetdagar (1,1 %) med samma veckodags median" in syd.notes
    assert val(model, "besok", None, 2025, "Q1").value == 90 * 10 + 90 * 4
    # January 2025 starts on a Wednesday: Mon 4, Tue 4, Wed 5, Thu 5, Fri 5, Sat 4, Sun 4.
    # norr hours: (4 + 4 + 5 + 5) x 9 + 5 x 6 + 4 x 4 + 4 x 4 = 224, less the holidays (closed):
    # nyårsdagen (Wed) and trettondedag jul (Mon), 9 hours each = 206; visits 31 x 10 = 310
    assert val(model, "besok_per_timme", "norr", 2025, "M01").value == pytest.approx(310 / 206)


def test_opening_hours_per_week_and_evening_share(model: Model) -> None:
    # T1 2025 (120 days) weekday counts: Mon 17, Tue 17, Wed 18, Thu 17, Fri 17, Sat 17, Sun 17;
    # closed on the holidays: 1 Jan (Wed 9 h), 6 Jan (Mon 9 h), långfredagen 18 Apr (Fri 6 h),
    # påskafton (Sat 4 h), påskdagen (Sun 4 h), annandag påsk 21 Apr (Mon 9 h) = 41 h
    hours = (17 + 17 + 18 + 17) * 9 + 17 * 6 + 17 * 4 + 17 * 4 - 41  # = 818
    assert val(model, "timmar_vecka", "norr", 2025, "T1").value == pytest.approx(hours / (120 / 7))
    # after 18 on Mon-Thu (1 h each) plus all weekend hours (Sat 4, Sun 4), less the holidays'
    # 1 + 1 + 0 + 4 + 4 + 1 = 11
    evening = (17 + 17 + 18 + 17) * 1 + 17 * 4 + 17 * 4 - 11
    assert val(model, "kvall_andel", "norr", 2025, "T1").value == pytest.approx(evening / hours * 100)


def test_event_count_sum_distinct_and_share(model: Model) -> None:
    # reading for children (101, 102, 117, barn) in T2 2025: norr 10 Feb, syd 2 May = 2; per 1,000 children
    assert val(model, "lasfr", None, 2025, "T2").value == pytest.approx(2 / 170 * 1000)
    assert val(model, "lasfr", "norr", 2025, "T2").value == pytest.approx(1 / 100 * 1000)
    # participants at 113: 30 + missing (not 0) = 30
    assert val(model, "debatt_deltagare", None, 2025, "helar").value == 30
    # distinct partners over the year: BVC Norr, ABF
    assert val(model, "partners", None, 2025, "helar").value == 2
    assert val(model, "partners", "syd", 2025, "helar").value == 0
    # share of occasions with a partner: 2 of 5 in 2025; 2 of 3 in T1
    assert val(model, "partner_andel", None, 2025, "helar").value == pytest.approx(40.0)
    assert val(model, "partner_andel", None, 2025, "T1").value == pytest.approx(200 / 3)


def test_survey_top2box_with_wilson_interval(model: Model) -> None:
    v = val(model, "bem_t2b", "norr", 2025, "T2")
    assert v.n == 10
    assert v.value == pytest.approx(80.0)
    # Wilson 95 % for 8/10: 0.4902-0.9433
    assert v.ci_low == pytest.approx(49.02, abs=0.01)
    assert v.ci_high == pytest.approx(94.33, abs=0.01)
    assert any("för få svar" in n for n in v.notes)


def test_survey_mean_with_interval(model: Model) -> None:
    v = val(model, "bem_mean", "norr", 2025, "helar")
    assert v.value == pytest.approx(4.0)
    # sd = sqrt(8 / 9); half-width 1.96 x sd / sqrt(10) = 0.5843
    assert v.ci_low == pytest.approx(4 - 0.5843, abs=1e-3)
    assert v.ci_high == pytest.approx(4 + 0.5843, abs=1e-3)


def test_survey_answers_on_ten_point_scale_are_rescaled(model: Model) -> None:
    # syd asked 1-10: 10 and 9 are top-2-box; means on 1-5: 5, 1 + 8 x 4/9, 1 + 5 x 4/9, 1
    assert val(model, "bem_t2b", "syd", 2025, "helar").value == pytest.approx(50.0)
    expected_mean = (5 + (1 + 8 * 4 / 9) + (1 + 5 * 4 / 9) + 1) / 4
    assert val(model, "bem_mean", "syd", 2025, "helar").value == pytest.approx(expected_mean)
    # organisation pools the answers: 8 + 2 of 14
    assert val(model, "bem_t2b", None, 2025, "helar").value == pytest.approx(1000 / 14)
    assert val(model, "svarande", None, 2025, "helar").value == 14


def test_nki_unweighted_per_respondent(model: Model) -> None:
    # respondent indices: (10-1)x100/9 = 100, (7-1)x100/9 = 66.67; k3 answered two of the three
    # questions and gives no index (SCB counts complete answers only)
    v = val(model, "nki", "norr", 2025, "helar")
    assert v.n == 2
    assert v.value == pytest.approx((100 + 600 / 9) / 2)
    assert any("oviktat" in n and "alla NKI-frågor" in n for n in v.notes)


def test_incomplete_when_a_unit_lacks_a_month() -> None:
    tables = tiny_tables(loans=tiny_loans(skip=(("syd", "2025-03"),)))
    m = Model(PLAN, tables)
    v = m.value(PLAN.indicator("barn_sum"), m.selection(None), parse_period(2025, "T1"))
    assert not v.complete
    assert any("Syd (mar 2025)" in n for n in v.notes)
    # norr alone is complete, and so is Q2 for everyone
    assert m.value(PLAN.indicator("barn_sum"), m.selection("norr"), parse_period(2025, "T1")).complete
    assert m.value(PLAN.indicator("barn_sum"), m.selection(None), parse_period(2025, "Q2")).complete


def test_unfinished_year_is_followed_up_year_to_date() -> None:
    # data ends 2025-10-31: helår 2025 is followed up as jan-okt, compared with jan-okt 2024
    # (before: "ingen data" and all of 2024 against part of 2025, which misled)
    tables = tiny_tables(loans=tiny_loans(last="2025-10-01"))
    plan = plan_of(indicator("barn_sum", {"measure": CHILD_LOANS}, targets={2025: {"change_pct": 0}}))
    row = followup(plan, tables, 2025, "helar").iloc[0]
    assert row["complete"] and row["span"] == "jan–okt"
    assert row["period_start"] == "2025-01-01" and row["period_end"] == "2025-10-31"
    assert row["value"] == 10 * 148 and row["previous"] == 10 * 121
    assert row["change_pct"] == pytest.approx((148 - 121) / 121 * 100)
    # change target 0 %: period target = jan-okt 2024; full-year target = all of 2024 (12 x 121)
    assert row["target"] == 10 * 121 and row["target_full_year"] == 12 * 121
    assert row["status"] == "uppnatt" and row["status_basis"] == "period"
    # forecast: 2024 full / jan-okt = 12/10 -> 1 480 x 1.2 = 1 776 >= 1 452
    assert row["forecast"] == pytest.approx(1776) and row["forecast_status"] == "uppnatt"
    assert "ofullständig: data t.o.m. 2025-10-31" in row["note"]
    # T2 is complete and compared: 8 x 148 vs 8 x (80 + 16 + 8 + 4 + 13 renewals) = 8 x 121
    t2 = followup(plan, tables, 2025, "T2").iloc[0]
    assert t2["complete"] and t2["span"] == "jan–aug"
    assert t2["value"] == 8 * 148 and t2["previous"] == 8 * 121
    assert t2["change_pct"] == pytest.approx((148 - 121) / 121 * 100)
    assert t2["status"] == "uppnatt"


def test_unit_missing_a_month_inside_an_unfinished_year_is_still_incomplete() -> None:
    tables = tiny_tables(loans=tiny_loans(last="2025-10-01", skip=(("syd", "2025-03"),)))
    plan = plan_of(indicator("barn_sum", {"measure": CHILD_LOANS}, targets={2025: {"change_pct": 0}}))
    row = followup(plan, tables, 2025, "helar").iloc[0]
    assert not row["complete"] and row["status"] == "ingen_data"
    assert "Syd (mar 2025)" in row["note"]


def test_change_of_a_percentage_is_in_points() -> None:
    # children's book loans / all loans: 2025 148 / (148 + 60) = 71.15 %, 2024 121 / 181 = 66.85 %
    share = indicator(
        "andel", {"measure": CHILD_LOANS, "denominator": {"kind": "measure", "measure": {"table": "loans"}},
                  "scale": 100}, unit="%",
    )
    row = followup(plan_of(share), tiny_tables(), 2025, "T2").iloc[0]
    assert row["value"] == pytest.approx(100 * 148 / 208) and row["previous"] == pytest.approx(100 * 121 / 181)
    assert row["change_kind"] == "pp"
    assert row["change"] == pytest.approx(100 * 148 / 208 - 100 * 121 / 181)  # +4.30 points
    assert math.isnan(row["change_pct"])
    # a share does not add up over the year: no forecast
    assert math.isnan(row["forecast"]) and row["forecast_status"] == ""


def test_population_falls_back_to_latest_year() -> None:
    pop = tiny_population()
    tables = tiny_tables(population=pop[pop["year"] == 2024].reset_index(drop=True))
    m = Model(PLAN, tables)
    v = m.value(PLAN.indicator("barn_pc"), m.selection("norr"), parse_period(2025, "T2"))
    assert v.value == pytest.approx(1.76)
    assert any("befolkning 2024" in n for n in v.notes)


def test_series_break_stops_comparison_and_splits_trend() -> None:
    plan = plan_of(indicator("barn_sum", {"measure": CHILD_LOANS}, series_breaks=[{"date": "2025-01-01", "note_sv": "ny definition"}]))
    tables = tiny_tables()
    row = followup(plan, tables, 2025, "T2").iloc[0]
    assert math.isnan(row["previous"]) and math.isnan(row["change_pct"])
    assert "serien bryts 2025-01-01" in row["note"]
    tr = trend(plan, tables, "barn_sum", "T2", years=[2024, 2025])
    assert list(tr["segment"]) == [0, 1]


def test_views_shapes_and_values() -> None:
    tables = tiny_tables()
    comp = unit_comparison(PLAN, tables, "barn_pc", 2025, "T2")
    assert list(comp["unit_id"]) == ["stad", "norr", "syd", "buss"]
    assert comp.set_index("unit_id").loc["syd", "value"] == pytest.approx(8 * 11 / 50)
    mon = monthly(PLAN, tables, "barn_sum", 2025, unit="norr")
    assert list(mon["month"]) == list(range(1, 13))
    assert mon["value"].iloc[0] == 22 and mon["previous"].iloc[0] == 18
    assert mon["cumulative"].iloc[2] == 66 and mon["cumulative_previous"].iloc[2] == 54
    assert mon["cumulative_change_pct"].iloc[2] == pytest.approx((66 - 54) / 54 * 100)
    df = followup(PLAN, tables, 2025, "T2", unit="*")
    assert {"ALLA", "stad", "norr", "syd", "buss", "typ:stadsdelsbibliotek", "typ:bokbuss"} <= set(df["unit_id"])
