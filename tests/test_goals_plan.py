"""The goals file: the sample validates, and mistakes give errors naming file, key path and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from goals import PlanError, load_plan
from goals.plan import parse_plan

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample" / "biblioteksplan.yaml"


def test_sample_plan_has_seven_goals_with_three_to_six_indicators() -> None:
    plan = load_plan(SAMPLE)
    assert [g.name for g in plan.goals] == [
        "Språk- och läsutvecklingscentra",
        "Stödja sökande efter kunskap och bildning",
        "Bidra till livaktig demokrati",
        "Tillgängliga och välkomnande",
        "Kulturcentra",
        "Tydlig förankring i det omgivande samhället",
        "Utvecklad marknadsföring",
    ]
    for g in plan.goal_set("biblioteksplan").goals:
        assert 3 <= len(g.indicators) <= 6, g.id
    tables = {i.definition.measure.table for i in plan.indicators}
    assert tables == {"loans", "visits", "events", "opening_hours", "survey"}
    aggs = {(i.definition.measure.aggregation, tuple(i.definition.measure.filters.get("item", ()) and [i.definition.measure.filters["item"]])) for i in plan.indicators}
    assert ("top2box", ("bemotande",)) in aggs and ("mean", ("bemotande",)) in aggs
    assert ("top2box", ("kan_paverka",)) in aggs and ("top2box", ("hitta",)) in aggs
    assert any(a == "nki" for a, _ in aggs)
    upp = plan.goal_set("uppdragsplan")
    assert 4 <= len(upp.goals) <= 6
    for i in plan.indicators:
        assert i.description_sv and i.name_en and i.targets


def _base() -> dict:
    return yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))


def _error(raw: dict, tmp_path: Path) -> str:
    path = tmp_path / "biblioteksplan.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanError) as exc:
        load_plan(path)
    msg = str(exc.value)
    assert str(path) in msg
    return msg


def test_unknown_goal_reference(tmp_path: Path) -> None:
    raw = _base()
    raw["indicators"][0]["goals"] = ["sprak"]
    msg = _error(raw, tmp_path)
    assert "okända mål ['sprak']" in msg and "sprak_las" in msg


def test_unknown_filter_column_names_key_and_allowed_columns(tmp_path: Path) -> None:
    raw = _base()
    raw["indicators"][0]["definition"]["measure"]["filters"] = {"malgrupp": "barn"}
    msg = _error(raw, tmp_path)
    assert "indicators[0] (barnutlan_per_barn).definition.measure" in msg
    assert "okänd kolumn 'malgrupp'" in msg and "audience" in msg


def test_unknown_filter_value_lists_the_allowed_values(tmp_path: Path) -> None:
    raw = _base()
    raw["indicators"][0]["definition"]["measure"]["filters"]["audience"] = ["barn", "ungdom"]
    msg = _error(raw, tmp_path)
    assert "['ungdom']" in msg and "barn, unga, vuxna" in msg


def test_target_needs_exactly_one_kind(tmp_path: Path) -> None:
    raw = _base()
    raw["indicators"][0]["targets"][2026] = {"level": 5, "change_pct": 3}
    msg = _error(raw, tmp_path)
    assert "(barnutlan_per_barn).targets[2026]" in msg and "ange exakt ett av level" in msg


def test_missing_key_and_unknown_key(tmp_path: Path) -> None:
    raw = _base()
    del raw["indicators"][1]["description_sv"]
    raw["indicators"][2]["riktning"] = "higher"
    msg = _error(raw, tmp_path)
    assert "indicators[1] (lasframjande_per_1000_barn).description_sv: " in msg and "lägg till den" in msg
    assert "indicators[2] (deltagare_lasframjande).riktning" in msg and "kontrollera stavningen" in msg


def test_bad_direction_lists_allowed_values(tmp_path: Path) -> None:
    raw = _base()
    raw["indicators"][0]["direction"] = "upp"
    msg = _error(raw, tmp_path)
    assert "direction" in msg and "'higher', 'lower' eller 'closer'" in msg


def test_survey_aggregation_needs_one_item(tmp_path: Path) -> None:
    raw = _base()
    raw["indicators"][0]["definition"] = {"measure": {"table": "survey", "aggregation": "top2box"}}
    msg = _error(raw, tmp_path)
    assert "filters: {item: bemotande}" in msg


def test_top2box_only_for_survey(tmp_path: Path) -> None:
    raw = _base()
    raw["indicators"][0]["definition"]["measure"]["aggregation"] = "top2box"
    msg = _error(raw, tmp_path)
    assert "gäller bara table: survey" in msg


def test_goal_set_with_unknown_indicator(tmp_path: Path) -> None:
    raw = _base()
    raw["goal_sets"][0]["goals"][0]["indicators"].append("finns_inte")
    msg = _error(raw, tmp_path)
    assert "goal_sets" in msg and "finns_inte" in msg


def test_goal_without_indicators(tmp_path: Path) -> None:
    raw = _base()
    raw["goals"].append({"id": "nytt", "name": "Nytt mål"})
    msg = _error(raw, tmp_path)
    assert "['nytt'] har inga indikatorer" in msg


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "biblioteksplan.yaml"
    path.write_text("goals:\n  - id: a\n   name: fel indrag\n", encoding="utf-8")
    with pytest.raises(PlanError, match="rad 3"):
        load_plan(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="filen finns inte"):
        load_plan(tmp_path / "saknas.yaml")


def test_adding_an_indicator_is_yaml_only() -> None:
    plan = parse_plan(
        {
            "goals": [{"id": "g", "name": "Mål"}],
            "indicators": [
                {
                    "id": "ljudbocker_unga",
                    "name_sv": "Ljudboksutlån till unga",
                    "name_en": "Audiobook loans for youth",
                    "goals": ["g"],
                    "unit": "lån",
                    "description_sv": "Antal utlån av ljudböcker märkta för unga.",
                    "definition": {"measure": {"table": "loans", "filters": {"media_type": "ljudbok", "audience": "unga"}}},
                    "targets": {2026: {"change_pct": 5, "tolerance": 2}},
                }
            ],
        }
    )
    assert plan.indicator("ljudbocker_unga").target(2026).kind == "forandring"


def test_survey_measure_has_no_denominator(tmp_path: Path) -> None:
    raw = _base()
    survey = next(i for i in raw["indicators"] if i["id"] == "bemotande_t2b")
    survey["definition"]["denominator"] = {"kind": "population"}
    msg = _error(raw, tmp_path)
    assert "(bemotande_t2b).definition" in msg and "ingen nämnare" in msg


def test_denominator_measure_must_be_a_sum_or_count(tmp_path: Path) -> None:
    raw = _base()
    raw["indicators"][0]["definition"]["denominator"] = {
        "kind": "measure", "measure": {"table": "events", "aggregation": "distinct", "column": "partner"}
    }
    msg = _error(raw, tmp_path)
    assert "summa eller ett antal" in msg
