"""Dashboard building blocks without a browser: formatting, URL state, view models, coverage,
figure builders.  Expected values are written out by hand."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import formatting as f
from dashboard import state, views
from dashboard.coverage import coverage
from dashboard.figures import coverage_figure, sparkline, trend_figure, units_bar, ytd_figure
from dashboard.figures.units import filter_units
from dashboard.i18n import STRINGS, t
from etl.tables import Tables, conform

NB = "\u00a0"


# ---------------------------------------------------------------------------- formatting
def test_swedish_numbers() -> None:
    assert f.fmt_number(1234567) == f"1{NB}234{NB}567"
    assert f.fmt_number(4.26, 1) == "4,3"
    assert (f.fmt_number(4.25, 1), f.fmt_number(86.5), f.fmt_number(2.5)) == ("4,3", "87", "3")  # halves up
    assert f.fmt_number(0.5178, 2) == "0,52"
    assert f.fmt_percent(85) == f"85{NB}%"
    assert f.fmt_percent(5.5556, 1, signed=True) == f"+5,6{NB}%"
    assert f.fmt_signed(-4.2, 1) == "\u22124,2"
    assert f.fmt_signed(0.01, 1) == "±0,0"
    assert f.fmt_value(72.4, 0, "%") == f"72{NB}%"
    assert f.fmt_value(1500, 0, "lån") == f"1{NB}500"


def test_english_numbers_and_missing() -> None:
    assert f.fmt_number(1234567.5, 1, "en") == "1,234,567.5"
    assert f.fmt_percent(85, lang="en") == "85%"
    for missing in (None, float("nan"), pd.NA):
        assert f.fmt_number(missing) == "–"


def test_dates_and_months() -> None:
    assert f.fmt_date(dt.date(2026, 10, 31)) == "2026-10-31"
    assert f.fmt_date(dt.date(2026, 10, 31), style="long") == "31 oktober 2026"
    assert f.month_names()[:3] == ["jan", "feb", "mars"]
    assert f.month_name(5, width="wide") == "maj"
    assert f.month_name(10, "en", "wide") == "October"
    assert f.fmt_datetime(dt.datetime(2026, 11, 25, 14, 3, 59)) == "2026-11-25 14:03"


def test_every_ui_string_has_both_languages() -> None:
    assert all(set(v) == {"sv", "en"} for v in STRINGS.values())
    assert t("data_until", date="2026-10-31") == "Data t.o.m. 2026-10-31"
    with pytest.raises(KeyError):
        t("no_such_key")


# ---------------------------------------------------------------------------- URL state
def test_query_round_trip() -> None:
    view = state.ViewState(year=2026, period="T2", unit="gottsunda", goal="kultur", lang="en")
    assert view.query() == "?year=2026&period=T2&unit=gottsunda&goal=kultur&lang=en"
    assert state.parse(view.query()) == view
    assert state.ViewState(year=2025, period="helar").query() == "?year=2025&period=helar"


def test_bad_query_values_fall_back() -> None:
    view = state.parse("?year=tjugo&period=X9&lang=fi&unit=")
    assert view == state.ViewState()
    assert state.parse("?period=ar").period == "helar"


def test_controls_update_the_query_and_keep_the_language() -> None:
    new = state.from_controls("?year=2026&period=T2&lang=en", {"period": "T1", "unit": "ALLA", "goal": "kultur"})
    assert new == "?year=2026&period=T1&goal=kultur&lang=en"
    assert state.from_controls("?year=2026", {"unit": "norr", "year": "2025"}) == "?year=2025&unit=norr"


# ---------------------------------------------------------------------------- view models
def test_status_counts_have_every_goal_status() -> None:
    gs = pd.DataFrame({"goal_id": ["a", "b", "c"], "status": ["delvis", "uppnatt", "delvis"]})
    assert views.status_counts(gs) == {"uppnatt": 1, "delvis": 2, "ej_uppnatt": 0, "ingen_data": 0}


def test_unit_profile_against_the_organisation() -> None:
    cols = dict(goal_name="G", indicator_name="I", target=2.0, status="delvis", decimals=1, unit_label="", note="")
    unit = pd.DataFrame([{"goal_id": "g", "indicator_id": "x", "value": 1.5, **cols},
                         {"goal_id": "g", "indicator_id": "y", "value": 3.0, **cols}])  # fmt: skip
    org = pd.DataFrame([{"goal_id": "g", "indicator_id": "x", "value": 2.0},
                        {"goal_id": "g", "indicator_id": "y", "value": 0.0}])  # fmt: skip
    out = views.unit_profile(unit, org)
    assert out["org_value"].tolist() == [2.0, 0.0]
    assert out["diff_pct"].iloc[0] == pytest.approx(-25.0)  # 1.5 / 2.0 - 1
    assert math.isnan(out["diff_pct"].iloc[1])  # no comparison against zero


def test_trend_frame_puts_the_forecast_on_the_incomplete_year() -> None:
    trend = pd.DataFrame({"year": [2024, 2025, 2026], "value": [10.0, 11.0, 7.0], "target": [None, 11.0, 12.0],
                          "status": ["inget_mal", "uppnatt", "ingen_data"], "complete": [True, True, False],
                          "segment": [0, 0, 0]})  # fmt: skip
    row = pd.Series({"forecast": 11.5, "forecast_low": 11.0, "forecast_high": 12.0})
    out = views.trend_frame(trend, 2026, row)
    assert out["value"].tolist()[:2] == [10.0, 11.0] and math.isnan(out["value"].iloc[2])
    assert out["forecast"].iloc[2] == 11.5 and out["forecast_low"].iloc[2] == 11.0
    assert out["forecast"].iloc[:2].isna().all()


# ---------------------------------------------------------------------------- coverage
def test_coverage_states() -> None:
    units = pd.DataFrame({"unit_id": ["a", "buss"], "name": ["A-biblioteket", "Bussen"],
                          "type": ["stadsdelsbibliotek", "bokbuss"], "district": ["A", None]})  # fmt: skip
    visits = conform("visits", pd.DataFrame({
        "date": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-02-01", "2026-03-05", "2026-01-10", "2026-03-01"]),
        "unit_id": ["a", "a", "a", "a", "buss", "buss"],
        "visits": [10.0, 12.0, float("nan"), 5.0, 30.0, 20.0],
        "estimated": [False, False, False, False, True, False],
    }))  # fmt: skip
    cov = coverage(Tables(units=units, visits=visits), "visits")
    got = {(r.unit_id, pd.Timestamp(r.period).month): r.state for r in cov.itertuples()}
    assert got == {
        ("a", 1): "ok", ("a", 2): "missing", ("a", 3): "ok",  # February's only day is an outage
        ("buss", 1): "estimated", ("buss", 2): "missing", ("buss", 3): "ok",
    }
    fig = coverage_figure(cov)
    assert list(fig.data[0].y) == ["A-biblioteket", "Bussen"]
    assert [list(row) for row in fig.data[0].text] == [["", "✗", ""], ["≈", "✗", ""]]
    validated(fig)


def test_coverage_marks_a_month_missing_every_year_as_a_break() -> None:
    """The bookmobile has no July in 2024 or 2025: a planned break, not a gap; its missing
    March 2025 is a gap."""
    units = pd.DataFrame({"unit_id": ["buss"], "name": ["Bussen"], "type": ["bokbuss"], "district": [None]})
    months = [m for m in pd.date_range("2024-01-01", "2025-12-01", freq="MS")
              if m.month != 7 and m != pd.Timestamp("2025-03-01")]  # fmt: skip
    loans = conform("loans", pd.DataFrame({
        "month": months, "unit_id": "buss", "media_type": "bok", "audience": "vuxna",
        "genre": "skonlitteratur", "initial_loans": 5, "renewals": 1,
    }))  # fmt: skip
    cov = coverage(Tables(units=units, loans=loans), "loans")
    states = {pd.Timestamp(r.period).strftime("%Y-%m"): r.state for r in cov.itertuples()}
    assert (states["2024-07"], states["2025-07"], states["2025-03"], states["2024-03"]) == (
        "pause", "pause", "missing", "ok")  # fmt: skip
    assert list(coverage_figure(cov).data[0].text[0]).count("–") == 2


# ---------------------------------------------------------------------------- figures
def validated(fig: go.Figure) -> go.Figure:
    """Re-build a figure with plotly's validation on: raises on any property plotly.js lacks."""
    return go.Figure(fig.to_plotly_json())

def _trend() -> pd.DataFrame:
    return pd.DataFrame({
        "year": [2021, 2022, 2023, 2024], "value": [5.0, 6.0, 3.0, 3.5], "target": [None, 6.5, 3.2, 3.4],
        "status": ["inget_mal", "delvis", "ej_uppnatt", "uppnatt"], "complete": [True, True, True, True],
        "segment": [0, 0, 1, 1],
    })  # fmt: skip


def test_trend_never_draws_across_a_series_break() -> None:
    fig = trend_figure(_trend(), 1, "lån per invånare")
    lines = [tr for tr in fig.data if tr.mode == "lines" and tr.name == "Utfall"]
    assert [list(tr.x) for tr in lines] == [[2021, 2022], [2023, 2024]]
    markers = {tr.name: tuple(tr.marker.symbol) for tr in fig.data if tr.mode == "markers"}
    assert markers == {"○ Inget mål": ("square",), "◐ Delvis uppnått": ("diamond",),
                       "✗ Ej uppnått": ("x",), "✓ Uppnått": ("circle",)}  # fmt: skip
    assert any(a.text == "Seriebrott" for a in fig.layout.annotations)
    assert fig.layout.separators == f",{NB}"
    validated(fig)


def test_trend_shows_the_forecast_with_its_range() -> None:
    df = _trend().assign(forecast=[None, None, None, 4.0], forecast_low=[None, None, None, 3.5],
                         forecast_high=[None, None, None, 4.6])  # fmt: skip
    fig = trend_figure(df, 1, "")
    forecast = next(tr for tr in fig.data if tr.name == "Helårsprognos")
    assert list(forecast.y) == [4.0]
    assert list(forecast.error_y.array) == pytest.approx([0.6]) and list(forecast.error_y.arrayminus) == [0.5]
    validated(fig)
    spark = validated(sparkline(df, "uppnatt"))
    assert len(spark.data) == 5  # two segment lines, target, forecast link, marker


def test_survey_trend_has_interval_error_bars() -> None:
    df = pd.DataFrame({"year": [2024, 2025], "value": [80.0, 84.0], "target": [85.0, 85.0],
                       "status": ["delvis", "delvis"], "complete": [True, True], "segment": [0, 0],
                       "n": [120, 95], "ci_low": [72.0, 75.5], "ci_high": [86.5, 90.0]})  # fmt: skip
    fig = validated(trend_figure(df, 0, "%"))
    markers = next(tr for tr in fig.data if tr.mode == "markers")
    assert list(markers.error_y.array) == [6.5, 6.0] and list(markers.error_y.arrayminus) == [8.0, 8.5]
    assert f"95 % intervall: 72{NB}%–87{NB}% · antal svar 120" in markers.hovertext[0]


def test_units_bar_sorted_with_intervals_and_icons() -> None:
    df = pd.DataFrame({"unit_id": ["a", "b", "c"], "unit_name": ["A", "B", "C"],
                       "unit_type": ["stadsdelsbibliotek", "bokbuss", "huvudbibliotek"],
                       "value": [80.0, 60.0, 70.0], "target": [75.0, 75.0, 75.0],
                       "status": ["uppnatt", "delvis", "delvis"], "n": [100, 22, 300],
                       "ci_low": [71.0, 40.0, 65.0], "ci_high": [87.0, 77.0, 75.0]})  # fmt: skip
    fig = units_bar(df, 0, "%", highlight="c")
    bar = fig.data[0]
    assert list(bar.marker.line.width) == [0, 3, 0] and list(fig.layout.yaxis.ticktext) == ["B", "<b>C</b>", "A"]
    assert list(bar.y) == ["B", "C", "A"]  # ascending: the largest ends up on top
    assert list(bar.text) == [f"◐ 60{NB}%", f"◐ 70{NB}%", f"✓ 80{NB}%"]
    assert list(bar.error_x.array) == [17.0, 5.0, 7.0] and list(bar.error_x.arrayminus) == [20.0, 5.0, 9.0]
    validated(fig)
    assert list(filter_units(df, include_main=False, include_buses=False)["unit_id"]) == ["a"]


def test_ytd_cut_at_the_last_month_with_data() -> None:
    df = pd.DataFrame({"month": range(1, 13), "value": [1.0] * 10 + [None] * 2, "previous": [1.0] * 12,
                       "cumulative": [float(m) for m in range(1, 11)] + [None] * 2,
                       "cumulative_previous": [float(m) for m in range(1, 13)],
                       "cumulative_change_pct": [0.0] * 10 + [None] * 2})  # fmt: skip
    fig = ytd_figure(df, 2026)
    last_year, this_year = fig.data
    assert (last_year.name, this_year.name) == ("2025", "2026")
    assert len(last_year.x) == 12 and list(this_year.x)[-1] == "okt" and len(this_year.x) == 10
    validated(fig)


# ---------------------------------------------------------------------------- like with like
def _fc_units() -> pd.DataFrame:
    """Three districts at T2 with an annual level 13,0 judged on each one's forecast (hand-made):
    A 8,9 so far, forecast 13,3 (≥ 13,0: uppnått); B 9,5 -> 12,7 (within 0,5: delvis); C has no
    catchment (no value) and must not be drawn."""
    return pd.DataFrame({
        "unit_id": ["a", "b", "c"], "unit_name": ["A", "B", "C"], "unit_type": ["stadsdelsbibliotek"] * 3,
        "span": ["jan–aug"] * 3, "value": [8.9, 9.5, float("nan")], "target": [float("nan")] * 3,
        "target_full_year": [13.0, 13.0, 13.0], "forecast": [13.3, 12.7, float("nan")],
        "status": ["uppnatt", "delvis", "ingen_data"], "status_basis": ["prognos", "prognos", "period"],
        "n": [float("nan")] * 3, "ci_low": [float("nan")] * 3, "ci_high": [float("nan")] * 3,
    })  # fmt: skip


def test_units_bar_on_forecast_draws_forecast_and_full_year_target() -> None:
    fig = units_bar(_fc_units(), 1, "lån per barn")
    bar, forecast, full_target = fig.data
    assert list(bar.y) == ["A", "B"] and list(bar.x) == [8.9, 9.5]  # C (no value) is left out
    assert list(bar.text) == ["8,9", "9,5"]  # the bar is the value so far: no status icon on it
    # the icon sits on the forecast diamond, which is what the status judged
    assert forecast.name == "Prognos helår" and list(forecast.x) == [13.3, 12.7]
    assert list(forecast.text) == ["✓ 13,3", "◐ 12,7"]
    assert full_target.name == "Helårsmål" and list(full_target.x) == [13.0, 13.0]
    assert bar.marker.color == (theme_colour("uppnatt"), theme_colour("delvis"))
    validated(fig)


def test_units_bar_on_the_period_draws_the_period_target() -> None:
    df = _fc_units().iloc[:2].assign(
        target=[9.0, 9.0], target_full_year=[13.0, 13.0], forecast=[float("nan")] * 2,
        status=["ej_uppnatt", "uppnatt"], status_basis=["period", "period"],
    )
    fig = units_bar(df, 1, "lån per barn")
    bar, target = fig.data
    assert list(bar.text) == ["✗ 8,9", "✓ 9,5"]  # 8,9 < 9,0 drawn, ✗ shown
    assert target.name == "Mål jan–aug" and list(target.x) == [9.0, 9.0]
    validated(fig)


def theme_colour(status: str) -> str:
    from dashboard.theme import STATUS_STYLE

    return STATUS_STYLE[status].colour


def test_target_text_pairs_period_and_full_year() -> None:
    row = {"decimals": 0, "unit_label": "tillfällen", "span": "jan–aug", "target": 248.2, "forecast": 382.4,
           "forecast_low": 343.0, "forecast_high": 422.0, "target_full_year": 361.2, "status_basis": "period"}
    text = views.target_text(row)
    assert text.period == "mål jan–aug 248" and text.forecast == "prognos helår 382 · helårsmål 361"
    assert views.target_text(row, with_range=True).forecast == "prognos helår 382 (343–422) · helårsmål 361"
    assert not text.status_on_forecast
    annual = {**row, "target": float("nan"), "target_full_year": 13.0, "decimals": 1, "status_basis": "prognos"}
    text = views.target_text(annual, "en")
    assert text.period == "" and text.forecast == "full-year forecast 382.4 · full-year target 13.0"
    assert text.status_on_forecast
    full_year = {**row, "span": "jan–dec", "forecast": float("nan")}
    assert views.target_text(full_year).joined() == "mål 248"


def test_change_of_a_share_is_in_points() -> None:
    share = {"change": 3.04, "change_pct": float("nan"), "change_kind": "pp"}
    assert views.change_text(share) == f"+3,0{NB}p.e."
    assert views.change_text(share, long=True) == f"+3,0{NB}procentenheter"
    assert views.change_text(share, "en") == f"+3.0{NB}pp"
    count = {"change": 4, "change_pct": 1.6949, "change_kind": "pct"}
    assert views.change_text(count) == f"+1,7{NB}%"
    assert f.fmt_change(-2.0, float("nan"), "pp") == f"\u22122,0{NB}p.e."
    assert views.change_text({"change": float("nan"), "change_pct": float("nan"), "change_kind": "pct"}) == ""


def test_difference_with_the_organisation_only_for_rates() -> None:
    from goals.plan import parse_plan

    def ind(definition: dict, unit: str = "st") -> object:
        plan = parse_plan({"goals": [{"id": "g", "name": "G"}], "indicators": [{
            "id": "x", "name_sv": "x", "name_en": "x", "goals": ["g"], "unit": unit, "description_sv": ".",
            "definition": definition}]}, "t.yaml")  # fmt: skip
        return plan.indicator("x")

    loans = ind({"measure": {"table": "loans"}})
    per_capita = ind({"measure": {"table": "loans"}, "denominator": {"kind": "population"}})
    share = ind({"measure": {"table": "events", "aggregation": "count", "filters": {"partner": {"present": True}}},
                 "denominator": {"kind": "measure", "measure": {"table": "events", "aggregation": "count"}},
                 "scale": 100}, "%")  # fmt: skip
    hours = ind({"measure": {"table": "opening_hours"}, "denominator": {"kind": "weeks"}})
    assert not views.compare_with_organisation(loans) and not views.compare_with_organisation(hours)
    assert views.compare_with_organisation(per_capita) and views.compare_with_organisation(share)
    assert math.isnan(views.difference_with_organisation(520, 6500, loans)[0])  # a part of the whole
    diff, kind = views.difference_with_organisation(5.2, 6.5, per_capita)
    assert diff == pytest.approx(-20.0) and kind == "pct"  # 5,2 / 6,5 − 1
    assert views.difference_with_organisation(25.0, 22.0, share) == (pytest.approx(3.0), "pp")


def test_unfinished_period_note() -> None:
    fu = pd.DataFrame({"span": ["jan–okt", "jan–dec"], "period_end": ["2026-10-31", "2025-12-31"]})
    # helår 2026 with data through October (the survey row shows last year's wave: ignored)
    assert views.unfinished_note(fu, 2026, "helar", dt.date(2026, 10, 31)) == (
        " (ofullständig: jan–okt, data t.o.m. 2026-10-31)")  # fmt: skip
    done = pd.DataFrame({"span": ["jan–aug"], "period_end": ["2026-08-31"]})
    assert views.unfinished_note(done, 2026, "T2", dt.date(2026, 10, 31)) == ""


def test_sparkline_colours_the_forecast_by_its_own_status() -> None:
    row = {"status": "delvis", "forecast": 382.0, "forecast_status": "uppnatt"}
    assert views.drawn_status(row) == "uppnatt"
    assert views.drawn_status({**row, "forecast": float("nan")}) == "delvis"


def test_half_up_rounding_everywhere() -> None:
    from cli.followup import num
    from report.numbers import sv_number

    # 1 006 178,5: babel alone would give 1 006 178 (half to even)
    assert f.fmt_number(1006178.5) == f"1{NB}006{NB}179" == num(1006178.5) == sv_number(1006178.5)


def test_unit_profile_difference_only_for_rates() -> None:
    """Per-capita 6,0 against the library's 5,0 is +20 %; a count and a share get no difference."""
    from types import SimpleNamespace

    from dashboard.views import unit_profile

    def ind(id_, adds, pct):
        return SimpleNamespace(id=id_, adds_up_over_units=adds, is_percentage=pct)

    plan = SimpleNamespace(indicators=[ind("per_inv", False, False), ind("lan", True, False), ind("andel", False, True)])
    base = {"goal_id": "g", "goal_name": "G", "target": None, "status": "inget_mal", "decimals": 1,
            "unit_label": "", "note": ""}  # fmt: skip
    unit = pd.DataFrame([{**base, "indicator_id": i, "indicator_name": i, "value": v}
                         for i, v in [("per_inv", 6.0), ("lan", 100.0), ("andel", 40.0)]])  # fmt: skip
    org = pd.DataFrame([{**base, "indicator_id": i, "indicator_name": i, "value": v}
                        for i, v in [("per_inv", 5.0), ("lan", 1000.0), ("andel", 50.0)]])  # fmt: skip
    diff = unit_profile(unit, org, plan).set_index("indicator_id")["diff_pct"]
    assert diff["per_inv"] == pytest.approx(20.0)
    assert math.isnan(diff["lan"]) and math.isnan(diff["andel"])
