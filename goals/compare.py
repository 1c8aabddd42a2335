"""Comparison with other municipalities (benchmark data: KB's published statistics, Kolada).

The plan names the home municipality and a comparison group (``comparison:`` in
``biblioteksplan.yaml``): explicit municipality codes, or a rule -- the same municipality group
(a benchmark variable holding the group, e.g. SKR's kommungrupp) or a population within ±X % of the
home municipality's (a benchmark variable holding the population).  Each mapped indicator names the
benchmark variable that measures the same thing on both sides, with a note where definitions differ,
and may have a relative target (``target: median`` = "minst gruppens median").

Pure functions on the ``benchmark`` tidy table: no Dash, no store.
"""

from __future__ import annotations

import decimal
from typing import Literal

import numpy as np
import pandas as pd
from babel.numbers import format_decimal
from pydantic import BaseModel, ConfigDict, Field, model_validator

from etl.normalise.benchmark import area
from etl.problems import Problem


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BenchmarkMapping(_Model):
    """An indicator's counterpart in the benchmark data."""

    variable: str  # the publisher's code, e.g. Kolada "N09801" or KB "Folk146"
    scale: float = 1.0  # multiply the benchmark value to get the indicator's unit
    gender: Literal["T", "K", "M"] = "T"
    note_sv: str = ""  # where the definitions differ (e.g. "Kolada räknar e-lån med")
    note_en: str = ""  # the same in English (the Swedish note is shown when left out)
    target: Literal["median", "max", "min"] | None = None  # relative target: at least the group's median


class Comparison(_Model):
    home: str | int  # the home municipality's code, e.g. "0380" (380 as a YAML number works too)
    name: str = "Jämförelsegrupp"
    codes: list[str | int] = []  # explicit members
    group_variable: str | None = None  # rule: same value of this variable (municipality group)
    population_variable: str | None = None  # rule: population within ±population_within_pct
    population_within_pct: float | None = Field(default=None, gt=0)
    indicators: dict[str, BenchmarkMapping] = {}

    @model_validator(mode="after")
    def _check(self) -> "Comparison":
        if area(self.home) is None or area(self.home)[1] != "kommun":  # type: ignore[index]
            raise ValueError(f"home: {self.home!r} är ingen kommunkod; skriv fyra siffror, t.ex. \"0380\"")
        rules = sum([bool(self.codes), self.group_variable is not None, self.population_variable is not None])
        if rules != 1:
            raise ValueError("ange exakt ett av codes (lista med kommunkoder), group_variable (samma kommungrupp) "
                             "och population_variable med population_within_pct (folkmängd inom ±X %)")
        if (self.population_variable is None) != (self.population_within_pct is None):
            raise ValueError("population_variable och population_within_pct anges tillsammans")
        bad = [c for c in self.codes if area(c) is None or area(c)[1] != "kommun"]  # type: ignore[index]
        if bad:
            raise ValueError(f"codes: {bad} är inga kommunkoder; skriv fyra siffror, t.ex. \"0180\"")
        return self

    @property
    def home_code(self) -> str:
        return area(self.home)[0]  # type: ignore[index]


def _municipal(bm: pd.DataFrame) -> pd.DataFrame:
    return bm[bm["area_type"].astype(str) == "kommun"]


def group_members(cmp: Comparison, bm: pd.DataFrame, year: int) -> list[str]:
    """The comparison group's municipality codes in ``year`` (without the home municipality)."""
    home = cmp.home_code
    if cmp.codes:
        return [area(c)[0] for c in cmp.codes if area(c)[0] != home]  # type: ignore[index]
    m = _municipal(bm)
    m = m[(m["year"] == year) & (m["gender"].astype(str) == "T")]
    var = cmp.group_variable or cmp.population_variable
    rows = m[m["variable"].astype(str) == var]
    vals = rows.set_index(rows["area_code"].astype(str))["value"]
    if cmp.group_variable is not None and "value_text" in rows and rows["value_text"].notna().any():
        vals = rows.set_index(rows["area_code"].astype(str))["value_text"].astype(object)  # "A2 Större stad"
    vals = vals.dropna()
    if home not in vals.index:
        return []
    mine = vals[home]
    if cmp.group_variable is not None:
        members = vals.index[vals == mine]
    else:
        share = cmp.population_within_pct / 100  # type: ignore[operator]
        members = vals.index[(vals >= mine * (1 - share)) & (vals <= mine * (1 + share))]
    return sorted(c for c in members if c != home)


def comparison_frame(cmp: Comparison, bm: pd.DataFrame, indicator_id: str, direction: str = "higher") -> pd.DataFrame:
    """Per year: our value, the group's median, min and max, our rank (1 = best) among home + group,
    the number of municipalities with a value, and the status against a relative target.

    Columns: year, value, median, min, max, rank, n, target, status, members, note.  Status codes as
    in ``goals.status``: ``uppnatt``/``ej_uppnatt`` against the relative target, ``ingen_data`` when
    the home municipality or the group has no value that year, ``inget_mal`` without a target."""
    mapping = cmp.indicators[indicator_id]
    cols = ["year", "value", "median", "min", "max", "rank", "n", "target", "status", "members", "note"]
    m = _municipal(bm)
    m = m[(m["variable"].astype(str) == mapping.variable) & (m["gender"].astype(str) == mapping.gender)]
    rows = []
    home = cmp.home_code
    for year in sorted(int(y) for y in m["year"].dropna().unique()):
        members = group_members(cmp, bm, year)
        ym = m[m["year"] == year]
        vals = ym.set_index(ym["area_code"].astype(str))["value"].astype(float) * mapping.scale
        group = vals[vals.index.isin(members)].dropna()
        ours = vals.get(home)
        ours = None if ours is None or np.isnan(ours) else float(ours)
        med = float(group.median()) if len(group) else None
        target = {"median": med, "max": float(group.max()) if len(group) else None,
                  "min": float(group.min()) if len(group) else None}.get(mapping.target or "", None)
        rank = None
        if ours is not None:
            field = pd.concat([group, pd.Series({home: ours})])
            better = (field > ours) if direction != "lower" else (field < ours)
            rank = int(better.sum()) + 1
        status = "inget_mal"
        if mapping.target is not None:
            if ours is None or target is None:
                status = "ingen_data"
            else:
                ok = ours >= target if direction != "lower" else ours <= target
                status = "uppnatt" if ok else "ej_uppnatt"
        rows.append({"year": year, "value": ours, "median": med,
                     "min": float(group.min()) if len(group) else None,
                     "max": float(group.max()) if len(group) else None, "rank": rank,
                     "n": int(len(group)) + (ours is not None), "target": target, "status": status,
                     "members": len(members), "note": mapping.note_sv})
    return pd.DataFrame(rows, columns=cols)


TARGET_SV = {"median": "minst gruppens median", "max": "minst gruppens högsta värde", "min": "minst gruppens lägsta värde"}
TARGET_EN = {"median": "at least the group's median", "max": "at least the group's highest value",
             "min": "at least the group's lowest value"}


def comparison_table(plan, tables, year: int | None = None, upto: int | None = None, lang: str = "sv") -> pd.DataFrame:
    """Every mapped indicator's comparison (the plan's ``comparison``), long: one row per indicator
    and year (only ``year`` when given; only years up to ``upto`` when given -- the year viewed or
    reported).  Columns: indicator_id, indicator_name, unit, decimals, variable, group, target_rule,
    and those of :func:`comparison_frame`.  Empty without a comparison or benchmark data.  For the
    reports (Excel, Word) and the Jämförelse page; names and target rules in ``lang``."""
    cols = ["indicator_id", "indicator_name", "unit", "decimals", "variable", "group", "target_rule", "year",
            "value", "median", "min", "max", "rank", "n", "target", "status", "members", "note"]
    cmp = getattr(plan, "comparison", None)
    bm = tables.benchmark
    if cmp is None or not len(bm):
        return pd.DataFrame(columns=cols)
    rules = TARGET_SV if lang == "sv" else TARGET_EN
    parts = []
    for ind_id, mapping in cmp.indicators.items():
        ind = plan.indicator(ind_id)
        f = comparison_frame(cmp, bm, ind_id, ind.direction)
        if year is not None:
            f = f[f["year"] == year]
        if upto is not None:
            f = f[f["year"] <= upto]
        parts.append(f.assign(indicator_id=ind_id, indicator_name=ind.name_sv if lang == "sv" else ind.name_en,
                              unit=ind.unit, decimals=ind.decimals, variable=mapping.variable, group=cmp.name,
                              target_rule=rules.get(mapping.target or "", ""),
                              note=mapping.note_sv if lang == "sv" else (mapping.note_en or mapping.note_sv)))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    return out[cols]


def shown_year(table: pd.DataFrame, upto: int | None = None) -> int | None:
    """The year a comparison is shown for: the latest year (up to ``upto``, the year viewed or
    reported) in which a :func:`comparison_table` has our value or the group's; None if none."""
    if table is None or not len(table):
        return None
    t = table[table["value"].notna() | table["median"].notna()]
    if upto is not None:
        t = t[t["year"] <= upto]
    return int(t["year"].max()) if len(t) else None


def _fmt_group(v: float) -> str:
    return str(int(v)) if pd.notna(v) and float(v).is_integer() else str(v)


def _fmt_int(v: float, lang: str) -> str:
    whole = int(decimal.Decimal(repr(v)).quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP))
    return format_decimal(whole, format="#,##0", locale="sv_SE" if lang == "sv" else "en_GB")


def group_sentence(plan, tables, year: int | None = None, lang: str = "sv") -> str:
    """"Grupp (2025): Uppsala jämförs med Linköping, Lund, …" for ``year``, the year the comparison
    is shown for (default: the latest year with a compared value, see :func:`shown_year`); a
    population rule also names its range ("folkmängd 144 147–336 343").  "" without a comparison
    or data."""
    cmp = getattr(plan, "comparison", None)
    bm = tables.benchmark
    if cmp is None or not len(bm):
        return ""
    if year is None:
        year = shown_year(comparison_table(plan, tables))
        if year is None:
            return ""
    names = dict(zip(bm["area_code"].astype(str), bm["area_name"].astype(str)))
    members = sorted(names.get(c, c) for c in group_members(cmp, bm, year))
    home = names.get(cmp.home_code, cmp.home_code)
    rule = ""
    if cmp.group_variable is not None:
        m = _municipal(bm)
        mine = m[(m["year"] == year) & (m["gender"].astype(str) == "T") & (m["variable"].astype(str) == cmp.group_variable)
                 & (m["area_code"].astype(str) == cmp.home_code)]
        if len(mine):
            text = mine["value_text"].iloc[0] if "value_text" in mine else None
            rule = f", {cmp.group_variable} {text if isinstance(text, str) and text else _fmt_group(mine['value'].iloc[0])}"
    if cmp.population_variable is not None:
        m = _municipal(bm)
        pop = m[(m["year"] == year) & (m["gender"].astype(str) == "T") & (m["variable"].astype(str) == cmp.population_variable)
                & (m["area_code"].astype(str) == cmp.home_code)]["value"].dropna()
        if len(pop):
            share = cmp.population_within_pct / 100  # type: ignore[operator]
            lo, hi = _fmt_int(float(pop.iloc[0]) * (1 - share), lang), _fmt_int(float(pop.iloc[0]) * (1 + share), lang)
            rule = f", {'folkmängd' if lang == 'sv' else 'population'} {lo}–{hi}"
    if lang == "sv":
        return f"{cmp.name} ({year}{rule}): {home} jämförs med {', '.join(members) or '–'}."
    return f"{cmp.name} ({year}{rule}): {home} is compared with {', '.join(members) or '–'}."


def _near(value: str, known: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    return close[0] if close else ""


def comparison_problems(plan, bm: pd.DataFrame, plan_file: str = "biblioteksplan.yaml",
                        lang: str = "sv") -> list[Problem]:
    """Warnings where the plan's ``comparison`` names what the loaded benchmark data lack: the home
    municipality, a member, a mapped indicator's variable, the group or population variable (a typo
    such as ``N0980`` for ``N09801``, or data not loaded yet).  None without a comparison or without
    benchmark data (that is said on its own)."""
    cmp = getattr(plan, "comparison", None)
    if cmp is None or bm is None or not len(bm):
        return []
    sv = lang == "sv"
    areas = set(_municipal(bm)["area_code"].astype(str))
    variables = set(bm["variable"].astype(str))
    out: list[Problem] = []

    def add(key: str, value: str, what_sv: str, what_en: str, known: set[str]) -> None:
        near = _near(value, known)
        if sv:
            msg = (f"{what_sv} saknas i inlästa jämförelsedata. Rätta {key} i {plan_file}"
                   + (f" (menade du {near}?)" if near else "") + " eller läs in jämförelsedata som har den.")
        else:
            msg = (f"{what_en} is missing in the loaded benchmark data. Correct {key} in {plan_file}"
                   + (f" (did you mean {near}?)" if near else "") + " or load benchmark data that hold it.")
        out.append(Problem("varning", "comparison_missing", msg, file=plan_file, column=key, value=value))

    if cmp.home_code not in areas:
        add("comparison.home", cmp.home_code, f"Hemkommunen {cmp.home_code}", f"The home municipality {cmp.home_code}",
            areas)
    for code in cmp.codes:
        c = area(code)[0]  # type: ignore[index]
        if c not in areas:
            add("comparison.codes", c, f"Kommunen {c} i jämförelsegruppen", f"The group member {c}", areas)
    for key, var, sv_what, en_what in (("comparison.group_variable", cmp.group_variable, "Gruppvariabeln", "The group variable"),
                                       ("comparison.population_variable", cmp.population_variable,
                                        "Folkmängdsvariabeln", "The population variable")):
        if var is not None and var not in variables:
            add(key, var, f"{sv_what} {var}", f"{en_what} {var}", variables)
    for ind_id, mapping in cmp.indicators.items():
        if mapping.variable not in variables:
            add(f"comparison.indicators.{ind_id}.variable", mapping.variable,
                f"Variabeln {mapping.variable} (indikatorn {ind_id})",
                f"The variable {mapping.variable} (indicator {ind_id})", variables)
    return out
