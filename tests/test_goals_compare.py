"""Comparison group and indicator comparison on a hand-made benchmark table."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.config import ConfigError
from goals.compare import Comparison, comparison_frame, group_members
from goals.plan import parse_plan


def _bm(rows: list[tuple[int, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"year": y, "area_code": c, "area_type": "kommun" if len(c) == 4 else "riket",
                          "area_name": c, "variable": v, "label": "", "gender": "T", "value": x}
                         for y, c, v, x in rows])


BM = _bm([
    (2024, "0380", "pop", 240_000), (2024, "0180", "pop", 980_000), (2024, "1280", "pop", 360_000),
    (2024, "1480", "pop", 600_000), (2024, "0580", "pop", 165_000), (2024, "1880", "pop", 160_000),
    (2024, "0380", "grp", 2), (2024, "0580", "grp", 2), (2024, "1880", "grp", 2), (2024, "0180", "grp", 1),
    (2024, "0380", "N09801", 6.1), (2024, "0580", "N09801", 5.0), (2024, "1880", "N09801", 7.0),
    (2024, "1280", "N09801", 4.0), (2024, "00", "N09801", 5.5),
    (2023, "0380", "N09801", 5.9), (2023, "0580", "N09801", 6.2), (2023, "1880", "N09801", 6.4),
    (2023, "1280", "N09801", 6.0),
])


def _cmp(**kw) -> Comparison:
    return Comparison(home="380", indicators={"utlan": {"variable": "N09801", "target": "median",
                                                        "note_sv": "Kolada räknar e-lån med"}}, **kw)


def test_group_by_codes_rule_and_population() -> None:
    assert group_members(_cmp(codes=["0580", "1880", 1280]), BM, 2024) == ["0580", "1880", "1280"]
    assert group_members(_cmp(group_variable="grp"), BM, 2024) == ["0580", "1880"]
    # ±35 % of 240 000 = 156 000 … 324 000
    assert group_members(_cmp(population_variable="pop", population_within_pct=35), BM, 2024) == ["0580", "1880"]


def test_median_range_rank_and_relative_target() -> None:
    f = comparison_frame(_cmp(codes=["0580", "1880", "1280"]), BM, "utlan").set_index("year")
    # 2024: group 5.0, 7.0, 4.0 -> median 5.0, range 4.0–7.0; ours 6.1 is second of four
    assert f.loc[2024, "median"] == 5.0 and f.loc[2024, "min"] == 4.0 and f.loc[2024, "max"] == 7.0
    assert f.loc[2024, "rank"] == 2 and f.loc[2024, "n"] == 4 and f.loc[2024, "status"] == "uppnatt"
    # 2023: group 6.2, 6.4, 6.0 -> median 6.2; ours 5.9 last of four: below the median
    assert f.loc[2023, "median"] == 6.2 and f.loc[2023, "rank"] == 4 and f.loc[2023, "status"] == "ej_uppnatt"
    assert f.loc[2024, "note"] == "Kolada räknar e-lån med"


def test_comparison_config_errors() -> None:
    with pytest.raises(ValueError, match="exakt ett av"):
        Comparison(home="0380")
    with pytest.raises(ValueError, match="ingen kommunkod"):
        Comparison(home="01", codes=["0580"])
    plan = {"goals": [{"id": "g", "name": "G"}],
            "indicators": [{"id": "utlan", "name_sv": "U", "name_en": "L", "goals": ["g"], "unit": "lån",
                            "description_sv": "d", "definition": {"measure": {"table": "loans"}}}],
            "comparison": {"home": "0380", "codes": ["0580"], "indicators": {"okand": {"variable": "N09801"}}}}
    with pytest.raises(ConfigError, match="okända indikatorer"):
        parse_plan(plan)
    plan["comparison"]["indicators"] = {"utlan": {"variable": "N09801"}}
    assert parse_plan(plan).comparison.home_code == "0380"
