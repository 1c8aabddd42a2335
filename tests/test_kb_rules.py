"""KB's consistency rules, each on hand-made values, and the catalogue's own checks."""

from __future__ import annotations

import pytest

from etl.config import ConfigError
from etl.tables import Tables
from goals.kb import check_rules, kb_export, load_catalogue
from goals.kb.catalogue import parse_catalogue
from goals.kb.compute import TOTAL, KbExport, KbValue

CAT = {
    "source": "test",
    "sections": [{"id": "s", "title": "S"}],
    "variables": [
        {"key": "A1", "section": "s", "question": "a1"},
        {"key": "A2", "section": "s", "question": "a2"},
        {"key": "A99", "section": "s", "question": "sum", "sum_of": ["A1", "A2"]},
        {"key": "B1", "section": "s", "question": "of which", "part_of": "A99"},
        {"key": "Pop", "section": "s", "question": "pop", "scope": "municipality"},
    ],
    "ratios": [{"numerator": "A99", "denominator": "Pop", "min": 1, "max": 10, "label": "A per invånare"}],
}


def _export(vals: dict[str, float | None], unit: dict[str, float | None] | None = None) -> KbExport:
    cat = parse_catalogue(CAT)
    values = {}
    for key, v in vals.items():
        col = {TOTAL: KbValue(v)}
        col["u1"] = KbValue((unit or {}).get(key), applicable=key != "Pop")
        values[key] = col
    return KbExport(2025, cat, [("u1", "Enhet 1", "stadsdelsbibliotek")], values, {k: "" for k in vals})


def _codes(exp: KbExport) -> list[tuple[str, str, str]]:
    return [(p.code, p.severity, p.column) for p in check_rules(exp.catalogue, exp)]


def test_consistent_values_pass() -> None:
    exp = _export({"A1": 10, "A2": 5, "A99": 15, "B1": 7, "Pop": 5}, {"A1": 1, "A2": 2, "A99": 3, "B1": 3})
    assert _codes(exp) == []


def test_sum_that_does_not_equal_its_parts_is_an_error() -> None:
    exp = _export({"A1": 10, "A2": 5, "A99": 16, "B1": 7, "Pop": 5})
    probs = check_rules(exp.catalogue, exp)
    assert [(p.code, p.severity, p.column) for p in probs] == [("kb_sum", "fel", "Hela kommunen")]
    assert "A99 = A1 + A2" in probs[0].message and "16" in probs[0].message and "15" in probs[0].message
    assert probs[0].row == 5 + 2  # the row of A99 on the KB sheet


def test_sum_with_missing_parts_is_a_warning() -> None:
    exp = _export({"A1": 10, "A2": None, "A99": 10, "B1": None, "Pop": 5})
    assert _codes(exp) == [("kb_sum_parts_missing", "varning", "Hela kommunen")]


def test_part_larger_than_its_whole_per_unit() -> None:
    exp = _export({"A1": 10, "A2": 5, "A99": 15, "B1": 7, "Pop": 5}, {"A1": 1, "A2": 2, "A99": 3, "B1": 4})
    assert _codes(exp) == [("kb_part", "fel", "Enhet 1")]


def test_ratio_outside_kb_plausible_range() -> None:
    exp = _export({"A1": 10, "A2": 5, "A99": 15, "B1": 7, "Pop": 1})  # 15 per inhabitant > 10
    probs = check_rules(exp.catalogue, exp)
    assert [(p.code, p.severity) for p in probs] == [("kb_ratio", "varning")]
    assert "15" in probs[0].message and "1–10" in probs[0].message


def test_catalogue_errors_name_the_key_and_the_fix() -> None:
    bad = {**CAT, "variables": CAT["variables"] + [{"key": "C", "section": "s", "question": "c", "sum_of": ["X"]}]}
    with pytest.raises(ConfigError, match="okända variabler"):
        parse_catalogue(bad)
    order = {**CAT, "variables": [CAT["variables"][2]] + CAT["variables"][:2]}
    with pytest.raises(ConfigError, match="före summan"):
        parse_catalogue(order)
    comp = {**CAT, "variables": [{"key": "D", "section": "s", "question": "d",
                                  "compute": {"table": "loans", "column": "initial_loans", "filters": {"media_type": "xx"}}}]}
    with pytest.raises(ConfigError, match="okända värden"):
        parse_catalogue(comp)


def test_bundled_catalogue_follows_bibstat_sum_rules() -> None:
    cat = load_catalogue()
    assert cat["Utlan399"].sum_of[0] == "Utlan301" and cat["Utlan399"].also_sum_of == ["Inilan199", "Omlan299"]
    assert cat["Publ199"].sum_of == [f"Publ{i}" for i in range(101, 121)]
    assert cat["Publ299"].part_of == "Publ199"


def test_no_data_gives_empty_values_never_zero() -> None:
    exp = kb_export(Tables(), 2025)
    assert all(exp.value(v.key) is None for v in exp.catalogue.variables if v.compute and v.compute.table != "events")
    assert exp.value("Utlan399") is None and exp.value("Besok01") is None
