"""Swedish warnings from the rules' findings: related findings (a run of days, consecutive months,
the same weekday) grouped into one :class:`~etl.problems.Problem` each.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from etl.anomalies.context import Context
from etl.problems import Problem
from etl.spans import MONTHS_SHORT_SV

# --------------------------------------------------------------------------- messages
_MONTHS_SV = MONTHS_SHORT_SV  # a month as "nov 2026", as everywhere else
_WEEKDAYS_SV = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
#: Indefinite and definite plural, as used mid-sentence.
_KIND_NOUN = {
    "loans": ("utlån", "utlånen"),
    "visits": ("besök", "besöken"),
    "events": ("arrangemang", "arrangemangen"),
}
_KIND_COLUMN = {"loans": "Utlån", "visits": "Besök", "events": "Arrangemang"}


def _num(x: float) -> str:
    """A whole number the Swedish way: ``1 234 567`` (no-break spaces, as babel's sv_SE)."""
    return f"{round(float(x)):,}".replace(",", "\u00a0").replace("-", "−")


def _pct(x: float, signed: bool = False) -> str:
    p = round(float(x) * 100)
    sign = ("+" if p > 0 else "−" if p < 0 else "±") if signed else ""
    return f"{sign}{_num(abs(p) if signed else p)}\u00a0%"


def _ratio(x: float) -> str:
    return "×" + f"{x:.1f}".replace(".", ",")


def _date(d: Any) -> str:
    return pd.Timestamp(d).date().isoformat()


def _month(t: int) -> str:
    return f"{_MONTHS_SV[t % 12]} {t // 12}"


def _month_span(first: int, last: int) -> str:
    if first == last:
        return _month(first)
    if first // 12 == last // 12:
        return f"{_MONTHS_SV[first % 12]}–{_MONTHS_SV[last % 12]} {first // 12}"
    return f"{_month(first)}–{_month(last)}"


def _listed(items: list[str], limit: int, total: int | None = None) -> str:
    """The first ``limit`` items, and how many more of ``total`` (default: all items) there are."""
    total = len(items) if total is None else total
    shown = ", ".join(items[:limit])
    return shown + (f" och {total - limit} till" if total > limit else "")


def _row(x: Any) -> int | None:
    return None if pd.isna(x) else int(x)


def _blocks(f: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Block number of consecutive months (``t``) with the same ``keys``; ``f`` sorted by keys, t."""
    start = f["t"].diff() != 1
    for k in keys:
        start |= f[k] != f[k].shift()
    return start.cumsum()


def _warn(
    code: str,
    message: str,
    rec: Mapping[str, Any] | pd.Series,
    column: str = "",
    value: str = "",
    one_unit: bool = True,
) -> Problem:
    """A warning traced to ``rec``'s file, sheet and row; it concerns ``rec``'s unit unless
    ``one_unit`` is False (a finding listed for several units)."""
    unit = rec.get("unit_id", None) if one_unit else None
    return Problem(
        severity="varning",
        code=code,
        message=message,
        file=str(rec.get("file", "") or ""),
        sheet=str(rec.get("sheet", "") or ""),
        row=_row(rec.get("row", None)),
        column=column,
        value=value,
        unit_id="" if unit is None or (not isinstance(unit, str) and pd.isna(unit)) else str(unit),
    )


def _outage_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    out = []
    if ctx.rules.counter_outage.per_day:
        f = f.assign(run=np.arange(len(f)))
    for (unit, _), g in f.groupby(["unit_id", "run"], sort=True):
        first, last, n = g["date"].min(), g["date"].max(), len(g)
        when = _date(first) if n == 1 else f"{_date(first)} t.o.m. {_date(last)}"
        shown = (
            "besök saknas (tom cell)"
            if g["visits"].isna().all()
            else "besök är 0"
            if (g["visits"] == 0).all()
            else "besök är 0 eller saknas"
        )
        days = "öppetdag" if n == 1 else "öppetdagar"
        rec = g.iloc[0]
        out.append(
            _warn(
                "counter_outage",
                f"{ctx.unit_name(unit)}: {shown} {when} ({n} {days}), fast enheten har öppet "
                "enligt öppettiderna. Troligen var räknaren ur funktion. Kontrollera räknaren och lämna "
                "sådana dagar tomma i filen (0 räknas som inga besök); var enheten stängd, lägg in det i "
                "öppettiderna.",
                rec,
                "Besök",
                "" if pd.isna(rec["visits"]) else _num(rec["visits"]),
            )
        )
    return out


def _spike_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    return [
        _warn(
            "catch_up_spike",
            f"{ctx.unit_name(r['unit_id'])}: {_num(r['visits'])} besök {_date(r['date'])} "
            f"({_WEEKDAYS_SV[pd.Timestamp(r['date']).day_of_week]}) direkt efter ett räknaravbrott är "
            f"{_pct(r['visits'] / r['median'] - 1)} mer än medianen för samma veckodag veckorna runt "
            f"omkring ({_num(r['median'])}). Räknaren har troligen räknat ikapp de missade dagarna. "
            "Kontrollera värdet och rätta det så att besöken inte räknas dubbelt.",
            r,
            "Besök",
            _num(r["visits"]),
        )
        for _, r in f.iterrows()
    ]


def _double_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    out = []
    f = f.sort_values(["kind", "unit_id", "t"], ignore_index=True)
    for _, g in f.groupby(_blocks(f, ["kind", "unit_id"]), sort=False):
        kind, unit = g["kind"].iloc[0], g["unit_id"].iloc[0]
        against = []
        if g["ratio_year"].notna().any():
            against.append(f"{_ratio(g['ratio_year'].max())} mot samma månad förra året")
        if (g["ratio_previous"] >= ctx.rules.double_counting.ratio).any():
            against.append(f"{_ratio(g['ratio_previous'].max())} mot månaderna före")
        if kind == "visits":
            cause = (
                "Troligen räknar räknaren både in- och utpassager. Gör den det, ange counter_mode: in_out "
                "för källan i sources.yaml så delas värdena med 2."
            )
            change = _schedule_change(ctx, unit, int(g["t"].min()))
            if change is not None:
                since, before, after = change
                cause = (
                    f"Enheten har nya öppettider från {_date(since)} ({_num(before)} → {_num(after)} timmar "
                    "i veckan), vilket kan förklara ökningen; annars räknar räknaren troligen både in- och "
                    "utpassager. Gör den det, ange counter_mode: in_out för källan i sources.yaml så delas "
                    "värdena med 2."
                )
        else:
            cause = (
                "Troligen räknar exporten samma lån två gånger (t.ex. både utlån och återlämningar, eller "
                "två rapporter ihop). Kontrollera exporten och läs in den rättade filen."
            )
        rec = g.iloc[0]
        out.append(
            _warn(
                "double_counting",
                f"{ctx.unit_name(unit)}: {_KIND_NOUN[kind][1]} {_month_span(g['t'].min(), g['t'].max())} är "
                f"ungefär dubbelt så många som väntat ({' och '.join(against)}). {cause}",
                rec,
                _KIND_COLUMN[kind],
                _num(rec["value"]),
            )
        )
    return out


def _schedule_change(ctx: Context, unit: str, t: int) -> tuple[pd.Timestamp, float, float] | None:
    """A new opening-hours schedule of ``unit`` starting in month ``t`` or the month before, with
    the weekly hours of the schedule before it and of the new one; None if there is none."""
    oh = ctx.opening_hours
    if oh is None or oh.empty or "hours" not in oh:
        return None
    mine = oh[oh["unit_id"].astype(str) == unit]
    weekly = mine.groupby("valid_from")["hours"].sum().sort_index()
    months = weekly.index.year * 12 + weekly.index.month - 1
    starts = np.nonzero((months >= t - 1) & (months <= t))[0]
    if len(starts) == 0 or starts[-1] == 0:
        return None
    i = starts[-1]
    return weekly.index[i], float(weekly.iloc[i - 1]), float(weekly.iloc[i])


def _closed_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    out = []
    limit = ctx.rules.max_listed
    for (unit, wd), g in f.groupby(["unit_id", "weekday"], sort=True):
        day = _WEEKDAYS_SV[int(wd) - 1]
        n = len(g)
        rec = g.iloc[0]
        out.append(
            _warn(
                "closed_day_counts",
                f"{ctx.unit_name(unit)}: {_num(g['visits'].sum())} besök på {n} "
                f"{day if n == 1 else day + 'ar'} då enheten är stängd enligt öppettiderna "
                f"({_listed([_date(d) for d in g['date']], limit)}). "
                "Kontrollera öppettiderna (saknas en öppetdag eller meröppet?) eller om räknaren räknar "
                "personalens passager.",
                rec,
                "Besök",
                _num(rec["visits"]),
            )
        )
    return out


def _missing_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    out = []
    f = f.sort_values(["kind", "unit_id", "t"], ignore_index=True)
    for _, g in f.groupby(_blocks(f, ["kind", "unit_id"]), sort=False):
        kind, unit = g["kind"].iloc[0], g["unit_id"].iloc[0]
        why = (
            "enheten har data före och efter"
            if (g["reason"] == "gap").all()
            else "andra enheter har data för perioden och enheten hade data månaderna före"
        )
        out.append(
            _warn(
                "missing_month",
                f"{ctx.unit_name(unit)}: {_KIND_NOUN[kind][0]} saknas för "
                f"{_month_span(g['t'].min(), g['t'].max())}, fast {why}. Kontrollera att enheten "
                "finns med i exporten (heter den något annat, lägg till namnet som alias i units.yaml) "
                "och läs in den saknade perioden.",
                g.iloc[0],
                "",
                "",
            )
        )
    return out


def _partial_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    out = []
    for _, r in f.iterrows():
        month = _month(int(r["t"]))
        if r["kind"] == "visits":
            start = r["data_end"] + pd.Timedelta(days=1)
            what = f"resten av {month}" if start.day != 1 else month
            msg = (
                f"besöken slutar {_date(r['data_end'])} och {what} saknas. Exporten gjordes troligen "
                f"innan månaden var slut, så {month} räknas som ofullständig. Läs in en ny export efter "
                "månadsskiftet (den ersätter perioden)."
            )
            out.append(_warn("partial_period", msg, r, "Datum", _date(r["data_end"])))
            continue
        if r["export_date"] is not None and not pd.isna(r["export_date"]):
            basis = f"exporten gjordes {_date(r['export_date'])}, före månadens slut"
        else:
            basis = (
                f"utlånen ({_num(r['value'])}) är bara {_pct(r['value'] / r['previous'])} av medianen "
                f"för månaderna före ({_num(r['previous'])})"
            )
            if not np.isnan(r["last_year"]) and r["last_year"] > 0:
                basis += f" och {_pct(r['value'] / r['last_year'])} av samma månad förra året"
        msg = (
            f"{month} är troligen ofullständig: {basis}. Läs in en ny export efter månadsskiftet "
            f"(den ersätter perioden); till dess räknas {month} som ofullständig."
        )
        out.append(_warn("partial_period", msg, r, "Utlån", "" if pd.isna(r["value"]) else _num(r["value"])))
    return out


def _survey_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    n_min = ctx.rules.few_survey_answers.min_answers
    return [
        _warn(
            "few_survey_answers",
            f"{ctx.unit_name(r['unit_id'])}: enkäten {int(r['wave'])} har bara {int(r['answers'])} svar "
            f"(färre än {n_min}). Resultatet är osäkert och markeras 'för få svar'; redovisa antalet svar "
            "och jämför inte enheten med andra utan det, eller samla in fler svar.",
            r,
            "Enhet",
            str(int(r["answers"])),
        )
        for _, r in f.iterrows()
    ]


def _change_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    """One warning per unit, kind and file listing the months; when one file has findings for more
    than ``max_listed`` units (a first load of several years), one warning for the file instead,
    listing per unit how many months deviate and the largest deviation."""
    out = []
    cfg = ctx.rules
    share = _pct(cfg.change_vs_last_year.share)
    advice = (
        "Kontrollera att filen är rätt (rätt enhet, hela månaden, samma sätt att räkna som förra året); "
        "stämmer siffrorna, förklara gärna i analysen."
    )
    records = f.sort_values(["kind", "file", "unit_id", "t"]).to_dict("records")
    for (kind, _), file_grp in groupby(records, key=itemgetter("kind", "file")):
        by_unit = [list(g) for _, g in groupby(file_grp, key=itemgetter("unit_id"))]
        if len(by_unit) > cfg.max_listed:
            by_unit.sort(key=lambda g: (-len(g), ctx.unit_name(g[0]["unit_id"])))
            items = []
            for g in by_unit[: cfg.max_listed]:
                top = max(g, key=lambda r: abs(r["change"]))
                months = "1 månad" if len(g) == 1 else f"{len(g)} månader"
                items.append(
                    f"{ctx.unit_name(g[0]['unit_id'])} {months} (störst {_month(int(top['t']))} "
                    f"{_pct(top['change'], signed=True)})"
                )
            first = min((r for g in by_unit for r in g), key=lambda r: (pd.isna(r["row"]), 0 if pd.isna(r["row"]) else int(r["row"])))
            n_months = sum(len(g) for g in by_unit)
            out.append(
                _warn(
                    "change_vs_last_year",
                    f"{_KIND_NOUN[kind][1].capitalize()} avviker mer än {share} från samma månad förra året "
                    f"för {len(by_unit)} enheter ({n_months} månader): "
                    f"{_listed(items, cfg.max_listed, len(by_unit))}. {advice}",
                    first,
                    _KIND_COLUMN[kind],
                    _num(first["value"]),
                    one_unit=False,
                )
            )
            continue
        for g in by_unit:
            unit = g[0]["unit_id"]
            items = [
                f"{_month(int(r['t']))} {_pct(r['change'], signed=True)} ({_num(r['value'])} mot "
                f"{_num(r['last_year'])})"
                for r in g[: cfg.max_listed]
            ]
            out.append(
                _warn(
                    "change_vs_last_year",
                    f"{ctx.unit_name(unit)}: {_KIND_NOUN[kind][1]} avviker mer än {share} från samma månad "
                    f"förra året: {_listed(items, cfg.max_listed, len(g))}. {advice}",
                    g[0],
                    _KIND_COLUMN[kind],
                    _num(g[0]["value"]),
                )
            )
    return out


def _opening_hours_problems(ctx: Context, f: pd.DataFrame) -> list[Problem]:
    if ctx.opening_hours is None or ctx.opening_hours.empty:
        if f.empty:
            return []
        return [
            _warn(
                "no_opening_hours",
                "Inga öppettider är inlästa, så räknaravbrott och besök på stängda dagar kan inte "
                "kontrolleras. Läs in enheternas öppettider.",
                f.iloc[0],
                one_unit=False,
            )
        ]
    out = []
    for _, r in f.iterrows():
        n = int(r["days"])
        when = _date(r["first"]) if n == 1 else f"{_date(r['first'])} t.o.m. {_date(r['last'])}"
        out.append(
            _warn(
                "no_opening_hours",
                f"{ctx.unit_name(r['unit_id'])}: öppettider saknas för {n} {'dag' if n == 1 else 'dagar'} "
                f"med besök ({when}), så räknaravbrott och besök på stängda dagar kan inte kontrolleras "
                "där. Lägg in enhetens öppettider för perioden.",
                r,
            )
        )
    return out
