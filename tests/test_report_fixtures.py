"""Shared fixtures of the report tests (no tests here): a tiny hand-built plan and Tables.

Two district libraries, loans every month of 2025 and January–August 2026 (so T2 2026 is complete):

- Filial A: 100 initial loans + 10 renewals a month in 2025, 120 + 10 in 2026;
- Filial B: 50 + 5 a month in 2025, 60 + 5 in 2026.

T2 2026 (jan–aug, 8 months): A = 8 × 130 = 1 040, B = 8 × 65 = 520, all = 1 560.
T2 2025: A = 8 × 110 = 880, B = 8 × 55 = 440, all = 1 320.  Change: 1 560 / 1 320 − 1 = +18,18 %.
Population (both years): district D1 1 000, D2 500 inhabitants.  Loans per inhabitant T2 2026:
A = 1,04, B = 1,04, all = 1 560 / 1 500 = 1,04.
Survey 2026, item bemötande, 10 answers at Filial A: 5,5,4,4,3,2,5,4,1,5 → 7 of 10 give 4–5:
top-2-box 70 %, n = 10 (fewer than 30: "för få svar").

:func:`store_info` is what a store would hand the report: a last data date, Analys and Åtgärder
texts that look like formulas, and three problems (one in a 2019 file, which T2 2026 leaves out).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from report import CommentText, StoreInfo
from etl.problems import Problem, to_frame
from etl.tables import Tables, conform
from goals.plan import parse_plan

PLAN = {
    "name": "Testplan",
    "goals": [
        {"id": "lasning", "name": "Läsning", "description": "Fler lån."},
        {"id": "bemotande", "name": "Bemötande", "description": "Nöjda besökare."},
    ],
    "indicators": [
        {
            "id": "utlan", "name_sv": "Utlån", "name_en": "Loans", "goals": ["lasning"], "unit": "lån",
            "decimals": 0, "kb_key": "Utlan399", "description_sv": "Alla utlån och omlån.",
            "definition": {"measure": {"table": "loans", "aggregation": "sum"}},
            "targets": {2026: {"change_pct": 5, "tolerance": 2}},
        },
        {
            "id": "utlan_per_inv", "name_sv": "Utlån per invånare", "name_en": "Loans per inhabitant",
            "goals": ["lasning"], "unit": "lån per invånare", "decimals": 2, "kb_key": "Utlan399/Population01",
            "description_sv": "Utlån delat med invånare.",
            "definition": {"measure": {"table": "loans", "aggregation": "sum"},
                           "denominator": {"kind": "population"}},
            "targets": {2026: {"level": 1.5, "tolerance": 0.1}},
        },
        {
            "id": "nojda", "name_sv": "Andel nöjda med bemötandet", "name_en": "Satisfied", "goals": ["bemotande"],
            "unit": "%", "decimals": 0, "description_sv": "Andel 4–5 av 5.",
            "definition": {"measure": {"table": "survey", "filters": {"item": "bemotande"}, "aggregation": "top2box"},
                           "scale": 100},
            "targets": {2026: {"level": 60, "tolerance": 5}},
        },
    ],
    "goal_sets": [
        {"id": "uppdragsplan", "name": "Uppdragsplan", "goals": [
            {"id": "u1", "name": "Fler utlån och nöjda besökare", "indicators": ["utlan", "nojda"]},
        ]},
    ],
}

SURVEY_ANSWERS = [5, 5, 4, 4, 3, 2, 5, 4, 1, 5]


def plan():
    return parse_plan(PLAN, "testplan.yaml")


def tables() -> Tables:
    units = pd.DataFrame(
        {"unit_id": ["filial_a", "filial_b"], "name": ["Filial A", "Filial B"],
         "type": ["stadsdelsbibliotek", "stadsdelsbibliotek"], "district": ["D1", "D2"]}
    ).astype({"unit_id": "str", "name": "str", "type": "category", "district": "str"})
    rows = []
    for year, last in ((2025, 12), (2026, 8)):
        for month in range(1, last + 1):
            for unit, (ini25, ren25, ini26, ren26) in {"filial_a": (100, 10, 120, 10),
                                                      "filial_b": (50, 5, 60, 5)}.items():
                rows.append({
                    "month": pd.Timestamp(year, month, 1), "unit_id": unit, "media_type": "bok",
                    "audience": "vuxna", "genre": "skonlitteratur",
                    "initial_loans": ini25 if year == 2025 else ini26,
                    "renewals": ren25 if year == 2025 else ren26,
                })
    loans = conform("loans", pd.DataFrame(rows))
    population = conform("population", pd.DataFrame(
        [{"year": y, "district": d, "age_from": 0, "age_to": None, "population": p}
         for y in (2025, 2026) for d, p in (("D1", 1000), ("D2", 500))]))
    survey = conform("survey", pd.DataFrame(
        [{"wave": 2026, "respondent_id": f"r{i}", "unit_id": "filial_a", "age_group": "30-49",
          "item": "bemotande", "value": float(v), "scale_max": 5} for i, v in enumerate(SURVEY_ANSWERS)]))
    return Tables(units=units, loans=loans, population=population, survey=survey)


FORMULA_LIKE = ["=SUM(A1)", "+46 70 123 45 67", "-tal läsecirklar", "@home"]


def store_info() -> StoreInfo:
    problems = to_frame([
        Problem("fel", "text_in_number", "Texten 'stängt' i en sifferkolumn.", "besok_2026.xlsx", "Blad1", 12,
                "Besökare", "stängt"),
        Problem("varning", "outage", "Räknaravbrott.", "besok_2019.xlsx", "Blad1", 40, "In", ""),
        Problem("varning", "formula", "Konstigt värde.", "utlan.xlsx", "Blad1", 7, "Antal", "=1+1"),
    ])
    return StoreInfo(
        last_data_date=dt.date(2026, 8, 31),
        comments={
            "lasning": {
                "analys": CommentText(FORMULA_LIKE[0] + "\n\n" + FORMULA_LIKE[1], "Anna", dt.datetime(2026, 9, 1, 10)),
                "atgarder": CommentText(FORMULA_LIKE[2] + "\n\n" + FORMULA_LIKE[3], "Bo"),
            }
        },
        problems=problems,
    )
