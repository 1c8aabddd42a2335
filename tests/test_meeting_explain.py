"""Why a goal is red, the change breakdown, the draft Analys, the status trail and the rule that
carries open actions forward: all on a tiny hand-made data set, every number computed by hand.

Two district libraries, loans per month (initial loans, no renewals), Jan 2025 – Aug 2026:

| unit | media | audience | 2025 | 2026 |
|------|-------|----------|-----:|-----:|
| norr | bok     | vuxna | 100 |  90 |
| norr | e-media | barn  |  20 |  30 |
| syd  | bok     | vuxna |  50 |  40 |
| syd  | e-media | barn  |  10 |  10 |

T2 (jan–aug): 2025 = 8 × 180 = 1 440, 2026 = 8 × 170 = 1 360, change −80.
Population: Norr 1 000 and Syd 1 000 in 2025; Norr 1 100 and Syd 1 000 in 2026.
"""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import pandas as pd
import pytest

from etl.tables import Tables, conform
from goals import followup
from goals.actions import for_period, period_key
from goals.breakdown import DENOMINATOR, breakdown
from goals.explain import deciding, ranked
from goals.history import status_history
from goals.plan import parse_plan
from report.explain import draft_analysis, reason

PER_MONTH = {("norr", "bok", "vuxna"): (100, 90), ("norr", "e-media", "barn"): (20, 30),
             ("syd", "bok", "vuxna"): (50, 40), ("syd", "e-media", "barn"): (10, 10)}


def tables() -> Tables:
    units = pd.DataFrame({"unit_id": ["norr", "syd"], "name": ["Norrbiblioteket", "Södra biblioteket"],
                          "type": ["stadsdelsbibliotek", "stadsdelsbibliotek"], "district": ["Norr", "Syd"]})
    rows = []
    for month in pd.date_range("2025-01-01", "2026-08-01", freq="MS"):
        for (unit, media, audience), (v25, v26) in PER_MONTH.items():
            rows.append((month, unit, media, audience, "skonlitteratur", v25 if month.year == 2025 else v26, 0))
    loans = conform("loans", pd.DataFrame(rows, columns=["month", "unit_id", "media_type", "audience", "genre",
                                                         "initial_loans", "renewals"]))
    pop = conform("population", pd.DataFrame(
        [(2025, "Norr", 0, None, 1000), (2025, "Syd", 0, None, 1000),
         (2026, "Norr", 0, None, 1100), (2026, "Syd", 0, None, 1000)],
        columns=["year", "district", "age_from", "age_to", "population"]))
    return Tables(units=units, loans=loans, population=pop)


def ind(id_: str, name: str, definition: dict, target: dict, unit: str = "lån", decimals: int = 0) -> dict:
    return {"id": id_, "name_sv": name, "name_en": id_, "goals": ["g1"], "unit": unit, "decimals": decimals,
            "description_sv": "Test.", "definition": definition, "targets": {2026: target, 2025: target}}


PLAN = parse_plan({
    "goals": [{"id": "g1", "name": "Läsning"}],
    "indicators": [
        ind("utlan", "Utlånen", {"measure": {"table": "loans"}}, {"change_pct": 2, "tolerance": 1}),
        ind("per_inv", "Utlån per invånare", {"measure": {"table": "loans"}, "denominator": {"kind": "population"}},
            {"change_pct": -20, "tolerance": 1}, unit="lån per invånare", decimals=2),
        ind("ebok", "E-utlån", {"measure": {"table": "loans", "filters": {"media_type": "e-media"}}},
            {"change_pct": 0, "tolerance": 1}),
    ],
}, "test.yaml")


@pytest.fixture(scope="module")
def tiny() -> Tables:
    return tables()


def test_breakdown_of_a_sum_adds_up_to_the_change(tiny: Tables) -> None:
    bd = breakdown(PLAN, tiny, "utlan", 2026, "T2")
    assert bd.value == 1360 and bd.previous == 1440 and bd.total_change == -80
    unit = bd.dimension("unit").set_index("part")["contribution"].to_dict()
    assert unit == {"syd": -80.0, "norr": 0.0}  # norr: 120 -> 120 a month; syd: 60 -> 50
    media = bd.dimension("media_type").set_index("part")["contribution"].to_dict()
    assert media == {"bok": -160.0, "e-media": 80.0}  # bok 150 -> 130, e-media 30 -> 40, 8 months
    audience = bd.dimension("audience").set_index("part")["contribution"].to_dict()
    assert audience == {"vuxna": -160.0, "barn": 80.0}
    for dim in bd.dimensions:
        assert bd.dimension(dim)["contribution"].sum() == pytest.approx(-80)
    syd = bd.dimension("unit").set_index("part").loc["syd"]
    assert syd["change_pct"] == pytest.approx(-80 / 480 * 100)  # 480 -> 400


def test_breakdown_of_a_rate_has_a_denominator_line(tiny: Tables) -> None:
    bd = breakdown(PLAN, tiny, "per_inv", 2026, "T2")
    assert bd.value == pytest.approx(1360 / 2100) and bd.previous == pytest.approx(1440 / 2000)
    unit = bd.dimension("unit").set_index("part")["contribution"]
    # syd's 80 fewer loans over this year's 2 100 inhabitants; the 100 new inhabitants of Norr
    # spread last year's 1 440 loans thinner: 1 440/2 100 - 1 440/2 000
    assert unit["syd"] == pytest.approx(-80 / 2100)
    assert unit["norr"] == pytest.approx(0)
    assert unit[DENOMINATOR] == pytest.approx(1440 / 2100 - 1440 / 2000)
    assert unit.sum() == pytest.approx(1360 / 2100 - 1440 / 2000)
    media = bd.dimension("media_type").set_index("part")["contribution"]
    assert media["bok"] == pytest.approx(-160 / 2100) and media["e-media"] == pytest.approx(80 / 2100)
    assert media.sum() == pytest.approx(bd.total_change)


def test_breakdown_skips_a_dimension_the_filter_fixes(tiny: Tables) -> None:
    bd = breakdown(PLAN, tiny, "ebok", 2026, "T2")
    assert "media_type" not in bd.dimensions  # every e-loan is e-media
    assert bd.dimension("unit").set_index("part")["contribution"].to_dict() == {"norr": 80.0, "syd": 0.0}


def test_deciding_indicators_worst_first_with_reasons(tiny: Tables) -> None:
    fu = followup(PLAN, tiny, 2026, "T2")
    # utlan: -5,6 % against +2 % (tolerance 1) -> ej uppnått; per_inv: -10,1 % against -20 % -> uppnått;
    # ebok: +33 % against 0 % -> uppnått.  Goal: 1 of 3 ej uppnått -> delvis.
    status = dict(zip(fu["indicator_id"], fu["status"]))
    assert status == {"utlan": "ej_uppnatt", "per_inv": "uppnatt", "ebok": "uppnatt"}
    d = deciding(fu, "delvis")
    assert d["indicator_id"].tolist() == ["utlan"]
    order = ranked(fu, "delvis")["indicator_id"].tolist()
    assert order[0] == "utlan"
    row = fu.set_index("indicator_id").loc["utlan"]
    assert reason(row) == "förändring −5,6\u00a0% mot målet +2,0\u00a0%"  # -80 / 1 440 = -5,56 %
    assert reason(row, "en") == "change -5.6\u00a0% against the target +2.0\u00a0%"


def test_draft_analysis_names_the_parts_behind_the_change(tiny: Tables) -> None:
    fu = followup(PLAN, tiny, 2026, "T2").set_index("indicator_id")
    bd = breakdown(PLAN, tiny, "utlan", 2026, "T2")
    names = {"norr": "Norrbiblioteket", "syd": "Södra biblioteket"}
    text = draft_analysis(PLAN.indicator("utlan"), fu.loc["utlan"], bd, "sv", names)
    # syd alone: -80 of -80 = 100 %; bok: -160 of -80, more than the whole (e-media pulled up); vuxna likewise
    assert text == ("Utlånen minskade 5,6\u00a0% jämfört med jan–aug 2025; "
                    "per enhet står Södra biblioteket (−17\u00a0%) för 100\u00a0% av minskningen; "
                    "per medietyp står böcker (−13\u00a0%) för mer än hela minskningen; "
                    "per målgrupp står vuxna (−13\u00a0%) för mer än hela minskningen.")


def test_status_trail_per_tertial_and_year(tiny: Tables) -> None:
    trail = status_history(PLAN, tiny, "g1")
    periods = list(dict.fromkeys(zip(trail["year"], trail["period"])))
    # data run Jan 2025 – Aug 2026: 2025 has T1, T2, helår; 2026 has T1 and T2 (no full year yet)
    assert periods == [(2025, "T1"), (2025, "T2"), (2025, "helar"), (2026, "T1"), (2026, "T2")]
    goal = trail[trail["indicator_id"] == ""].set_index(["year", "period"])["status"]
    assert goal[(2025, "T2")] == "ingen_data"  # no 2024 to compare with
    assert goal[(2026, "T2")] == "delvis"


def _action(aid: int, year: int, period: str, state: str, saved: tuple[int, str], due: str | None = None):
    return SimpleNamespace(action_id=aid, year=year, period=period, state=state, saved_year=saved[0],
                           saved_period=saved[1], due=dt.date.fromisoformat(due) if due else None)


def test_open_actions_carry_to_later_periods_and_closed_ones_stay_where_closed() -> None:
    open_t1 = _action(1, 2026, "T1", "pagar", (2026, "T1"), "2026-06-30")
    done_t2 = _action(2, 2026, "T1", "klar", (2026, "T2"))
    done_t1 = _action(3, 2025, "T2", "klar", (2026, "T1"))
    new_t2 = _action(4, 2026, "T2", "planerad", (2026, "T2"), "2026-05-01")
    acts = [open_t1, done_t2, done_t1, new_t2]
    assert [a.action_id for a in for_period(acts, 2026, "T1")] == [1, 2, 3]
    assert [a.action_id for a in for_period(acts, 2026, "T2")] == [4, 1, 2]  # open first, by due date
    assert [a.action_id for a in for_period(acts, 2027, "T1")] == [4, 1]
    assert period_key(2026, "M04") < period_key(2026, "T1") < period_key(2026, "T2") < period_key(2026, "helar")


def test_no_breakdown_for_a_survey_says_why() -> None:
    plan = parse_plan({"goals": [{"id": "g1", "name": "G"}], "indicators": [
        ind("t2b", "Bemötande", {"measure": {"table": "survey", "filters": {"item": "bemotande"},
                                              "aggregation": "top2box"}, "scale": 100}, {"level": 90}, unit="%")]},
        "test.yaml")
    bd = breakdown(plan, tables(), "t2b", 2026, "T2")
    assert bd.parts.empty and bd.reason.startswith("enkät") and math.isnan(bd.total_change)
