"""Why a goal is red, in words, and a draft Analys from the change breakdown.

Used wherever a status appears (the overview card, the goal page, the presentation, the Word and
Excel reports), so the reason reads the same everywhere.  Every sentence is built from the numbers
of ``goals.explain`` and ``goals.breakdown`` by fixed rules; nothing is guessed or invented.
Swedish first, English for the English UI.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from goals.breakdown import DENOMINATOR, OTHER, Breakdown
from goals.explain import judged, shortfall_pct
from goals.plan import PERCENT_UNITS
from goals.status import STATUS_LABELS_EN, STATUS_LABELS_SV
from report.numbers import NBSP, sv_number

#: Names of the parts of a breakdown (units come from the unit register).
PART_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "media_type": {"bok": ("böcker", "books"), "ljudbok": ("ljudböcker", "audiobooks"),
                   "talbok": ("talböcker", "talking books"), "e-media": ("e-medier", "e-media"),
                   "musik": ("musik", "music"), "film": ("film", "film"), "spel": ("spel", "games"),
                   "tidskrift": ("tidskrifter", "magazines"), "ovrigt": ("övriga medier", "other media")},
    "audience": {"barn": ("barn", "children"), "unga": ("unga", "young people"), "vuxna": ("vuxna", "adults")},
    "target_group": {"barn": ("barn", "children"), "unga": ("unga", "young people"),
                     "vuxna": ("vuxna", "adults"), "alla": ("alla åldrar", "all ages")},
    "service": {"bemannad": ("bemannad tid", "staffed hours"), "meroppet": ("meröppet", "self-service hours")},
    "kb_category": {str(k): v for k, v in {
        101: ("BVC/Bokstart", "Bookstart"), 102: ("högläsning", "reading aloud"), 103: ("skapande verksamhet", "making"),
        104: ("slutna bokcirklar", "closed book circles"), 105: ("öppna bokcirklar och språkcaféer", "book circles and language cafés"),
        106: ("gruppbesök och klassbesök", "group and class visits"), 107: ("övrig läsfrämjande", "other reading promotion"),
        108: ("hjälp med informationssökning", "help with searching"), 109: ("övriga kurser", "other courses"),
        110: ("litteratursamtal", "literature talks"), 111: ("IT- och digital hjälp", "IT and digital help"),
        112: ("film", "film"), 113: ("föredrag, debatter och möten", "lectures, debates and meetings"),
        114: ("författarbesök", "author visits"), 115: ("musik", "music"), 116: ("skrivande", "writing"),
        117: ("sång och ramsor", "songs and rhymes"), 118: ("scenkonst", "performing arts"),
        119: ("utställningar", "exhibitions"), 120: ("övriga arrangemang", "other events")}.items()},
}

DIMENSION_LABELS: dict[str, tuple[str, str]] = {
    "unit": ("Enhet", "Unit"), "media_type": ("Medietyp", "Media type"), "audience": ("Målgrupp", "Audience"),
    "target_group": ("Målgrupp", "Target group"), "kb_category": ("Arrangemangskategori", "Event category"),
    "service": ("Öppettid", "Opening"),
}

DENOMINATOR_LABELS: dict[str, tuple[str, str]] = {
    "population": ("befolkningsförändringen", "the change in population"),
    "opening_hours": ("förändrade öppettimmar", "the change in opening hours"),
    "weeks": ("periodens antal veckor", "the number of weeks"),
    "measure": ("nämnarens förändring", "the change in the denominator"),
}


def _i(lang: str) -> int:
    return 1 if lang == "en" else 0


def num(value: float, decimals: int, lang: str = "sv") -> str:
    """A number in the UI language (Swedish ``1 234,5``; English ``1,234.5``), halves up."""
    text = sv_number(value, decimals)
    if lang == "en":
        text = text.replace(",", ".").replace(NBSP, ",").replace("−", "-")
    return text


def _signed(value: float, decimals: int, lang: str) -> str:
    text = num(abs(value), decimals, lang)
    if text.strip("0,.") == "":
        return "±" + text
    return ("+" if value > 0 else "−" if lang == "sv" else "-") + text


def _is_percent(unit_label: Any) -> bool:
    return str(unit_label or "").strip().lower() in PERCENT_UNITS


def value_text(value: float, decimals: int, unit_label: str, lang: str = "sv") -> str:
    text = num(value, decimals, lang)
    return f"{text}{NBSP}%" if _is_percent(unit_label) else text


def part_label(dimension: str, part: str, lang: str = "sv", unit_names: dict[str, str] | None = None,
               denominator_kind: str | None = None) -> str:
    """A part's name: the unit's name, ``e-medier``, ``föredrag, debatter och möten``…"""
    if part == DENOMINATOR:
        return DENOMINATOR_LABELS.get(denominator_kind or "measure", DENOMINATOR_LABELS["measure"])[_i(lang)]
    if part == OTHER:
        return ("övrigt (utan uppgift)", "other (not stated)")[_i(lang)]
    if dimension == "unit":
        return (unit_names or {}).get(part, part)
    pair = PART_LABELS.get(dimension, {}).get(part)
    return pair[_i(lang)] if pair else part


def reason(row: pd.Series | dict, lang: str = "sv") -> str:
    """Why an indicator has its status, in one phrase: what was judged against which target and
    how far off (``prognos 7,9 mot helårsmålet 8,5: 7 % under``), or why there is no status."""
    status = str(row.get("status") or "ingen_data")
    en = lang == "en"
    decimals = int(row.get("decimals") or 0) if not _missing(row.get("decimals")) else 1
    unit_label = str(row.get("unit_label") or "")
    note = "" if _missing(row.get("note")) else str(row.get("note"))
    why_not = "" if _missing(row.get("status_reason")) else str(row.get("status_reason"))
    if status == "osakert":
        return ("uncertain: " if en else "osäkert: ") + (why_not or note)
    if status == "ingen_data":
        note = why_not or note
        return ("no status: " if en else "ingen status: ") + (note or ("no value for the period" if en else "inget värde för perioden"))
    if status == "inget_mal":
        return "no target set" if en else "inget mål satt"
    if str(row.get("target_kind")) == "forandring" and str(row.get("status_basis")) != "prognos":
        change = row.get("change") if _is_percent(unit_label) else row.get("change_pct")
        target = row.get("target_change_pct")
        unit = (" p.p." if en else " p.e.") if _is_percent(unit_label) else f"{NBSP}%"
        if not _missing(change) and not _missing(target):
            return (f"change {_signed(float(change), 1, lang)}{unit} against the target {_signed(float(target), 1, lang)}{NBSP}%"
                    if en else
                    f"förändring {_signed(float(change), 1, lang)}{unit} mot målet {_signed(float(target), 1, lang)}{NBSP}%")
    value, target = judged(row)
    if math.isnan(value) or math.isnan(target):
        return STATUS_LABELS_EN[status] if en else STATUS_LABELS_SV[status]
    forecast = str(row.get("status_basis")) == "prognos"
    head = (("forecast " if forecast else "") if en else ("prognos " if forecast else ""))
    against = ("the full-year target " if forecast else "the target ") if en else ("helårsmålet " if forecast else "målet ")
    text = f"{head}{value_text(value, decimals, unit_label, lang)} {'against' if en else 'mot'} {against}{value_text(target, decimals, unit_label, lang)}"
    gap = shortfall_pct(row)
    if not math.isnan(gap) and abs(gap) >= 0.05:
        if _is_percent(unit_label):
            diff = abs(value - target)
            size = f"{num(diff, 1, lang)}{' p.p.' if en else ' p.e.'}"
        else:
            size = f"{num(abs(gap), 0 if abs(gap) >= 10 else 1, lang)}{NBSP}%"
        side = ("short" if gap > 0 else "beyond") if en else ("under" if gap > 0 else "över")
        if str(row.get("direction")) == "lower":
            side = ("too high" if gap > 0 else "below") if en else ("för högt" if gap > 0 else "under")
        text += f": {size} {side}"
    return text


def _missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)
    except (TypeError, ValueError):
        return True


def _change_word(change: float, lang: str) -> str:
    if lang == "en":
        return "rose" if change > 0 else "fell" if change < 0 else "was unchanged"
    return "ökade" if change > 0 else "minskade" if change < 0 else "var oförändrad"


def drivers(bd: Breakdown, dimension: str, share: float = 0.5, most: int = 2) -> pd.DataFrame:
    """The fewest parts (at most ``most``) of one dimension that pull the same way as the total
    change, largest first, until they account for ``share`` of it (the denominator line is left
    out).  Empty when the total change is zero."""
    total = bd.total_change
    if _missing(total) or total == 0:
        return bd.parts.iloc[0:0]
    df = bd.dimension(dimension)
    df = df[(df["part"] != DENOMINATOR) & (df["contribution"] * total > 0)]
    df = df.sort_values("contribution", key=lambda s: -s.abs()).head(most)
    picked = []
    acc = 0.0
    for _, r in df.iterrows():
        picked.append(r)
        acc += r["contribution"]
        if acc / total >= share:
            break
    return pd.DataFrame(picked, columns=bd.parts.columns)


def draft_analysis(ind: Any, row: pd.Series | dict, bd: Breakdown, lang: str = "sv",
                   unit_names: dict[str, str] | None = None) -> str:
    """A draft Analys for one indicator: the change against the same months last year and the parts
    that account for most of it, per dimension with their share (``Utlånen minskade 2,1 %
    jämfört med jan–aug 2025; per enhet står Gottsunda (−9 %) och Sävja (−5 %) för 80 % av
    minskningen; per medietyp e-medier (−12 %) för 60 %.``).  Empty when there is no change to
    explain."""
    en = lang == "en"
    name = ind.name_en if en else ind.name_sv
    if bd.reason or _missing(bd.total_change):
        return ""
    year = int(str(row.get("period_start"))[:4]) if not _missing(row.get("period_start")) else None
    span = str(row.get("span") or "")
    when = f"{span} {year - 1}" if year else ""
    percent = _is_percent(row.get("unit_label"))
    if percent or _missing(row.get("change_pct")):
        amount = f"{_signed(bd.total_change, int(row.get('decimals') or 1), lang)}{' p.p.' if en and percent else ' p.e.' if percent else ''}"
    else:
        amount = f"{num(abs(float(row['change_pct'])), 1, lang)}{NBSP}%"
    verb = _change_word(bd.total_change, lang)
    if bd.total_change == 0:
        return f"{name} {verb} {'compared with' if en else 'jämfört med'} {when}."
    if percent or _missing(row.get("change_pct")):
        head = f"{name} {'changed' if en else 'förändrades'} {amount} {'compared with' if en else 'jämfört med'} {when}"
    else:
        head = f"{name} {verb} {amount} {'compared with' if en else 'jämfört med'} {when}"
    clauses = []
    for dim in bd.dimensions:
        if (bd.dimension(dim)["part"] != DENOMINATOR).sum() < 2:
            continue  # one part explains nothing
        d = drivers(bd, dim)
        if d.empty:
            continue
        names = []
        for _, r in d.iterrows():
            label = part_label(dim, str(r["part"]), lang, unit_names, bd.denominator_kind)
            pct = r["change_pct"]
            names.append(label if _missing(pct) else f"{label} ({_signed(float(pct), 0, lang)}{NBSP}%)")
        share = float(d["contribution"].sum() / bd.total_change * 100)
        who = f" {'and' if en else 'och'} ".join(names)
        dim_label = DIMENSION_LABELS.get(dim, (dim, dim))[_i(lang)].lower()
        what = ("increase" if bd.total_change > 0 else "decrease") if en else ("ökningen" if bd.total_change > 0 else "minskningen")
        if share > 100.5:  # other parts pulled the other way
            amount = "more than the whole" if en else "mer än hela"
        else:
            amount = (f"{num(share, 0, lang)} % of the" if en else f"{num(share, 0, lang)}{NBSP}% av")
        if en:
            clauses.append(f"by {dim_label}, {who} account{'s' if len(names) == 1 else ''} for {amount} {what}")
        else:
            clauses.append(f"per {dim_label} står {who} för {amount} {what}")
    den = bd.parts[bd.parts["part"] == DENOMINATOR]["contribution"]
    if len(den) and abs(float(den.iloc[0])) >= 0.2 * abs(bd.total_change):
        effect = float(den.iloc[0])
        label = part_label("", DENOMINATOR, lang, None, bd.denominator_kind)
        decimals = int(row.get("decimals") or 1)
        clauses.append(f"{label} {'changes the value by' if en else 'ändrar värdet med'} {_signed(effect, decimals, lang)}")
    return head + ("; " + "; ".join(clauses) if clauses else "") + "."
