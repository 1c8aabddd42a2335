"""``bibplan goals`` and ``bibplan values`` on the tiny hand-built tables."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cli.followup import num, pct
from cli.main import main
from tests.test_goals_values import CHILD_LOANS, tiny_tables

PLAN = {
    "name": "Testplan",
    "goals": [{"id": "las", "name": "Läsning"}, {"id": "bes", "name": "Besök"}],
    "indicators": [
        {
            "id": "barn_pc", "name_sv": "Barnlån per barn", "name_en": "Children's loans per child", "goals": ["las"],
            "unit": "lån per barn", "decimals": 2, "description_sv": "Barnlån delat med barn 0–17 år.",
            "definition": {"measure": CHILD_LOANS, "denominator": {"kind": "population", "age_from": 0, "age_to": 17}},
            "targets": {2025: {"level": 10, "tolerance": 1}},
        },
        {
            "id": "barn_sum", "name_sv": "Barnlån", "name_en": "Children's loans", "goals": ["las"], "unit": "lån",
            "decimals": 0, "description_sv": "Antal barnlån.", "definition": {"measure": CHILD_LOANS},
            "targets": {2025: {"change_pct": 3, "tolerance": 2}},
        },
        {
            "id": "bem", "name_sv": "Nöjda med bemötandet", "name_en": "Satisfied", "goals": ["bes"], "unit": "%",
            "decimals": 0, "description_sv": "Andel 4–5.",
            "definition": {"measure": {"table": "survey", "filters": {"item": "bemotande"}, "aggregation": "top2box"}, "scale": 100},
            "targets": {2025: {"level": 90, "tolerance": 5}},
            "unit_targets": "organisation",  # the level holds for every unit
        },
    ],
    "goal_sets": [{"id": "uppdrag", "name": "Uppdrag", "goals": [{"id": "u1", "name": "Läs mer", "indicators": ["barn_sum"]}]}],
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    plan = tmp_path / "biblioteksplan.yaml"
    plan.write_text(yaml.safe_dump(PLAN, allow_unicode=True), encoding="utf-8")
    import etl.store

    monkeypatch.setattr(etl.store.Store, "read_tables", lambda self: tiny_tables())
    # A wide console, so that a phrase asserted below is not wrapped inside a table cell.
    return {"BIBPLAN_STORE_URL": f"sqlite:///{tmp_path / 'store.sqlite'}", "BIBPLAN_DATA_DIR": str(tmp_path),
            "COLUMNS": "320"}


def _csv(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def test_swedish_number_formats() -> None:
    assert num(1234567) == "1\u00a0234\u00a0567"
    assert num(4.2, 1) == "4,2" and num(12.8, 2) == "12,80"
    assert num(-2.5, 1) == "\u22122,5"
    assert pct(3.04) == "+3,0\u00a0%" and pct(-1.0) == "\u22121,0\u00a0%" and pct(0.0) == "0,0\u00a0%"
    assert num(float("nan")) == ""
    # one rounding rule with the app and the report: halves round up (babel alone rounds to even)
    assert num(1006178.5) == "1\u00a0006\u00a0179" and num(2.5) == "3" and num(0.125, 2) == "0,13"


def test_values_csv_is_raw_numbers_in_columns(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["values", "--year", "2025", "--period", "T2", "--unit", "ALLA", "--unit", "norr",
                                       "--unit", "stad", "--format", "csv"], env=env)
    assert result.exit_code == 0, result.output
    rows = {(r["indicator_id"], r["unit_id"]): r for r in _csv(result.output)}
    # organisation: 8 x 148 = 1 184 children's loans / 170 children = 6.9647; the level 10 is annual:
    # no period target; forecast 6.9647 x 12/8 (2024: flat months) = 10.447 >= 10 -> uppnått
    org = rows[("barn_pc", "ALLA")]
    assert float(org["value"]) == pytest.approx(1184 / 170) and org["target"] == ""
    assert org["target_full_year"] == "10" and org["status_basis"] == "prognos"
    assert float(org["forecast"]) == pytest.approx(1184 / 170 * 1.5) and org["status"] == "uppnatt"
    assert org["period_start"] == "2025-01-01" and org["period_end"] == "2025-08-31"
    norr = rows[("barn_pc", "norr")]
    assert float(norr["value"]) == pytest.approx(1.76) and float(norr["previous"]) == pytest.approx(1.44)
    assert float(norr["change_pct"]) == pytest.approx((1.76 / 1.44 - 1) * 100) and norr["change_kind"] == "pct"
    assert "hela kommunen" in rows[("barn_pc", "stad")]["note"]
    # counts: 1 184 vs 8 x 121 = 968; change target +3 % -> 997.04; full year 12 x 121 x 1.03 = 1 495.56
    count = rows[("barn_sum", "ALLA")]
    assert count["value"] == "1184" and count["previous"] == "968" and count["change"] == "216"
    assert float(count["target"]) == pytest.approx(997.04) and float(count["target_full_year"]) == pytest.approx(1495.56)
    assert count["status"] == "uppnatt" and count["forecast_status"] == "uppnatt"
    # survey: 8/10 at norr (percent, 0-100), interval 49-94 covers 90 -> delvis, n = 10, no forecast
    bem = rows[("bem", "norr")]
    assert bem["value"] == "80" and bem["n"] == "10" and bem["unit_label"] == "%"
    assert float(bem["ci_low"]) == pytest.approx(49.016, abs=0.01) and bem["forecast"] == ""
    assert bem["status"] == "delvis" and "för få svar" in bem["note"]


def test_values_table_pairs_forecast_with_full_year_target(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["values", "--year", "2025", "--period", "T2"], env=env, terminal_width=250)
    assert result.exit_code == 0, result.output
    rows = [[c.strip() for c in x.split("│")[1:-1]] for x in result.output.splitlines() if x.startswith("│")]
    cells = next(r for r in rows if r[1] == "Barnlån")
    # Mål, Indikator, Värde, Föreg. år, Förändring, Målvärde, Status, Helårsprognos, Helårsmål, Prognosstatus
    assert cells[2:7] == ["1\u00a0184", "968", "+22,3\u00a0%", "997 (+3,0\u00a0%)", "Uppnått"]
    assert cells[7].startswith("1\u00a0776") and cells[8] == "1\u00a0496" and cells[9] == "Uppnått"


def test_values_table_goal_filter_and_goal_set(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["values", "--year", "2025", "--period", "helar", "--goal", "bes"], env=env)
    assert result.exit_code == 0, result.output
    assert "Nöjda med bemötandet" in result.output and "Barnlån" not in result.output
    assert "Helår 2025" in result.output
    upp = CliRunner().invoke(main, ["values", "--year", "2025", "--period", "T1", "--goal-set", "uppdrag", "--format", "csv"], env=env)
    assert upp.exit_code == 0, upp.output
    assert [r["goal_name"] for r in _csv(upp.output)] == ["Läs mer"]


def test_values_errors_are_swedish_and_exit_2(env: dict[str, str]) -> None:
    bad_unit = CliRunner().invoke(main, ["values", "--year", "2025", "--period", "T2", "--unit", "nowhere"], env=env)
    assert bad_unit.exit_code == 2 and "okänd enhet 'nowhere'" in bad_unit.output
    bad_period = CliRunner().invoke(main, ["values", "--year", "2025", "--period", "T4"], env=env)
    assert bad_period.exit_code == 2 and "okänd period" in bad_period.output


def test_goals_lists_goals_indicators_and_definitions(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["goals"], env=env)
    assert result.exit_code == 0, result.output
    for text in ("Testplan", "Läsning", "Barnlån per barn", "barn_pc", "invånare 0–17 år", "10,00 (delvis ≥ 9,00)", "Uppdrag"):
        assert text in result.output, text
