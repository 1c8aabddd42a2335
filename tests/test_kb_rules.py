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


# KB's 2014 survey form as libris/bibstat defines it (libstat/survey_templates.py, _survey_template_2014),
# written out here independently of goals/kb/variables.yaml: its numeric keys in order, by section.
_bestand = []
for i in range(101, 114):
    _bestand += [f"Bestand{i}", f"Bestand{i+100}"] + ([] if i == 109 else [f"Bestand{i+200}"])
_loans = []
for i in range(101, 114):
    _loans += [f"Inilan{i}", f"Omlan{i+100}", f"Utlan{i+200}"]
_elan = ["Elan101", "Elan201", "Elan301"]
for i in range(102, 110):
    _elan += [f"Elan{i}", f"Elan{i+100}"]
_openk = []
for i in range(101, 107):
    _openk += [f"Open{i}", f"Open{i+100}"]
_publ = []
for i in range(101, 121):
    _publ += [f"Publ{i}", f"Publ{i+100}"]
BIBSTAT_FORM = [
    ("organisation", ["BemanService01", "Integrerad01", "Obeman01", "ObemanLan01", "Bokbuss01", "BokbussHP01",
                      "Bokbil01", "Population01", "Population02", "Population03"]),
    ("personal", ["Arsverke01", "Arsverke02", "Arsverke03", "Arsverke04", "Arsverke99", "Arsverke05",
                  "Personer01", "Personer02", "Personer99"]),
    ("ekonomi", [f"Utgift0{i}" for i in range(1, 7)] + ["Utgift99", "Utgift07", "Intakt01", "Intakt02", "Intakt03",
                                                       "Intakt99"]),
    ("bestand", _bestand + ["Bestand199", "Bestand299", "Bestand399", "Barn01", "Barn02", "Barn03", "HCG04", "Ref05",
                           "LasnedBest01", "LasnedUtlan01", "Titlar101", "Titlar201", "Titlar301", "Titlar497",
                           "Titlar102", "Titlar202", "Titlar302", "Titlar498", "Titlar199", "Titlar299", "Titlar399",
                           "Titlar499"] + [f"Databas0{i}" for i in range(1, 10)] + ["Databas99"]),
    ("utlan", _loans + ["Inilan199", "Omlan299", "Utlan399", "Laslan01", "Laslan02", "Fjarr101", "Fjarr201", "Fjarr397",
                       "Fjarr102", "Fjarr202", "Fjarr398"]),
    ("elan", _elan + ["Elan199", "Elan299", "Elan399"]),
    ("besok", ["Besok01", "Besok02", "Besok03", "Besok04", "Besok05", "Aktiv01", "Aktiv02", "Aktiv04", "Aktiv99",
               "Aktiv03"]),
    ("resurser", [f"Resurs{i:02d}" for i in range(1, 11)]),
    ("oppet", _openk + [f"Serv0{i}" for i in range(1, 8)]),
    ("aktiviteter", _publ + ["Publ199", "Publ299"]),
    ("slutligen", ["SCB01", "SCB02"]),
]


def test_catalogue_lists_every_key_of_kbs_form_in_order() -> None:
    """Every numeric key of KB's form is in the workbook in KB's order and section, the ones the data
    cannot answer empty for manual entry (contact details and free-text comments are left out)."""
    cat = load_catalogue()
    want = [k for _, keys in BIBSTAT_FORM for k in keys]
    assert len(want) == 256 and len(set(want)) == 256
    assert [v.key for v in cat.variables] == want
    section = {k: s for s, keys in BIBSTAT_FORM for k in keys}
    assert {v.key: v.section for v in cat.variables} == section
    assert cat["Bestand299"].sum_of == ["Bestand201"] + [f"Bestand2{n:02d}" for n in range(3, 14)]
    exp = kb_export(Tables(), 2025, cat)
    for key in ("BemanService01", "Bestand201", "Titlar499", "Databas99", "Elan101", "Resurs01", "Serv07", "SCB02"):
        assert exp.value(key) is None and cat[key].compute is None, key
