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
    return {"BIBPLAN_STORE_URL": f"sqlite:///{tmp_path / 'store.sqlite'}", "BIBPLAN_DATA_DIR": str(tmp_path)}


def _csv(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out), delimiter=";"))


def test_swedish_number_formats() -> None:
    assert num(1234567) == "1\u00a0234\u00a0567"
    assert num(4.2, 1) == "4,2" and num(12.8, 2) == "12,80"
    assert num(-2.5, 1) == "\u22122,5"
    assert pct(3.04) == "+3,0\u00a0%" and pct(-1.0) == "\u22121,0\u00a0%" and pct(0.0) == "0,0\u00a0%"
    assert num(float("nan")) == ""


def test_values_csv_for_units(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["values", "--year", "2025", "--period", "T2", "--unit", "ALLA", "--unit", "norr",
                                       "--unit", "stad", "--format", "csv"], env=env)
    assert result.exit_code == 0, result.output
    rows = {(r["Indikator"], r["Enhet"]): r for r in _csv(result.output)}
    # organisation: 8 x 148 = 1 184 children's loans / 170 children = 6,96; target 10 (delvis from 9)
    org = rows[("Barnlån per barn", "Hela organisationen")]
    assert org["Värde"] == "6,96" and org["Målvärde"] == "10,00"
    norr = rows[("Barnlån per barn", "Norr")]
    assert norr["Värde"] == "1,76" and norr["Föreg. år"] == "1,44" and norr["Förändring"] == "+22,2\u00a0%"
    assert "hela kommunen" in rows[("Barnlån per barn", "Stadsbiblioteket")]["Not"]
    # counts: 1 184 vs 8 x 121 = 968, +22,3 %; change target +3 % -> 997 (968 x 1,03)
    count = rows[("Barnlån", "Hela organisationen")]
    assert count["Värde"] == "1\u00a0184" and count["Föreg. år"] == "968"
    assert count["Målvärde"] == "997 (+3,0\u00a0%)" and count["Status"] == "Uppnått"
    # survey: 8/10 at norr, interval 49-94 covers 90 -> delvis, n = 10
    bem = rows[("Nöjda med bemötandet", "Norr")]
    assert bem["Värde"] == "80\u00a0%" and bem["n"] == "10" and bem["95 % intervall"] == "49–94"
    assert bem["Status"] == "Delvis uppnått" and "för få svar" in bem["Not"]


def test_values_table_goal_filter_and_goal_set(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["values", "--year", "2025", "--period", "helar", "--goal", "bes"], env=env)
    assert result.exit_code == 0, result.output
    assert "Nöjda med bemötandet" in result.output and "Barnlån" not in result.output
    assert "Helår 2025" in result.output
    upp = CliRunner().invoke(main, ["values", "--year", "2025", "--period", "T1", "--goal-set", "uppdrag", "--format", "csv"], env=env)
    assert upp.exit_code == 0, upp.output
    assert [r["Mål"] for r in _csv(upp.output)] == ["Läs mer"]


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
